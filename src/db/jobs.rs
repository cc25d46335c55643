//! The job table: work any portal process may do, claimed under a lease. On PostgreSQL
//! concurrent claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`); on SQLite the
//! immediate transaction serialises them. A lease that runs out (its process died) makes the
//! job due again. Every claim is logged in `job_attempts`.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use super::schema::{job_attempts, jobs};
use super::{AnyConnection, db_time, write_tx};

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// A job as stored.
#[derive(Debug, Clone, Queryable)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub unique_key: Option<String>,
    pub status: String,
    pub run_at: NaiveDateTime,
    /// Claims so far, this one included.
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// A job to schedule.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: String,
    pub run_at: DateTime<Utc>,
    /// At most one job ever exists per key (e.g. "sla-reminder:42"); `None` for no limit.
    pub unique_key: Option<String>,
    pub max_attempts: i32,
}

/// Schedules a job; returns its id, or `None` when a job with the same unique key exists.
/// Call it inside the transaction of the change that calls for the job.
pub fn enqueue(
    conn: &mut AnyConnection,
    job: &NewJob,
    now: DateTime<Utc>,
) -> QueryResult<Option<i64>> {
    if let Some(key) = &job.unique_key {
        let exists: i64 = jobs::table
            .filter(jobs::unique_key.eq(key))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Ok(None);
        }
    }
    let id = diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(job.kind),
            jobs::payload.eq(&job.payload),
            jobs::unique_key.eq(job.unique_key.as_deref()),
            jobs::status.eq(PENDING),
            jobs::run_at.eq(db_time(job.run_at)),
            jobs::attempts.eq(0),
            jobs::max_attempts.eq(job.max_attempts),
            jobs::created_at.eq(db_time(now)),
        ))
        .returning(jobs::id)
        .get_result(conn)?;
    Ok(Some(id))
}

/// A claimed job and the log row of this attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job: Job,
    pub attempt_id: i64,
}

/// Claims up to `limit` due jobs for `worker` until `now + lease`.
pub fn claim(
    conn: &mut AnyConnection,
    worker: &str,
    now: DateTime<Utc>,
    lease: TimeDelta,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let now_db = db_time(now);
    write_tx(conn, |conn| {
        let due = jobs::table
            .filter(jobs::status.eq(PENDING))
            .filter(jobs::run_at.le(now_db))
            .filter(
                jobs::locked_until
                    .is_null()
                    .or(jobs::locked_until.le(now_db)),
            )
            .order((jobs::run_at.asc(), jobs::id.asc()))
            .select(jobs::id)
            .limit(limit);
        let ids: Vec<i64> = match conn {
            AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
            AnyConnection::Sqlite(_) => due.load(conn)?,
        };
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            // The lease condition is repeated so a claim never overlaps a live one.
            let changed = diesel::update(
                jobs::table
                    .find(id)
                    .filter(jobs::status.eq(PENDING))
                    .filter(
                        jobs::locked_until
                            .is_null()
                            .or(jobs::locked_until.le(now_db)),
                    ),
            )
            .set((
                jobs::locked_by.eq(worker),
                jobs::locked_until.eq(db_time(now + lease)),
                jobs::attempts.eq(jobs::attempts + 1),
            ))
            .execute(conn)?;
            if changed == 0 {
                continue;
            }
            let attempt_id = diesel::insert_into(job_attempts::table)
                .values((
                    job_attempts::job_id.eq(id),
                    job_attempts::worker.eq(worker),
                    job_attempts::started_at.eq(now_db),
                ))
                .returning(job_attempts::id)
                .get_result(conn)?;
            let job = jobs::table.find(id).first(conn)?;
            claimed.push(Claimed { job, attempt_id });
        }
        Ok(claimed)
    })
}

fn close_attempt(
    conn: &mut AnyConnection,
    attempt_id: i64,
    outcome: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(job_attempts::table.find(attempt_id))
        .set((
            job_attempts::finished_at.eq(now),
            job_attempts::outcome.eq(outcome),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Marks a job done if `worker` still holds it; returns whether it did.
pub fn complete(
    conn: &mut AnyConnection,
    claimed: &Claimed,
    worker: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let now = db_time(now);
    write_tx(conn, |conn| {
        let changed = diesel::update(
            jobs::table
                .find(claimed.job.id)
                .filter(jobs::locked_by.eq(worker))
                .filter(jobs::status.eq(PENDING)),
        )
        .set((
            jobs::status.eq(DONE),
            jobs::finished_at.eq(now),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
        close_attempt(conn, claimed.attempt_id, "done", now)?;
        Ok(changed == 1)
    })
}

/// Schedules another attempt after an exponential backoff (30 s, 1 min, 2 min, … up to 6 h),
/// or gives up after `max_attempts`.
pub fn retry_later(
    conn: &mut AnyConnection,
    claimed: &Claimed,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let job = &claimed.job;
    let doublings = (job.attempts - 1).clamp(0, 10) as u32;
    let backoff = (TimeDelta::seconds(30) * 2_i32.pow(doublings)).min(TimeDelta::hours(6));
    let status = if job.attempts >= job.max_attempts {
        FAILED
    } else {
        PENDING
    };
    let now_db = db_time(now);
    write_tx(conn, |conn| {
        diesel::update(jobs::table.find(job.id).filter(jobs::locked_by.eq(worker)))
            .set((
                jobs::status.eq(status),
                jobs::run_at.eq(db_time(now + backoff)),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::last_error.eq(error),
            ))
            .execute(conn)?;
        close_attempt(conn, claimed.attempt_id, &format!("error: {error}"), now_db)
    })
}

/// Jobs not yet done (for tests and the admin overview).
pub fn pending_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    jobs::table
        .filter(jobs::status.eq(PENDING))
        .count()
        .get_result(conn)
}

/// One claim of a job.
#[derive(Debug, Clone, Queryable)]
pub struct Attempt {
    pub worker: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
}

/// Every attempt of a job, oldest first.
pub fn attempts_of(conn: &mut AnyConnection, job_id: i64) -> QueryResult<Vec<Attempt>> {
    job_attempts::table
        .filter(job_attempts::job_id.eq(job_id))
        .order(job_attempts::id.asc())
        .select((
            job_attempts::worker,
            job_attempts::started_at,
            job_attempts::finished_at,
            job_attempts::outcome,
        ))
        .load(conn)
}
