//! Tiers and their reward rules as stored. Standings and tier changes are in `standings`.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{reward_lines, reward_rules, tiers};
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
