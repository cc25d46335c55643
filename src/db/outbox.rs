//! The mail outbox: rows written in the same transaction as the change they announce, claimed by
//! a worker with a lease, then marked sent or rescheduled with backoff.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use super::schema::outbox;
use super::{AnyConnection, db_time, write_tx};

/// A message ready to be queued.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

/// A queued message.
#[derive(Debug, Clone, Queryable)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
/// After this many attempts a message stops being retried and waits for an operator.
pub const MAX_ATTEMPTS: i32 = 12;

/// Queues a message; its Message-ID is fixed now so a resend is recognisable.
pub fn enqueue(
    conn: &mut AnyConnection,
    mail: &OutgoingMail,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let mut raw = [0u8; 16];
    rand::fill(&mut raw);
    let message_id = hex::encode(raw);
    let now = db_time(now);
    diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(&message_id),
            outbox::kind.eq(mail.kind),
            outbox::recipient.eq(&mail.recipient),
            outbox::subject.eq(&mail.subject),
            outbox::body_text.eq(&mail.body_text),
            outbox::body_html.eq(&mail.body_html),
            outbox::status.eq(PENDING),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(message_id)
}

/// Claims up to `limit` due messages for `worker` until `now + lease`. A row whose lease ran
/// out (its worker died) is due again. On PostgreSQL concurrent workers skip each other's rows
/// (`FOR UPDATE SKIP LOCKED`); on SQLite the immediate transaction serialises them.
pub fn claim_due(
    conn: &mut AnyConnection,
    worker: &str,
    now: DateTime<Utc>,
    lease: TimeDelta,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let now_db = db_time(now);
    write_tx(conn, |conn| {
        let due = outbox::table
            .filter(outbox::status.eq(PENDING))
            .filter(outbox::next_attempt_at.le(now_db))
            .filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.le(now_db)),
            )
            .order(outbox::id.asc())
            .select(outbox::id)
            .limit(limit);
        let ids: Vec<i64> = match conn {
            AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
            AnyConnection::Sqlite(_) => due.load(conn)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::locked_by.eq(worker),
                outbox::locked_until.eq(db_time(now + lease)),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute(conn)?;
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::id.asc())
            .load(conn)
    })
}

/// Records delivery, if this worker still holds the row.
pub fn mark_sent(
    conn: &mut AnyConnection,
    id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::locked_by.eq(worker))
            .filter(outbox::status.eq(PENDING)),
    )
    .set((
        outbox::status.eq(SENT),
        outbox::sent_at.eq(db_time(now)),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Schedules another attempt with exponential backoff, or gives up after `MAX_ATTEMPTS`.
pub fn mark_failed_attempt(
    conn: &mut AnyConnection,
    row: &OutboxRow,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    // `attempts` was counted when the row was claimed.
    let attempts = row.attempts;
    let backoff = TimeDelta::seconds(30 * (1_i64 << (attempts - 1).clamp(0, 10)));
    let status = if attempts >= MAX_ATTEMPTS {
        FAILED
    } else {
        PENDING
    };
    diesel::update(
        outbox::table
            .find(row.id)
            .filter(outbox::locked_by.eq(worker)),
    )
    .set((
        outbox::status.eq(status),
        outbox::next_attempt_at.eq(db_time(now + backoff.min(TimeDelta::hours(6)))),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(error),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Counts messages not yet sent (for tests and the admin overview).
pub fn pending_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::status.eq(PENDING))
        .count()
        .get_result(conn)
}

/// Marks every pending message sent without sending it (demo data only: its decisions would
/// otherwise mail people who do not exist).
pub fn mark_all_sent(conn: &mut AnyConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::status.eq(PENDING)))
        .set((outbox::status.eq(SENT), outbox::sent_at.eq(db_time(now))))
        .execute(conn)
}
