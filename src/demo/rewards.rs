//! The demo ledger: the demo pipeline booked reward lines as it would live; here the older
//! ones finish their holding period, some are approved, one won deal is partly refunded (a
//! clawback), and the months that have ended get their statements — so every status shows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::SetupError;
use crate::db::schema::reward_lines;
use crate::db::{AnyConnection, ledger};
use crate::domain::{Currency, LineStatus, Money};
use crate::incentives::ledger::{RefundActor, record_refund, release_held};
use crate::incentives::statements::close_due;

pub(super) fn seed(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    admin_id: i64,
) -> Result<(), SetupError> {
    release_held(conn, now)?;
    let approvable: Vec<i64> = reward_lines::table
        .filter(reward_lines::status.eq(LineStatus::Approvable.as_str()))
        .order(reward_lines::id.asc())
        .select(reward_lines::id)
        .load(conn)?;
    // Every other approvable line approved; the rest wait for an admin.
    for id in approvable.iter().step_by(2) {
        let note = Some("Checked against the closed deal.");
        ledger::move_line(
            conn,
            *id,
            LineStatus::Approvable,
            LineStatus::Approved,
            Some(admin_id),
            note,
            now,
        )?;
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
