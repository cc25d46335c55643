//! Payouts as stored: the payouts, the ledger lines each one carries (`payout_lines`, where
//! the partial unique index `payout_lines_one_active` keeps a line in at most one active
//! payout) and their history (`payout_events`). The status rules are in `domain::payouts`;
//! the transitions that use these queries are in `incentives::payouts`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::schema::{
    organisations, payout_events, payout_lines, payouts, referrals, reward_lines, users,
};
use super::{AnyConnection, db_time};

#[derive(Debug, Clone, Queryable)]
pub struct Payout {
    pub id: i64,
    pub organisation_id: i64,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub created_by: i64,
    pub approved_by: Option<i64>,
    pub approved_at: Option<NaiveDateTime>,
    pub second_approved_by: Option<i64>,
    pub second_approved_at: Option<NaiveDateTime>,
    pub reference: Option<String>,
    pub failure_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An approved ledger line that is in no active payout.
#[derive(Debug, Clone, Queryable)]
pub struct FreeLine {
    pub id: i64,
    pub organisation_id: i64,
    pub amount_minor: i64,
    pub currency: String,
}

/// Every approved line in no active payout, by partner then id.
pub fn free_lines(conn: &mut AnyConnection) -> QueryResult<Vec<FreeLine>> {
    reward_lines::table
        .filter(reward_lines::status.eq("approved"))
        .filter(not(exists(
            payout_lines::table
                .filter(payout_lines::line_id.eq(reward_lines::id))
                .filter(payout_lines::active.eq(true)),
        )))
        .select((
            reward_lines::id,
            reward_lines::organisation_id,
            reward_lines::amount_minor,
            reward_lines::currency,
        ))
        .order((reward_lines::organisation_id.asc(), reward_lines::id.asc()))
        .load(conn)
}

pub fn insert(
    conn: &mut AnyConnection,
    organisation_id: i64,
    amount_minor: i64,
    currency: &str,
    status: &str,
    created_by: i64,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    let now = db_time(now);
    diesel::insert_into(payouts::table)
        .values((
            payouts::organisation_id.eq(organisation_id),
            payouts::status.eq(status),
            payouts::amount_minor.eq(amount_minor),
            payouts::currency.eq(currency),
            payouts::created_by.eq(created_by),
            payouts::created_at.eq(now),
            payouts::updated_at.eq(now),
        ))
        .returning(payouts::id)
        .get_result(conn)
}

/// Puts a line into a payout; fails with a unique violation if it is in another active one.
pub fn add_line(conn: &mut AnyConnection, payout_id: i64, line_id: i64) -> QueryResult<()> {
    diesel::insert_into(payout_lines::table)
        .values((
            payout_lines::payout_id.eq(payout_id),
            payout_lines::line_id.eq(line_id),
            payout_lines::active.eq(true),
        ))
        .execute(conn)
        .map(|_| ())
}

/// One row of a payout's history.
pub struct NewPayoutEvent<'a> {
    pub payout_id: i64,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub actor_user_id: Option<i64>,
    pub note: Option<&'a str>,
}

pub fn add_event(
    conn: &mut AnyConnection,
    e: &NewPayoutEvent,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(payout_events::table)
        .values((
            payout_events::payout_id.eq(e.payout_id),
            payout_events::from_status.eq(e.from_status),
            payout_events::to_status.eq(e.to_status),
            payout_events::actor_user_id.eq(e.actor_user_id),
            payout_events::note.eq(e.note),
            payout_events::created_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Payout>> {
    payouts::table.find(id).first(conn).optional()
}

/// A payout of `org` only: another organisation's looks exactly like a missing one.
pub fn find_for_org(conn: &mut AnyConnection, id: i64, org: i64) -> QueryResult<Option<Payout>> {
    payouts::table
        .find(id)
        .filter(payouts::organisation_id.eq(org))
        .first(conn)
        .optional()
}

/// Payouts newest first with their partner's name: optionally one status, one partner, older
/// than `before`; at most `limit` (0 for all). The flag says whether more follow.
pub fn list(
    conn: &mut AnyConnection,
    status: Option<&str>,
    org: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<(Vec<(Payout, String)>, bool)> {
    let mut query = payouts::table
        .inner_join(organisations::table.on(organisations::id.eq(payouts::organisation_id)))
        .select((payouts::all_columns, organisations::name))
        .order(payouts::id.desc())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(payouts::status.eq(status.to_owned()));
    }
    if let Some(org) = org {
        query = query.filter(payouts::organisation_id.eq(org));
    }
    if let Some(before) = before {
        query = query.filter(payouts::id.lt(before));
    }
    if limit > 0 {
        query = query.limit(limit + 1);
    }
    let mut rows: Vec<(Payout, String)> = query.load(conn)?;
    let more = limit > 0 && rows.len() as i64 > limit;
    if more {
        rows.truncate(limit as usize);
    }
    Ok((rows, more))
}

/// A ledger line as a payout shows it.
#[derive(Debug, Clone, Queryable)]
pub struct PayoutLine {
    pub line_id: i64,
    pub active: bool,
    pub referral_id: i64,
    /// The referral's own organisation; it differs from the line's on a co-referral share.
    pub referral_organisation_id: i64,
    pub line_organisation_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub event: String,
    pub reason: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
}

pub fn lines(conn: &mut AnyConnection, payout_id: i64) -> QueryResult<Vec<PayoutLine>> {
    payout_lines::table
        .inner_join(reward_lines::table.inner_join(referrals::table))
        .filter(payout_lines::payout_id.eq(payout_id))
        .select((
            reward_lines::id,
            payout_lines::active,
            referrals::id,
            referrals::organisation_id,
            reward_lines::organisation_id,
            referrals::first_name,
            referrals::last_name,
            referrals::company,
            reward_lines::event,
            reward_lines::reason,
            reward_lines::amount_minor,
            reward_lines::currency,
            reward_lines::status,
        ))
        .order(reward_lines::id.asc())
        .load(conn)
}

#[derive(Debug, Clone, Queryable)]
pub struct PayoutEvent {
    pub id: i64,
    pub payout_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_user_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A payout's history, oldest first, with each actor's name.
pub fn events(
    conn: &mut AnyConnection,
    payout_id: i64,
) -> QueryResult<Vec<(PayoutEvent, Option<String>)>> {
    payout_events::table
        .left_join(users::table.on(users::id.nullable().eq(payout_events::actor_user_id)))
        .filter(payout_events::payout_id.eq(payout_id))
        .select((payout_events::all_columns, users::display_name.nullable()))
        .order(payout_events::id.asc())
        .load(conn)
}

/// Whether the payout was ever fully approved (an event into `approved` exists).
pub fn was_approved(conn: &mut AnyConnection, payout_id: i64) -> QueryResult<bool> {
    diesel::select(exists(
        payout_events::table
            .filter(payout_events::payout_id.eq(payout_id))
            .filter(payout_events::to_status.eq("approved")),
    ))
    .get_result(conn)
}

/// First approval: only while nobody has approved it yet.
pub fn record_first_approval(
    conn: &mut AnyConnection,
    id: i64,
    to: &str,
    actor: i64,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let now = db_time(now);
    diesel::update(
        payouts::table
            .find(id)
            .filter(payouts::status.eq("awaiting_approval"))
            .filter(payouts::approved_by.is_null()),
    )
    .set((
        payouts::status.eq(to),
        payouts::approved_by.eq(actor),
        payouts::approved_at.eq(now),
        payouts::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Second approval: only by someone other than the first approver, and only once.
pub fn record_second_approval(
    conn: &mut AnyConnection,
    id: i64,
    actor: i64,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let now = db_time(now);
    diesel::update(
        payouts::table
            .find(id)
            .filter(payouts::status.eq("awaiting_second_approval"))
            .filter(payouts::second_approved_by.is_null())
            .filter(payouts::approved_by.ne(actor)),
    )
    .set((
        payouts::status.eq("approved"),
        payouts::second_approved_by.eq(actor),
        payouts::second_approved_at.eq(now),
        payouts::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Moves a payout from `from` to `to` (paid with a reference, or failed with a reason); zero
/// rows when it is no longer in `from`.
pub fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    from: &str,
    to: &str,
    reference: Option<&str>,
    failure_reason: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let target = payouts::table.find(id).filter(payouts::status.eq(from));
    let now = db_time(now);
    match (reference, failure_reason) {
        (Some(reference), _) => diesel::update(target)
            .set((
                payouts::status.eq(to),
                payouts::reference.eq(reference),
                payouts::updated_at.eq(now),
            ))
            .execute(conn),
        (None, Some(reason)) => diesel::update(target)
            .set((
                payouts::status.eq(to),
                payouts::failure_reason.eq(reason),
                payouts::updated_at.eq(now),
            ))
            .execute(conn),
        (None, None) => diesel::update(target)
            .set((payouts::status.eq(to), payouts::updated_at.eq(now)))
            .execute(conn),
    }
}

/// Makes all of a payout's lines active or inactive. Re-activating fails with a unique
/// violation if one of them joined another active payout meanwhile.
pub fn set_lines_active(
    conn: &mut AnyConnection,
    payout_id: i64,
    active: bool,
) -> QueryResult<usize> {
    diesel::update(payout_lines::table.filter(payout_lines::payout_id.eq(payout_id)))
        .set(payout_lines::active.eq(active))
        .execute(conn)
}

/// The ids of a payout's ledger lines.
pub fn line_ids(conn: &mut AnyConnection, payout_id: i64) -> QueryResult<Vec<i64>> {
    payout_lines::table
        .filter(payout_lines::payout_id.eq(payout_id))
        .select(payout_lines::line_id)
        .order(payout_lines::line_id.asc())
        .load(conn)
}

/// The partner's active users who receive payout mail: (address, name).
pub fn recipients(conn: &mut AnyConnection, org: i64) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::organisation_id.eq(org))
        .filter(users::active.eq(true))
        .filter(users::role.eq_any(["partner_owner", "partner_member"]))
        .select((users::email, users::display_name))
        .order(users::id.asc())
        .load(conn)
}

/// The names of the given users, for "approved by" columns.
pub fn user_names(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The payout each of `line_ids` belongs to: the active one, or else the last one that was
/// paid. Lines that were never in a payout (or only in failed ones) are absent.
pub fn payout_of_lines(
    conn: &mut AnyConnection,
    line_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    let rows: Vec<(i64, i64, bool, String)> = payout_lines::table
        .inner_join(payouts::table)
        .filter(payout_lines::line_id.eq_any(line_ids))
        .select((
            payout_lines::line_id,
            payout_lines::payout_id,
            payout_lines::active,
            payouts::status,
        ))
        .order(payout_lines::payout_id.asc())
        .load(conn)?;
    let mut found = std::collections::HashMap::new();
    let mut active = std::collections::HashSet::new();
    for (line, payout, is_active, status) in rows {
        if active.contains(&line) {
            continue;
        }
        if is_active {
            active.insert(line);
            found.insert(line, payout);
        } else if status == "paid" {
            // Later rows win: the last paid payout.
            found.insert(line, payout);
        }
    }
    Ok(found)
}
