//! Tiers as stored, each partner's standing, and tier changes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::IncentiveError;
use crate::db::AnyConnection;
use crate::db::schema::{partner_standings, tiers};

/// The tier whose reward rules apply to `organisation_id` now: its standing, or the entry
/// tier (lowest rank) when it has none yet; `None` when no tier is defined.
pub fn current_tier_id(conn: &mut AnyConnection, organisation_id: i64) -> QueryResult<Option<i64>> {
    let standing = partner_standings::table
        .find(organisation_id)
        .select(partner_standings::tier_id)
        .first(conn)
        .optional()?;
    match standing {
        Some(id) => Ok(Some(id)),
        None => tiers::table
            .order(tiers::rank.asc())
            .select(tiers::id)
            .first(conn)
            .optional(),
    }
}

/// Re-evaluates a partner's tier after something that counts towards it changed (a referral
/// accepted or rejected, a deal won or refunded). Call it inside that change's transaction.
pub fn reevaluate(
    _conn: &mut AnyConnection,
    _organisation_id: i64,
    _now: DateTime<Utc>,
) -> Result<(), IncentiveError> {
    // TODO(#6): promotion at once, grace before demotion, tier change mail.
    Ok(())
}
