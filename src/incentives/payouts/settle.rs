//! Marking a payout paid (with a reference) or failed (with a reason), and paid again after a
//! failure. Each runs in one transaction; anything unexpected rolls all of it back.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::{Actor, format_amount};
use crate::db::payouts::{self as store, NewPayoutEvent, Payout};
use crate::db::{AnyConnection, accounts, outbox, write_tx};
use crate::domain::payouts::{self as rules, PayoutStatus};
use crate::domain::{LineStatus, can_move};
use crate::incentives::IncentiveError;
use crate::mail::messages;

/// What marking a payout paid or failed did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleOutcome {
    Done,
    NotFound,
    /// The payout is not (or no longer) in a status this change starts from.
    WrongStatus(PayoutStatus),
    /// Marking a failed payout paid again: some of its lines are in another active payout.
    LinesTaken,
    /// A line was not in the status the change expects; nothing was changed.
    LinesChanged,
}

/// Rolls the transaction back with an outcome, or fails with a real error.
enum Stop {
    Outcome(SettleOutcome),
    Failed(IncentiveError),
}

impl<E: Into<IncentiveError>> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Failed(e.into())
    }
}

fn finish(result: Result<SettleOutcome, Stop>) -> Result<SettleOutcome, IncentiveError> {
    match result {
        Ok(outcome) | Err(Stop::Outcome(outcome)) => Ok(outcome),
        Err(Stop::Failed(e)) => Err(e),
    }
}

fn current(conn: &mut AnyConnection, id: i64) -> Result<Option<(Payout, PayoutStatus)>, Stop> {
    Ok(store::find(conn, id)?.and_then(|p| p.status.parse::<PayoutStatus>().ok().map(|s| (p, s))))
}

/// Moves every line of the payout from `from` to `to`, each with a recorded move; stops the
/// whole change if one is not in `from`.
fn move_lines(
    conn: &mut AnyConnection,
    payout_id: i64,
    from: LineStatus,
    to: LineStatus,
    actor: &Actor,
    note: &str,
) -> Result<usize, Stop> {
    if !can_move(from, to) {
        return Err(Stop::Outcome(SettleOutcome::LinesChanged));
    }
    let ids = store::line_ids(conn, payout_id)?;
    for line in &ids {
        let moved = store::move_line(
            conn,
            *line,
            from.as_str(),
            to.as_str(),
            actor.user_id,
            note,
            actor.now,
        )?;
        if !moved {
            return Err(Stop::Outcome(SettleOutcome::LinesChanged));
        }
    }
    Ok(ids.len())
}

/// Marks payout `id` paid with `reference`: from approved, or again from failed if it had
/// been fully approved and none of its lines joined another active payout. Its lines become
/// paid and the partner's users get one `payout_sent` mail each.
pub fn mark_paid(
    conn: &mut AnyConnection,
    id: i64,
    reference: &str,
    actor: &Actor,
) -> Result<SettleOutcome, IncentiveError> {
    finish(write_tx(conn, |conn| {
        let Some((payout, from)) = current(conn, id)? else {
            return Ok(SettleOutcome::NotFound);
        };
        let was_approved = from != PayoutStatus::Failed || store::was_approved(conn, id)?;
        if !rules::can_mark_paid(from, was_approved) {
            return Ok(SettleOutcome::WrongStatus(from));
        }
        let to = PayoutStatus::Paid;
        if store::set_status(
            conn,
            id,
            from.as_str(),
            to.as_str(),
            Some(reference),
            None,
            actor.now,
        )? != 1
        {
            let now = current(conn, id)?.map_or(from, |(_, s)| s);
            return Ok(SettleOutcome::WrongStatus(now));
        }
        if from == PayoutStatus::Failed {
            // The unique index answers whether a line joined another active payout meanwhile.
            match store::set_lines_active(conn, id, true) {
                Ok(_) => {}
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    return Err(Stop::Outcome(SettleOutcome::LinesTaken));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let note = format!("Payout {id} paid, reference {reference}");
        let lines = move_lines(
            conn,
            id,
            LineStatus::Approved,
            LineStatus::Paid,
            actor,
            &note,
        )?;
        let event_note = format!("Reference: {reference}");
        record(conn, id, from, to, actor, &event_note, "payout_paid")?;
        let organisation = accounts::organisation(conn, payout.organisation_id)?.name;
        for (email, name) in store::recipients(conn, payout.organisation_id)? {
            let mail = messages::payout_sent(
                &email,
                &messages::PayoutSent {
                    recipient_name: name,
                    organisation: organisation.clone(),
                    payout_id: id,
                    amount: format_amount(payout.amount_minor, &payout.currency),
                    reference: reference.to_owned(),
                    line_count: lines,
                    link: format!("{}{}", actor.partner_link_base, id),
                },
            )?;
            outbox::enqueue(conn, &mail, actor.now)?;
        }
        Ok(SettleOutcome::Done)
    }))
}

/// Marks payout `id` failed with `reason`: its lines leave it (their `payout_lines` rows
/// become inactive) and are approved again — paid ones move back from paid — so they can
/// join a later batch. A partner who was told the payout was sent gets a `payout_failed`.
pub fn mark_failed(
    conn: &mut AnyConnection,
    id: i64,
    reason: &str,
    actor: &Actor,
) -> Result<SettleOutcome, IncentiveError> {
    finish(write_tx(conn, |conn| {
        let Some((payout, from)) = current(conn, id)? else {
            return Ok(SettleOutcome::NotFound);
        };
        if !from.can_fail() {
            return Ok(SettleOutcome::WrongStatus(from));
        }
        let to = PayoutStatus::Failed;
        if store::set_status(
            conn,
            id,
            from.as_str(),
            to.as_str(),
            None,
            Some(reason),
            actor.now,
        )? != 1
        {
            let now = current(conn, id)?.map_or(from, |(_, s)| s);
            return Ok(SettleOutcome::WrongStatus(now));
        }
        store::set_lines_active(conn, id, false)?;
        let line_from = if from == PayoutStatus::Paid {
            LineStatus::Paid
        } else {
            LineStatus::Approved
        };
        let note = format!("Payout {id} failed: {reason}; the line can join a later payout");
        move_lines(conn, id, line_from, LineStatus::Approved, actor, &note)?;
        record(conn, id, from, to, actor, reason, "payout_failed")?;
        if from == PayoutStatus::Paid {
            let organisation = accounts::organisation(conn, payout.organisation_id)?.name;
            for (email, name) in store::recipients(conn, payout.organisation_id)? {
                let mail = messages::payout_failed(
                    &email,
                    &messages::PayoutFailed {
                        recipient_name: name,
                        organisation: organisation.clone(),
                        payout_id: id,
                        amount: format_amount(payout.amount_minor, &payout.currency),
                        reason: reason.to_owned(),
                        link: format!("{}{}", actor.partner_link_base, id),
                    },
                )?;
                outbox::enqueue(conn, &mail, actor.now)?;
            }
        }
        Ok(SettleOutcome::Done)
    }))
}

fn record(
    conn: &mut AnyConnection,
    id: i64,
    from: PayoutStatus,
    to: PayoutStatus,
    actor: &Actor,
    note: &str,
    action: &str,
) -> Result<(), Stop> {
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
        action,
        id,
        Some(format!("{} -> {}: {note}", from.as_str(), to.as_str())),
    )?;
    Ok(())
}
