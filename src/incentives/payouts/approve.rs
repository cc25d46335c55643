//! Approving a payout exactly once: one admin, or two different ones above the threshold.

use super::{Actor, format_amount};
use crate::db::payouts::{self as store, NewPayoutEvent};
use crate::db::{AnyConnection, accounts, outbox, settings, write_tx};
use crate::domain::payouts::{self as rules, ApprovalRefused, PayoutStatus};
use crate::incentives::IncentiveError;
use crate::mail::messages;

/// What an approval did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproveOutcome {
    /// Fully approved now; the partner was told.
    Approved,
    /// First of two approvals recorded; another admin must approve too.
    AwaitingSecond,
    /// Nothing changed, and why.
    Refused(ApprovalRefused),
    NotFound,
}

/// Approves payout `id` as `actor` (whose password the caller has checked). A repeated or
/// concurrent request finds the status already moved on — the update is conditional on the
/// status it read — and changes nothing: one event, at most one mail.
pub fn approve(
    conn: &mut AnyConnection,
    id: i64,
    actor: &Actor,
) -> Result<ApproveOutcome, IncentiveError> {
    write_tx(conn, |conn| {
        // Two rounds at most: if another admin's first approval lands between our read and
        // our update, this one may still be the second approval it now waits for.
        let mut round = 0;
        let (payout, from, to) = loop {
            round += 1;
            let Some(payout) = store::find(conn, id)? else {
                return Ok(ApproveOutcome::NotFound);
            };
            let Ok(from) = payout.status.parse::<PayoutStatus>() else {
                return Ok(ApproveOutcome::NotFound);
            };
            let threshold = settings::load_incentives(conn)?.second_approval_above_minor;
            let needs_second = rules::needs_second_approval(payout.amount_minor, threshold);
            let to = match rules::approve(from, needs_second, payout.approved_by, actor.user_id) {
                Ok(to) => to,
                Err(refused) => return Ok(ApproveOutcome::Refused(refused)),
            };
            let changed = match from {
                PayoutStatus::AwaitingApproval => {
                    store::record_first_approval(conn, id, to.as_str(), actor.user_id, actor.now)?
                }
                _ => store::record_second_approval(conn, id, actor.user_id, actor.now)?,
            };
            if changed == 1 {
                break (payout, from, to);
            }
            if round == 2 {
                return Ok(ApproveOutcome::Refused(ApprovalRefused::AlreadyApproved));
            }
        };
        let note = match (from, to) {
            (PayoutStatus::AwaitingApproval, PayoutStatus::AwaitingSecondApproval) => {
                "First approval; a second admin must approve"
            }
            (PayoutStatus::AwaitingSecondApproval, _) => "Second approval",
            _ => "Approved",
        };
        store::add_event(
            conn,
            &NewPayoutEvent {
                payout_id: id,
                from_status: Some(from.as_str()),
                to_status: to.as_str(),
                actor_user_id: Some(actor.user_id),
                note: Some(note),
            },
            actor.now,
        )?;
        actor.audit(
            conn,
            "payout_approved",
            id,
            Some(format!("{} -> {}", from.as_str(), to.as_str())),
        )?;
        if to != PayoutStatus::Approved {
            return Ok(ApproveOutcome::AwaitingSecond);
        }
        let organisation = accounts::organisation(conn, payout.organisation_id)?.name;
        let line_count = store::line_ids(conn, id)?.len();
        for (email, name) in store::recipients(conn, payout.organisation_id)? {
            let mail = messages::payout_approved(
                &email,
                &messages::PayoutApproved {
                    recipient_name: name,
                    organisation: organisation.clone(),
                    payout_id: id,
                    amount: format_amount(payout.amount_minor, &payout.currency),
                    line_count,
                    link: format!("{}{}", actor.partner_link_base, id),
                },
            )?;
            outbox::enqueue(conn, &mail, actor.now)?;
        }
        Ok(ApproveOutcome::Approved)
    })
}
