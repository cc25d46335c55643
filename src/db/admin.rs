//! Queries behind the admin management pages: partners and their user counts, people with the
//! state of their invitation, existing customers and the admin-kept e-mail provider lists.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::accounts::{self, NewOrganisation, Organisation, TokenKind};
use super::schema::{account_tokens, email_providers, existing_customers, organisations, users};
use super::{AnyConnection, db_time};

/// A partner organisation as the partner list shows it.
#[derive(Debug, Clone)]
pub struct PartnerRow {
    pub id: i64,
    pub name: String,
    pub country: Option<String>,
    pub default_phone_country: String,
    pub created_at: NaiveDateTime,
    /// Every account of the organisation, deactivated ones included.
    pub users: i64,
    /// Accounts that are still active.
    pub active_users: i64,
}

/// Every partner organisation by name, with its number of users.
pub fn partner_rows(conn: &mut AnyConnection) -> QueryResult<Vec<PartnerRow>> {
    let organisations = accounts::list_organisations(conn)?;
    let counts: Vec<(Option<i64>, bool, i64)> = users::table
        .filter(users::organisation_id.is_not_null())
        .group_by((users::organisation_id, users::active))
        .select((users::organisation_id, users::active, count_star()))
        .load(conn)?;
    let mut totals: HashMap<i64, (i64, i64)> = HashMap::new();
    for (org, active, n) in counts {
        if let Some(org) = org {
            let entry = totals.entry(org).or_default();
            entry.0 += n;
            if active {
                entry.1 += n;
            }
        }
    }
    Ok(organisations
        .into_iter()
        .map(|o| {
            let (users, active_users) = totals.get(&o.id).copied().unwrap_or_default();
            PartnerRow {
                id: o.id,
                name: o.name,
                country: o.country,
                default_phone_country: o.default_phone_country,
                created_at: o.created_at,
                users,
                active_users,
            }
        })
        .collect())
}

/// Why a partner could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreatePartnerError {
    /// Another organisation already has this name (compared without regard to case).
    #[error("A partner with this name already exists")]
    NameTaken,
    #[error(transparent)]
    Query(#[from] DieselError),
}

/// Creates a partner organisation unless its name is taken. Meant to run in a transaction; the
/// unique index still catches a concurrent twin.
pub fn create_partner(
    conn: &mut AnyConnection,
    new: &NewOrganisation,
) -> Result<Organisation, CreatePartnerError> {
    let wanted = new.name.to_lowercase();
    let names: Vec<String> = organisations::table
        .select(organisations::name)
        .load(conn)?;
    if names.iter().any(|n| n.to_lowercase() == wanted) {
        return Err(CreatePartnerError::NameTaken);
    }
    accounts::insert_organisation(conn, new).map_err(|e| match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            CreatePartnerError::NameTaken
        }
        other => other.into(),
    })
}

/// Where a person stands with their account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    /// Has chosen a password and may sign in.
    Active,
    /// Invited; the link works until the given instant.
    InvitationPending(NaiveDateTime),
    /// Invited, but no usable link is left.
    InvitationExpired,
    /// Can no longer sign in.
    Deactivated,
}

/// A person as the admin pages list them.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: Option<i64>,
    pub state: AccountState,
    pub created_at: NaiveDateTime,
}

impl Member {
    pub fn is_active(&self) -> bool {
        self.state != AccountState::Deactivated
    }
}

/// Whose people to list.
#[derive(Debug, Clone, Copy)]
pub enum MemberScope {
    /// The users of one partner organisation.
    Organisation(i64),
    /// Admins and reps: users without an organisation.
    Staff,
}

/// The people in `scope` by name, each with the state of their account at `now`.
pub fn members(
    conn: &mut AnyConnection,
    scope: MemberScope,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Member>> {
    let people = match scope {
        MemberScope::Organisation(org) => accounts::users_of_organisation(conn, org)?,
        MemberScope::Staff => accounts::staff_users(conn)?,
    };
    let invited: Vec<i64> = people
        .iter()
        .filter(|u| u.active && u.password_hash.is_none())
        .map(|u| u.id)
        .collect();
    let open_links: Vec<(i64, NaiveDateTime)> = if invited.is_empty() {
        Vec::new()
    } else {
        account_tokens::table
            .filter(account_tokens::kind.eq(TokenKind::Invitation.as_str()))
            .filter(account_tokens::user_id.eq_any(&invited))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::superseded_at.is_null())
            .filter(account_tokens::expires_at.gt(db_time(now)))
            .select((account_tokens::user_id, account_tokens::expires_at))
            .load(conn)?
    };
    let mut usable_until: HashMap<i64, NaiveDateTime> = HashMap::new();
    for (user_id, expires) in open_links {
        let entry = usable_until.entry(user_id).or_insert(expires);
        *entry = (*entry).max(expires);
    }
    Ok(people
        .into_iter()
        .map(|u| {
            let state = if !u.active {
                AccountState::Deactivated
            } else if u.password_hash.is_some() {
                AccountState::Active
            } else {
                usable_until
                    .get(&u.id)
                    .map_or(AccountState::InvitationExpired, |until| {
                        AccountState::InvitationPending(*until)
                    })
            };
            Member {
                id: u.id,
                email: u.email,
                display_name: u.display_name,
                role: u.role,
                organisation_id: u.organisation_id,
                state,
                created_at: u.created_at,
            }
        })
        .collect())
}

/// The name of an existing customer that a new entry would repeat: same domain, or — for an
/// entry without a domain — the same normalised name with no domain either.
pub fn customer_already_listed(
    conn: &mut AnyConnection,
    name_normalised: &str,
    domain: Option<&str>,
) -> QueryResult<Option<String>> {
    match domain {
        Some(domain) => existing_customers::table
            .filter(existing_customers::domain.eq(domain))
            .select(existing_customers::name)
            .first(conn)
            .optional(),
        None => existing_customers::table
            .filter(existing_customers::domain.is_null())
            .filter(existing_customers::name_normalised.eq(name_normalised))
            .select(existing_customers::name)
            .first(conn)
            .optional(),
    }
}

/// How many existing customers there are in all (the list shows at most 500).
pub fn customer_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    existing_customers::table.count().get_result(conn)
}

/// Which built-in list an admin-added e-mail domain extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// A free consumer mail service.
    Free,
    /// A throw-away address service.
    Disposable,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 2] = [Self::Free, Self::Disposable];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Disposable => "disposable",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Free => "Free mail",
            Self::Disposable => "Disposable",
        }
    }
}

/// An admin-added e-mail provider domain.
#[derive(Debug, Clone, Queryable)]
pub struct ProviderEntry {
    pub domain: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
}

/// Every admin-added provider domain, by kind then domain.
pub fn list_providers(conn: &mut AnyConnection) -> QueryResult<Vec<ProviderEntry>> {
    email_providers::table
        .order((email_providers::kind.asc(), email_providers::domain.asc()))
        .load(conn)
}

/// The admin-added domains that extend the built-in lists: `(free, disposable)`. The intake
/// pipeline passes them to `ProviderLists::with_extra`.
pub fn provider_extras(conn: &mut AnyConnection) -> QueryResult<(Vec<String>, Vec<String>)> {
    let rows: Vec<(String, String)> = email_providers::table
        .select((email_providers::domain, email_providers::kind))
        .order(email_providers::domain.asc())
        .load(conn)?;
    let mut free = Vec::new();
    let mut disposable = Vec::new();
    for (domain, kind) in rows {
        match ProviderKind::parse(&kind) {
            Some(ProviderKind::Free) => free.push(domain),
            Some(ProviderKind::Disposable) => disposable.push(domain),
            None => {}
        }
    }
    Ok((free, disposable))
}

/// The entry for `domain`, if an admin added one.
pub fn provider(conn: &mut AnyConnection, domain: &str) -> QueryResult<Option<ProviderEntry>> {
    email_providers::table.find(domain).first(conn).optional()
}

pub fn add_provider(
    conn: &mut AnyConnection,
    domain: &str,
    kind: ProviderKind,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(email_providers::table)
        .values((
            email_providers::domain.eq(domain),
            email_providers::kind.eq(kind.as_str()),
            email_providers::created_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Removes an admin-added domain; returns how many rows went (0 when it was not there).
pub fn remove_provider(conn: &mut AnyConnection, domain: &str) -> QueryResult<usize> {
    diesel::delete(email_providers::table.find(domain)).execute(conn)
}
