//! Money in integer minor units (cents), parsing typed amounts and splitting commissions.
//!
//! No floating point is used anywhere: amounts are `i64` minor units and rates
//! are [`rust_decimal::Decimal`].

use std::cmp::Reverse;
use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use super::text::trim_field;

/// Why an amount or currency was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Nothing was entered.
    #[error("Enter an amount")]
    Empty,
    /// The text is not a number in a recognised format.
    #[error("Enter an amount like 12,000.50")]
    NotANumber,
    /// The amount is below zero.
    #[error("Enter an amount of zero or more")]
    Negative,
    /// The amount has more decimal places than the currency uses.
    #[error("{}", decimals_message(currency, *max))]
    TooManyDecimals {
        /// Currency code, e.g. `EUR`.
        currency: &'static str,
        /// Decimal places the currency allows.
        max: u32,
    },
    /// The amount does not fit in the storage range.
    #[error("This amount is too large")]
    TooLarge,
    /// The currency code is not supported.
    #[error("Choose a supported currency, like EUR or USD")]
    UnknownCurrency,
}

fn decimals_message(currency: &str, max: u32) -> String {
    match max {
        0 => format!("{currency} amounts have no decimal places"),
        1 => format!("Use at most 1 decimal place for {currency}"),
        n => format!("Use at most {n} decimal places for {currency}"),
    }
}

/// A supported currency: ISO 4217 code and number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u32,
    symbol: Option<&'static str>,
}

/// Supported currencies.
const CURRENCIES: &[Currency] = &[
    Currency::new("EUR", 2, Some("€")),
    Currency::new("USD", 2, Some("$")),
    Currency::new("GBP", 2, Some("£")),
    Currency::new("CHF", 2, None),
    Currency::new("SEK", 2, None),
    Currency::new("NOK", 2, None),
    Currency::new("DKK", 2, None),
    Currency::new("PLN", 2, None),
    Currency::new("CZK", 2, None),
    Currency::new("HUF", 2, None),
    Currency::new("CAD", 2, Some("$")),
    Currency::new("AUD", 2, Some("$")),
    Currency::new("NZD", 2, Some("$")),
    Currency::new("SGD", 2, Some("$")),
    Currency::new("HKD", 2, Some("$")),
    Currency::new("INR", 2, Some("₹")),
    Currency::new("ZAR", 2, None),
    Currency::new("BRL", 2, None),
    Currency::new("MXN", 2, Some("$")),
    Currency::new("JPY", 0, Some("¥")),
    Currency::new("KRW", 0, Some("₩")),
    Currency::new("BHD", 3, None),
    Currency::new("KWD", 3, None),
    Currency::new("JOD", 3, None),
];

impl Currency {
    /// Euro.
    pub const EUR: Currency = Currency::new("EUR", 2, Some("€"));
    /// US dollar.
    pub const USD: Currency = Currency::new("USD", 2, Some("$"));
    /// Pound sterling.
    pub const GBP: Currency = Currency::new("GBP", 2, Some("£"));
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency::new("JPY", 0, Some("¥"));

    const fn new(code: &'static str, exponent: u32, symbol: Option<&'static str>) -> Currency {
        Currency {
            code,
            exponent,
            symbol,
        }
    }

    /// Looks up a supported currency by its code, case-insensitively.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let code = trim_field(code);
        CURRENCIES
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code))
            .copied()
            .ok_or(MoneyError::UnknownCurrency)
    }

    /// Every supported currency.
    pub fn all() -> &'static [Currency] {
        CURRENCIES
    }

    /// The ISO 4217 code, e.g. `EUR`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Number of minor-unit digits: 2 for EUR, 0 for JPY, 3 for KWD.
    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// An amount of money in minor units (cents for EUR, yen for JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    /// Amount in minor units.
    pub minor: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

/// Characters accepted between groups of thousands.
const GROUP_SEPARATORS: &[char] = &[',', ' ', '\u{a0}', '\u{202f}', '\u{2009}', '\''];

impl Money {
    /// An amount of `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Parses a typed amount in major units: `12000`, `12,000.50`, `12000.5`, `12 000`.
    ///
    /// A leading or trailing currency code or symbol of the same currency is
    /// ignored. A single comma followed by one or two digits (`12,5`) is read
    /// as a decimal comma. Negative amounts and extra decimals are refused.
    pub fn parse_major(raw: &str, currency: Currency) -> Result<Money, MoneyError> {
        let s = strip_currency(trim_field(raw), currency);
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        if s.starts_with(['-', '\u{2212}']) || s.ends_with('-') {
            return Err(MoneyError::Negative);
        }
        let s = s.strip_prefix('+').unwrap_or(s);
        let (int_part, frac) = split_decimal(s)?;
        let too_many = MoneyError::TooManyDecimals {
            currency: currency.code,
            max: currency.exponent,
        };
        if frac.len() > currency.exponent as usize {
            return Err(too_many);
        }
        let digits = parse_grouped(int_part)?;
        let mut minor: i64 = 0;
        for d in digits.chars().chain(frac.chars()) {
            let value = i64::from(d.to_digit(10).ok_or(MoneyError::NotANumber)?);
            minor = minor
                .checked_mul(10)
                .and_then(|m| m.checked_add(value))
                .ok_or(MoneyError::TooLarge)?;
        }
        let missing = currency.exponent as usize - frac.len();
        for _ in 0..missing {
            minor = minor.checked_mul(10).ok_or(MoneyError::TooLarge)?;
        }
        Ok(Money { minor, currency })
    }

    /// Formats as `12,000.50 EUR` (`-1.94 EUR` for negatives, `926 JPY` without minor unit).
    pub fn format(&self) -> String {
        let exp = self.currency.exponent;
        let abs = self.minor.unsigned_abs();
        let unit = 10u64.pow(exp);
        let whole = (abs / unit).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        let code = self.currency.code;
        if exp == 0 {
            format!("{sign}{grouped} {code}")
        } else {
            let frac = abs % unit;
            format!(
                "{sign}{grouped}.{frac:0width$} {code}",
                width = exp as usize
            )
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format())
    }
}

fn strip_currency(s: &str, currency: Currency) -> &str {
    let mut s = s;
    let code = currency.code;
    if s.is_char_boundary(code.len())
        && s.get(..code.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(code))
    {
        s = trim_field(&s[code.len()..]);
    }
    let cut = s.len().saturating_sub(code.len());
    if s.get(cut..).is_some_and(|t| t.eq_ignore_ascii_case(code)) {
        s = trim_field(&s[..cut]);
    }
    if let Some(symbol) = currency.symbol {
        if let Some(rest) = s.strip_prefix(symbol).or_else(|| s.strip_suffix(symbol)) {
            s = trim_field(rest);
        }
    }
    s
}

/// Splits into integer part (still with group separators) and fraction digits.
fn split_decimal(s: &str) -> Result<(&str, &str), MoneyError> {
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => match s.split_once(',') {
            Some((i, f))
                if (1..=2).contains(&f.len())
                    && !f.contains(GROUP_SEPARATORS)
                    && !i.contains(GROUP_SEPARATORS) =>
            {
                (i, f)
            }
            _ => (s, ""),
        },
    };
    let dot_without_digits = s.contains(['.', ',']) && frac.is_empty() && int_part != s;
    if dot_without_digits
        || !frac.chars().all(|c| c.is_ascii_digit())
        || (int_part.is_empty() && frac.is_empty())
    {
        return Err(MoneyError::NotANumber);
    }
    Ok((int_part, frac))
}

/// Checks thousands grouping (`12,000` or `12 000`) and returns the bare digits.
fn parse_grouped(int_part: &str) -> Result<String, MoneyError> {
    if int_part.is_empty() {
        return Ok(String::new());
    }
    let groups: Vec<&str> = int_part.split(GROUP_SEPARATORS).collect();
    let all_digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let well_formed = groups.iter().all(|g| all_digits(g))
        && (groups.len() == 1
            || (groups.first().is_some_and(|g| g.len() <= 3)
                && groups.iter().skip(1).all(|g| g.len() == 3)));
    if !well_formed {
        return Err(MoneyError::NotANumber);
    }
    Ok(groups.concat())
}

/// `percent` per cent of `amount`, rounded half away from zero to the minor unit.
///
/// `percent` is a percentage, not a fraction: pass `30` for 30 %, `7.5` for 7.5 %.
/// Results beyond the `i64` range saturate.
pub fn percent_share(amount: Money, percent: Decimal) -> Money {
    let exact = Decimal::from(amount.minor)
        .checked_mul(percent)
        .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED));
    let minor = match exact {
        Some(v) => v
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
            .unwrap_or(if v.is_sign_negative() {
                i64::MIN
            } else {
                i64::MAX
            }),
        None if (amount.minor < 0) != percent.is_sign_negative() => i64::MIN,
        None => i64::MAX,
    };
    Money {
        minor,
        currency: amount.currency,
    }
}

/// Splits `amount` in proportion to `shares` so the parts add up exactly.
///
/// Each part gets its rounded-down exact share; the minor units left over go
/// one each to the parts with the largest remainders, ties to the first listed
/// (largest remainder method). Negative shares count as zero; if no share is
/// positive the amount is split equally. No shares give no parts.
pub fn split_by_shares(amount: Money, shares: &[Decimal]) -> Vec<Money> {
    if shares.is_empty() {
        return Vec::new();
    }
    let total = i128::from(amount.minor).abs();
    let mut weights = integer_weights(shares);
    let mut sum = weights_sum(&weights);
    if sum == Some(0) {
        weights = vec![1; shares.len()];
        sum = weights_sum(&weights);
    }
    // Shrink absurdly precise weights until every product fits in i128.
    while sum.is_none() || weights.iter().any(|w| w.checked_mul(total).is_none()) {
        weights.iter_mut().for_each(|w| *w /= 10);
        sum = weights_sum(&weights);
        if sum == Some(0) {
            weights = vec![1; shares.len()];
            sum = weights_sum(&weights);
        }
    }
    let sum = sum.unwrap_or(1).max(1);
    let mut parts: Vec<(i128, i128)> = weights
        .iter()
        .map(|w| {
            let product = w.saturating_mul(total);
            (product / sum, product % sum)
        })
        .collect();
    let allocated: i128 = parts.iter().map(|(floor, _)| *floor).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| Reverse(parts[i].1));
    let leftover = usize::try_from(total - allocated).unwrap_or(0);
    for &i in order.iter().take(leftover) {
        parts[i].0 += 1;
    }
    let negative = amount.minor < 0;
    parts
        .into_iter()
        .map(|(units, _)| {
            let signed = if negative { -units } else { units };
            let minor = i64::try_from(signed).unwrap_or(if negative { i64::MIN } else { i64::MAX });
            Money {
                minor,
                currency: amount.currency,
            }
        })
        .collect()
}

/// Turns decimal shares into non-negative integers with the same ratios.
fn integer_weights(shares: &[Decimal]) -> Vec<i128> {
    let rounded: Vec<Decimal> = shares
        .iter()
        .map(|s| (*s).max(Decimal::ZERO).round_dp(9).normalize())
        .collect();
    let scale = rounded.iter().map(Decimal::scale).max().unwrap_or(0);
    rounded
        .iter()
        .map(|d| {
            10i128
                .checked_pow(scale - d.scale())
                .and_then(|f| d.mantissa().checked_mul(f))
                .unwrap_or(i128::MAX)
        })
        .collect()
}

fn weights_sum(weights: &[i128]) -> Option<i128> {
    weights.iter().try_fold(0i128, |acc, w| acc.checked_add(*w))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
