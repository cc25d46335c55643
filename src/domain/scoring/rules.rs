//! The admin-editable scoring rules, their documented defaults and their validation.

use crate::domain::country::Country;

/// The smallest and largest points a single rule may give.
pub const WEIGHT_RANGE: std::ops::RangeInclusive<i32> = -100..=100;

/// Points per title seniority.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SeniorityPoints {
    /// C-level, founder, managing director.
    pub executive: i32,
    /// Vice president.
    pub vice_president: i32,
    /// Director or head of a function.
    pub director: i32,
    /// Manager or team lead.
    pub manager: i32,
    /// Individual contributor.
    pub individual_contributor: i32,
    /// No title, or one we cannot place.
    pub unknown: i32,
}

/// Points per urgency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct UrgencyPoints {
    /// Needs a solution now.
    pub now: i32,
    /// Within the current quarter.
    pub this_quarter: i32,
    /// Some time later.
    pub later: i32,
}

/// Points for contact details given; `all_four` is a bonus when every one is present.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CompletenessPoints {
    /// An e-mail address.
    pub email: i32,
    /// A usable phone number.
    pub phone: i32,
    /// A job title.
    pub title: i32,
    /// A usable website.
    pub website: i32,
    /// E-mail, phone, title and website all present.
    pub all_four: i32,
}

/// Points for what the e-mail domain says about the prospect.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EmailPoints {
    /// A company's own domain.
    pub business: i32,
    /// A free consumer mail service.
    pub free_mail: i32,
    /// A throw-away address service.
    pub disposable: i32,
    /// A documentation or test domain such as example.com.
    pub reserved: i32,
}

/// The scoring rules, stored as JSON and edited by admins; missing keys take the defaults.
///
/// The defaults add up to at most 100: target country 15; seniority executive 25, VP 20,
/// director 15, manager 10, individual contributor 5, unknown 0; relationship strength 1-5 gives
/// 0, 5, 10, 15, 20; urgency now 15, this quarter 8, later 0; all four contact details 10;
/// business e-mail 15, free-mail -10, disposable -20, reserved -20; existing customer -15.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ScoringRules {
    /// Ideal-customer-profile countries, ISO 3166-1 alpha-2 codes.
    pub target_countries: Vec<String>,
    /// Points when the prospect's country is a target country.
    pub target_country: i32,
    /// Points per title seniority.
    pub seniority: SeniorityPoints,
    /// Points for relationship strength 1, 2, 3, 4 and 5.
    pub strength: [i32; 5],
    /// Points per urgency.
    pub urgency: UrgencyPoints,
    /// Points for contact details given.
    pub completeness: CompletenessPoints,
    /// Points per kind of e-mail domain.
    pub email: EmailPoints,
    /// Points when the company is already a customer: zero or negative.
    pub existing_customer: i32,
}

impl Default for SeniorityPoints {
    fn default() -> Self {
        SeniorityPoints {
            executive: 25,
            vice_president: 20,
            director: 15,
            manager: 10,
            individual_contributor: 5,
            unknown: 0,
        }
    }
}

impl Default for UrgencyPoints {
    fn default() -> Self {
        UrgencyPoints {
            now: 15,
            this_quarter: 8,
            later: 0,
        }
    }
}

impl Default for CompletenessPoints {
    fn default() -> Self {
        CompletenessPoints {
            email: 0,
            phone: 0,
            title: 0,
            website: 0,
            all_four: 10,
        }
    }
}

impl Default for EmailPoints {
    fn default() -> Self {
        EmailPoints {
            business: 15,
            free_mail: -10,
            disposable: -20,
            reserved: -20,
        }
    }
}

impl Default for ScoringRules {
    fn default() -> Self {
        ScoringRules {
            target_countries: ["DE", "AT", "CH", "GB", "NL", "FR"]
                .map(String::from)
                .to_vec(),
            target_country: 15,
            seniority: SeniorityPoints::default(),
            strength: [0, 5, 10, 15, 20],
            urgency: UrgencyPoints::default(),
            completeness: CompletenessPoints::default(),
            email: EmailPoints::default(),
            existing_customer: -15,
        }
    }
}

/// A rule an admin set that cannot be used, named by its JSON path (e.g. `seniority.manager`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoringRulesError {
    /// A weight outside -100..=100.
    #[error("{field} must be between -100 and 100 points")]
    WeightOutOfRange {
        /// JSON path of the weight.
        field: String,
    },
    /// Existing customers would raise the score.
    #[error("{field} must be zero or negative")]
    MustNotBePositive {
        /// JSON path of the weight.
        field: String,
    },
    /// A target country that is not an ISO 3166-1 alpha-2 code.
    #[error("{field}: \"{value}\" is not an ISO country code like DE or GB")]
    UnknownCountry {
        /// JSON path of the list.
        field: String,
        /// The entry as stored.
        value: String,
    },
}

impl ScoringRulesError {
    /// JSON path of the offending rule, for showing the message next to its form field.
    pub fn field(&self) -> &str {
        match self {
            ScoringRulesError::WeightOutOfRange { field }
            | ScoringRulesError::MustNotBePositive { field }
            | ScoringRulesError::UnknownCountry { field, .. } => field,
        }
    }
}

impl ScoringRules {
    /// Every problem with the rules, in field order; empty totals and negative weights are fine.
    pub fn validate(&self) -> Result<(), Vec<ScoringRulesError>> {
        let mut errors = Vec::new();
        for code in &self.target_countries {
            if !Country::parse(code).is_ok_and(|c| c.code().eq_ignore_ascii_case(code.trim())) {
                errors.push(ScoringRulesError::UnknownCountry {
                    field: "target_countries".into(),
                    value: code.clone(),
                });
            }
        }
        for (field, value) in self.weights() {
            if !WEIGHT_RANGE.contains(&value) {
                errors.push(ScoringRulesError::WeightOutOfRange { field });
            }
        }
        if self.existing_customer > 0 {
            errors.push(ScoringRulesError::MustNotBePositive {
                field: "existing_customer".into(),
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Every weight with its JSON path, in field order.
    fn weights(&self) -> Vec<(String, i32)> {
        let (s, u, c, e) = (
            &self.seniority,
            &self.urgency,
            &self.completeness,
            &self.email,
        );
        let named = |pairs: &[(&str, i32)]| -> Vec<(String, i32)> {
            pairs.iter().map(|(f, v)| ((*f).to_string(), *v)).collect()
        };
        let mut weights = named(&[
            ("target_country", self.target_country),
            ("seniority.executive", s.executive),
            ("seniority.vice_president", s.vice_president),
            ("seniority.director", s.director),
            ("seniority.manager", s.manager),
            ("seniority.individual_contributor", s.individual_contributor),
            ("seniority.unknown", s.unknown),
        ]);
        weights.extend(
            (1..)
                .zip(self.strength)
                .map(|(n, v)| (format!("strength.{n}"), v)),
        );
        weights.extend(named(&[
            ("urgency.now", u.now),
            ("urgency.this_quarter", u.this_quarter),
            ("urgency.later", u.later),
            ("completeness.email", c.email),
            ("completeness.phone", c.phone),
            ("completeness.title", c.title),
            ("completeness.website", c.website),
            ("completeness.all_four", c.all_four),
            ("email.business", e.business),
            ("email.free_mail", e.free_mail),
            ("email.disposable", e.disposable),
            ("email.reserved", e.reserved),
            ("existing_customer", self.existing_customer),
        ]));
        weights
    }
}
