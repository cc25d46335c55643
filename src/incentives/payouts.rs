//! Payouts: building a batch from approved ledger lines, approving (once, by one or two
//! admins), marking paid or failed. The state machine is `domain::payouts`; every change here
//! is a conditional update inside one transaction that checks how many rows it changed, and
//! mail goes to the outbox in that same transaction.

mod approve;
mod settle;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, QueryResult};

use super::IncentiveError;
use crate::db::audit::{self, AuditEntry};
use crate::db::payouts::{self as store, FreeLine, NewPayoutEvent};
use crate::db::{AnyConnection, accounts, settings, write_tx};
use crate::domain::payouts::PayoutStatus;
use crate::domain::{Currency, Money, statement_total};

pub use approve::{ApproveOutcome, approve};
pub use settle::{SettleOutcome, mark_failed, mark_paid};

/// Who acts, from where, when; and where the partner's payout pages are (for mail links).
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub user_id: i64,
    pub client_addr: &'a str,
    pub now: DateTime<Utc>,
    /// e.g. `https://portal.example/partner/payouts/`; the payout id is appended.
    pub partner_link_base: &'a str,
}

impl Actor<'_> {
    fn audit(
        &self,
        conn: &mut AnyConnection,
        action: &str,
        payout_id: i64,
        detail: Option<String>,
    ) -> QueryResult<()> {
        let entry = AuditEntry {
            actor_user_id: Some(self.user_id),
            action,
            object_type: "payout",
            object_id: Some(payout_id.to_string()),
            client_addr: Some(self.client_addr),
            detail,
        };
        audit::record(conn, &entry, self.now)
    }
}

/// A partner's approved lines that are in no active payout, added up.
#[derive(Debug, Clone)]
pub struct FreeTotal {
    pub organisation_id: i64,
    pub organisation: String,
    pub total: Money,
    pub line_ids: Vec<i64>,
    /// Whether the next build makes a payout of them.
    pub reaches_minimum: bool,
}

/// Groups free lines per partner and currency and adds them up exactly. A group whose
/// currency is unknown or whose total overflows is left out (and logged).
fn free_totals_of(
    conn: &mut AnyConnection,
    lines: Vec<FreeLine>,
    min_payout_minor: i64,
) -> QueryResult<Vec<FreeTotal>> {
    let mut groups: BTreeMap<(i64, String), Vec<FreeLine>> = BTreeMap::new();
    for line in lines {
        groups
            .entry((line.organisation_id, line.currency.clone()))
            .or_default()
            .push(line);
    }
    let mut totals = Vec::with_capacity(groups.len());
    for ((org, code), lines) in groups {
        let Ok(currency) = Currency::parse(&code) else {
            tracing::warn!(organisation = org, currency = %code, "approved lines in an unknown currency");
            continue;
        };
        let amounts = lines.iter().map(|l| Money::new(l.amount_minor, currency));
        let Ok(total) = statement_total(currency, amounts) else {
            tracing::warn!(
                organisation = org,
                "approved lines add up beyond the storage range"
            );
            continue;
        };
        totals.push(FreeTotal {
            organisation_id: org,
            organisation: accounts::organisation(conn, org)?.name,
            reaches_minimum: total.minor > 0 && total.minor >= min_payout_minor,
            total,
            line_ids: lines.into_iter().map(|l| l.id).collect(),
        });
    }
    Ok(totals)
}

/// Every partner with approved lines waiting for a payout, with their totals.
pub fn free_totals(conn: &mut AnyConnection) -> QueryResult<Vec<FreeTotal>> {
    let min = settings::load_incentives(conn)?.min_payout_minor;
    let lines = store::free_lines(conn)?;
    free_totals_of(conn, lines, min)
}

/// One payout a build made.
#[derive(Debug, Clone)]
pub struct BuiltPayout {
    pub payout_id: i64,
    pub organisation: String,
    pub amount: Money,
    pub lines: usize,
}

/// What a build did.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub built: Vec<BuiltPayout>,
    /// Partners whose lines another build, running at the same moment, took first.
    pub taken_meanwhile: Vec<String>,
    /// Partners whose approved total stays below the minimum.
    pub below_minimum: Vec<FreeTotal>,
}

/// Builds one payout per partner (and currency) from every approved line in no active
/// payout, when the lines add up to at least the minimum. Each partner's payout is its own
/// savepoint: if a build running at the same time put one of its lines into a payout first,
/// the unique index `payout_lines_one_active` refuses it and only that partner's payout is
/// undone.
pub fn build(conn: &mut AnyConnection, actor: &Actor) -> Result<BuildReport, IncentiveError> {
    write_tx(conn, |conn| {
        let min = settings::load_incentives(conn)?.min_payout_minor;
        let lines = store::free_lines(conn)?;
        let mut report = BuildReport::default();
        for group in free_totals_of(conn, lines, min)? {
            if !group.reaches_minimum {
                report.below_minimum.push(group);
                continue;
            }
            match conn.transaction(|conn| make_payout(conn, &group, actor)) {
                Ok(payout_id) => report.built.push(BuiltPayout {
                    payout_id,
                    organisation: group.organisation,
                    amount: group.total,
                    lines: group.line_ids.len(),
                }),
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    tracing::info!(
                        organisation = group.organisation_id,
                        "lines taken by a concurrent build"
                    );
                    report.taken_meanwhile.push(group.organisation);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(report)
    })
}

fn make_payout(conn: &mut AnyConnection, group: &FreeTotal, actor: &Actor) -> QueryResult<i64> {
    let status = PayoutStatus::AwaitingApproval.as_str();
    let payout_id = store::insert(
        conn,
        group.organisation_id,
        group.total.minor,
        group.total.currency.code(),
        status,
        actor.user_id,
        actor.now,
    )?;
    for line in &group.line_ids {
        store::add_line(conn, payout_id, *line)?;
    }
    let note = format!("Built from {} approved line(s)", group.line_ids.len());
    store::add_event(
        conn,
        &NewPayoutEvent {
            payout_id,
            from_status: None,
            to_status: status,
            actor_user_id: Some(actor.user_id),
            note: Some(&note),
        },
        actor.now,
    )?;
    actor.audit(
        conn,
        "payout_built",
        payout_id,
        Some(format!("{}; {}", group.total.format(), note)),
    )?;
    Ok(payout_id)
}

/// A stored amount formatted in its currency (the raw minor units if the code is unknown).
pub fn format_amount(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::new(minor, c).format(),
        Err(_) => format!("{minor} (minor units) {currency}"),
    }
}
