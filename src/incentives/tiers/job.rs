//! The periodic tier review: demotes partners whose demotion review has come and who are
//! still below their tier, and re-evaluates every partner above the entry tier so that a
//! window sliding past old results starts their grace. It may run on several processes at
//! once: each change is a conditional update, so a partner is demoted and mailed once.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::{Change, Program, apply_change, reevaluate};
use crate::db::jobs::Job;
use crate::db::{AnyConnection, standings, write_tx};
use crate::domain::tiers::{TierDecision, evaluate};
use crate::incentives::IncentiveError;
use crate::jobs::{JobContext, JobError, JobHandler};

/// The job kind of the periodic review.
pub const TIER_REVIEW: &str = "tier_review";

/// Runs the review; `link` is the absolute URL of the partner tier dashboard, for the mail.
pub struct TierReview {
    pub link: String,
}

impl JobHandler for TierReview {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        _job: &'a Job,
    ) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let link = self.link.clone();
            let now = ctx.clock.now();
            ctx.db(move |conn| {
                review_all(conn, now, Some(&link)).map_err(|e| JobError::from_error(&e))?;
                Ok(())
            })
            .await
        })
    }
}

/// Holds every review that is due at `now`, then re-evaluates the partners above the entry
/// tier; returns how many partners were demoted.
pub fn review_all(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    link: Option<&str>,
) -> Result<usize, IncentiveError> {
    let Some(program) = Program::load(conn)? else {
        return Ok(0);
    };
    let mut demoted = 0;
    for org in standings::reviews_due(conn, now)? {
        if write_tx(conn, |conn| review_one(conn, &program, org, now, link))? {
            demoted += 1;
        }
    }
    let entry = program.id_of(program.ladder.entry());
    for org in standings::standings_above(conn, entry)? {
        write_tx(conn, |conn| reevaluate(conn, org, now))?;
    }
    Ok(demoted)
}

/// The review of one partner, at the period end it was scheduled for.
fn review_one(
    conn: &mut AnyConnection,
    program: &Program,
    org: i64,
    now: DateTime<Utc>,
    link: Option<&str>,
) -> Result<bool, IncentiveError> {
    // Read again inside the transaction: another process may have reviewed it meanwhile.
    let Some(row) = standings::standing(conn, org)? else {
        return Ok(false);
    };
    let Some(review_at) = row.demotion_review_at.filter(|at| at.and_utc() <= now) else {
        return Ok(false);
    };
    let entry = program.ladder.entry();
    let current = program.tier(row.tier_id).unwrap_or(entry);
    let standing = program.standing(conn, org, now)?;
    let below_since = row.below_since.map(|t| t.and_utc());
    let decision = evaluate(
        &program.ladder,
        current,
        &standing,
        review_at.and_utc(),
        true,
        below_since,
        &program.policy,
    );
    match decision {
        TierDecision::Demote(to) => {
            let since = below_since.map_or_else(String::new, |s| program.date(s));
            let reason = format!(
                "Below {} since {} and still below at the review on {}: {}.",
                current.name,
                since,
                program.date(review_at.and_utc()),
                program.figures(&standing, now)
            );
            let change = Change {
                org,
                from_id: row.tier_id,
                to,
                review_at: Some(review_at),
                reason: &reason,
                link,
            };
            apply_change(conn, program, &change, now)
        }
        TierDecision::CancelGrace | TierDecision::Promote(_) => {
            reevaluate(conn, org, now)?;
            Ok(false)
        }
        TierDecision::Keep | TierDecision::StartGrace(_) => {
            // The grace was lengthened since the review was set: wait for the later one.
            if let Some(since) = below_since {
                let later = program.policy.review_at(since);
                if later > now {
                    standings::cancel_grace(conn, org, now)?;
                    standings::start_grace(conn, org, since, later, now)?;
                }
            }
            Ok(false)
        }
    }
}
