//! Which pool of reps a referral goes to, and which rep in the pool is next in turn.
//!
//! Rules are tried in their stored order and the first match wins; the default pool catches
//! everything else. Inside a pool, reps take turns in the pool's member order, starting after
//! the rep who was assigned last and skipping anyone inactive or out of office.

mod region;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::country::Country;

pub use region::{Region, RegionError};

/// A pool of reps that referrals are routed to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct PoolId(pub i64);

/// One routing rule: where a referral must come from and which score band it must be in.
///
/// A rule with no countries and no regions matches any country, a missing one included; one
/// with either matches a referral whose country is listed or lies in a listed region. Score
/// bounds are inclusive and optional.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoutingRule {
    /// The pool that receives matching referrals.
    pub pool: PoolId,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Regions whose countries match as well.
    #[serde(default)]
    pub regions: Vec<Region>,
    /// Lowest matching score.
    #[serde(default)]
    pub min_score: Option<u8>,
    /// Highest matching score.
    #[serde(default)]
    pub max_score: Option<u8>,
}

/// Why a routing rule cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingRuleError {
    /// A listed country is not an ISO 3166-1 alpha-2 code.
    #[error("\"{0}\" is not an ISO country code like DE or GB")]
    UnknownCountry(String),
    /// A score bound above 100.
    #[error("Scores go from 0 to 100")]
    ScoreAboveHundred,
    /// The lowest score is above the highest.
    #[error("The lowest score must not be above the highest")]
    EmptyScoreBand,
}

impl RoutingRule {
    /// Checks the country codes and the score band.
    pub fn validate(&self) -> Result<(), RoutingRuleError> {
        for code in &self.countries {
            if !Country::parse(code).is_ok_and(|c| c.code().eq_ignore_ascii_case(code.trim())) {
                return Err(RoutingRuleError::UnknownCountry(code.clone()));
            }
        }
        if self.min_score.max(self.max_score).is_some_and(|s| s > 100) {
            return Err(RoutingRuleError::ScoreAboveHundred);
        }
        if let (Some(min), Some(max)) = (self.min_score, self.max_score)
            && min > max
        {
            return Err(RoutingRuleError::EmptyScoreBand);
        }
        Ok(())
    }

    /// Whether a referral from `country` (ISO code, any case) with `score` matches this rule.
    pub fn matches(&self, country: Option<&str>, score: u8) -> bool {
        let in_band = self.min_score.is_none_or(|min| score >= min)
            && self.max_score.is_none_or(|max| score <= max);
        let anywhere = self.countries.is_empty() && self.regions.is_empty();
        let in_place = anywhere
            || country.map(str::trim).is_some_and(|code| {
                self.countries
                    .iter()
                    .any(|c| c.trim().eq_ignore_ascii_case(code))
                    || self.regions.iter().any(|r| r.contains(code))
            });
        in_band && in_place
    }
}

/// The pool of the first matching rule, else `default_pool`.
pub fn choose_pool(
    rules: &[RoutingRule],
    default_pool: PoolId,
    country: Option<&str>,
    score: u8,
) -> PoolId {
    rules
        .iter()
        .find(|rule| rule.matches(country, score))
        .map_or(default_pool, |rule| rule.pool)
}

/// Whether a pool member can take a new referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepAvailability {
    /// The rep's id.
    pub rep_id: i64,
    /// Inactive reps get no referrals.
    pub active: bool,
    /// Last day away, inclusive, as a date in the rep's zone.
    pub out_of_office_until: Option<NaiveDate>,
    /// The rep's time zone.
    pub zone: Tz,
}

impl RepAvailability {
    /// Active, and not out of office on today's date in the rep's zone.
    pub fn is_available(&self, now: DateTime<Utc>) -> bool {
        let today = now.with_timezone(&self.zone).date_naive();
        self.active && self.out_of_office_until.is_none_or(|last| today > last)
    }
}

/// The next available rep after `last_assigned` in pool order, wrapping around.
///
/// When nobody else is available the last-assigned rep gets the referral again. When
/// `last_assigned` is `None` or no longer in the pool, the turn starts at the first member.
/// `None` means nobody in the pool is available.
pub fn next_rep(
    members: &[RepAvailability],
    last_assigned: Option<i64>,
    now: DateTime<Utc>,
) -> Option<i64> {
    let start = last_assigned
        .and_then(|last| members.iter().position(|m| m.rep_id == last))
        .map_or(0, |index| index + 1);
    members
        .iter()
        .cycle()
        .skip(start)
        .take(members.len())
        .find(|member| member.is_available(now))
        .map(|member| member.rep_id)
}

#[cfg(test)]
mod tests;
