//! Monthly statements: once a program month has ended in the program time zone, each
//! partner with lines earned in it gets one statement listing them, with a total that is
//! their exact sum, and one `monthly_statement` mail — however often, and on however many
//! processes, the job runs.
//!
//! A statement of month M takes every line of the partner not yet on a statement that was
//! earned before M's end. Normally those are exactly the lines earned in M; a line booked
//! late into a month whose statement is already closed (only back-dated set-up does that:
//! live lines are earned "now", in the open month) lands on the next statement.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use futures_util::future::BoxFuture;

use super::IncentiveError;
use super::ledger::Program;
use crate::db::jobs::Job;
use crate::db::ledger::{RewardLine, Statement};
use crate::db::schema::{reward_lines, statements};
use crate::db::{AnyConnection, accounts, db_time, outbox, write_tx};
use crate::domain::{LineStatus, Money, ProgramMonth, statement_breakdown, statement_total};
use crate::jobs::{JobContext, JobError, JobHandler};
use crate::mail::messages;

/// The periodic job that closes months.
pub const STATEMENTS_JOB: &str = "statements";

/// Closes every month that has ended at `now` for every partner with lines in it; returns
/// the statements created by this call.
pub fn close_due(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    statement_link_base: &str,
) -> Result<Vec<Statement>, IncentiveError> {
    let program = Program::load(conn)?;
    let last_closed = ProgramMonth::last_closed(now, program.zone);
    let (_, closed_end) = last_closed.bounds(program.zone);
    // (organisation, earned_at) of every line that still waits for a statement.
    let waiting: Vec<(i64, chrono::NaiveDateTime)> = reward_lines::table
        .filter(reward_lines::statement_id.is_null())
        .filter(reward_lines::earned_at.lt(db_time(closed_end)))
        .filter(reward_lines::currency.eq(program.currency.code()))
        .select((reward_lines::organisation_id, reward_lines::earned_at))
        .load(conn)?;
    let mut months: BTreeMap<i64, BTreeSet<ProgramMonth>> = BTreeMap::new();
    for (org, earned) in waiting {
        let month = ProgramMonth::containing(earned.and_utc(), program.zone);
        months.entry(org).or_default().insert(month);
    }
    let mut created = Vec::new();
    for (org, wanted) in months {
        let existing: BTreeSet<String> = statements::table
            .filter(statements::organisation_id.eq(org))
            .select(statements::period)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        // Each month's lines go on its statement, or the next one not yet closed.
        let mut targets = BTreeSet::new();
        for month in wanted {
            let mut m = month;
            while existing.contains(&m.to_string()) && m < last_closed {
                m = m.next();
            }
            if !existing.contains(&m.to_string()) {
                targets.insert(m);
            }
        }
        for month in targets {
            match close_one(conn, org, month, &program, now, statement_link_base) {
                Ok(Some(statement)) => created.push(statement),
                Ok(None) => {}
                // Another process closed it first: that is the statement.
                Err(IncentiveError::Query(DieselError::DatabaseError(
                    DatabaseErrorKind::UniqueViolation,
                    _,
                ))) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(created)
}

/// Creates the statement of `org` for `month` with its lines and mail, in one transaction;
/// `None` when another process took the lines first (nothing is left behind).
fn close_one(
    conn: &mut AnyConnection,
    org: i64,
    month: ProgramMonth,
    program: &Program,
    now: DateTime<Utc>,
    link_base: &str,
) -> Result<Option<Statement>, IncentiveError> {
    let (start, end) = month.bounds(program.zone);
    let outcome = write_tx(conn, |conn| {
        let statement: Statement = diesel::insert_into(statements::table)
            .values((
                statements::organisation_id.eq(org),
                statements::period.eq(month.to_string()),
                statements::period_start.eq(db_time(start)),
                statements::period_end.eq(db_time(end)),
                statements::currency.eq(program.currency.code()),
                statements::total_minor.eq(0_i64),
                statements::line_count.eq(0),
                statements::created_at.eq(db_time(now)),
            ))
            .returning(statements::all_columns)
            .get_result(conn)?;
        diesel::update(
            reward_lines::table
                .filter(reward_lines::organisation_id.eq(org))
                .filter(reward_lines::statement_id.is_null())
                .filter(reward_lines::currency.eq(program.currency.code()))
                .filter(reward_lines::earned_at.lt(db_time(end))),
        )
        .set(reward_lines::statement_id.eq(statement.id))
        .execute(conn)?;
        let lines: Vec<RewardLine> = crate::db::ledger::lines_of_statement(conn, statement.id)?;
        if lines.is_empty() {
            // Roll back: an empty statement would tell the partner nothing.
            return Err(IncentiveError::Query(DieselError::RollbackTransaction));
        }
        let total = statement_total(
            program.currency,
            lines
                .iter()
                .map(|l| Money::new(l.amount_minor, program.currency)),
        )
        .map_err(|e| IncentiveError::Query(DieselError::QueryBuilderError(e.into())))?;
        let count = i32::try_from(lines.len()).unwrap_or(i32::MAX);
        diesel::update(statements::table.find(statement.id))
            .set((
                statements::total_minor.eq(total.minor),
                statements::line_count.eq(count),
            ))
            .execute(conn)?;
        mail_statement(
            conn, &statement, &lines, total, program, month, link_base, now,
        )?;
        Ok(Statement {
            total_minor: total.minor,
            line_count: count,
            ..statement
        })
    });
    match outcome {
        Ok(statement) => Ok(Some(statement)),
        Err(IncentiveError::Query(DieselError::RollbackTransaction)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one message built from its parts"
)]
fn mail_statement(
    conn: &mut AnyConnection,
    statement: &Statement,
    lines: &[RewardLine],
    total: Money,
    program: &Program,
    month: ProgramMonth,
    link_base: &str,
    now: DateTime<Utc>,
) -> Result<(), IncentiveError> {
    use crate::db::schema::referrals;
    let organisation = accounts::organisation(conn, statement.organisation_id)?.name;
    let mut mail_lines = Vec::new();
    for line in lines {
        let company: String = referrals::table
            .find(line.referral_id)
            .select(referrals::company)
            .first(conn)?;
        mail_lines.push(messages::StatementMailLine {
            earned: program.date(line.earned_at.and_utc()),
            company,
            reason: line.reason.clone(),
            amount: Money::new(line.amount_minor, program.currency).format(),
            status: line
                .status
                .parse::<LineStatus>()
                .map(|s| s.label())
                .unwrap_or("Unknown")
                .to_string(),
        });
    }
    let parts: Vec<(LineStatus, Money)> = lines
        .iter()
        .map(|l| {
            let status = l
                .status
                .parse::<LineStatus>()
                .unwrap_or(LineStatus::Pending);
            (status, Money::new(l.amount_minor, program.currency))
        })
        .collect();
    let breakdown: Vec<messages::StatementMailPart> = statement_breakdown(program.currency, &parts)
        .map_err(|e| IncentiveError::Query(DieselError::QueryBuilderError(e.into())))?
        .into_iter()
        .map(|(status, amount)| messages::StatementMailPart {
            status: status.as_str().to_string(),
            amount: amount.format(),
        })
        .collect();
    let period = month_label(month);
    let recipients = super::ledger::recipients(conn, statement.organisation_id, None)?;
    for user in recipients {
        let mail = messages::monthly_statement(
            &user.email,
            &messages::MonthlyStatement {
                recipient_name: user.display_name.clone(),
                organisation: organisation.clone(),
                period: period.clone(),
                total: total.format(),
                lines: mail_lines.clone(),
                breakdown: breakdown.clone(),
                link: format!("{link_base}{}", statement.id),
            },
        )?;
        outbox::enqueue(conn, &mail, now)?;
    }
    Ok(())
}

/// `October 2026`.
pub fn month_label(month: ProgramMonth) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let name = NAMES
        .get(month.month().saturating_sub(1) as usize)
        .unwrap_or(&"");
    format!("{name} {}", month.year())
}

/// The `statements` job handler.
pub struct CloseStatements {
    /// Absolute URL of `/partner/rewards/statements/`.
    pub link_base: String,
}

impl JobHandler for CloseStatements {
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        _job: &'a Job,
    ) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let now = ctx.clock.now();
            let link = self.link_base.clone();
            let created = ctx
                .db(move |conn| close_due(conn, now, &link).map_err(|e| JobError::from_error(&e)))
                .await?;
            if !created.is_empty() {
                tracing::info!(statements = created.len(), "monthly statements closed");
            }
            Ok(())
        })
    }
}
