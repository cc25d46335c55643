//! One validation for referrals from the web form and from CSV uploads.
//!
//! The form rejects every bad field. An upload is more forgiving because a
//! partner cannot fix one cell in a spreadsheet row from the browser: a bad
//! optional field (phone, website, country, title, strength, urgency, deal
//! size, ...) is cleared and reported as a [`FieldWarning`]. Required fields
//! and a malformed e-mail address are errors in both modes.

mod fields;

use std::fmt;

use super::company::{company_domain, normalise_company_name};
use super::country::Country;
use super::email::EmailAddress;
use super::money::{Currency, Money};
use super::providers::{DomainClass, ProviderLists};
use super::text::{clean_multi_line, clean_single_line};
use super::title::{Seniority, seniority_of};

pub use fields::{Urgency, UrgencyError};

/// Longest first or last name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest company name, in characters.
pub const MAX_COMPANY_CHARS: usize = 200;
/// Longest job title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest relationship or pain description, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// A referral exactly as typed into the form or read from a CSV row.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawReferral {
    /// Prospect's first name.
    pub first_name: String,
    /// Prospect's last name.
    pub last_name: String,
    /// Prospect's e-mail address.
    pub email: String,
    /// Prospect's phone number.
    pub phone: String,
    /// Prospect's job title.
    pub title: String,
    /// Prospect's company name.
    pub company: String,
    /// Company website.
    pub website: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// How the partner knows the prospect (multi-line).
    pub relationship: String,
    /// Relationship strength, 1 to 5.
    pub strength: String,
    /// The prospect's problem (multi-line).
    pub pain: String,
    /// `now`, `this quarter` or `later`.
    pub urgency: String,
    /// Expected deal size in the organisation's currency.
    pub deal_size: String,
    /// Whether the prospect agreed to be introduced (form only).
    pub consent: bool,
}

/// Where a referral came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeMode {
    /// The web form: every bad field is an error.
    Form,
    /// A CSV upload: bad optional fields become warnings; consent is given per file.
    Upload,
}

/// Organisation settings the validation needs.
#[derive(Debug, Clone, Copy)]
pub struct IntakeContext<'a> {
    /// ISO country used for phone numbers written without `+` when the referral has no country.
    pub default_phone_country: &'a str,
    /// Currency of deal sizes.
    pub currency: Currency,
    /// Free-mail and disposable provider lists.
    pub providers: &'a ProviderLists,
}

/// A checked and normalised referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReferral {
    /// Trimmed first name.
    pub first_name: String,
    /// Trimmed last name.
    pub last_name: String,
    /// E-mail address, if given.
    pub email: Option<EmailAddress>,
    /// Phone number in E.164, if given and usable.
    pub phone_e164: Option<String>,
    /// Job title, if given.
    pub title: Option<String>,
    /// Seniority guessed from the title.
    pub seniority: Seniority,
    /// Company name as entered (trimmed).
    pub company: String,
    /// Company name normalised for matching.
    pub company_normalised: String,
    /// Normalised website address, if given and usable.
    pub website: Option<String>,
    /// Registrable domain identifying the company, if any.
    pub company_domain: Option<String>,
    /// Country, if given and recognised.
    pub country: Option<Country>,
    /// How the partner knows the prospect.
    pub relationship: Option<String>,
    /// Relationship strength from 1 to 5.
    pub strength: Option<i32>,
    /// The prospect's problem.
    pub pain: Option<String>,
    /// How soon the prospect needs a solution.
    pub urgency: Option<Urgency>,
    /// Expected deal size.
    pub deal_size: Option<Money>,
    /// Values that were cleared or look doubtful (uploads mostly).
    pub warnings: Vec<FieldWarning>,
}

/// A value that was dropped or looks doubtful, with the text that was supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldWarning {
    /// Field name as in [`RawReferral`].
    pub field: &'static str,
    /// What was wrong, in plain English.
    pub message: String,
    /// The value as supplied (trimmed).
    pub raw_value: String,
}

/// Errors per field: `(field name as in RawReferral, message)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    /// The first message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    /// Whether there are no errors.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records an error for `field`.
    pub fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// Message when neither contact detail is usable.
pub const NEED_CONTACT: &str = "Give an email address or a phone number";
/// Message when a form referral lacks consent.
pub const NEED_CONSENT: &str = "Confirm that the prospect agreed to be introduced";

/// Collects errors and warnings while fields are checked.
struct Checker {
    mode: IntakeMode,
    errors: FieldErrors,
    warnings: Vec<FieldWarning>,
}

impl Checker {
    /// Keeps a good optional value; a bad one is an error on the form and a
    /// cleared value with a warning in an upload.
    fn optional<T, E: fmt::Display>(
        &mut self,
        field: &'static str,
        raw: &str,
        result: Option<Result<T, E>>,
    ) -> Option<T> {
        match result? {
            Ok(value) => Some(value),
            Err(e) => {
                match self.mode {
                    IntakeMode::Form => self.errors.push(field, e.to_string()),
                    IntakeMode::Upload => self.warnings.push(FieldWarning {
                        field,
                        message: e.to_string(),
                        raw_value: raw.to_string(),
                    }),
                }
                None
            }
        }
    }

    fn required(&mut self, field: &'static str, value: &str, label: &str, max: usize) {
        if value.is_empty() {
            self.errors.push(field, format!("Enter the {label}"));
        } else if value.chars().count() > max {
            let mut first = label.chars();
            let label = first
                .next()
                .map(|c| c.to_uppercase().chain(first).collect::<String>())
                .unwrap_or_default();
            self.errors
                .push(field, format!("{label} must be {max} characters or fewer"));
        }
    }
}

/// Checks and normalises a referral from the form or an upload row.
pub fn validate_referral(
    raw: &RawReferral,
    mode: IntakeMode,
    ctx: &IntakeContext,
) -> Result<ValidReferral, FieldErrors> {
    let mut c = Checker {
        mode,
        errors: FieldErrors::default(),
        warnings: Vec::new(),
    };
    let first_name = clean_single_line(&raw.first_name);
    let last_name = clean_single_line(&raw.last_name);
    let company = clean_single_line(&raw.company);
    c.required("first_name", &first_name, "first name", MAX_NAME_CHARS);
    c.required("last_name", &last_name, "last name", MAX_NAME_CHARS);
    c.required("company", &company, "company name", MAX_COMPANY_CHARS);

    let title_raw = clean_single_line(&raw.title);
    let title = c.optional(
        "title",
        &title_raw,
        fields::text(&title_raw, MAX_TITLE_CHARS),
    );
    let relationship_raw = clean_multi_line(&raw.relationship);
    let relationship = c.optional(
        "relationship",
        &relationship_raw,
        fields::text(&relationship_raw, MAX_NOTE_CHARS),
    );
    let pain_raw = clean_multi_line(&raw.pain);
    let pain = c.optional("pain", &pain_raw, fields::text(&pain_raw, MAX_NOTE_CHARS));

    let country_raw = clean_single_line(&raw.country);
    let country = c.optional("country", &country_raw, fields::country(&country_raw));
    let website_raw = clean_single_line(&raw.website);
    let website = c.optional("website", &website_raw, fields::website(&website_raw));
    let strength_raw = clean_single_line(&raw.strength);
    let strength = c.optional("strength", &strength_raw, fields::strength(&strength_raw));
    let urgency_raw = clean_single_line(&raw.urgency);
    let urgency = c.optional("urgency", &urgency_raw, fields::urgency(&urgency_raw));
    let deal_raw = clean_single_line(&raw.deal_size);
    let deal_size = c.optional(
        "deal_size",
        &deal_raw,
        fields::deal_size(&deal_raw, ctx.currency),
    );

    let email_raw = clean_single_line(&raw.email);
    let email = match fields::email(&email_raw) {
        Some(Ok(email)) => Some(email),
        Some(Err(e)) => {
            c.errors.push("email", e.to_string());
            None
        }
        None => None,
    };
    let phone_raw = clean_single_line(&raw.phone);
    let phone_e164 = c.optional(
        "phone",
        &phone_raw,
        fields::phone(
            &phone_raw,
            country.map(|k| k.code()),
            ctx.default_phone_country,
        ),
    );

    if email_raw.is_empty() && phone_raw.is_empty() {
        c.errors.push("email", NEED_CONTACT);
        c.errors.push("phone", NEED_CONTACT);
    } else if email_raw.is_empty() && phone_e164.is_none() && c.errors.get("phone").is_none() {
        // An upload row whose only contact detail was unusable.
        c.errors.push("email", NEED_CONTACT);
        if let Some(w) = c.warnings.iter().find(|w| w.field == "phone") {
            let message = w.message.clone();
            c.errors.push("phone", message);
        }
    }
    if mode == IntakeMode::Form && !raw.consent {
        c.errors.push("consent", NEED_CONSENT);
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }

    if let Some(e) = &email {
        if ctx.providers.classify(e.domain()) == DomainClass::Disposable {
            c.warnings.push(FieldWarning {
                field: "email",
                message: "This looks like a throw-away email address".to_string(),
                raw_value: email_raw.clone(),
            });
        }
    }
    let domain = company_domain(website.as_ref(), email.as_ref(), ctx.providers);
    Ok(ValidReferral {
        seniority: title.as_deref().map_or(Seniority::Unknown, seniority_of),
        company_normalised: normalise_company_name(&company),
        first_name,
        last_name,
        email,
        phone_e164,
        title,
        company,
        website: website.map(|w| w.as_str().to_string()),
        company_domain: domain,
        country,
        relationship,
        strength,
        pain,
        urgency,
        deal_size,
        warnings: c.warnings,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
