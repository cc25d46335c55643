//! Downloads: the template with the expected headers, and an upload's outcome report (every
//! row with what happened to it), as CSV. Cells that a spreadsheet would run as a formula are
//! prefixed with an apostrophe.

use actix_web::{HttpRequest, HttpResponse, web};

use super::{Area, load_upload};
use crate::db::uploads::{self, RowFilter};
use crate::domain::upload::TEMPLATE_HEADERS;
use crate::error::AppError;
use crate::uploads::outcome_label;
use crate::web::AppState;
use crate::web::csv_download::{cell, csv_response};
use crate::web::guard::CurrentUser;

pub async fn download_template(user: CurrentUser) -> Result<HttpResponse, AppError> {
    Area::of(&user)?;
    let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    writer
        .write_record(TEMPLATE_HEADERS)
        .map_err(AppError::internal)?;
    let body = writer.into_inner().map_err(AppError::internal)?;
    Ok(csv_response("referral-upload-template.csv", body))
}

pub async fn download_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let upload = load_upload(&state, &req, &user, path.into_inner()).await?;

    let id = upload.id;
    let body = state
        .db(move |conn| {
            let mut writer = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
            writer
                .write_record([
                    "row",
                    "line",
                    "prospect",
                    "company",
                    "email",
                    "outcome",
                    "details",
                    "warnings",
                    "referral_id",
                ])
                .map_err(AppError::internal)?;
            let mut after = 0;
            loop {
                let rows = uploads::rows(conn, id, RowFilter::All, after, 1000)?;
                let Some(last) = rows.last() else { break };
                after = last.row_no;
                for r in rows {
                    writer
                        .write_record([
                            r.row_no.to_string(),
                            r.line_no.to_string(),
                            cell(&r.prospect),
                            cell(&r.company),
                            cell(&r.email),
                            outcome_label(&r.outcome).to_owned(),
                            cell(&r.detail),
                            cell(&r.warnings),
                            r.referral_id.map(|i| i.to_string()).unwrap_or_default(),
                        ])
                        .map_err(AppError::internal)?;
                }
            }
            writer.into_inner().map_err(AppError::internal)
        })
        .await?;

    Ok(csv_response(&format!("upload-{id}-report.csv"), body))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formula_like_cells_are_defused_for_spreadsheets() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+44 20"), "'+44 20");
        assert_eq!(cell("Lena Vogt"), "Lena Vogt");
    }
}
