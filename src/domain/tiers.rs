//! Tiers partners climb: which tier a partner's recent results reach, what is still missing
//! for the next one, and when a tier changes.
//!
//! A tier has up to two thresholds, on closed-won value and on the number of qualified
//! referrals in the trailing window. A tier is reached when **any** of its set thresholds is
//! met: a Gold at 50,000.00 of won deals or 10 qualified referrals rewards the partner who
//! closes a few large deals as much as the one who sends many good introductions, and the
//! dashboard can say "3 more qualified referrals or 8,400.00 of won deals to Gold".
//! A tier with neither set is the entry tier; the lowest tier must be one, and only it may be.
//!
//! Promotion happens as soon as a higher tier is reached. Falling below the current tier only
//! starts a grace period; the partner is demoted at the first period end (a quarter end, see
//! [`ProgramQuarter`]) once the grace has run out, unless they recover first.

use chrono::{DateTime, Months, Utc};
use chrono_tz::Tz;

use super::money::{Currency, Money};
use super::periods::{ProgramQuarter, local_to_instant};

/// One tier of the program, e.g. Silver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    /// The name partners see.
    pub name: String,
    /// Position in the ladder: higher is better.
    pub rank: u8,
    /// Closed-won value needed in the window, if any.
    pub min_won_value: Option<Money>,
    /// Qualified referrals needed in the window, if any.
    pub min_qualified: Option<u32>,
}

/// A partner's results over the trailing window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierStanding {
    /// Closed-won deal value, net of refunds.
    pub won_value: Money,
    /// Referrals accepted and not later rejected.
    pub qualified: u32,
}

impl Tier {
    /// Whether `standing` meets at least one threshold this tier sets; the entry tier, with
    /// none, is reached by everyone. Won value in a currency other than the threshold's meets
    /// nothing.
    pub fn is_reached_by(&self, standing: &TierStanding) -> bool {
        if !self.has_thresholds() {
            return true;
        }
        let won = self.min_won_value.is_some() && missing_won_value(self, standing).is_none();
        let qualified = self.min_qualified.is_some() && missing_qualified(self, standing).is_none();
        won || qualified
    }

    fn has_thresholds(&self) -> bool {
        self.min_won_value.is_some() || self.min_qualified.is_some()
    }
}

/// Why a set of tiers cannot form a ladder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TierLadderError {
    /// No tiers at all.
    #[error("Define at least one tier")]
    NoTiers,
    /// A tier without a name.
    #[error("Give every tier a name")]
    EmptyName,
    /// Two tiers with the same name.
    #[error("Two tiers are called {0}")]
    DuplicateName(String),
    /// Two tiers with the same rank.
    #[error("Two tiers share rank {0}")]
    DuplicateRank(u8),
    /// The lowest tier has a threshold, so some partners would have no tier.
    #[error("The lowest tier, {0}, must have no thresholds: every partner starts there")]
    EntryTierHasThreshold(String),
    /// A tier above the lowest has no threshold, so it would be reached by everyone.
    #[error("Tier {0} needs a threshold on won value or qualified referrals")]
    NoThreshold(String),
    /// A won-value threshold of zero or less, which every partner meets at once.
    #[error("The won value for {0} must be more than zero, or leave it blank")]
    NegativeThreshold(String),
    /// A threshold no higher than the same threshold of a lower tier, which would make that
    /// lower tier unreachable.
    #[error("{name} must ask for more than {below} on each threshold both set")]
    NotIncreasing {
        /// The higher tier.
        name: String,
        /// The tier below it.
        below: String,
    },
    /// A won-value threshold in another currency than the program's.
    #[error("The won value for {name} must be in the program currency, {expected}")]
    WrongCurrency {
        /// The tier's name.
        name: String,
        /// The program currency.
        expected: Currency,
    },
}

/// The program's tiers, checked and ordered from the entry tier up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierLadder {
    tiers: Vec<Tier>,
}

impl TierLadder {
    /// Checks and orders `tiers`: names and ranks unique, the lowest rank without thresholds
    /// and every other with at least one, each threshold above the same threshold of every
    /// lower tier, won values of zero or more in `currency`.
    pub fn new(currency: Currency, mut tiers: Vec<Tier>) -> Result<TierLadder, TierLadderError> {
        tiers.sort_by_key(|t| t.rank);
        let entry = tiers.first().ok_or(TierLadderError::NoTiers)?;
        if entry.has_thresholds() {
            return Err(TierLadderError::EntryTierHasThreshold(entry.name.clone()));
        }
        for (i, tier) in tiers.iter().enumerate() {
            if tier.name.trim().is_empty() {
                return Err(TierLadderError::EmptyName);
            }
            let earlier = &tiers[..i];
            if earlier.iter().any(|t| t.rank == tier.rank) {
                return Err(TierLadderError::DuplicateRank(tier.rank));
            }
            if earlier.iter().any(|t| t.name.trim() == tier.name.trim()) {
                return Err(TierLadderError::DuplicateName(tier.name.trim().to_owned()));
            }
            if i > 0 && !tier.has_thresholds() {
                return Err(TierLadderError::NoThreshold(tier.name.clone()));
            }
            // Any one threshold reaches a tier, so a higher tier asking for less on a threshold
            // would be reached first and hide the tiers below it.
            let not_above =
                |a: Option<i64>, b: Option<i64>| matches!((a, b), (Some(a), Some(b)) if a <= b);
            if let Some(lower) = earlier.iter().rev().find(|t| {
                not_above(
                    tier.min_won_value.map(|m| m.minor),
                    t.min_won_value.map(|m| m.minor),
                ) || not_above(
                    tier.min_qualified.map(i64::from),
                    t.min_qualified.map(i64::from),
                )
            }) {
                return Err(TierLadderError::NotIncreasing {
                    name: tier.name.clone(),
                    below: lower.name.clone(),
                });
            }
            if let Some(value) = tier.min_won_value {
                if value.currency != currency {
                    return Err(TierLadderError::WrongCurrency {
                        name: tier.name.clone(),
                        expected: currency,
                    });
                }
                if value.minor <= 0 {
                    return Err(TierLadderError::NegativeThreshold(tier.name.clone()));
                }
            }
        }
        Ok(TierLadder { tiers })
    }

    /// The tiers from the entry tier up.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// The entry tier, where every partner starts.
    pub fn entry(&self) -> &Tier {
        // `new` refuses an empty ladder, so the fallback is never used.
        self.tiers.first().unwrap_or(&ENTRY_FALLBACK)
    }

    /// The tier ranked just above `current`, if any.
    pub fn above(&self, current: &Tier) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.rank > current.rank)
    }
}

static ENTRY_FALLBACK: Tier = Tier {
    name: String::new(),
    rank: 0,
    min_won_value: None,
    min_qualified: None,
};

/// The highest tier that `standing` reaches; at least the entry tier.
pub fn tier_for<'a>(ladder: &'a TierLadder, standing: &TierStanding) -> &'a Tier {
    ladder
        .tiers
        .iter()
        .rev()
        .find(|t| t.is_reached_by(standing))
        .unwrap_or_else(|| ladder.entry())
}

/// What a partner still lacks for the tier above their current one.
///
/// Since meeting any one set threshold is enough, the page joins the missing parts with "or":
/// "3 more qualified referrals or 8,400.00 of won deals to Gold". A part is `None` when the
/// tier sets no such threshold; both are `None` once the next tier is reached (a promotion is
/// due), because then nothing is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    /// The tier above the current one.
    pub next: &'a Tier,
    /// Won value still needed, if that threshold is set and the tier is not reached.
    pub missing_won_value: Option<Money>,
    /// Qualified referrals still needed, if that threshold is set and the tier is not reached.
    pub missing_qualified: Option<u32>,
}

impl Progress<'_> {
    /// Whether the standing already reaches the next tier.
    pub fn is_reached(&self) -> bool {
        self.missing_won_value.is_none() && self.missing_qualified.is_none()
    }
}

/// Progress from `current` to the tier above it, or `None` at the top of the ladder.
pub fn progress_to_next<'a>(
    ladder: &'a TierLadder,
    current: &Tier,
    standing: &TierStanding,
) -> Option<Progress<'a>> {
    let next = ladder.above(current)?;
    if next.is_reached_by(standing) {
        return Some(Progress {
            next,
            missing_won_value: None,
            missing_qualified: None,
        });
    }
    Some(Progress {
        next,
        missing_won_value: missing_won_value(next, standing),
        missing_qualified: missing_qualified(next, standing),
    })
}

fn missing_won_value(tier: &Tier, standing: &TierStanding) -> Option<Money> {
    let target = tier.min_won_value?;
    let have = if standing.won_value.currency == target.currency {
        standing.won_value.minor
    } else {
        0
    };
    let missing = target.minor.saturating_sub(have);
    (missing > 0).then(|| Money::new(missing, target.currency))
}

fn missing_qualified(tier: &Tier, standing: &TierStanding) -> Option<u32> {
    let missing = tier.min_qualified?.saturating_sub(standing.qualified);
    (missing > 0).then_some(missing)
}

/// The trailing window that standings are counted over at `now`: from the same local wall
/// time `months` calendar months earlier in the program zone (the month's last day when that
/// day is missing) up to `now`, both ends included.
pub fn trailing_window(
    now: DateTime<Utc>,
    months: Months,
    zone: Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = now.with_timezone(&zone).naive_local();
    let start = match local.checked_sub_months(months) {
        Some(wall) => local_to_instant(zone, wall),
        None => DateTime::<Utc>::MIN_UTC,
    };
    (start, now)
}

/// How long a partner may stay below their tier before a period end demotes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemotionPolicy {
    /// The grace, in calendar months of the program zone (default one quarter).
    pub grace: Months,
    /// The program time zone.
    pub zone: Tz,
}

impl DemotionPolicy {
    /// When a grace that began at `below_since` runs out: the same local wall time `grace`
    /// months later in the program zone (the month's last day when that day is missing).
    pub fn grace_ends_at(&self, below_since: DateTime<Utc>) -> DateTime<Utc> {
        let local = below_since.with_timezone(&self.zone).naive_local();
        match local.checked_add_months(self.grace) {
            Some(wall) => local_to_instant(self.zone, wall),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// The demotion review a partner below their tier since `below_since` is waiting for:
    /// the first quarter end at or after the grace runs out. The dashboard shows this date.
    pub fn review_at(&self, below_since: DateTime<Utc>) -> DateTime<Utc> {
        let grace_end = self.grace_ends_at(below_since);
        let (start, end) = ProgramQuarter::containing(grace_end, self.zone).bounds(self.zone);
        if start == grace_end { start } else { end }
    }
}

/// What to do with a partner's tier after looking at their standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierDecision<'a> {
    /// Nothing changes.
    Keep,
    /// Move up to this tier now; any grace ends.
    Promote(&'a Tier),
    /// Move down to this tier (the highest still reached); the grace ends.
    Demote(&'a Tier),
    /// The partner fell below their tier: record that they have been below since this instant.
    StartGrace(DateTime<Utc>),
    /// The partner reaches their tier again: forget the grace.
    CancelGrace,
}

/// Decides a partner's tier at `at`.
///
/// `current` is the tier the partner holds, `below_since` when they fell below it (as recorded
/// from an earlier [`TierDecision::StartGrace`]), and `period_end` whether `at` is a demotion
/// review, the end of a quarter. A higher tier reached promotes at once. Falling below starts
/// a grace; a review once the grace has run out ([`DemotionPolicy::grace_ends_at`]) demotes to
/// the highest tier still reached, however many steps down that is. Reaching the current tier
/// again during the grace cancels it.
pub fn evaluate<'a>(
    ladder: &'a TierLadder,
    current: &Tier,
    standing: &TierStanding,
    at: DateTime<Utc>,
    period_end: bool,
    below_since: Option<DateTime<Utc>>,
    policy: &DemotionPolicy,
) -> TierDecision<'a> {
    let reached = tier_for(ladder, standing);
    if reached.rank > current.rank {
        return TierDecision::Promote(reached);
    }
    if reached.rank == current.rank {
        return match below_since {
            Some(_) => TierDecision::CancelGrace,
            None => TierDecision::Keep,
        };
    }
    let since = below_since.unwrap_or(at);
    if period_end && at >= policy.grace_ends_at(since) {
        TierDecision::Demote(reached)
    } else if below_since.is_none() {
        TierDecision::StartGrace(at)
    } else {
        TierDecision::Keep
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
