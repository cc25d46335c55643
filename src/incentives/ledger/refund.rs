//! Refunds of won deals and the clawback lines they book.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::Program;
use super::notify::money;
use crate::db::audit::{self, AuditEntry};
use crate::db::ledger::{self, NewLine};
use crate::db::referrals::{self, NewEvent, Status};
use crate::db::schema::referrals as referrals_table;
use crate::db::{AnyConnection, db_time, routing, write_tx};
use crate::domain::{Currency, LineStatus, Money, approvable_at, further_clawback};
use crate::incentives::{IncentiveError, tiers};

/// Who records a refund: the referral's assigned rep, or any admin.
#[derive(Debug, Clone, Copy)]
pub enum RefundActor {
    Rep(i64),
    Admin(i64),
}

impl RefundActor {
    fn user_id(self) -> i64 {
        match self {
            Self::Rep(id) | Self::Admin(id) => id,
        }
    }
}

/// What became of a refund.
#[derive(Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Recorded, with this many clawback lines.
    Done { clawbacks: usize },
    /// No such referral, or not this rep's.
    NotFound,
    /// Only a won deal with a value can be refunded.
    NotWon,
    /// More than the part of the deal value not yet refunded.
    Exceeds { remaining: String },
    /// Another refund was recorded meanwhile; nothing changed.
    Changed,
}

/// Records a refund of `amount` (in the deal's currency) on a won referral: raises its
/// refunded total with a conditional update, then books, for every won line of the referral
/// that was not rejected (one per co-referring partner), a clawback of opposite sign that
/// points at it — the original negated for a full refund, proportional for a partial one —
/// earned at `now`, so a clawback after a closed period lands on the next statement.
pub fn record_refund(
    conn: &mut AnyConnection,
    referral_id: i64,
    actor: RefundActor,
    amount: Money,
    client_addr: &str,
    now: DateTime<Utc>,
) -> Result<RefundOutcome, IncentiveError> {
    write_tx(conn, |conn| {
        let found = match actor {
            RefundActor::Rep(rep) => routing::find_for_rep(conn, referral_id, rep)?,
            RefundActor::Admin(_) => referrals::find(conn, referral_id)?,
        };
        let Some(referral) = found else {
            return Ok(RefundOutcome::NotFound);
        };
        let currency = Currency::parse(&referral.currency).unwrap_or(amount.currency);
        let (Some(deal_minor), true) = (
            referral.deal_value_minor,
            referral.status == Status::Won.as_str(),
        ) else {
            return Ok(RefundOutcome::NotWon);
        };
        let deal = Money::new(deal_minor, currency);
        let before = Money::new(referral.refunded_minor, currency);
        let remaining = deal_minor.saturating_sub(referral.refunded_minor);
        if amount.currency != currency || amount.minor <= 0 || amount.minor > remaining {
            return Ok(RefundOutcome::Exceeds {
                remaining: Money::new(remaining, currency).format(),
            });
        }
        let total = referral.refunded_minor + amount.minor;
        let changed = diesel::update(
            referrals_table::table
                .find(referral_id)
                .filter(referrals_table::status.eq(Status::Won.as_str()))
                .filter(referrals_table::refunded_minor.eq(referral.refunded_minor)),
        )
        .set((
            referrals_table::refunded_minor.eq(total),
            referrals_table::updated_at.eq(db_time(now)),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Ok(RefundOutcome::Changed);
        }
        let program = Program::load(conn)?;
        let reason = format!(
            "Refund of {} on {} (referral {referral_id}): clawback",
            amount.format(),
            referral.company
        );
        let mut clawbacks = 0;
        for line in ledger::lines_of_referral(conn, referral_id)? {
            let original = line.event == "won"
                && line.corrects_line_id.is_none()
                && line.status != LineStatus::Rejected.as_str();
            let Ok(line_currency) = Currency::parse(&line.currency) else {
                continue;
            };
            if !original {
                continue;
            }
            let claw = further_clawback(
                Money::new(line.amount_minor, line_currency),
                deal,
                before,
                amount,
            )
            .map_err(|e| {
                IncentiveError::Query(diesel::result::Error::QueryBuilderError(e.into()))
            })?;
            if claw.minor == 0 {
                continue;
            }
            let key = format!("clawback:{}:{total}", line.id);
            let booked = ledger::insert_line(
                conn,
                &NewLine {
                    organisation_id: line.organisation_id,
                    referral_id,
                    event: "clawback",
                    rule_id: line.rule_id,
                    tier_id: line.tier_id,
                    amount_minor: claw.minor,
                    currency: &line.currency,
                    reason: &reason,
                    corrects_line_id: Some(line.id),
                    earned_at: now,
                    approvable_at: approvable_at(now, program.holding_days),
                    unique_key: &key,
                },
                Some(actor.user_id()),
                now,
            )?;
            clawbacks += usize::from(booked.is_some());
        }
        let note = format!(
            "Refund of {} recorded ({} of {} refunded in all); {clawbacks} clawback line(s).",
            amount.format(),
            money(total, currency.code()),
            deal.format()
        );
        referrals::add_event(
            conn,
            &NewEvent {
                referral_id,
                actor_user_id: Some(actor.user_id()),
                kind: "refund",
                from_status: None,
                to_status: None,
                note: Some(&note),
                shared_with_partner: false,
            },
            now,
        )?;
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(actor.user_id()),
                action: "referral_refunded",
                object_type: "referral",
                object_id: Some(referral_id.to_string()),
                client_addr: Some(client_addr),
                detail: Some(note.clone()),
            },
            now,
        )?;
        tiers::reevaluate(conn, referral.organisation_id, now)?;
        Ok(RefundOutcome::Done { clawbacks })
    })
}
