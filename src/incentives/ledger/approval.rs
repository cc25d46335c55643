//! Lines moving on: pending to approvable when the holding period ends (a periodic job), and
//! approvable to approved or rejected by an admin.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::notify;
use crate::db::audit::{self, AuditEntry};
use crate::db::jobs::Job;
use crate::db::ledger::{self, RewardLine};
use crate::db::referrals;
use crate::db::{AnyConnection, write_tx};
use crate::domain::LineStatus;
use crate::incentives::IncentiveError;
use crate::jobs::{JobContext, JobError, JobHandler};

/// The periodic job that ends holding periods.
pub const HOLDING_JOB: &str = "reward_holding";

/// Lines moved per transaction, so one run never holds the write lock for long.
const BATCH: i64 = 200;

/// Moves every pending line whose holding period is over at `now` to approvable, with its
/// move row; returns how many moved. Safe to run any number of times, on any number of
/// processes: each move is conditional on the line still being pending.
pub fn release_held(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<usize, IncentiveError> {
    let mut moved = 0;
    loop {
        let (seen, changed) = write_tx(conn, |conn| {
            let due = ledger::due_pending(conn, now, BATCH)?;
            let mut changed = 0;
            for id in &due {
                let note = Some("Holding period over");
                if ledger::move_line(
                    conn,
                    *id,
                    LineStatus::Pending,
                    LineStatus::Approvable,
                    None,
                    note,
                    now,
                )? {
                    changed += 1;
                }
            }
            Ok::<_, IncentiveError>((due.len(), changed))
        })?;
        moved += changed;
        if (seen as i64) < BATCH || changed == 0 {
            return Ok(moved);
        }
    }
}

/// The `reward_holding` job handler.
pub struct ReleaseHeld;

impl JobHandler for ReleaseHeld {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        _job: &'a Job,
    ) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let moved = ctx
                .db(move |conn| release_held(conn, now).map_err(|e| JobError::from_error(&e)))
                .await?;
            if moved > 0 {
                tracing::info!(lines = moved, "holding periods ended");
            }
            Ok(())
        })
    }
}

/// Which approvable lines an approval covers.
#[derive(Debug, Clone, Copy)]
pub enum ApproveScope {
    /// One line.
    Line(i64),
    /// Every approvable line of a partner.
    Partner(i64),
}

/// Approves approvable lines and queues one `reward_approved` mail per partner; returns the
/// number of lines approved (0 when they were approved, rejected or missing meanwhile, so a
/// double click approves and mails once).
pub fn approve(
    conn: &mut AnyConnection,
    scope: ApproveScope,
    admin_id: i64,
    client_addr: &str,
    now: DateTime<Utc>,
    rewards_link: &str,
) -> Result<usize, IncentiveError> {
    write_tx(conn, |conn| {
        let lines: Vec<RewardLine> = match scope {
            ApproveScope::Line(id) => ledger::find_line(conn, id)?.into_iter().collect(),
            ApproveScope::Partner(org) => {
                let mut lines = Vec::new();
                for id in ledger::line_ids_in_status(conn, org, LineStatus::Approvable)? {
                    lines.extend(ledger::find_line(conn, id)?);
                }
                lines
            }
        };
        // Per partner: (organisation, count, total, currency).
        let mut approved: Vec<(i64, usize, i64, String)> = Vec::new();
        for line in lines {
            // Takes turns with `reject` on the line's referral (see there).
            referrals::lock(conn, line.referral_id)?;
            if reverses_rejected(conn, &line)? {
                reject_clawbacks_of(conn, line.corrects_line_id, admin_id, client_addr, now)?;
                continue;
            }
            // A clawback is approved only after the reward it corrects (an approval of a
            // whole partner meets the reward first: lines go in id order).
            if awaits_original(conn, &line)? {
                continue;
            }
            if !ledger::move_line(
                conn,
                line.id,
                LineStatus::Approvable,
                LineStatus::Approved,
                Some(admin_id),
                None,
                now,
            )? {
                continue;
            }
            audit_move(
                conn,
                "reward_line_approved",
                &line,
                admin_id,
                client_addr,
                None,
                now,
            )?;
            match approved
                .iter_mut()
                .find(|(org, ..)| *org == line.organisation_id)
            {
                Some((_, count, total, _)) => {
                    *count += 1;
                    *total = total.saturating_add(line.amount_minor);
                }
                None => approved.push((line.organisation_id, 1, line.amount_minor, line.currency)),
            }
        }
        for (org, count, total, currency) in &approved {
            notify::approved(conn, *org, *count, *total, currency, rewards_link, now)?;
        }
        Ok(approved.iter().map(|(_, count, ..)| count).sum())
    })
}

/// What became of a rejection.
#[derive(Debug, PartialEq, Eq)]
pub enum RejectOutcome {
    Rejected,
    /// Missing, or not approvable (any more): nothing changed.
    NotApprovable,
    /// A clawback of the line (this id) is approved or paid already: the partner was charged
    /// the refund against this reward, so rejecting it would charge them for a reward never
    /// granted. Refused; the admin approves the reward so the two cancel out.
    ClawbackSettled(i64),
}

/// Rejects one approvable line with the admin's reason, and its approvable clawbacks with it.
/// Refused while a clawback of the line is approved or paid (see [`RejectOutcome`]).
pub fn reject(
    conn: &mut AnyConnection,
    line_id: i64,
    reason: &str,
    admin_id: i64,
    client_addr: &str,
    now: DateTime<Utc>,
) -> Result<RejectOutcome, IncentiveError> {
    write_tx(conn, |conn| {
        let Some(line) = ledger::find_line(conn, line_id)? else {
            return Ok(RejectOutcome::NotApprovable);
        };
        // Approving a clawback locks its referral too, so on PostgreSQL a clawback approved
        // meanwhile is seen here (SQLite's BEGIN IMMEDIATE serialises the two already).
        referrals::lock(conn, line.referral_id)?;
        let settled = ledger::lines_of_referral(conn, line.referral_id)?
            .into_iter()
            .find(|c| {
                c.corrects_line_id == Some(line_id)
                    && (c.status == LineStatus::Approved.as_str()
                        || c.status == LineStatus::Paid.as_str())
            });
        if let Some(claw) = settled {
            return Ok(RejectOutcome::ClawbackSettled(claw.id));
        }
        let moved = ledger::move_line(
            conn,
            line_id,
            LineStatus::Approvable,
            LineStatus::Rejected,
            Some(admin_id),
            Some(reason),
            now,
        )?;
        if moved {
            let detail = Some(reason.to_owned());
            audit_move(
                conn,
                "reward_line_rejected",
                &line,
                admin_id,
                client_addr,
                detail,
                now,
            )?;
            reject_clawbacks_of(conn, Some(line_id), admin_id, client_addr, now)?;
            Ok(RejectOutcome::Rejected)
        } else {
            Ok(RejectOutcome::NotApprovable)
        }
    })
}

/// Why a clawback of a rejected reward is rejected with it.
const NOTHING_TO_TAKE_BACK: &str = "The reward it reverses was rejected: nothing to take back";

/// Whether `line` is a clawback of a reward that was rejected (never granted).
fn reverses_rejected(conn: &mut AnyConnection, line: &RewardLine) -> diesel::QueryResult<bool> {
    let Some(original) = line.corrects_line_id else {
        return Ok(false);
    };
    Ok(ledger::find_line(conn, original)?
        .is_some_and(|o| o.status == LineStatus::Rejected.as_str()))
}

/// Whether `line` corrects a reward that is not approved or paid yet: approving the clawback
/// first would charge the partner for a reward that may still be rejected.
fn awaits_original(conn: &mut AnyConnection, line: &RewardLine) -> diesel::QueryResult<bool> {
    let Some(original) = line.corrects_line_id else {
        return Ok(false);
    };
    let settled = [LineStatus::Approved.as_str(), LineStatus::Paid.as_str()];
    Ok(ledger::find_line(conn, original)?.is_some_and(|o| !settled.contains(&o.status.as_str())))
}

/// Rejects the approvable clawbacks of `original`, a rejected reward, so the partner is never
/// charged for a reward they were not given. Pending ones follow when they become approvable
/// and an admin approves them.
fn reject_clawbacks_of(
    conn: &mut AnyConnection,
    original: Option<i64>,
    admin_id: i64,
    client_addr: &str,
    now: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    let Some(original) = original else {
        return Ok(());
    };
    let Some(line) = ledger::find_line(conn, original)? else {
        return Ok(());
    };
    for claw in ledger::lines_of_referral(conn, line.referral_id)? {
        if claw.corrects_line_id != Some(original)
            || !ledger::move_line(
                conn,
                claw.id,
                LineStatus::Approvable,
                LineStatus::Rejected,
                Some(admin_id),
                Some(NOTHING_TO_TAKE_BACK),
                now,
            )?
        {
            continue;
        }
        let detail = Some(NOTHING_TO_TAKE_BACK.to_owned());
        audit_move(
            conn,
            "reward_line_rejected",
            &claw,
            admin_id,
            client_addr,
            detail,
            now,
        )?;
    }
    Ok(())
}

fn audit_move(
    conn: &mut AnyConnection,
    action: &str,
    line: &RewardLine,
    admin_id: i64,
    client_addr: &str,
    detail: Option<String>,
    now: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            actor_user_id: Some(admin_id),
            action,
            object_type: "reward_line",
            object_id: Some(line.id.to_string()),
            client_addr: Some(client_addr),
            detail: detail.or_else(|| Some(notify::money(line.amount_minor, &line.currency))),
        },
        now,
    )
}
