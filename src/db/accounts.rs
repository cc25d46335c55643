//! Organisations, users, single-use account links and sign-in failures.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;

use super::schema::{account_tokens, login_failures, organisations, users};
use super::{AnyConnection, db_time};

/// What a user may do; stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Rep,
    PartnerOwner,
    PartnerMember,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Self::Admin,
        Self::Rep,
        Self::PartnerOwner,
        Self::PartnerMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Rep => "rep",
            Self::PartnerOwner => "partner_owner",
            Self::PartnerMember => "partner_member",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Rep => "Sales rep",
            Self::PartnerOwner => "Partner owner",
            Self::PartnerMember => "Partner member",
        }
    }

    pub fn is_partner(self) -> bool {
        matches!(self, Self::PartnerOwner | Self::PartnerMember)
    }
}

/// A partner organisation.
#[derive(Debug, Clone, Queryable)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub country: Option<String>,
    pub default_phone_country: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisation<'a> {
    pub name: &'a str,
    pub country: Option<&'a str>,
    pub default_phone_country: &'a str,
    pub created_at: NaiveDateTime,
}

/// A person who signs in.
#[derive(Debug, Clone, Queryable)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<i64>,
    pub password_hash: Option<String>,
    pub active: bool,
    pub time_zone: String,
    pub created_at: NaiveDateTime,
    pub password_changed_at: Option<NaiveDateTime>,
}

impl User {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<i64>,
    pub password_hash: Option<&'a str>,
    pub active: bool,
    pub time_zone: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_organisation(
    conn: &mut AnyConnection,
    new: &NewOrganisation,
) -> QueryResult<Organisation> {
    diesel::insert_into(organisations::table)
        .values(new)
        .returning(organisations::all_columns)
        .get_result(conn)
}

pub fn organisation(conn: &mut AnyConnection, id: i64) -> QueryResult<Organisation> {
    organisations::table.find(id).first(conn)
}

pub fn organisation_by_name(
    conn: &mut AnyConnection,
    name: &str,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::name.eq(name))
        .first(conn)
        .optional()
}

pub fn list_organisations(conn: &mut AnyConnection) -> QueryResult<Vec<Organisation>> {
    organisations::table
        .order(organisations::name.asc())
        .load(conn)
}

pub fn insert_user(conn: &mut AnyConnection, new: &NewUser) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::all_columns)
        .get_result(conn)
}

pub fn user(conn: &mut AnyConnection, id: i64) -> QueryResult<User> {
    users::table.find(id).first(conn)
}

/// Finds a user by the address they sign in with (compared in lower case).
pub fn user_by_email(conn: &mut AnyConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email.to_lowercase()))
        .first(conn)
        .optional()
}

pub fn users_of_organisation(conn: &mut AnyConnection, org: i64) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.eq(org))
        .order(users::display_name.asc())
        .load(conn)
}

pub fn staff_users(conn: &mut AnyConnection) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::organisation_id.is_null())
        .order(users::display_name.asc())
        .load(conn)
}

pub fn active_admin_emails(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::active.eq(true))
        .select(users::email)
        .load(conn)
}

/// Sets a new password and retires every link of the user still open (invitations and
/// resets alike): whichever way the password was set, no older link may set it again.
pub fn set_password(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::superseded_at.is_null()),
    )
    .set(account_tokens::superseded_at.eq(db_time(now)))
    .execute(conn)?;
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(hash),
            users::password_changed_at.eq(db_time(now)),
        ))
        .execute(conn)
}

/// When the user's latest link of `kind` was issued, if any.
pub fn latest_token_at(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: TokenKind,
) -> QueryResult<Option<NaiveDateTime>> {
    account_tokens::table
        .filter(account_tokens::user_id.eq(user_id))
        .filter(account_tokens::kind.eq(kind.as_str()))
        .select(diesel::dsl::max(account_tokens::created_at))
        .first(conn)
}

/// Deactivates a user and returns how many rows changed (0 when already inactive).
pub fn deactivate_user(conn: &mut AnyConnection, user_id: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id).filter(users::active.eq(true)))
        .set(users::active.eq(false))
        .execute(conn)
}

/// The purpose of a single-use link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Invitation,
    PasswordReset,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
        }
    }

    pub fn lifetime(self) -> TimeDelta {
        match self {
            Self::Invitation => TimeDelta::days(7),
            Self::PasswordReset => TimeDelta::minutes(30),
        }
    }
}

/// A stored single-use link; only the SHA-256 of its secret is kept.
#[derive(Debug, Clone, Queryable)]
pub struct AccountToken {
    pub id: i64,
    pub kind: String,
    pub user_id: i64,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub superseded_at: Option<NaiveDateTime>,
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Usable,
    Used,
    Superseded,
    Expired,
}

impl AccountToken {
    pub fn state(&self, now: DateTime<Utc>) -> TokenState {
        if self.used_at.is_some() {
            TokenState::Used
        } else if self.superseded_at.is_some() {
            TokenState::Superseded
        } else if self.expires_at <= db_time(now) {
            TokenState::Expired
        } else {
            TokenState::Usable
        }
    }
}

/// Stores a new link for `user_id`, superseding every earlier unused one of the same kind.
pub fn issue_token(
    conn: &mut AnyConnection,
    kind: TokenKind,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let now_db = db_time(now);
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::kind.eq(kind.as_str()))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::superseded_at.is_null()),
    )
    .set(account_tokens::superseded_at.eq(now_db))
    .execute(conn)?;
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::kind.eq(kind.as_str()),
            account_tokens::user_id.eq(user_id),
            account_tokens::token_hash.eq(token_hash),
            account_tokens::created_at.eq(now_db),
            account_tokens::expires_at.eq(db_time(now + kind.lifetime())),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn token_by_hash(
    conn: &mut AnyConnection,
    kind: TokenKind,
    token_hash: &str,
) -> QueryResult<Option<AccountToken>> {
    account_tokens::table
        .filter(account_tokens::token_hash.eq(token_hash))
        .filter(account_tokens::kind.eq(kind.as_str()))
        .first(conn)
        .optional()
}

/// Marks a link used if, and only if, it is still usable; returns whether this call used it.
pub fn consume_token(
    conn: &mut AnyConnection,
    token_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let now_db = db_time(now);
    let changed = diesel::update(
        account_tokens::table
            .find(token_id)
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::superseded_at.is_null())
            .filter(account_tokens::expires_at.gt(now_db)),
    )
    .set(account_tokens::used_at.eq(now_db))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Counts failed sign-ins for an address (known or not) since `since`, and the latest one.
pub fn failures_for_email(
    conn: &mut AnyConnection,
    email: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    let rows: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::created_at.gt(db_time(since)))
        .order(login_failures::created_at.desc())
        .select(login_failures::created_at)
        .limit(100)
        .load(conn)?;
    Ok((rows.len() as i64, rows.first().copied()))
}

pub fn failures_from_client(
    conn: &mut AnyConnection,
    client_addr: &str,
    since: DateTime<Utc>,
) -> QueryResult<i64> {
    login_failures::table
        .filter(login_failures::client_addr.eq(client_addr))
        .filter(login_failures::created_at.gt(db_time(since)))
        .count()
        .get_result(conn)
}

pub fn record_failure(
    conn: &mut AnyConnection,
    client_addr: &str,
    email: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::client_addr.eq(client_addr),
            login_failures::email.eq(email),
            login_failures::created_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn clear_failures(conn: &mut AnyConnection, email: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email)))
        .execute(conn)
        .map(|_| ())
}
