//! Reps, their calendars and pools, routing rules, and a referral's assignment.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::accounts::{Role, User};
use super::schema::{referrals, rep_pool_members, rep_pools, rep_profiles, routing_rules, users};
use super::{AnyConnection, db_time};

/// The working hours a rep gets until an admin sets theirs.
pub const DEFAULT_HOURS: &str = "Mon-Fri 09:00-17:00";

/// A rep's routing profile.
#[derive(Debug, Clone, Queryable)]
pub struct RepProfile {
    pub user_id: i64,
    /// Takes new referrals (an admin can pause a rep without removing their account).
    pub available: bool,
    /// Last day away, `YYYY-MM-DD` in the rep's zone.
    pub out_of_office_until: Option<String>,
    pub manager_user_id: Option<i64>,
    /// Working hours, e.g. "Mon-Fri 09:00-17:00".
    pub calendar: String,
    /// Holidays, dates separated by commas or spaces.
    pub holidays: String,
}

/// A rep with their profile (a default one when none was saved yet).
#[derive(Debug, Clone)]
pub struct Rep {
    pub user: User,
    pub profile: RepProfile,
}

impl Rep {
    /// Whether the rep's account may receive referrals at all.
    pub fn active(&self) -> bool {
        self.user.active && self.profile.available
    }
}

fn default_profile(user_id: i64) -> RepProfile {
    RepProfile {
        user_id,
        available: true,
        out_of_office_until: None,
        manager_user_id: None,
        calendar: DEFAULT_HOURS.into(),
        holidays: String::new(),
    }
}

/// Every rep, by name, with their profile.
pub fn reps(conn: &mut AnyConnection) -> QueryResult<Vec<Rep>> {
    let rows: Vec<(User, Option<RepProfile>)> = users::table
        .left_join(rep_profiles::table.on(rep_profiles::user_id.eq(users::id)))
        .filter(users::role.eq(Role::Rep.as_str()))
        .order(users::display_name.asc())
        .select((users::all_columns, rep_profiles::all_columns.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, profile)| Rep {
            profile: profile.unwrap_or_else(|| default_profile(user.id)),
            user,
        })
        .collect())
}

/// One rep with their profile; `None` when the user is not a rep.
pub fn rep(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<Rep>> {
    Ok(reps_by_ids(conn, &[user_id])?.into_iter().next())
}

pub fn reps_by_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<Rep>> {
    let rows: Vec<(User, Option<RepProfile>)> = users::table
        .left_join(rep_profiles::table.on(rep_profiles::user_id.eq(users::id)))
        .filter(users::role.eq(Role::Rep.as_str()))
        .filter(users::id.eq_any(ids))
        .select((users::all_columns, rep_profiles::all_columns.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, profile)| Rep {
            profile: profile.unwrap_or_else(|| default_profile(user.id)),
            user,
        })
        .collect())
}

/// Saves a rep's profile (delete then insert: the multi-engine connection has no upsert).
pub fn save_profile(conn: &mut AnyConnection, p: &RepProfile) -> QueryResult<()> {
    diesel::delete(rep_profiles::table.find(p.user_id)).execute(conn)?;
    diesel::insert_into(rep_profiles::table)
        .values((
            rep_profiles::user_id.eq(p.user_id),
            rep_profiles::available.eq(p.available),
            rep_profiles::out_of_office_until.eq(p.out_of_office_until.as_deref()),
            rep_profiles::manager_user_id.eq(p.manager_user_id),
            rep_profiles::calendar.eq(&p.calendar),
            rep_profiles::holidays.eq(&p.holidays),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A pool of reps that shares referrals round-robin.
#[derive(Debug, Clone, Queryable)]
pub struct Pool {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    pub last_assigned_rep: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn pools(conn: &mut AnyConnection) -> QueryResult<Vec<Pool>> {
    rep_pools::table.order(rep_pools::name.asc()).load(conn)
}

pub fn pool(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Pool>> {
    rep_pools::table.find(id).first(conn).optional()
}

pub fn default_pool(conn: &mut AnyConnection) -> QueryResult<Option<Pool>> {
    rep_pools::table
        .filter(rep_pools::is_default.eq(true))
        .order(rep_pools::id.asc())
        .first(conn)
        .optional()
}

/// Creates a pool; making it the default takes that role from any other pool.
pub fn create_pool(
    conn: &mut AnyConnection,
    name: &str,
    is_default: bool,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    if is_default {
        diesel::update(rep_pools::table)
            .set(rep_pools::is_default.eq(false))
            .execute(conn)?;
    }
    diesel::insert_into(rep_pools::table)
        .values((
            rep_pools::name.eq(name),
            rep_pools::is_default.eq(is_default),
            rep_pools::created_at.eq(db_time(now)),
        ))
        .returning(rep_pools::id)
        .get_result(conn)
}

pub fn make_default(conn: &mut AnyConnection, pool_id: i64) -> QueryResult<()> {
    diesel::update(rep_pools::table)
        .set(rep_pools::is_default.eq(rep_pools::id.eq(pool_id)))
        .execute(conn)
        .map(|_| ())
}

/// The rep ids of a pool in round-robin order.
pub fn pool_members(conn: &mut AnyConnection, pool_id: i64) -> QueryResult<Vec<i64>> {
    rep_pool_members::table
        .filter(rep_pool_members::pool_id.eq(pool_id))
        .order((rep_pool_members::position.asc(), rep_pool_members::id.asc()))
        .select(rep_pool_members::rep_user_id)
        .load(conn)
}

/// Replaces a pool's members with `rep_ids`, in that order.
pub fn set_pool_members(
    conn: &mut AnyConnection,
    pool_id: i64,
    rep_ids: &[i64],
) -> QueryResult<()> {
    diesel::delete(rep_pool_members::table.filter(rep_pool_members::pool_id.eq(pool_id)))
        .execute(conn)?;
    for (position, rep_id) in rep_ids.iter().enumerate() {
        diesel::insert_into(rep_pool_members::table)
            .values((
                rep_pool_members::pool_id.eq(pool_id),
                rep_pool_members::rep_user_id.eq(rep_id),
                rep_pool_members::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves a pool's round-robin pointer from `previous` to `rep_id`; false if another
/// assignment moved it meanwhile.
pub fn advance_pool(
    conn: &mut AnyConnection,
    pool_id: i64,
    previous: Option<i64>,
    rep_id: i64,
) -> QueryResult<bool> {
    let target = rep_pools::table.find(pool_id);
    let changed = match previous {
        Some(p) => diesel::update(target.filter(rep_pools::last_assigned_rep.eq(p)))
            .set(rep_pools::last_assigned_rep.eq(rep_id))
            .execute(conn)?,
        None => diesel::update(target.filter(rep_pools::last_assigned_rep.is_null()))
            .set(rep_pools::last_assigned_rep.eq(rep_id))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// A stored routing rule: which pool gets which referrals.
#[derive(Debug, Clone, Queryable)]
pub struct StoredRule {
    pub id: i64,
    pub position: i32,
    pub pool_id: i64,
    /// ISO codes separated by commas.
    pub countries: String,
    /// Region codes separated by commas (EU, DACH, NORDICS, UKI, NA, LATAM, APAC).
    pub regions: String,
    pub min_score: Option<i32>,
    pub max_score: Option<i32>,
}

pub fn rules(conn: &mut AnyConnection) -> QueryResult<Vec<StoredRule>> {
    routing_rules::table
        .order((routing_rules::position.asc(), routing_rules::id.asc()))
        .load(conn)
}

/// A rule to add at the end of the list.
pub struct NewRule<'a> {
    pub pool_id: i64,
    pub countries: &'a str,
    pub regions: &'a str,
    pub min_score: Option<i32>,
    pub max_score: Option<i32>,
}

pub fn add_rule(conn: &mut AnyConnection, rule: &NewRule) -> QueryResult<i64> {
    let last: Option<i32> = routing_rules::table
        .select(diesel::dsl::max(routing_rules::position))
        .first(conn)?;
    diesel::insert_into(routing_rules::table)
        .values((
            routing_rules::position.eq(last.unwrap_or(0) + 1),
            routing_rules::pool_id.eq(rule.pool_id),
            routing_rules::countries.eq(rule.countries),
            routing_rules::regions.eq(rule.regions),
            routing_rules::min_score.eq(rule.min_score),
            routing_rules::max_score.eq(rule.max_score),
        ))
        .returning(routing_rules::id)
        .get_result(conn)
}

pub fn delete_rule(conn: &mut AnyConnection, rule_id: i64) -> QueryResult<usize> {
    diesel::delete(routing_rules::table.find(rule_id)).execute(conn)
}

/// What routing writes on a referral.
pub struct AssignmentUpdate {
    pub rep_id: i64,
    pub round: i32,
    pub routed_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub remind_at: DateTime<Utc>,
}

/// Assigns a referral for a new SLA round, if it is still in round `expected_round`.
pub fn assign(
    conn: &mut AnyConnection,
    referral_id: i64,
    expected_round: i32,
    a: &AssignmentUpdate,
) -> QueryResult<bool> {
    let changed = diesel::update(
        referrals::table
            .find(referral_id)
            .filter(referrals::sla_round.eq(expected_round)),
    )
    .set((
        referrals::assigned_rep_id.eq(a.rep_id),
        referrals::sla_round.eq(a.round),
        referrals::routed_at.eq(db_time(a.routed_at)),
        referrals::first_contact_due_at.eq(db_time(a.due_at)),
        referrals::remind_at.eq(db_time(a.remind_at)),
        referrals::updated_at.eq(db_time(a.routed_at)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records the reminder of `round` once; returns false if it was already recorded.
pub fn mark_reminded(conn: &mut AnyConnection, referral_id: i64, round: i32) -> QueryResult<bool> {
    let changed = diesel::update(
        referrals::table
            .find(referral_id)
            .filter(referrals::sla_round.eq(round))
            .filter(referrals::first_contacted_at.is_null())
            .filter(
                referrals::reminded_round
                    .is_null()
                    .or(referrals::reminded_round.lt(round)),
            ),
    )
    .set(referrals::reminded_round.eq(round))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Records the escalation of `round` once; returns false if it was already recorded.
pub fn mark_escalated(conn: &mut AnyConnection, referral_id: i64, round: i32) -> QueryResult<bool> {
    let changed = diesel::update(
        referrals::table
            .find(referral_id)
            .filter(referrals::sla_round.eq(round))
            .filter(referrals::first_contacted_at.is_null())
            .filter(
                referrals::escalated_round
                    .is_null()
                    .or(referrals::escalated_round.lt(round)),
            ),
    )
    .set(referrals::escalated_round.eq(round))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A row of a rep's queue.
#[derive(Debug, Clone, Queryable)]
pub struct QueueRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub status: String,
    pub score: Option<i32>,
    pub first_contact_due_at: Option<NaiveDateTime>,
    pub first_contacted_at: Option<NaiveDateTime>,
}

/// Referrals assigned to `rep_id` that are still being worked, by first-contact deadline.
pub fn rep_queue(conn: &mut AnyConnection, rep_id: i64, limit: i64) -> QueryResult<Vec<QueueRow>> {
    referrals::table
        .filter(referrals::assigned_rep_id.eq(rep_id))
        .filter(referrals::status.ne_all(["rejected", "duplicate", "won", "lost"]))
        .order((referrals::first_contact_due_at.asc(), referrals::id.asc()))
        .select((
            referrals::id,
            referrals::first_name,
            referrals::last_name,
            referrals::company,
            referrals::status,
            referrals::score,
            referrals::first_contact_due_at,
            referrals::first_contacted_at,
        ))
        .limit(limit)
        .load(conn)
}

/// A referral only if it is assigned to `rep_id`; any other looks missing.
pub fn find_for_rep(
    conn: &mut AnyConnection,
    id: i64,
    rep_id: i64,
) -> QueryResult<Option<super::referrals::Referral>> {
    referrals::table
        .find(id)
        .filter(referrals::assigned_rep_id.eq(rep_id))
        .first(conn)
        .optional()
}

// ---------------------------------------------------------------------------------------------
// Queries of the routing admin pages (reps, pools and rules as admins see and edit them).
// ---------------------------------------------------------------------------------------------

/// Sets a user's IANA time zone: a rep's working calendar is counted in it, and their pages
/// show times in it. Returns the number of users changed (0 for an unknown id).
pub fn set_time_zone(conn: &mut AnyConnection, user_id: i64, zone: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::time_zone.eq(zone))
        .execute(conn)
}

/// Every pool membership as `(pool id, rep id)`, by pool and then in round-robin order.
pub fn all_pool_members(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, i64)>> {
    rep_pool_members::table
        .order((
            rep_pool_members::pool_id.asc(),
            rep_pool_members::position.asc(),
            rep_pool_members::id.asc(),
        ))
        .select((rep_pool_members::pool_id, rep_pool_members::rep_user_id))
        .load(conn)
}

/// Staff who may be a rep's manager and receive their escalations: admins and reps, by name.
pub fn manager_candidates(conn: &mut AnyConnection) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.is_null())
        .filter(users::role.eq_any([Role::Admin.as_str(), Role::Rep.as_str()]))
        .order((users::display_name.asc(), users::id.asc()))
        .load(conn)
}
