//! Attempts to refer a prospect who was already protected: kept for admins to review and,
//! with a reason, override.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{conflicts, organisations};
use super::{AnyConnection, db_time};

pub const OPEN: &str = "open";
pub const OVERRIDDEN: &str = "overridden";
pub const DISMISSED: &str = "dismissed";

#[derive(Debug, Clone, Queryable)]
pub struct Conflict {
    pub id: i64,
    pub organisation_id: i64,
    pub submitted_by: i64,
    pub matched_referral_id: i64,
    pub reason: String,
    pub prospect_name: String,
    pub prospect_email: Option<String>,
    pub prospect_phone: Option<String>,
    pub company: String,
    pub company_domain: Option<String>,
    /// The submitted fields as JSON, so an override can create the referral after all.
    pub payload: String,
    pub status: String,
    pub resolved_by: Option<i64>,
    pub resolution_note: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_referral_id: Option<i64>,
    pub created_at: NaiveDateTime,
    /// The upload whose row raised it; set while that upload's batch is still hidden.
    pub upload_id: Option<i64>,
}

pub struct NewConflict<'a> {
    pub organisation_id: i64,
    pub submitted_by: i64,
    pub matched_referral_id: i64,
    pub reason: &'a str,
    pub prospect_name: &'a str,
    pub prospect_email: Option<&'a str>,
    pub prospect_phone: Option<&'a str>,
    pub company: &'a str,
    pub company_domain: Option<&'a str>,
    pub payload: &'a str,
}

pub fn insert(conn: &mut AnyConnection, c: &NewConflict, now: DateTime<Utc>) -> QueryResult<i64> {
    diesel::insert_into(conflicts::table)
        .values((
            conflicts::organisation_id.eq(c.organisation_id),
            conflicts::submitted_by.eq(c.submitted_by),
            conflicts::matched_referral_id.eq(c.matched_referral_id),
            conflicts::reason.eq(c.reason),
            conflicts::prospect_name.eq(c.prospect_name),
            conflicts::prospect_email.eq(c.prospect_email),
            conflicts::prospect_phone.eq(c.prospect_phone),
            conflicts::company.eq(c.company),
            conflicts::company_domain.eq(c.company_domain),
            conflicts::payload.eq(c.payload),
            conflicts::status.eq(OPEN),
            conflicts::created_at.eq(db_time(now)),
        ))
        .returning(conflicts::id)
        .get_result(conn)
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Conflict>> {
    conflicts::table.find(id).first(conn).optional()
}

/// A page of conflicts in `status`, newest first, with the attempting organisation's name.
pub fn list(
    conn: &mut AnyConnection,
    status: &str,
    limit: i64,
) -> QueryResult<Vec<(Conflict, String)>> {
    conflicts::table
        .inner_join(organisations::table)
        .filter(conflicts::status.eq(status))
        .order(conflicts::id.desc())
        .limit(limit)
        .select((conflicts::all_columns, organisations::name))
        .load(conn)
}

pub fn count_open(conn: &mut AnyConnection) -> QueryResult<i64> {
    conflicts::table
        .filter(conflicts::status.eq(OPEN))
        .count()
        .get_result(conn)
}

/// Closes an open conflict; returns false if someone else resolved it first.
pub fn resolve(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    admin: i64,
    note: &str,
    created_referral: Option<i64>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let changed = diesel::update(conflicts::table.find(id).filter(conflicts::status.eq(OPEN)))
        .set((
            conflicts::status.eq(status),
            conflicts::resolved_by.eq(admin),
            conflicts::resolution_note.eq(note),
            conflicts::resolved_at.eq(db_time(now)),
            conflicts::created_referral_id.eq(created_referral),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}
