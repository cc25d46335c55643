//! Queries of the rewards ledger: lines and their moves, co-referral shares and statements.
//! Lines are only ever inserted and moved between statuses; amounts and reasons never change.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::schema::{referral_shares, reward_line_moves, reward_lines, statements};
use super::{AnyConnection, db_time};
use crate::domain::LineStatus;

/// A line of the ledger, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct RewardLine {
    pub id: i64,
    pub organisation_id: i64,
    pub referral_id: i64,
    /// `meeting_booked`, `won` or `clawback`.
    pub event: String,
    pub rule_id: Option<i64>,
    pub tier_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub reason: String,
    pub corrects_line_id: Option<i64>,
    pub earned_at: NaiveDateTime,
    pub approvable_at: NaiveDateTime,
    pub statement_id: Option<i64>,
    pub unique_key: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A line about to be booked; it starts pending.
pub struct NewLine<'a> {
    pub organisation_id: i64,
    pub referral_id: i64,
    pub event: &'a str,
    pub rule_id: Option<i64>,
    pub tier_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub reason: &'a str,
    pub corrects_line_id: Option<i64>,
    pub earned_at: DateTime<Utc>,
    pub approvable_at: DateTime<Utc>,
    /// Names the fact the line pays for, so booking it twice is impossible.
    pub unique_key: &'a str,
}

/// Books a pending line with the move that created it, unless a line with the same unique
/// key exists; returns the new line, `None` when it was already booked.
pub fn insert_line(
    conn: &mut AnyConnection,
    new: &NewLine,
    actor_user_id: Option<i64>,
    now: DateTime<Utc>,
) -> QueryResult<Option<RewardLine>> {
    let exists = reward_lines::table
        .filter(reward_lines::unique_key.eq(new.unique_key))
        .select(reward_lines::id)
        .first::<i64>(conn)
        .optional()?;
    if exists.is_some() {
        return Ok(None);
    }
    let now_db = db_time(now);
    let line: RewardLine = diesel::insert_into(reward_lines::table)
        .values((
            reward_lines::organisation_id.eq(new.organisation_id),
            reward_lines::referral_id.eq(new.referral_id),
            reward_lines::event.eq(new.event),
            reward_lines::rule_id.eq(new.rule_id),
            reward_lines::tier_id.eq(new.tier_id),
            reward_lines::amount_minor.eq(new.amount_minor),
            reward_lines::currency.eq(new.currency),
            reward_lines::status.eq(LineStatus::Pending.as_str()),
            reward_lines::reason.eq(new.reason),
            reward_lines::corrects_line_id.eq(new.corrects_line_id),
            reward_lines::earned_at.eq(db_time(new.earned_at)),
            reward_lines::approvable_at.eq(db_time(new.approvable_at)),
            reward_lines::unique_key.eq(new.unique_key),
            reward_lines::created_at.eq(now_db),
            reward_lines::updated_at.eq(now_db),
        ))
        .returning(reward_lines::all_columns)
        .get_result(conn)?;
    record_move(
        conn,
        line.id,
        None,
        LineStatus::Pending,
        actor_user_id,
        None,
        now,
    )?;
    Ok(Some(line))
}

fn record_move(
    conn: &mut AnyConnection,
    line_id: i64,
    from: Option<LineStatus>,
    to: LineStatus,
    actor_user_id: Option<i64>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(reward_line_moves::table)
        .values((
            reward_line_moves::line_id.eq(line_id),
            reward_line_moves::from_status.eq(from.map(|s| s.as_str())),
            reward_line_moves::to_status.eq(to.as_str()),
            reward_line_moves::actor_user_id.eq(actor_user_id),
            reward_line_moves::note.eq(note),
            reward_line_moves::created_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Moves a line from `from` to `to` if it is still in `from`, recording the move; returns
/// whether it moved. A line that moved meanwhile is left alone.
pub fn move_line(
    conn: &mut AnyConnection,
    line_id: i64,
    from: LineStatus,
    to: LineStatus,
    actor_user_id: Option<i64>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        reward_lines::table
            .find(line_id)
            .filter(reward_lines::status.eq(from.as_str())),
    )
    .set((
        reward_lines::status.eq(to.as_str()),
        reward_lines::updated_at.eq(db_time(now)),
    ))
    .execute(conn)?;
    if changed == 1 {
        record_move(conn, line_id, Some(from), to, actor_user_id, note, now)?;
    }
    Ok(changed == 1)
}

pub fn find_line(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<RewardLine>> {
    reward_lines::table.find(id).first(conn).optional()
}

/// A line only if it belongs to `org`; another organisation's looks missing.
pub fn find_line_for_org(
    conn: &mut AnyConnection,
    id: i64,
    org: i64,
) -> QueryResult<Option<RewardLine>> {
    reward_lines::table
        .find(id)
        .filter(reward_lines::organisation_id.eq(org))
        .first(conn)
        .optional()
}

/// Every line of a referral, oldest first.
pub fn lines_of_referral(
    conn: &mut AnyConnection,
    referral_id: i64,
) -> QueryResult<Vec<RewardLine>> {
    reward_lines::table
        .filter(reward_lines::referral_id.eq(referral_id))
        .order(reward_lines::id.asc())
        .load(conn)
}

/// Ids of an organisation's lines in `status`, oldest first.
pub fn line_ids_in_status(
    conn: &mut AnyConnection,
    org: i64,
    status: LineStatus,
) -> QueryResult<Vec<i64>> {
    reward_lines::table
        .filter(reward_lines::organisation_id.eq(org))
        .filter(reward_lines::status.eq(status.as_str()))
        .order(reward_lines::id.asc())
        .select(reward_lines::id)
        .load(conn)
}

/// Pending lines whose holding period is over at `now`, at most `limit` of them.
pub fn due_pending(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    reward_lines::table
        .filter(reward_lines::status.eq(LineStatus::Pending.as_str()))
        .filter(reward_lines::approvable_at.le(db_time(now)))
        .order(reward_lines::approvable_at.asc())
        .select(reward_lines::id)
        .limit(limit)
        .load(conn)
}

/// A move of a line, oldest first.
#[derive(Debug, Clone, Queryable)]
pub struct LineMove {
    pub id: i64,
    pub line_id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor_user_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn moves_of_line(conn: &mut AnyConnection, line_id: i64) -> QueryResult<Vec<LineMove>> {
    reward_line_moves::table
        .filter(reward_line_moves::line_id.eq(line_id))
        .order(reward_line_moves::id.asc())
        .load(conn)
}

/// Which lines a ledger page shows: newest first, ids below `before` (keyset pagination).
#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    pub organisation_id: Option<i64>,
    pub status: Option<String>,
    pub statement_id: Option<i64>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// One page of lines; every filter is served by an index that ends in `id`.
pub fn list_lines(conn: &mut AnyConnection, f: &LineFilter) -> QueryResult<Vec<RewardLine>> {
    let mut q = reward_lines::table.into_boxed();
    if let Some(org) = f.organisation_id {
        q = q.filter(reward_lines::organisation_id.eq(org));
    }
    if let Some(status) = &f.status {
        q = q.filter(reward_lines::status.eq(status.clone()));
    }
    if let Some(statement) = f.statement_id {
        q = q.filter(reward_lines::statement_id.eq(statement));
    }
    if let Some(before) = f.before {
        q = q.filter(reward_lines::id.lt(before));
    }
    q.order(reward_lines::id.desc()).limit(f.limit).load(conn)
}

#[derive(QueryableByName)]
struct StatusTotal {
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = BigInt)]
    lines: i64,
}

/// An organisation's total and line count per status and currency, in minor units: amounts
/// of different currencies are never added up (the program currency can change).
pub fn totals_by_status(
    conn: &mut AnyConnection,
    org: i64,
) -> QueryResult<Vec<(String, String, i64, i64)>> {
    let rows: Vec<StatusTotal> = diesel::sql_query(
        "SELECT status, currency, CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS total, \
         CAST(COUNT(*) AS BIGINT) AS lines \
         FROM reward_lines WHERE organisation_id = $1 GROUP BY status, currency \
         ORDER BY currency",
    )
    .bind::<BigInt, _>(org)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.status, r.currency, r.total, r.lines))
        .collect())
}

/// A partner's part of a co-referral.
#[derive(Debug, Clone, Queryable)]
pub struct Share {
    pub id: i64,
    pub referral_id: i64,
    pub organisation_id: i64,
    /// 0 for the referral's own partner, listed first.
    pub position: i32,
    /// An exact decimal percentage, e.g. `70` or `33.5`.
    pub share: String,
    pub created_at: NaiveDateTime,
}

/// A referral's co-referral shares in listed order; empty when it is not split.
pub fn shares_of(conn: &mut AnyConnection, referral_id: i64) -> QueryResult<Vec<Share>> {
    referral_shares::table
        .filter(referral_shares::referral_id.eq(referral_id))
        .order(referral_shares::position.asc())
        .load(conn)
}

/// Replaces a referral's shares by `(organisation, percentage)` in listed order.
pub fn replace_shares(
    conn: &mut AnyConnection,
    referral_id: i64,
    shares: &[(i64, String)],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(referral_shares::table.filter(referral_shares::referral_id.eq(referral_id)))
        .execute(conn)?;
    for (position, (org, share)) in shares.iter().enumerate() {
        diesel::insert_into(referral_shares::table)
            .values((
                referral_shares::referral_id.eq(referral_id),
                referral_shares::organisation_id.eq(org),
                referral_shares::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                referral_shares::share.eq(share),
                referral_shares::created_at.eq(db_time(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A monthly statement, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct Statement {
    pub id: i64,
    pub organisation_id: i64,
    /// `2026-10`.
    pub period: String,
    pub period_start: NaiveDateTime,
    pub period_end: NaiveDateTime,
    pub currency: String,
    pub total_minor: i64,
    pub line_count: i32,
    pub created_at: NaiveDateTime,
}

pub fn statements_of(conn: &mut AnyConnection, org: i64) -> QueryResult<Vec<Statement>> {
    statements::table
        .filter(statements::organisation_id.eq(org))
        .order(statements::period_start.desc())
        .load(conn)
}

/// A statement only if it belongs to `org`; another organisation's looks missing.
pub fn statement_for_org(
    conn: &mut AnyConnection,
    id: i64,
    org: i64,
) -> QueryResult<Option<Statement>> {
    statements::table
        .find(id)
        .filter(statements::organisation_id.eq(org))
        .first(conn)
        .optional()
}

/// Every line of a statement, oldest first.
pub fn lines_of_statement(
    conn: &mut AnyConnection,
    statement_id: i64,
) -> QueryResult<Vec<RewardLine>> {
    reward_lines::table
        .filter(reward_lines::statement_id.eq(statement_id))
        .order((reward_lines::earned_at.asc(), reward_lines::id.asc()))
        .load(conn)
}
