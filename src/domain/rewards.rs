//! Reward rules and the arithmetic of the rewards ledger: what an event earns, how a
//! co-referral splits it, what a refund claws back, and what a statement adds up to.
//!
//! Every amount is integer minor units and every rate an exact decimal. A partner's share is
//! rounded once, half away from zero, to the currency's minor unit; whoever else is involved
//! gets the exact remainder, so the parts always add back to the whole.

mod status;

use rust_decimal::Decimal;

use super::money::{Currency, Money, percent_share, split_by_shares};

pub use status::{LineStatus, LineStatusError, approvable_at, can_move, is_past_holding};

/// The pipeline event that a reward rule pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardEvent {
    /// A rep booked a meeting with the referred prospect.
    MeetingBooked,
    /// The referral's deal was closed-won.
    Won,
}

/// What a rule pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RewardKind {
    /// A fixed bounty, whatever the deal is worth.
    Flat(Money),
    /// A percentage of the deal value: `7.5` means 7.5 %.
    Percent(Decimal),
}

/// One reward rule of a tier: the event it pays for and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewardRule {
    /// The event that earns the reward.
    pub event: RewardEvent,
    /// The bounty or percentage paid.
    pub kind: RewardKind,
}

/// Why a reward rule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewardRuleError {
    /// A flat bounty below zero.
    #[error("Enter a bounty of zero or more")]
    NegativeBounty,
    /// A flat bounty in a currency other than the program's.
    #[error("Enter the bounty in the program currency, {expected}")]
    WrongCurrency {
        /// The program currency.
        expected: Currency,
    },
    /// A percentage outside 0 to 100.
    #[error("Enter a percentage from 0 to 100")]
    PercentOutOfRange,
}

impl RewardRule {
    /// Checks the rule as an admin entered it: a bounty of zero or more in the program
    /// currency, or a percentage from 0 to 100.
    pub fn validate(&self, program_currency: Currency) -> Result<(), RewardRuleError> {
        match self.kind {
            RewardKind::Flat(amount) if amount.currency != program_currency => {
                Err(RewardRuleError::WrongCurrency {
                    expected: program_currency,
                })
            }
            RewardKind::Flat(amount) if amount.minor < 0 => Err(RewardRuleError::NegativeBounty),
            RewardKind::Percent(p) if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED => {
                Err(RewardRuleError::PercentOutOfRange)
            }
            _ => Ok(()),
        }
    }
}

/// The reward a rule earns: the flat bounty as it is, or the percentage of `deal_value`
/// rounded half away from zero to the minor unit.
///
/// A percentage rule earns nothing (`None`) while the deal has no value recorded.
pub fn reward_for(rule: &RewardRule, deal_value: Option<Money>) -> Option<Money> {
    match rule.kind {
        RewardKind::Flat(amount) => Some(amount),
        RewardKind::Percent(percent) => deal_value.map(|value| percent_share(value, percent)),
    }
}

/// A deal value divided between the partner and the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commission {
    /// The partner's share, rounded half away from zero to the minor unit.
    pub partner: Money,
    /// Everything else, exactly: `partner + remainder` is the deal value.
    pub remainder: Money,
}

/// Splits `deal_value` into the partner's `percent` share and the company's exact remainder.
///
/// Only the partner's share is rounded, so the two always add back to the deal value (6.45 at
/// 30 % is 1.94 and 4.51, never 1.94 and 4.52).
pub fn commission(deal_value: Money, percent: Decimal) -> Commission {
    let partner = percent_share(deal_value, percent);
    Commission {
        partner,
        remainder: Money::new(
            deal_value.minor.saturating_sub(partner.minor),
            deal_value.currency,
        ),
    }
}

/// Divides a reward between co-referring partners in proportion to `shares`.
///
/// The parts add up to `amount` exactly; leftover minor units go to the largest remainders,
/// ties to the partner listed first (10.01 split 50/50 is 5.01 and 5.00).
pub fn split_reward(amount: Money, shares: &[Decimal]) -> Vec<Money> {
    split_by_shares(amount, shares)
}

/// Why a clawback could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClawbackError {
    /// The refund and the deal value are in different currencies.
    #[error("The refund must be in the deal's currency, {expected}")]
    CurrencyMismatch {
        /// The deal's currency.
        expected: Currency,
    },
    /// A refund below zero.
    #[error("Enter a refund of zero or more")]
    NegativeRefund,
    /// More refunded in total than the deal was worth.
    #[error("The refunds add up to more than the deal value")]
    RefundExceedsDeal,
}

/// The clawback line for a refund of `refunded` out of a deal worth `deal_value`, whose
/// reward line was `original_line_amount`. The result has the opposite sign.
///
/// A full refund copies the original with the opposite sign, not re-rounded. A partial refund
/// claws back `original × refunded / deal_value`, computed exactly and rounded half away from
/// zero to the minor unit; since the refund is at most the deal value, it never exceeds the
/// original. The clawback is in the original line's currency.
pub fn clawback(
    original_line_amount: Money,
    deal_value: Money,
    refunded: Money,
) -> Result<Money, ClawbackError> {
    check_refund(deal_value, refunded)?;
    if refunded.minor == 0 {
        return Ok(Money::new(0, original_line_amount.currency));
    }
    if refunded.minor == deal_value.minor {
        return Ok(Money::new(
            original_line_amount.minor.saturating_neg(),
            original_line_amount.currency,
        ));
    }
    let clawed = div_round_half_away(
        i128::from(original_line_amount.minor) * i128::from(refunded.minor),
        i128::from(deal_value.minor),
    );
    // |original × refunded / deal| ≤ |original|, so only i64::MIN itself could overflow.
    let minor = i64::try_from(-clawed).unwrap_or(i64::MAX);
    Ok(Money::new(minor, original_line_amount.currency))
}

/// The clawback line for a further refund `refunded_now` when `refunded_before` was already
/// refunded (and clawed back) on the same deal.
///
/// It is the clawback for everything refunded so far minus the clawback already booked, so
/// rounding never drifts: however a deal is refunded piece by piece, the clawbacks add up to
/// the clawback of the total, and a deal refunded in full gives back exactly the original.
pub fn further_clawback(
    original_line_amount: Money,
    deal_value: Money,
    refunded_before: Money,
    refunded_now: Money,
) -> Result<Money, ClawbackError> {
    check_refund(deal_value, refunded_before)?;
    check_refund(deal_value, refunded_now)?;
    let total = refunded_before
        .minor
        .checked_add(refunded_now.minor)
        .ok_or(ClawbackError::RefundExceedsDeal)?;
    let booked = clawback(original_line_amount, deal_value, refunded_before)?;
    let due = clawback(
        original_line_amount,
        deal_value,
        Money::new(total, deal_value.currency),
    )?;
    Ok(Money::new(
        due.minor.saturating_sub(booked.minor),
        original_line_amount.currency,
    ))
}

fn check_refund(deal_value: Money, refunded: Money) -> Result<(), ClawbackError> {
    if refunded.currency != deal_value.currency {
        return Err(ClawbackError::CurrencyMismatch {
            expected: deal_value.currency,
        });
    }
    if refunded.minor < 0 {
        return Err(ClawbackError::NegativeRefund);
    }
    if refunded.minor > deal_value.minor {
        return Err(ClawbackError::RefundExceedsDeal);
    }
    Ok(())
}

/// `numerator / denominator` rounded half away from zero; a denominator of zero or less
/// (which the callers rule out) gives zero.
fn div_round_half_away(numerator: i128, denominator: i128) -> i128 {
    if denominator <= 0 {
        return 0;
    }
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if 2 * remainder.abs() >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// Why a statement total could not be added up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// A line is in another currency than the statement.
    #[error("A line in {found} cannot be added to a statement in {expected}")]
    CurrencyMismatch {
        /// The statement's currency.
        expected: Currency,
        /// The line's currency.
        found: Currency,
    },
    /// The total does not fit in the storage range.
    #[error("This statement total is too large")]
    TooLarge,
}

/// The total of a statement in `currency`: the exact sum of its lines, zero when it has none.
pub fn statement_total(
    currency: Currency,
    lines: impl IntoIterator<Item = Money>,
) -> Result<Money, StatementError> {
    let mut total: i64 = 0;
    for line in lines {
        if line.currency != currency {
            return Err(StatementError::CurrencyMismatch {
                expected: currency,
                found: line.currency,
            });
        }
        total = total
            .checked_add(line.minor)
            .ok_or(StatementError::TooLarge)?;
    }
    Ok(Money::new(total, currency))
}

/// A statement's total split by the lines' current status, in the order of
/// [`LineStatus::ALL`], statuses without lines left out. The parts add up to
/// [`statement_total`] exactly: a line rejected after its month closed stays on the statement
/// (its total never changes), and this breakdown is what keeps it from reading as earned.
pub fn statement_breakdown(
    currency: Currency,
    lines: &[(LineStatus, Money)],
) -> Result<Vec<(LineStatus, Money)>, StatementError> {
    let mut parts = Vec::new();
    for status in LineStatus::ALL {
        let mut mine = lines.iter().filter(|(s, _)| *s == status).peekable();
        if mine.peek().is_none() {
            continue;
        }
        parts.push((status, statement_total(currency, mine.map(|(_, m)| *m))?));
    }
    Ok(parts)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
