//! Tiers, their reward rules, partners' standings and tier changes as stored.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::schema::{
    partner_standings, referrals, reward_lines, reward_rules, tier_changes, tiers,
};
use super::{AnyConnection, db_time};

/// A stored tier.
#[derive(Debug, Clone, Queryable)]
pub struct TierRow {
    pub id: i64,
    pub name: String,
    pub rank: i32,
    pub min_won_value_minor: Option<i64>,
    pub min_qualified: Option<i32>,
    pub perks: String,
    pub created_at: NaiveDateTime,
}

/// A tier as an admin saves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierValues {
    pub name: String,
    pub rank: i32,
    pub min_won_value_minor: Option<i64>,
    pub min_qualified: Option<i32>,
    pub perks: String,
}

/// A stored reward rule: `flat_minor` for a bounty, `percent` (an exact decimal as text) for a
/// share of the deal value.
#[derive(Debug, Clone, Queryable)]
pub struct RuleRow {
    pub id: i64,
    pub tier_id: i64,
    pub event: String,
    pub flat_minor: Option<i64>,
    pub percent: Option<String>,
    pub created_at: NaiveDateTime,
}

/// What a rule pays, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAmount {
    Flat(i64),
    Percent(String),
}

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

/// Every tier, lowest rank first.
pub fn list_tiers(conn: &mut AnyConnection) -> QueryResult<Vec<TierRow>> {
    tiers::table.order(tiers::rank.asc()).load(conn)
}

pub fn find_tier(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<TierRow>> {
    tiers::table.find(id).first(conn).optional()
}

pub fn insert_tier(
    conn: &mut AnyConnection,
    t: &TierValues,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(tiers::table)
        .values((
            tiers::name.eq(&t.name),
            tiers::rank.eq(t.rank),
            tiers::min_won_value_minor.eq(t.min_won_value_minor),
            tiers::min_qualified.eq(t.min_qualified),
            tiers::perks.eq(&t.perks),
            tiers::created_at.eq(db_time(now)),
        ))
        .returning(tiers::id)
        .get_result(conn)
}

pub fn update_tier(conn: &mut AnyConnection, id: i64, t: &TierValues) -> QueryResult<usize> {
    diesel::update(tiers::table.find(id))
        .set((
            tiers::name.eq(&t.name),
            tiers::rank.eq(t.rank),
            tiers::min_won_value_minor.eq(t.min_won_value_minor),
            tiers::min_qualified.eq(t.min_qualified),
            tiers::perks.eq(&t.perks),
        ))
        .execute(conn)
}

/// Every reward rule, by tier.
pub fn list_rules(conn: &mut AnyConnection) -> QueryResult<Vec<RuleRow>> {
    reward_rules::table
        .order((reward_rules::tier_id.asc(), reward_rules::event.asc()))
        .load(conn)
}

/// The rule of `tier_id` for `event` (`meeting_booked` or `won`), if the tier has one.
pub fn rule_for(
    conn: &mut AnyConnection,
    tier_id: i64,
    event: &str,
) -> QueryResult<Option<RuleRow>> {
    reward_rules::table
        .filter(reward_rules::tier_id.eq(tier_id))
        .filter(reward_rules::event.eq(event))
        .first(conn)
        .optional()
}

/// Why a rule could not be removed.
#[derive(Debug, PartialEq, Eq)]
pub enum RuleChange {
    Saved,
    /// Ledger lines point at the rule, so it stays; it can be set to zero instead.
    InUse,
}

/// Sets, changes or removes the rule of `tier_id` for `event`. A rule is changed in place, so
/// ledger lines keep pointing at it; one that earned rewards is never deleted.
pub fn set_rule(
    conn: &mut AnyConnection,
    tier_id: i64,
    event: &str,
    amount: Option<&RuleAmount>,
    now: DateTime<Utc>,
) -> QueryResult<RuleChange> {
    let existing = rule_for(conn, tier_id, event)?;
    let (flat, percent) = match amount {
        Some(RuleAmount::Flat(minor)) => (Some(*minor), None),
        Some(RuleAmount::Percent(p)) => (None, Some(p.clone())),
        None => (None, None),
    };
    match (existing, amount) {
        (Some(rule), Some(_)) => {
            diesel::update(reward_rules::table.find(rule.id))
                .set((
                    reward_rules::flat_minor.eq(flat),
                    reward_rules::percent.eq(percent),
                ))
                .execute(conn)?;
        }
        (None, Some(_)) => {
            diesel::insert_into(reward_rules::table)
                .values((
                    reward_rules::tier_id.eq(tier_id),
                    reward_rules::event.eq(event),
                    reward_rules::flat_minor.eq(flat),
                    reward_rules::percent.eq(percent),
                    reward_rules::created_at.eq(db_time(now)),
                ))
                .execute(conn)?;
        }
        (Some(rule), None) => {
            let used: i64 = reward_lines::table
                .filter(reward_lines::rule_id.eq(rule.id))
                .count()
                .get_result(conn)?;
            if used > 0 {
                return Ok(RuleChange::InUse);
            }
            diesel::delete(reward_rules::table.find(rule.id)).execute(conn)?;
        }
        (None, None) => {}
    }
    Ok(RuleChange::Saved)
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
