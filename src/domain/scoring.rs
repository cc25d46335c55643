//! A 0-100 fit and intent score from rules an admin can edit, with one reason per rule applied.
//!
//! Points from every matching rule are added up and the total is clamped to 0..=100. Rules that
//! give zero points leave no reason. Reasons always come in the order of the fields of
//! [`ScoringRules`], so the same referral is explained the same way every time.

mod rules;

use std::fmt;

use super::intake::{Urgency, ValidReferral};
use super::providers::DomainClass;
use super::title::Seniority;

pub use rules::{
    CompletenessPoints, EmailPoints, ScoringRules, ScoringRulesError, SeniorityPoints,
    UrgencyPoints, WEIGHT_RANGE,
};

/// What scoring needs to know about a referral, in plain fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreInput {
    /// ISO 3166-1 alpha-2 code of the prospect's country.
    pub country: Option<String>,
    /// Seniority guessed from the title.
    pub seniority: Seniority,
    /// Relationship strength, 1 to 5; other values score nothing.
    pub strength: Option<u8>,
    /// How soon the prospect needs a solution.
    pub urgency: Option<Urgency>,
    /// An e-mail address was given.
    pub has_email: bool,
    /// A usable phone number was given.
    pub has_phone: bool,
    /// A job title was given.
    pub has_title: bool,
    /// A usable website was given.
    pub has_website: bool,
    /// What the e-mail domain is, when there is an e-mail address.
    pub email_class: Option<DomainClass>,
    /// The company is already a customer.
    pub existing_customer: bool,
}

impl ScoreInput {
    /// The scoring view of a validated referral; the e-mail class and customer flag come from
    /// enrichment and the customer list.
    pub fn from_referral(
        referral: &ValidReferral,
        email_class: Option<DomainClass>,
        existing_customer: bool,
    ) -> ScoreInput {
        ScoreInput {
            country: referral.country.map(|c| c.code().to_string()),
            seniority: referral.seniority,
            strength: referral.strength.and_then(|s| u8::try_from(s).ok()),
            urgency: referral.urgency,
            has_email: referral.email.is_some(),
            has_phone: referral.phone_e164.is_some(),
            has_title: referral.title.is_some(),
            has_website: referral.website.is_some(),
            email_class,
            existing_customer,
        }
    }
}

/// One rule's contribution to a score.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScoreReason {
    /// Points added (negative: taken away).
    pub points: i32,
    /// What earned them, without the points, e.g. `VP-level title`.
    pub text: String,
}

impl fmt::Display for ScoreReason {
    /// Writes `+20 VP-level title` or `−10 free-mail address` (with a true minus sign).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.points < 0 { '\u{2212}' } else { '+' };
        write!(f, "{sign}{} {}", self.points.unsigned_abs(), self.text)
    }
}

/// A score from 0 to 100 and the reasons behind it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Score {
    /// The sum of the reasons' points, clamped to 0..=100.
    pub value: u8,
    /// Each rule that gave points, in the order of [`ScoringRules`]' fields.
    pub reasons: Vec<ScoreReason>,
}

/// Scores a referral by the rules.
pub fn score(rules: &ScoringRules, input: &ScoreInput) -> Score {
    let mut reasons = Vec::new();
    let mut add = |points: i32, text: String| {
        if points != 0 {
            reasons.push(ScoreReason { points, text });
        }
    };

    if let Some(code) = input.country.as_deref().map(str::trim)
        && rules
            .target_countries
            .iter()
            .any(|t| t.trim().eq_ignore_ascii_case(code))
    {
        add(
            rules.target_country,
            format!("target country {}", code.to_uppercase()),
        );
    }
    let (points, text) = seniority_rule(&rules.seniority, input.seniority);
    add(points, text.into());
    if let Some(strength @ 1..=5) = input.strength {
        let points = rules.strength[usize::from(strength - 1)];
        add(points, format!("relationship strength {strength} of 5"));
    }
    if let Some(urgency) = input.urgency {
        let u = &rules.urgency;
        let points = match urgency {
            Urgency::Now => u.now,
            Urgency::ThisQuarter => u.this_quarter,
            Urgency::Later => u.later,
        };
        add(
            points,
            format!("urgency: {}", urgency.label().to_lowercase()),
        );
    }
    let c = &rules.completeness;
    let given = [
        (input.has_email, c.email, "e-mail address given"),
        (input.has_phone, c.phone, "phone number given"),
        (input.has_title, c.title, "job title given"),
        (input.has_website, c.website, "website given"),
    ];
    for (present, points, text) in given {
        if present {
            add(points, text.into());
        }
    }
    if given.iter().all(|(present, _, _)| *present) {
        add(c.all_four, "complete contact details".into());
    }
    if let Some(class) = input.email_class {
        let e = &rules.email;
        let (points, text) = match class {
            DomainClass::Business => (e.business, "business e-mail address"),
            DomainClass::FreeMail => (e.free_mail, "free-mail address"),
            DomainClass::Disposable => (e.disposable, "disposable e-mail address"),
            DomainClass::Reserved => (e.reserved, "example or test e-mail domain"),
        };
        add(points, text.into());
    }
    if input.existing_customer {
        add(rules.existing_customer, "existing customer".into());
    }

    let total: i32 = reasons.iter().map(|r| r.points).sum();
    let value = u8::try_from(total.clamp(0, 100)).unwrap_or(0);
    Score { value, reasons }
}

fn seniority_rule(points: &SeniorityPoints, seniority: Seniority) -> (i32, &'static str) {
    match seniority {
        Seniority::Executive => (points.executive, "executive title"),
        Seniority::VicePresident => (points.vice_president, "VP-level title"),
        Seniority::Director => (points.director, "director-level title"),
        Seniority::Manager => (points.manager, "manager-level title"),
        Seniority::IndividualContributor => (
            points.individual_contributor,
            "individual-contributor title",
        ),
        Seniority::Unknown => (points.unknown, "no recognised seniority in the title"),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
