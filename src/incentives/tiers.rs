//! Tiers as stored, each partner's standing, and tier changes: promotion at once when a change
//! that counts towards tiers lifts a partner, a grace when one drops them, and demotion by the
//! periodic review (`job`) at the period end after the grace. The rules are in
//! `domain::tiers`; this module reads what they need and records what they decide.

mod change;
pub mod job;

use change::{Change, apply_change, audit_tier};

use chrono::{DateTime, Months, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use rust_decimal::Decimal;

use super::IncentiveError;
use crate::db::schema::{partner_standings, tiers};
use crate::db::tiers::{self as stored, RuleRow, TierRow};
use crate::db::{AnyConnection, settings, standings};
use crate::domain::tiers::{
    DemotionPolicy, Tier, TierDecision, TierLadder, TierStanding, evaluate, trailing_window,
};
use crate::domain::{Currency, Money};

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

/// The program's tiers with their ids, and the settings that standings are judged by.
pub struct Program {
    pub ladder: TierLadder,
    /// Stored tiers, lowest rank first.
    pub rows: Vec<TierRow>,
    pub currency: Currency,
    pub zone: Tz,
    pub window: Months,
    pub policy: DemotionPolicy,
}

impl Program {
    /// Loads the ladder and settings; `None` when no valid ladder is stored (no tiers yet).
    pub fn load(conn: &mut AnyConnection) -> QueryResult<Option<Program>> {
        let program = settings::load(conn)?;
        let incentives = settings::load_incentives(conn)?;
        let currency = Currency::parse(&program.currency).unwrap_or(Currency::EUR);
        let zone: Tz = program.time_zone.parse().unwrap_or(Tz::UTC);
        let rows = stored::list_tiers(conn)?;
        let tiers = rows
            .iter()
            .filter_map(|r| domain_tier(r, currency))
            .collect();
        let ladder = match TierLadder::new(currency, tiers) {
            Ok(ladder) => ladder,
            Err(e) if rows.is_empty() => {
                tracing::debug!(error = %e, "no tiers defined");
                return Ok(None);
            }
            Err(e) => {
                tracing::warn!(error = %e, "stored tiers do not form a ladder; standings wait");
                return Ok(None);
            }
        };
        let months = |m: i64| Months::new(u32::try_from(m.max(0)).unwrap_or(u32::MAX));
        Ok(Some(Program {
            ladder,
            rows,
            currency,
            zone,
            window: months(incentives.tier_window_months),
            policy: DemotionPolicy {
                grace: months(incentives.demotion_grace_months),
                zone,
            },
        }))
    }

    /// The stored row of a tier of the ladder (ranks are unique).
    pub fn row_of(&self, tier: &Tier) -> Option<&TierRow> {
        self.rows.iter().find(|r| r.rank == i32::from(tier.rank))
    }

    fn id_of(&self, tier: &Tier) -> i64 {
        self.row_of(tier).map_or(0, |r| r.id)
    }

    /// The ladder's tier with stored id `id`.
    pub fn tier(&self, id: i64) -> Option<&Tier> {
        let row = self.rows.iter().find(|r| r.id == id)?;
        self.ladder
            .tiers()
            .iter()
            .find(|t| i32::from(t.rank) == row.rank)
    }

    /// The window standings are counted over at `now`.
    pub fn window_at(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        trailing_window(now, self.window, self.zone)
    }

    /// What `org` achieved in the window ending at `now`.
    pub fn standing(
        &self,
        conn: &mut AnyConnection,
        org: i64,
        now: DateTime<Utc>,
    ) -> QueryResult<TierStanding> {
        let (start, end) = self.window_at(now);
        let qualified = standings::qualified_between(conn, org, start, end)?;
        let won = standings::won_value_between(conn, org, self.currency.code(), start, end)?;
        Ok(TierStanding {
            won_value: Money::new(won, self.currency),
            qualified: u32::try_from(qualified).unwrap_or(u32::MAX),
        })
    }

    /// A date in the program zone, e.g. "4 Dec 2026".
    pub fn date(&self, instant: DateTime<Utc>) -> String {
        instant
            .with_timezone(&self.zone)
            .format("%-d %b %Y")
            .to_string()
    }

    fn figures(&self, standing: &TierStanding, now: DateTime<Utc>) -> String {
        let (start, end) = self.window_at(now);
        format!(
            "{} qualified referrals and {} of won deals from {} to {}",
            standing.qualified,
            standing.won_value.format(),
            self.date(start),
            self.date(end)
        )
    }
}

/// A stored tier as the domain sees it; `None` for a rank outside 0–255.
pub fn domain_tier(row: &TierRow, currency: Currency) -> Option<Tier> {
    Some(Tier {
        name: row.name.clone(),
        rank: u8::try_from(row.rank).ok()?,
        min_won_value: row.min_won_value_minor.map(|m| Money::new(m, currency)),
        min_qualified: row.min_qualified.and_then(|q| u32::try_from(q).ok()),
    })
}

/// What a rule earns, in words: "100.00 EUR when a meeting is booked", "7.5 % of the won deal
/// value".
pub fn rule_text(rule: &RuleRow, currency: Currency) -> String {
    let what = match (rule.flat_minor, rule.percent.as_deref()) {
        (Some(minor), _) => Money::new(minor, currency).format(),
        (None, Some(p)) => match p.parse::<Decimal>() {
            Ok(d) => format!("{} % of the deal value", d.normalize()),
            Err(_) => format!("{p} % of the deal value"),
        },
        (None, None) => "nothing".into(),
    };
    match rule.event.as_str() {
        "meeting_booked" => format!("{what} when a meeting is booked"),
        "won" => format!("{what} when the deal is won"),
        other => format!("{what} on {}", other.replace('_', " ")),
    }
}

/// Re-evaluates a partner's tier after something that counts towards it changed (a referral
/// accepted or rejected, a deal won or refunded). Call it inside that change's transaction.
///
/// A higher tier reached promotes at once (recorded, audited and mailed); falling below the
/// current tier starts the grace and schedules the demotion review; reaching it again ends
/// the grace. Demotion itself waits for the review job.
pub fn reevaluate(
    conn: &mut AnyConnection,
    organisation_id: i64,
    now: DateTime<Utc>,
) -> Result<(), IncentiveError> {
    let Some(program) = Program::load(conn)? else {
        return Ok(());
    };
    let entry = program.ladder.entry();
    standings::ensure_standing(conn, organisation_id, program.id_of(entry), now)?;
    let Some(row) = standings::standing(conn, organisation_id)? else {
        return Ok(());
    };
    let current = program.tier(row.tier_id).unwrap_or(entry);
    let standing = program.standing(conn, organisation_id, now)?;
    let below_since = row.below_since.map(|t| t.and_utc());
    let decision = evaluate(
        &program.ladder,
        current,
        &standing,
        now,
        false,
        below_since,
        &program.policy,
    );
    match decision {
        TierDecision::Promote(to) => {
            let reason = format!("Reached {}: {}.", to.name, program.figures(&standing, now));
            let change = Change {
                org: organisation_id,
                from_id: row.tier_id,
                to,
                review_at: None,
                reason: &reason,
                link: None,
            };
            apply_change(conn, &program, &change, now)?;
        }
        TierDecision::StartGrace(since) => {
            let review = program.policy.review_at(since);
            if standings::start_grace(conn, organisation_id, since, review, now)? {
                let detail = format!(
                    "below {} since {}; review on {}: {}",
                    current.name,
                    program.date(since),
                    program.date(review),
                    program.figures(&standing, now)
                );
                audit_tier(conn, "tier_grace_started", organisation_id, detail, now)?;
                tracing::info!(
                    organisation.id = organisation_id,
                    "partner fell below its tier; grace started"
                );
            }
        }
        TierDecision::CancelGrace => {
            if standings::cancel_grace(conn, organisation_id, now)? {
                let detail = format!("{} reached again", current.name);
                audit_tier(conn, "tier_grace_ended", organisation_id, detail, now)?;
            }
        }
        TierDecision::Keep | TierDecision::Demote(_) => {}
    }
    Ok(())
}
