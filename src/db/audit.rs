//! The audit log: who did what to which object, when, from where. Rows are only ever added.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{audit_log, users};
use super::{AnyConnection, db_time};

/// One thing worth recording.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    pub client_addr: Option<&'a str>,
    pub detail: Option<String>,
}

pub fn record(conn: &mut AnyConnection, entry: &AuditEntry, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_user_id.eq(entry.actor_user_id),
            audit_log::action.eq(entry.action),
            audit_log::object_type.eq(entry.object_type),
            audit_log::object_id.eq(entry.object_id.as_deref()),
            audit_log::client_addr.eq(entry.client_addr),
            audit_log::detail.eq(entry.detail.as_deref()),
            audit_log::created_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A row of the audit page, with the actor's address resolved.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: i64,
    pub actor_email: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
    pub created_at: NaiveDateTime,
}

/// What an admin searches the log by; empty fields match everything.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor_email: Option<String>,
    /// Show rows older than this id (keyset pagination, newest first).
    pub before_id: Option<i64>,
}

pub fn search(
    conn: &mut AnyConnection,
    filter: &AuditFilter,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_user_id)))
        .select((
            audit_log::id,
            users::email.nullable(),
            audit_log::action,
            audit_log::object_type,
            audit_log::object_id,
            audit_log::client_addr,
            audit_log::detail,
            audit_log::created_at,
        ))
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(object_type) = &filter.object_type {
        query = query.filter(audit_log::object_type.eq(object_type.clone()));
    }
    if let Some(object_id) = &filter.object_id {
        query = query.filter(audit_log::object_id.eq(object_id.clone()));
    }
    if let Some(email) = &filter.actor_email {
        query = query.filter(users::email.eq(email.to_lowercase()));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    query.load(conn)
}

pub fn distinct_actions(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    audit_log::table
        .select(audit_log::action)
        .distinct()
        .order(audit_log::action.asc())
        .load(conn)
}

/// How often `action` was recorded from `client_addr` since `since` (for rate limits).
pub fn count_from_client(
    conn: &mut AnyConnection,
    client_addr: &str,
    action: &str,
    since: DateTime<Utc>,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::client_addr.eq(client_addr))
        .filter(audit_log::created_at.gt(db_time(since)))
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(conn)
}
