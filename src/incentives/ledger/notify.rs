//! Who hears about rewards, and the messages they get, queued in the caller's transaction.

use chrono::{DateTime, Utc};
use diesel::QueryResult;

use super::Program;
use crate::db::accounts::{self, Role, User};
use crate::db::ledger::RewardLine;
use crate::db::referrals::Referral;
use crate::db::{AnyConnection, outbox};
use crate::domain::{Currency, Money};
use crate::incentives::IncentiveError;
use crate::mail::messages;

/// Who is told about an organisation's rewards: `preferred` (the referral's submitter) while
/// active, else the organisation's active owners, else all its active users.
pub(crate) fn recipients(
    conn: &mut AnyConnection,
    org: i64,
    preferred: Option<i64>,
) -> QueryResult<Vec<User>> {
    let users: Vec<User> = accounts::users_of_organisation(conn, org)?
        .into_iter()
        .filter(|u| u.active)
        .collect();
    if let Some(user) = preferred.and_then(|id| users.iter().find(|u| u.id == id)) {
        return Ok(vec![user.clone()]);
    }
    let owners: Vec<User> = users
        .iter()
        .filter(|u| u.role() == Some(Role::PartnerOwner))
        .cloned()
        .collect();
    Ok(if owners.is_empty() { users } else { owners })
}

/// A stored amount, formatted: `1,234.56 EUR`.
pub(crate) fn money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::new(minor, c).format(),
        Err(_) => format!("{minor} {currency}"),
    }
}

/// Queues `reward_earned` for a newly booked line.
pub(super) fn earned(
    conn: &mut AnyConnection,
    referral: &Referral,
    line: &RewardLine,
    program: &Program,
    preferred: Option<i64>,
    rewards_link: &str,
    now: DateTime<Utc>,
) -> Result<(), IncentiveError> {
    for user in recipients(conn, line.organisation_id, preferred)? {
        let mail = messages::reward_earned(
            &user.email,
            &messages::RewardEarned {
                recipient_name: user.display_name.clone(),
                prospect_name: referral.prospect_name(),
                company: referral.company.clone(),
                amount: money(line.amount_minor, &line.currency),
                reason: line.reason.clone(),
                approvable_on: program.date(line.approvable_at.and_utc()),
                link: rewards_link.to_owned(),
            },
        )?;
        outbox::enqueue(conn, &mail, now)?;
    }
    Ok(())
}

/// Queues one `reward_approved` for an approval action that approved `count` lines of `org`
/// worth `total_minor`.
pub(super) fn approved(
    conn: &mut AnyConnection,
    org: i64,
    count: usize,
    total_minor: i64,
    currency: &str,
    rewards_link: &str,
    now: DateTime<Utc>,
) -> Result<(), IncentiveError> {
    for user in recipients(conn, org, None)? {
        let mail = messages::reward_approved(
            &user.email,
            &messages::RewardApproved {
                recipient_name: user.display_name.clone(),
                count,
                total: money(total_minor, currency),
                link: rewards_link.to_owned(),
            },
        )?;
        outbox::enqueue(conn, &mail, now)?;
    }
    Ok(())
}
