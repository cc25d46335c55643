//! CSV exports for finance: every payout (or those of one status), and one payout line by
//! line. Amounts are written from integer minor units; text cells that a spreadsheet would
//! run as a formula are prefixed with an apostrophe.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::db::payouts::{self as store, Payout};
use crate::db::{AnyConnection, accounts};
use crate::domain::Currency;
use crate::domain::payouts::{PayoutStatus, plain_amount};
use crate::error::AppError;
use crate::web::AppState;

const PAYOUT_COLUMNS: [&str; 11] = [
    "partner",
    "payout_id",
    "amount",
    "currency",
    "status",
    "reference",
    "approved_by",
    "approved_at",
    "second_approved_by",
    "second_approved_at",
    "created_at",
];

/// Keeps a spreadsheet from reading a cell as a formula.
fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn amount(minor: i64, currency: &str) -> String {
    let exponent = Currency::parse(currency).map_or(0, |c| c.exponent());
    plain_amount(minor, exponent)
}

fn instant(at: Option<chrono::NaiveDateTime>) -> String {
    at.map(|t| t.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// The payout's own columns, in `PAYOUT_COLUMNS` order.
fn payout_cells(p: &Payout, partner: &str, names: &HashMap<i64, String>) -> Vec<String> {
    let name = |id: Option<i64>| {
        id.and_then(|id| names.get(&id))
            .map(|n| cell(n))
            .unwrap_or_default()
    };
    vec![
        cell(partner),
        p.id.to_string(),
        amount(p.amount_minor, &p.currency),
        cell(&p.currency),
        p.status.clone(),
        p.reference.as_deref().map(cell).unwrap_or_default(),
        name(p.approved_by),
        instant(p.approved_at),
        name(p.second_approved_by),
        instant(p.second_approved_at),
        instant(Some(p.created_at)),
    ]
}

fn approver_names(
    conn: &mut AnyConnection,
    payouts: &[&Payout],
) -> Result<HashMap<i64, String>, AppError> {
    let ids: Vec<i64> = payouts
        .iter()
        .flat_map(|p| [p.approved_by, p.second_approved_by])
        .flatten()
        .collect();
    Ok(store::user_names(conn, &ids)?)
}

fn csv_response(file_name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body)
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    status: String,
}

pub async fn all(
    state: web::Data<AppState>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let status = query.status.parse::<PayoutStatus>().ok();
    let body = state
        .db(move |conn| {
            let (rows, _) = store::list(conn, status.map(|s| s.as_str()), None, None, 0)?;
            let refs: Vec<&Payout> = rows.iter().map(|(p, _)| p).collect();
            let names = approver_names(conn, &refs)?;
            let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
            writer
                .write_record(PAYOUT_COLUMNS)
                .map_err(AppError::internal)?;
            for (p, partner) in &rows {
                writer
                    .write_record(payout_cells(p, partner, &names))
                    .map_err(AppError::internal)?;
            }
            writer.into_inner().map_err(AppError::internal)
        })
        .await?;
    let name = match status {
        Some(s) => format!("payouts-{}.csv", s.as_str()),
        None => "payouts.csv".into(),
    };
    Ok(csv_response(&name, body))
}

pub async fn one(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let body = state
        .db(move |conn| {
            let Some(p) = store::find(conn, id)? else {
                return Err(AppError::NotFound);
            };
            let partner = accounts::organisation(conn, p.organisation_id)?.name;
            let names = approver_names(conn, &[&p])?;
            let head = payout_cells(&p, &partner, &names);
            let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
            let mut columns: Vec<&str> = PAYOUT_COLUMNS.to_vec();
            columns.extend([
                "line_id",
                "referral_id",
                "prospect",
                "company",
                "event",
                "line_amount",
                "line_status",
            ]);
            writer.write_record(&columns).map_err(AppError::internal)?;
            for line in store::lines(conn, id)? {
                let mut record = head.clone();
                record.extend([
                    line.line_id.to_string(),
                    line.referral_id.to_string(),
                    cell(&format!("{} {}", line.first_name, line.last_name)),
                    cell(&line.company),
                    cell(&line.event),
                    amount(line.amount_minor, &line.currency),
                    line.status,
                ]);
                writer.write_record(&record).map_err(AppError::internal)?;
            }
            writer.into_inner().map_err(AppError::internal)
        })
        .await?;
    Ok(csv_response(&format!("payout-{id}.csv"), body))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formula_like_cells_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("Partner A"), "Partner A");
    }
}
