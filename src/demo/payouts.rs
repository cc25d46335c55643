//! Demo payouts: from whatever approved reward lines the demo ledger holds, one build; the
//! first payout it makes is approved and marked paid, the others wait for approval. With no
//! approved lines, nothing is created.

use chrono::{DateTime, TimeDelta, Utc};

use super::SetupError;
use crate::db::AnyConnection;
use crate::incentives::payouts::{self, Actor, ApproveOutcome};

pub(super) fn seed(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    admin_id: i64,
) -> Result<(), SetupError> {
    let at = |minutes_ago: i64| Actor {
        user_id: admin_id,
        client_addr: "demo",
        now: now - TimeDelta::minutes(minutes_ago),
        partner_link_base: "/partner/payouts/",
    };
    let report = payouts::build(conn, &at(90))?;
    let Some(first) = report.built.first() else {
        return Ok(());
    };
    // Above a second-approval threshold the single demo admin cannot finish it; leave it.
    if payouts::approve(conn, first.payout_id, &at(60))? == ApproveOutcome::Approved {
        payouts::mark_paid(conn, first.payout_id, "DEMO-TRANSFER-0001", &at(30))?;
    }
    Ok(())
}
