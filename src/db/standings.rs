//! Partners' standings in the tier ladder, their tier changes, and the figures of the trailing
//! window that standings are judged by.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::schema::{partner_standings, referrals, tier_changes};
use super::{AnyConnection, db_time};

/// A partner's stored standing.
#[derive(Debug, Clone, Queryable)]
pub struct StandingRow {
    pub organisation_id: i64,
    pub tier_id: i64,
    pub below_since: Option<NaiveDateTime>,
    pub demotion_review_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// One recorded tier change.
#[derive(Debug, Clone, Queryable)]
pub struct TierChangeRow {
    pub id: i64,
    pub organisation_id: i64,
    pub from_tier_id: Option<i64>,
    pub to_tier_id: i64,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

pub fn standing(conn: &mut AnyConnection, org: i64) -> QueryResult<Option<StandingRow>> {
    partner_standings::table.find(org).first(conn).optional()
}

/// Gives `org` a standing in `tier_id` unless it has one; a concurrent insert is no error.
pub fn ensure_standing(
    conn: &mut AnyConnection,
    org: i64,
    tier_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO partner_standings (organisation_id, tier_id, updated_at) \
         VALUES ($1, $2, $3) ON CONFLICT (organisation_id) DO NOTHING",
    )
    .bind::<BigInt, _>(org)
    .bind::<BigInt, _>(tier_id)
    .bind::<Timestamp, _>(db_time(now))
    .execute(conn)
    .map(|_| ())
}

/// Moves `org` from `from_tier` to `to_tier` and ends any grace; true only for the one caller
/// whose update found the partner still in `from_tier` (and, for a demotion, still waiting for
/// the review `review_at`).
pub fn change_tier(
    conn: &mut AnyConnection,
    org: i64,
    from_tier: i64,
    to_tier: i64,
    review_at: Option<NaiveDateTime>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let target = partner_standings::table
        .filter(partner_standings::organisation_id.eq(org))
        .filter(partner_standings::tier_id.eq(from_tier));
    let values = (
        partner_standings::tier_id.eq(to_tier),
        partner_standings::below_since.eq(None::<NaiveDateTime>),
        partner_standings::demotion_review_at.eq(None::<NaiveDateTime>),
        partner_standings::updated_at.eq(db_time(now)),
    );
    let changed = match review_at {
        Some(at) => diesel::update(target.filter(partner_standings::demotion_review_at.eq(at)))
            .set(values)
            .execute(conn)?,
        None => diesel::update(target).set(values).execute(conn)?,
    };
    Ok(changed == 1)
}

/// Records that `org` fell below its tier at `since`, unless a grace already runs.
pub fn start_grace(
    conn: &mut AnyConnection,
    org: i64,
    since: DateTime<Utc>,
    review_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        partner_standings::table
            .filter(partner_standings::organisation_id.eq(org))
            .filter(partner_standings::below_since.is_null()),
    )
    .set((
        partner_standings::below_since.eq(db_time(since)),
        partner_standings::demotion_review_at.eq(db_time(review_at)),
        partner_standings::updated_at.eq(db_time(now)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Forgets the grace of `org`, which reaches its tier again.
pub fn cancel_grace(conn: &mut AnyConnection, org: i64, now: DateTime<Utc>) -> QueryResult<bool> {
    diesel::update(
        partner_standings::table
            .filter(partner_standings::organisation_id.eq(org))
            .filter(partner_standings::below_since.is_not_null()),
    )
    .set((
        partner_standings::below_since.eq(None::<NaiveDateTime>),
        partner_standings::demotion_review_at.eq(None::<NaiveDateTime>),
        partner_standings::updated_at.eq(db_time(now)),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Organisations whose demotion review is at or before `now`.
pub fn reviews_due(conn: &mut AnyConnection, now: DateTime<Utc>) -> QueryResult<Vec<i64>> {
    partner_standings::table
        .filter(partner_standings::demotion_review_at.le(db_time(now)))
        .order(partner_standings::organisation_id.asc())
        .select(partner_standings::organisation_id)
        .load(conn)
}

/// Every organisation holding a tier above `entry_tier`: the only ones a sliding window can
/// move down.
pub fn standings_above(conn: &mut AnyConnection, entry_tier: i64) -> QueryResult<Vec<i64>> {
    partner_standings::table
        .filter(partner_standings::tier_id.ne(entry_tier))
        .order(partner_standings::organisation_id.asc())
        .select(partner_standings::organisation_id)
        .load(conn)
}

pub fn record_change(
    conn: &mut AnyConnection,
    org: i64,
    from_tier: Option<i64>,
    to_tier: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(tier_changes::table)
        .values((
            tier_changes::organisation_id.eq(org),
            tier_changes::from_tier_id.eq(from_tier),
            tier_changes::to_tier_id.eq(to_tier),
            tier_changes::reason.eq(reason),
            tier_changes::created_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The tier changes of `org`, newest first.
pub fn changes_of(conn: &mut AnyConnection, org: i64) -> QueryResult<Vec<TierChangeRow>> {
    tier_changes::table
        .filter(tier_changes::organisation_id.eq(org))
        .order((tier_changes::created_at.desc(), tier_changes::id.desc()))
        .limit(100)
        .load(conn)
}

/// Referrals of `org` accepted in `[start, end]` and not rejected since.
pub fn qualified_between(
    conn: &mut AnyConnection,
    org: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> QueryResult<i64> {
    referrals::table
        .filter(referrals::organisation_id.eq(org))
        .filter(referrals::qualified_at.ge(db_time(start)))
        .filter(referrals::qualified_at.le(db_time(end)))
        .count()
        .get_result(conn)
}

/// Won value of `org`'s deals closed in `[start, end]` in `currency`, net of refunds, in
/// minor units. Summed here rather than in SQL, where SUM of a BIGINT is NUMERIC on
/// PostgreSQL and INTEGER on SQLite.
pub fn won_value_between(
    conn: &mut AnyConnection,
    org: i64,
    currency: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> QueryResult<i64> {
    let rows: Vec<(Option<i64>, i64)> = referrals::table
        .filter(referrals::organisation_id.eq(org))
        .filter(referrals::currency.eq(currency))
        .filter(referrals::won_at.ge(db_time(start)))
        .filter(referrals::won_at.le(db_time(end)))
        .select((referrals::deal_value_minor, referrals::refunded_minor))
        .load(conn)?;
    Ok(rows.into_iter().fold(0i64, |sum, (value, refunded)| {
        sum.saturating_add(value.unwrap_or(0).saturating_sub(refunded).max(0))
    }))
}
