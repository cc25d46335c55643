//! Set-based intake queries for the monthly upload: one look-up of every referral that could
//! protect any row of a chunk, one of the chunk's existing-customer domains, and multi-row
//! inserts of referrals and their timeline entries (per engine: the multi-engine connection
//! cannot express multi-row inserts).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::referrals::{NewReferral, Status};
use super::schema::{existing_customers, referral_events, referrals};
use super::{AnyConnection, db_time};

/// Rows per multi-row statement: well below either engine's limit on bound values.
const INSERT_ROWS: usize = 200;

/// The identity keys of a chunk's rows.
#[derive(Debug, Clone, Default)]
pub struct KeySets {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub names: Vec<String>,
    pub domains: Vec<String>,
}

/// The parts of an open referral that decide whom it protects.
#[derive(Debug, Clone, Queryable)]
pub struct Protector {
    pub id: i64,
    pub organisation_id: i64,
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    pub name_key: Option<String>,
    pub company_domain: Option<String>,
    pub company_normalised: String,
    pub upload_id: Option<i64>,
}

/// Every referral open at `now` that shares a key with the chunk: the same email, phone or
/// person name from anyone, or the same company domain from an organisation other than
/// `domain_org` (all of them when `None`). One indexed query per kind of key.
pub fn protectors(
    conn: &mut AnyConnection,
    keys: &KeySets,
    domain_org: Option<i64>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Protector>> {
    let now: NaiveDateTime = db_time(now);
    macro_rules! open_with {
        ($column:expr, $values:expr) => {
            referrals::table
                .filter($column.eq_any($values))
                .filter(referrals::status.ne_all(Status::CLOSED))
                .filter(
                    referrals::protected_until
                        .is_null()
                        .or(referrals::protected_until.gt(now)),
                )
                .select((
                    referrals::id,
                    referrals::organisation_id,
                    referrals::email_key,
                    referrals::phone_key,
                    referrals::name_key,
                    referrals::company_domain,
                    referrals::company_normalised,
                    referrals::upload_id,
                ))
        };
    }
    let mut found: Vec<Protector> = Vec::new();
    if !keys.emails.is_empty() {
        found.extend(open_with!(referrals::email_key, &keys.emails).load::<Protector>(conn)?);
    }
    if !keys.phones.is_empty() {
        found.extend(open_with!(referrals::phone_key, &keys.phones).load::<Protector>(conn)?);
    }
    if !keys.names.is_empty() {
        found.extend(open_with!(referrals::name_key, &keys.names).load::<Protector>(conn)?);
    }
    if !keys.domains.is_empty() {
        let query = open_with!(referrals::company_domain, &keys.domains);
        found.extend(match domain_org {
            Some(org) => query
                .filter(referrals::organisation_id.ne(org))
                .load::<Protector>(conn)?,
            None => query.load::<Protector>(conn)?,
        });
    }
    found.sort_by_key(|p| p.id);
    found.dedup_by_key(|p| p.id);
    Ok(found)
}

/// Which of `domains` belong to existing customers.
pub fn customer_domains(
    conn: &mut AnyConnection,
    domains: &[String],
) -> QueryResult<HashSet<String>> {
    if domains.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<Option<String>> = existing_customers::table
        .filter(existing_customers::domain.eq_any(domains))
        .select(existing_customers::domain)
        .load(conn)?;
    Ok(found.into_iter().flatten().collect())
}

/// A referral to insert together with its fit score.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = referrals)]
pub struct NewScoredReferral {
    #[diesel(embed)]
    pub referral: NewReferral,
    pub score: Option<i32>,
    pub score_reasons: String,
}

/// Inserts referrals with multi-row statements; returns their ids in the order given.
pub fn insert_referrals(
    conn: &mut AnyConnection,
    rows: &[NewScoredReferral],
) -> QueryResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut chunk_ids: Vec<i64> = match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(referrals::table)
                .values(chunk)
                .returning(referrals::id)
                .get_results(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(referrals::table)
                .values(chunk)
                .returning(referrals::id)
                .get_results(c)?,
        };
        // Ids grow in the order the rows are inserted; neither engine promises to return
        // them in that order.
        chunk_ids.sort_unstable();
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// A timeline entry to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = referral_events)]
pub struct NewEventRow {
    pub referral_id: i64,
    pub actor_user_id: Option<i64>,
    pub kind: &'static str,
    pub from_status: Option<&'static str>,
    pub to_status: Option<&'static str>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub shared_with_partner: bool,
}

/// Inserts timeline entries with multi-row statements.
pub fn insert_events(conn: &mut AnyConnection, rows: &[NewEventRow]) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_ROWS) {
        match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(referral_events::table)
                .values(chunk)
                .execute(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(referral_events::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}
