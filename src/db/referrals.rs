//! Referrals, their events, and the look-ups that decide whether a prospect is already
//! protected by an earlier referral.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{existing_customers, organisations, referral_events, referrals, users};
use super::{AnyConnection, db_time};

/// Where a referral stands. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Submitted,
    Accepted,
    Rejected,
    Duplicate,
    Contacted,
    MeetingBooked,
    Opportunity,
    Won,
    Lost,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Self::Submitted,
        Self::Accepted,
        Self::Rejected,
        Self::Duplicate,
        Self::Contacted,
        Self::MeetingBooked,
        Self::Opportunity,
        Self::Won,
        Self::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Duplicate => "duplicate",
            Self::Contacted => "contacted",
            Self::MeetingBooked => "meeting_booked",
            Self::Opportunity => "opportunity",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "Submitted",
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected",
            Self::Duplicate => "Duplicate",
            Self::Contacted => "Contacted",
            Self::MeetingBooked => "Meeting booked",
            Self::Opportunity => "Opportunity",
            Self::Won => "Won",
            Self::Lost => "Lost",
        }
    }

    /// Statuses whose referral no longer protects its prospect.
    pub const CLOSED: [&'static str; 3] = ["rejected", "duplicate", "lost"];
}

/// Label for a stored status text, falling back to the text itself.
pub fn status_label(raw: &str) -> &str {
    Status::parse(raw).map(Status::label).unwrap_or(raw)
}

#[derive(Debug, Clone, Queryable)]
pub struct Referral {
    pub id: i64,
    pub organisation_id: i64,
    pub submitted_by: i64,
    pub status: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub seniority: String,
    pub company: String,
    pub company_normalised: String,
    pub website: Option<String>,
    pub company_domain: Option<String>,
    pub country: Option<String>,
    pub relationship: Option<String>,
    pub strength: Option<i32>,
    pub pain: Option<String>,
    pub urgency: Option<String>,
    pub deal_size_minor: Option<i64>,
    pub currency: String,
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    pub name_key: Option<String>,
    pub possible_duplicate: bool,
    pub existing_customer: bool,
    pub protected_until: Option<NaiveDateTime>,
    pub warnings: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub score: Option<i32>,
    /// The score's explanation, one reason per line ("+20 VP-level title").
    pub score_reasons: String,
    pub assigned_rep_id: Option<i64>,
    /// Counts assignments; reminder and escalation jobs belong to one round.
    pub sla_round: i32,
    pub routed_at: Option<NaiveDateTime>,
    pub first_contact_due_at: Option<NaiveDateTime>,
    pub remind_at: Option<NaiveDateTime>,
    pub reminded_round: Option<i32>,
    pub escalated_round: Option<i32>,
    pub first_contacted_at: Option<NaiveDateTime>,
    pub first_contact_channel: Option<String>,
    pub expected_value_minor: Option<i64>,
    pub deal_value_minor: Option<i64>,
    pub lost_reason: Option<String>,
    /// The monthly upload the referral came with; `None` for the form.
    pub upload_id: Option<i64>,
    /// `YYYY-MM` of the upload's reporting month; `None` for the form.
    pub reporting_month: Option<String>,
    /// When the referral was accepted (by an admin or auto-accept); cleared if later rejected.
    /// It counts towards tiers as a qualified referral.
    pub qualified_at: Option<NaiveDateTime>,
    pub meeting_booked_at: Option<NaiveDateTime>,
    pub won_at: Option<NaiveDateTime>,
    /// Part of the deal value refunded so far (won deals only).
    pub refunded_minor: i64,
    /// Written by an upload's commit and hidden until the whole batch is published.
    pub upload_pending: bool,
}

impl Referral {
    pub fn prospect_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = referrals)]
pub struct NewReferral {
    pub organisation_id: i64,
    pub submitted_by: i64,
    pub status: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    pub seniority: String,
    pub company: String,
    pub company_normalised: String,
    pub website: Option<String>,
    pub company_domain: Option<String>,
    pub country: Option<String>,
    pub relationship: Option<String>,
    pub strength: Option<i32>,
    pub pain: Option<String>,
    pub urgency: Option<String>,
    pub deal_size_minor: Option<i64>,
    pub currency: String,
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    pub name_key: Option<String>,
    pub possible_duplicate: bool,
    pub existing_customer: bool,
    pub protected_until: Option<NaiveDateTime>,
    pub warnings: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The monthly upload the referral came with; `None` for the form.
    pub upload_id: Option<i64>,
    /// `YYYY-MM` of the upload's reporting month; `None` for the form.
    pub reporting_month: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, new: &NewReferral) -> QueryResult<Referral> {
    diesel::insert_into(referrals::table)
        .values(new)
        .returning(referrals::all_columns)
        .get_result(conn)
}

/// Stores a referral's fit score and its explanation.
pub fn set_score(conn: &mut AnyConnection, id: i64, score: i32, reasons: &str) -> QueryResult<()> {
    diesel::update(referrals::table.find(id))
        .set((
            referrals::score.eq(score),
            referrals::score_reasons.eq(reasons),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A referral as an admin sees it: any organisation.
/// Rows of an upload still being committed (`upload_pending`) are missing for everyone.
/// Locks a referral's row until the transaction ends, so writers that must not interleave on
/// one referral (a co-referral split and the booking of its rewards) take turns. PostgreSQL
/// only: SQLite's `BEGIN IMMEDIATE` serialises every writer already.
pub fn lock(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        referrals::table
            .find(id)
            .select(referrals::id)
            .for_update()
            .first::<i64>(pg)
            .optional()?;
    }
    Ok(())
}

pub fn find(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Referral>> {
    referrals::table
        .find(id)
        .filter(referrals::upload_pending.eq(false))
        .first(conn)
        .optional()
}

/// A referral only if it belongs to `org`; another organisation's looks missing.
pub fn find_for_org(conn: &mut AnyConnection, id: i64, org: i64) -> QueryResult<Option<Referral>> {
    referrals::table
        .find(id)
        .filter(referrals::organisation_id.eq(org))
        .filter(referrals::upload_pending.eq(false))
        .first(conn)
        .optional()
}

/// A row of a referral list.
#[derive(Debug, Clone, Queryable)]
pub struct ReferralRow {
    pub id: i64,
    pub organisation: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub status: String,
    pub possible_duplicate: bool,
    pub existing_customer: bool,
    pub created_at: NaiveDateTime,
}

/// Filters of a referral list. `organisation_id` scopes a partner's view and is always set
/// from the session for partners.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub organisation_id: Option<i64>,
    pub status: Option<String>,
    /// Keyset pagination: only rows with a smaller id (newest first).
    pub before_id: Option<i64>,
}

/// One page of referrals, newest first, plus whether more follow.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ListFilter,
    page_size: i64,
) -> QueryResult<(Vec<ReferralRow>, bool)> {
    let mut query = referrals::table
        .inner_join(organisations::table)
        .select((
            referrals::id,
            organisations::name,
            referrals::first_name,
            referrals::last_name,
            referrals::company,
            referrals::status,
            referrals::possible_duplicate,
            referrals::existing_customer,
            referrals::created_at,
        ))
        .filter(referrals::upload_pending.eq(false))
        .order(referrals::id.desc())
        .limit(page_size + 1)
        .into_boxed();
    if let Some(org) = filter.organisation_id {
        query = query.filter(referrals::organisation_id.eq(org));
    }
    if let Some(status) = &filter.status {
        query = query.filter(referrals::status.eq(status.clone()));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(referrals::id.lt(before));
    }
    let mut rows: Vec<ReferralRow> = query.load(conn)?;
    let more = rows.len() as i64 > page_size;
    rows.truncate(page_size as usize);
    Ok((rows, more))
}

/// How many referrals an organisation (or, with `None`, the program) has in each status.
pub fn counts_by_status(
    conn: &mut AnyConnection,
    org: Option<i64>,
) -> QueryResult<Vec<(String, i64)>> {
    let mut query = referrals::table
        .filter(referrals::upload_pending.eq(false))
        .group_by(referrals::status)
        .select((referrals::status, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(org) = org {
        query = query.filter(referrals::organisation_id.eq(org));
    }
    query.load(conn)
}

/// Moves a referral from `from` to `to`; returns false when its status had changed meanwhile.
pub fn transition(
    conn: &mut AnyConnection,
    id: i64,
    from: Status,
    to: Status,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        referrals::table
            .find(id)
            .filter(referrals::status.eq(from.as_str()))
            .filter(referrals::upload_pending.eq(false)),
    )
    .set((
        referrals::status.eq(to.as_str()),
        referrals::updated_at.eq(db_time(now)),
    ))
    .execute(conn)?;
    // Acceptance makes a referral count towards tiers; a later rejection takes it back.
    let qualified_at = match to {
        Status::Accepted => Some(Some(db_time(now))),
        Status::Rejected | Status::Duplicate => Some(None),
        _ => None,
    };
    if let (1, Some(qualified_at)) = (changed, qualified_at) {
        diesel::update(referrals::table.find(id))
            .set(referrals::qualified_at.eq(qualified_at))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// An entry of a referral's timeline.
#[derive(Debug, Clone, Queryable)]
pub struct Event {
    pub id: i64,
    pub referral_id: i64,
    pub actor_user_id: Option<i64>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    /// Whether the partner sees this entry's note.
    pub shared_with_partner: bool,
}

/// A new timeline entry.
pub struct NewEvent<'a> {
    pub referral_id: i64,
    pub actor_user_id: Option<i64>,
    pub kind: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub note: Option<&'a str>,
    pub shared_with_partner: bool,
}

pub fn add_event(conn: &mut AnyConnection, e: &NewEvent, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(referral_events::table)
        .values((
            referral_events::referral_id.eq(e.referral_id),
            referral_events::actor_user_id.eq(e.actor_user_id),
            referral_events::kind.eq(e.kind),
            referral_events::from_status.eq(e.from_status),
            referral_events::to_status.eq(e.to_status),
            referral_events::note.eq(e.note),
            referral_events::created_at.eq(db_time(now)),
            referral_events::shared_with_partner.eq(e.shared_with_partner),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A referral's timeline, oldest first, with each actor's display name.
pub fn events(
    conn: &mut AnyConnection,
    referral_id: i64,
) -> QueryResult<Vec<(Event, Option<String>)>> {
    referral_events::table
        .left_join(users::table.on(users::id.nullable().eq(referral_events::actor_user_id)))
        .filter(referral_events::referral_id.eq(referral_id))
        .order((referral_events::created_at.asc(), referral_events::id.asc()))
        .select((referral_events::all_columns, users::display_name.nullable()))
        .load(conn)
}

/// The identity keys a new referral is checked against.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub email_key: Option<String>,
    pub phone_key: Option<String>,
    pub name_key: Option<String>,
    pub company_domain: Option<String>,
}

type Backend = <AnyConnection as diesel::Connection>::Backend;

/// Still protecting its prospect at `now`: not closed, and inside its window (if it has one).
fn open_at(
    now: NaiveDateTime,
) -> Box<
    dyn BoxableExpression<
            referrals::table,
            Backend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
> {
    Box::new(
        referrals::status.ne_all(Status::CLOSED).and(
            referrals::protected_until
                .is_null()
                .or(referrals::protected_until.gt(now)),
        ),
    )
}

/// Open referrals that protect the prospect described by `keys` against organisation `org`:
/// the same person from anyone, or the same company domain from another organisation.
/// Oldest first: the first to register wins.
pub fn protecting(
    conn: &mut AnyConnection,
    keys: &Keys,
    org: i64,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Referral>> {
    let now = db_time(now);
    let mut found: Vec<Referral> = Vec::new();
    let mut add = |rows: Vec<Referral>| {
        for r in rows {
            if !found.iter().any(|f| f.id == r.id) {
                found.push(r);
            }
        }
    };
    if let Some(email) = &keys.email_key {
        add(referrals::table
            .filter(referrals::email_key.eq(email))
            .filter(open_at(now))
            .order(referrals::id.asc())
            .limit(5)
            .load(conn)?);
    }
    if let Some(phone) = &keys.phone_key {
        add(referrals::table
            .filter(referrals::phone_key.eq(phone))
            .filter(open_at(now))
            .order(referrals::id.asc())
            .limit(5)
            .load(conn)?);
    }
    if let Some(name) = &keys.name_key {
        add(referrals::table
            .filter(referrals::name_key.eq(name))
            .filter(open_at(now))
            .order(referrals::id.asc())
            .limit(5)
            .load(conn)?);
    }
    if let Some(domain) = &keys.company_domain {
        add(referrals::table
            .filter(referrals::company_domain.eq(domain))
            .filter(referrals::organisation_id.ne(org))
            .filter(open_at(now))
            .order(referrals::id.asc())
            .limit(5)
            .load(conn)?);
    }
    found.sort_by_key(|r| r.id);
    Ok(found)
}

/// Open referrals of other organisations whose normalised company name starts like `prefix`
/// (an index range scan), for the similar-name check.
pub fn open_with_company_prefix(
    conn: &mut AnyConnection,
    prefix: &str,
    org: i64,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    let upper = format!("{prefix}\u{10FFFF}");
    referrals::table
        .filter(referrals::company_normalised.ge(prefix))
        .filter(referrals::company_normalised.lt(upper))
        .filter(referrals::organisation_id.ne(org))
        .filter(open_at(db_time(now)))
        // A batch still being committed is not shown, so it cannot be named as similar.
        .filter(referrals::upload_pending.eq(false))
        .select((
            referrals::id,
            referrals::company_normalised,
            referrals::company_domain,
        ))
        .limit(limit)
        .load(conn)
}

/// An account the company already has.
#[derive(Debug, Clone, Queryable)]
pub struct ExistingCustomer {
    pub id: i64,
    pub name: String,
    pub name_normalised: String,
    pub domain: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn customer_by_domain(
    conn: &mut AnyConnection,
    domain: &str,
) -> QueryResult<Option<ExistingCustomer>> {
    existing_customers::table
        .filter(existing_customers::domain.eq(domain))
        .first(conn)
        .optional()
}

pub fn customers_with_name_prefix(
    conn: &mut AnyConnection,
    prefix: &str,
    limit: i64,
) -> QueryResult<Vec<ExistingCustomer>> {
    let upper = format!("{prefix}\u{10FFFF}");
    existing_customers::table
        .filter(existing_customers::name_normalised.ge(prefix))
        .filter(existing_customers::name_normalised.lt(upper))
        .limit(limit)
        .load(conn)
}

pub fn list_customers(conn: &mut AnyConnection) -> QueryResult<Vec<ExistingCustomer>> {
    existing_customers::table
        .order(existing_customers::name.asc())
        .limit(500)
        .load(conn)
}

pub fn insert_customer(
    conn: &mut AnyConnection,
    name: &str,
    name_normalised: &str,
    domain: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(existing_customers::table)
        .values((
            existing_customers::name.eq(name),
            existing_customers::name_normalised.eq(name_normalised),
            existing_customers::domain.eq(domain),
            existing_customers::created_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}
