//! The mail outbox: each message is written in the same transaction as the change it
//! announces, together with the job that delivers it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::jobs::{self, NewJob};
use super::schema::{jobs as jobs_table, outbox};
use super::{AnyConnection, db_time};

/// The job kind that delivers one outbox message; its payload is the outbox id.
pub const DELIVER_MAIL: &str = "deliver_mail";
/// After this many attempts a message stops being retried and waits for an operator.
pub const MAX_ATTEMPTS: i32 = 12;

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
    /// Fixed when queued, so a resend after a crash carries the same Message-ID.
    pub message_id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// Queues a message and its delivery job; returns the message's id.
pub fn enqueue(
    conn: &mut AnyConnection,
    mail: &OutgoingMail,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let mut raw = [0u8; 16];
    rand::fill(&mut raw);
    let message_id = hex::encode(raw);
    let id: i64 = diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(&message_id),
            outbox::kind.eq(mail.kind),
            outbox::recipient.eq(&mail.recipient),
            outbox::subject.eq(&mail.subject),
            outbox::body_text.eq(&mail.body_text),
            outbox::body_html.eq(&mail.body_html),
            outbox::status.eq(PENDING),
            outbox::attempts.eq(0),
            outbox::created_at.eq(db_time(now)),
        ))
        .returning(outbox::id)
        .get_result(conn)?;
    jobs::enqueue(
        conn,
        &NewJob {
            kind: DELIVER_MAIL,
            payload: id.to_string(),
            run_at: now,
            unique_key: Some(format!("{DELIVER_MAIL}:{id}")),
            max_attempts: MAX_ATTEMPTS,
        },
        now,
    )?;
    Ok(message_id)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<OutboxRow>> {
    outbox::table.find(id).first(conn).optional()
}

/// Records delivery; returns false if it was already recorded.
pub fn mark_sent(conn: &mut AnyConnection, id: i64, now: DateTime<Utc>) -> QueryResult<bool> {
    let changed = diesel::update(outbox::table.find(id).filter(outbox::status.ne(SENT)))
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(db_time(now)),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Records a failed attempt; `final_attempt` marks the message failed for good.
pub fn record_failure(
    conn: &mut AnyConnection,
    id: i64,
    error: &str,
    final_attempt: bool,
) -> QueryResult<()> {
    let status = if final_attempt { FAILED } else { PENDING };
    diesel::update(outbox::table.find(id).filter(outbox::status.ne(SENT)))
        .set((
            outbox::status.eq(status),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Counts messages not yet sent.
pub fn pending_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::status.eq(PENDING))
        .count()
        .get_result(conn)
}

/// Marks every pending message sent without sending it (demo data only: its decisions would
/// otherwise mail people who do not exist).
pub fn mark_all_sent(conn: &mut AnyConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        jobs_table::table
            .filter(jobs_table::kind.eq(DELIVER_MAIL))
            .filter(jobs_table::status.eq(jobs::PENDING)),
    )
    .set((
        jobs_table::status.eq(jobs::DONE),
        jobs_table::finished_at.eq(db_time(now)),
    ))
    .execute(conn)?;
    diesel::update(outbox::table.filter(outbox::status.eq(PENDING)))
        .set((outbox::status.eq(SENT), outbox::sent_at.eq(db_time(now))))
        .execute(conn)
}
