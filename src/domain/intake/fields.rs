//! Parsers for the single fields of a referral; `None` means the field was left empty.

use std::fmt;
use std::str::FromStr;

use crate::domain::company::{Website, WebsiteError, parse_website};
use crate::domain::country::{Country, CountryError};
use crate::domain::email::{EmailAddress, EmailError};
use crate::domain::money::{Currency, Money, MoneyError};
use crate::domain::phone::{PhoneError, normalise_phone};

/// How soon the prospect needs a solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Urgency {
    /// Needs it now.
    Now,
    /// Within the current quarter.
    ThisQuarter,
    /// Some time later.
    Later,
}

impl Urgency {
    /// Every urgency, most urgent first.
    pub const ALL: [Urgency; 3] = [Urgency::Now, Urgency::ThisQuarter, Urgency::Later];

    /// Storage name: `now`, `this_quarter` or `later`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Urgency::Now => "now",
            Urgency::ThisQuarter => "this_quarter",
            Urgency::Later => "later",
        }
    }

    /// Human label: `Now`, `This quarter` or `Later`.
    pub fn label(&self) -> &'static str {
        match self {
            Urgency::Now => "Now",
            Urgency::ThisQuarter => "This quarter",
            Urgency::Later => "Later",
        }
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An urgency that is not `now`, `this quarter` or `later`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose now, this quarter or later")]
pub struct UrgencyError;

impl FromStr for Urgency {
    type Err = UrgencyError;

    /// Accepts `now`, `this quarter`, `this_quarter`, `this-quarter` and `later`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let words: Vec<String> = s
            .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        match words.join(" ").as_str() {
            "now" => Ok(Urgency::Now),
            "this quarter" => Ok(Urgency::ThisQuarter),
            "later" => Ok(Urgency::Later),
            _ => Err(UrgencyError),
        }
    }
}

/// A free-text field that is too long.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Use {max} characters or fewer")]
pub struct TextTooLong {
    max: usize,
}

/// A relationship strength that is not a whole number from 1 to 5.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a strength from 1 to 5")]
pub struct StrengthError;

pub(super) fn text(value: &str, max: usize) -> Option<Result<String, TextTooLong>> {
    if value.is_empty() {
        return None;
    }
    Some(if value.chars().count() > max {
        Err(TextTooLong { max })
    } else {
        Ok(value.to_string())
    })
}

pub(super) fn email(value: &str) -> Option<Result<EmailAddress, EmailError>> {
    (!value.is_empty()).then(|| EmailAddress::parse(value))
}

pub(super) fn phone(
    value: &str,
    country: Option<&str>,
    default_country: &str,
) -> Option<Result<String, PhoneError>> {
    (!value.is_empty()).then(|| normalise_phone(value, country, default_country))
}

pub(super) fn country(value: &str) -> Option<Result<Country, CountryError>> {
    (!value.is_empty()).then(|| Country::parse(value))
}

pub(super) fn website(value: &str) -> Option<Result<Website, WebsiteError>> {
    (!value.is_empty()).then(|| parse_website(value))
}

pub(super) fn strength(value: &str) -> Option<Result<i32, StrengthError>> {
    (!value.is_empty()).then(|| match value.parse::<i32>() {
        Ok(n) if (1..=5).contains(&n) => Ok(n),
        _ => Err(StrengthError),
    })
}

pub(super) fn urgency(value: &str) -> Option<Result<Urgency, UrgencyError>> {
    (!value.is_empty()).then(|| value.parse())
}

pub(super) fn deal_size(value: &str, currency: Currency) -> Option<Result<Money, MoneyError>> {
    (!value.is_empty()).then(|| Money::parse_major(value, currency))
}
