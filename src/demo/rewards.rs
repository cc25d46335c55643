//! The demo ledger: the demo pipeline booked reward lines as it would live; here the older
//! ones finish their holding period, one is rejected, most are approved (a partner's newest
//! waits for an admin), one won deal is partly refunded (a clawback), and the months that
//! have ended get their statements — so every status shows.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;

use super::SetupError;
use crate::db::AnyConnection;
use crate::db::schema::reward_lines;
use crate::domain::{Currency, LineStatus, Money};
use crate::incentives::ledger::{
    ApproveScope, RefundActor, approve, record_refund, reject, release_held,
};
use crate::incentives::statements::close_due;

pub(super) fn seed(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    admin_id: i64,
) -> Result<(), SetupError> {
    // Two hours ago, so these moves come before the demo payouts' (90 to 30 minutes ago).
    let decided = now - TimeDelta::hours(2);
    release_held(conn, decided)?;
    let approvable: Vec<(i64, i64, String)> = reward_lines::table
        .filter(reward_lines::status.eq(LineStatus::Approvable.as_str()))
        .order(reward_lines::id.asc())
        .select((
            reward_lines::id,
            reward_lines::organisation_id,
            reward_lines::event,
        ))
        .load(conn)?;
    // The oldest meeting bounty rejected with a reason; of each partner's other lines all but
    // the newest approved, so one still waits for an admin. Through the admin's own
    // functions, so each move is audited as it would be live.
    let rejected = approvable
        .iter()
        .find(|(.., event)| event == "meeting_booked");
    if let Some((id, ..)) = rejected {
        let reason = "The meeting was cancelled by the prospect and not rebooked.";
        reject(conn, *id, reason, admin_id, "demo", decided)?;
    }
    let rest: Vec<_> = approvable
        .iter()
        .filter(|line| Some(*line) != rejected)
        .collect();
    for (k, (id, org, _)) in rest.iter().enumerate() {
        let newest = !rest[k + 1..].iter().any(|(_, other, _)| other == org);
        if !newest {
            let scope = ApproveScope::Line(*id);
            approve(conn, scope, admin_id, "demo", decided, "/partner/rewards")?;
        }
    }
    // A fifth of the most recent won deal refunded: its partner sees the clawback.
    let won: Option<(i64, Option<i64>, String)> = crate::db::schema::referrals::table
        .filter(crate::db::schema::referrals::status.eq("won"))
        .order(crate::db::schema::referrals::won_at.desc())
        .select((
            crate::db::schema::referrals::id,
            crate::db::schema::referrals::deal_value_minor,
            crate::db::schema::referrals::currency,
        ))
        .first(conn)
        .optional()?;
    if let Some((id, Some(value), currency)) = won {
        let currency = Currency::parse(&currency).unwrap_or(Currency::EUR);
        let refund = Money::new(value / 5, currency);
        record_refund(conn, id, RefundActor::Admin(admin_id), refund, "demo", now)?;
    }
    close_due(conn, now, "/partner/rewards/statements/")?;
    Ok(())
}
