//! Applying a tier change: the conditional move, its record, audit entry and mail.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::{Program, rule_text};
use crate::db::audit::{self, AuditEntry};
use crate::db::tiers::{self as stored, RuleRow};
use crate::db::{AnyConnection, accounts, outbox, standings};
use crate::domain::tiers::Tier;
use crate::incentives::IncentiveError;
use crate::mail::messages;

/// One tier change about to be applied.
pub(super) struct Change<'a> {
    pub(super) org: i64,
    pub(super) from_id: i64,
    pub(super) to: &'a Tier,
    /// For a demotion: the review the partner was waiting for, so it happens once.
    pub(super) review_at: Option<NaiveDateTime>,
    pub(super) reason: &'a str,
    pub(super) link: Option<&'a str>,
}

/// Moves the partner with a conditional update; only the caller whose update changed the row
/// records the change, audits it and mails the partner. Returns whether it was that caller.
pub(super) fn apply_change(
    conn: &mut AnyConnection,
    program: &Program,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<bool, IncentiveError> {
    let to_id = program.id_of(change.to);
    let moved = standings::change_tier(
        conn,
        change.org,
        change.from_id,
        to_id,
        change.review_at,
        now,
    )?;
    if !moved {
        return Ok(false);
    }
    standings::record_change(
        conn,
        change.org,
        Some(change.from_id),
        to_id,
        change.reason,
        now,
    )?;
    let from = program.tier(change.from_id);
    let from_name = from.map(|t| t.name.clone());
    let promoted = from.is_none_or(|f| change.to.rank > f.rank);
    let detail = format!(
        "{} -> {}: {}",
        from_name.as_deref().unwrap_or("none"),
        change.to.name,
        change.reason
    );
    audit_tier(conn, "tier_changed", change.org, detail, now)?;

    let organisation = accounts::organisation(conn, change.org)?;
    let rules: Vec<RuleRow> = stored::list_rules(conn)?
        .into_iter()
        .filter(|r| r.tier_id == to_id)
        .collect();
    let unlocks: Vec<String> = rules
        .iter()
        .map(|r| rule_text(r, program.currency))
        .collect();
    let perks = program
        .row_of(change.to)
        .map(|r| r.perks.clone())
        .unwrap_or_default();
    for user in accounts::users_of_organisation(conn, change.org)? {
        let is_partner = user.role().is_some_and(|r| r.is_partner());
        if !user.active || !is_partner {
            continue;
        }
        let mail = messages::tier_changed(
            &user.email,
            &messages::TierChanged {
                name: user.display_name.clone(),
                organisation: organisation.name.clone(),
                from_tier: from_name.clone(),
                to_tier: change.to.name.clone(),
                promoted,
                reason: change.reason.to_owned(),
                unlocks: unlocks.clone(),
                perks: perks.clone(),
                link: change.link.map(str::to_owned),
            },
        )?;
        outbox::enqueue(conn, &mail, now)?;
    }
    tracing::info!(
        organisation.id = change.org,
        tier.id = to_id,
        promoted,
        "tier changed"
    );
    Ok(true)
}

pub(super) fn audit_tier(
    conn: &mut AnyConnection,
    action: &str,
    org: i64,
    detail: String,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            actor_user_id: None,
            action,
            object_type: "organisation",
            object_id: Some(org.to_string()),
            client_addr: None,
            detail: Some(detail),
        },
        now,
    )
}
