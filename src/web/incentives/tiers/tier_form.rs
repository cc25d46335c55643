//! The tier form as typed, and its checks: each field on its own, then the whole ladder the
//! change would leave behind, every error placed next to the field it concerns.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::db::tiers::{RuleAmount, TierValues};
use crate::domain::rewards::{RewardEvent, RewardKind, RewardRule};
use crate::domain::tiers::TierLadderError;
use crate::domain::{Currency, Money};
use crate::web::forms::Errors;

const MAX_NAME: usize = 80;
const MAX_PERKS: usize = 2_000;
const MAX_QUALIFIED: i32 = 100_000;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct TierForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub rank: String,
    #[serde(default)]
    pub min_won_value: String,
    #[serde(default)]
    pub min_qualified: String,
    #[serde(default)]
    pub perks: String,
    #[serde(default)]
    pub meeting_bounty: String,
    #[serde(default)]
    pub won_percent: String,
}

/// A stored amount as typed: major units without grouping or code.
pub fn major(minor: i64, currency: Currency) -> String {
    let text = Money::new(minor, currency).format();
    text.trim_end_matches(currency.code())
        .trim_end()
        .replace(',', "")
}

/// A tier and its rules, checked field by field.
pub struct Checked {
    pub values: TierValues,
    pub meeting: Option<RuleAmount>,
    pub won: Option<RuleAmount>,
}

fn parse_percent(raw: &str) -> Option<Decimal> {
    let cleaned = raw.trim().trim_end_matches('%').trim();
    cleaned.parse::<Decimal>().ok()
}

pub fn check_fields(form: &TierForm, currency: Currency, errors: &mut Errors) -> Option<Checked> {
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "Enter a name, like Silver");
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", format!("Keep the name to {MAX_NAME} characters"));
    }
    let rank = form.rank.trim().parse::<u8>().ok().map(i32::from);
    if rank.is_none() {
        errors.add(
            "rank",
            "Enter a whole number from 0 to 255; higher ranks are better",
        );
    }
    let won = form.min_won_value.trim();
    let min_won_value_minor = if won.is_empty() {
        None
    } else {
        Money::parse_major(won, currency)
            .map(|m| m.minor)
            .map_err(|e| errors.add("min_won_value", e.to_string()))
            .ok()
    };
    let qualified = form.min_qualified.trim();
    let min_qualified = if qualified.is_empty() {
        None
    } else {
        let parsed = qualified
            .parse::<i32>()
            .ok()
            .filter(|q| (1..=MAX_QUALIFIED).contains(q));
        if parsed.is_none() {
            errors.add(
                "min_qualified",
                format!("Enter a whole number from 1 to {MAX_QUALIFIED}, or leave it blank"),
            );
        }
        parsed
    };
    if form.perks.chars().count() > MAX_PERKS {
        errors.add("perks", format!("Keep the perks to {MAX_PERKS} characters"));
    }
    let meeting = check_rule(
        &form.meeting_bounty,
        "meeting_bounty",
        currency,
        errors,
        |raw| {
            let m = Money::parse_major(raw, currency).map_err(|e| e.to_string())?;
            // Bounties add up on every page and payout: keep them where sums cannot overflow.
            if m.minor > crate::stages::max_amount_minor(currency) {
                return Err("That is more than the portal accepts".to_owned());
            }
            Ok(RewardRule {
                event: RewardEvent::MeetingBooked,
                kind: RewardKind::Flat(m),
            })
        },
    );
    let won_rule = check_rule(&form.won_percent, "won_percent", currency, errors, |raw| {
        parse_percent(raw)
            .map(|p| RewardRule {
                event: RewardEvent::Won,
                kind: RewardKind::Percent(p),
            })
            .ok_or_else(|| "Enter a percentage like 7.5, or leave it blank".to_owned())
    });
    if !errors.is_empty() {
        return None;
    }
    Some(Checked {
        values: TierValues {
            name,
            rank: rank?,
            min_won_value_minor,
            min_qualified,
            perks: form.perks.trim().to_owned(),
        },
        meeting: meeting?,
        won: won_rule?,
    })
}

/// A blank rule field means "no rule"; otherwise the rule must parse and validate.
/// `None` when it was refused, `Some(None)` when blank.
fn check_rule(
    raw: &str,
    field: &str,
    currency: Currency,
    errors: &mut Errors,
    parse: impl FnOnce(&str) -> Result<RewardRule, String>,
) -> Option<Option<RuleAmount>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    let rule = match parse(raw.trim()) {
        Ok(rule) => rule,
        Err(message) => {
            errors.add(field, message);
            return None;
        }
    };
    if let Err(e) = rule.validate(currency) {
        errors.add(field, e.to_string());
        return None;
    }
    Some(Some(match rule.kind {
        RewardKind::Flat(m) => RuleAmount::Flat(m.minor),
        RewardKind::Percent(p) => RuleAmount::Percent(p.normalize().to_string()),
    }))
}

/// Shows a ladder error next to the field of the tier being saved it concerns, or next to its
/// rank when another tier is named (its place in the ladder is what caused it).
pub fn ladder_error(e: &TierLadderError, this: &TierValues, errors: &mut Errors) {
    let is_this = |name: &str| name.trim() == this.name;
    let threshold_field = if this.min_won_value_minor.is_some() {
        "min_won_value"
    } else {
        "min_qualified"
    };
    let field = match e {
        TierLadderError::NoTiers => "name",
        TierLadderError::EmptyName | TierLadderError::DuplicateName(_) => "name",
        TierLadderError::DuplicateRank(_) => "rank",
        TierLadderError::EntryTierHasThreshold(n) | TierLadderError::NoThreshold(n)
            if is_this(n) =>
        {
            threshold_field
        }
        TierLadderError::NotIncreasing { name, below } if is_this(name) || is_this(below) => {
            threshold_field
        }
        TierLadderError::NegativeThreshold(_) | TierLadderError::WrongCurrency { .. } => {
            "min_won_value"
        }
        _ => "rank",
    };
    errors.add(field, e.to_string());
}
