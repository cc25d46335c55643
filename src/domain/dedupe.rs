//! Duplicate detection and referral protection.
//!
//! **Who is the prospect?** A prospect is identified by e-mail address, else
//! by phone number, else by name at the same company (company domain, or the
//! normalised company name when there is no domain). Two referrals are about
//! the same prospect when they share any of these keys; the reason reported is
//! the first shared key in that order.
//!
//! **What does an earlier referral protect?** An earlier *open* referral
//! protects its prospect from everyone, including other people in the same
//! partner organisation, and protects its company domain from *other*
//! partner organisations. A partner may refer a second person at a company it
//! already referred; another partner may not.
//!
//! **How long?** Protection lasts while the referral is open: it ends when the
//! referral is rejected, lost or marked duplicate, or — if nobody has
//! contacted the prospect — `window_days` (default
//! [`DEFAULT_PROTECTION_DAYS`]) after submission. Once the prospect has been
//! contacted, the window no longer applies and only closing ends protection.

use chrono::{DateTime, Duration, Utc};

use super::intake::ValidReferral;
use super::text::fold_accents_lower;

/// Days an uncontacted referral stays protected unless the organisation says otherwise.
pub const DEFAULT_PROTECTION_DAYS: i64 = 90;

/// The keys that identify a prospect and its company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProspectIdentity {
    /// Lower-cased e-mail address.
    pub email_key: Option<String>,
    /// Phone number in E.164.
    pub phone_key: Option<String>,
    /// `"first last|company"`, lower-cased with accents folded; company is the
    /// company domain, or the normalised company name when there is no domain.
    pub name_key: Option<String>,
    /// Registrable domain of the company, if known.
    pub company_domain: Option<String>,
    /// Normalised company name.
    pub company_normalised: String,
}

/// Why a new referral clashes with an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchReason {
    /// Both have the same e-mail address.
    SameEmail,
    /// Both have the same phone number.
    SamePhone,
    /// Both name the same person at the same company.
    SameNameAtCompany,
    /// Another partner organisation already referred someone at this company domain.
    SameCompanyDomain,
}

impl MatchReason {
    /// Stable storage name, e.g. `same_email`.
    pub fn as_str(&self) -> &'static str {
        match self {
            MatchReason::SameEmail => "same_email",
            MatchReason::SamePhone => "same_phone",
            MatchReason::SameNameAtCompany => "same_name_at_company",
            MatchReason::SameCompanyDomain => "same_company_domain",
        }
    }

    /// Plain-English explanation for the partner.
    pub fn message(&self) -> &'static str {
        match self {
            MatchReason::SameEmail => {
                "This prospect was already referred with the same email address"
            }
            MatchReason::SamePhone => {
                "This prospect was already referred with the same phone number"
            }
            MatchReason::SameNameAtCompany => {
                "Someone with this name at this company was already referred"
            }
            MatchReason::SameCompanyDomain => {
                "This company is already protected by another partner"
            }
        }
    }
}

/// Builds the identity keys of a validated referral.
pub fn identity_of(v: &ValidReferral) -> ProspectIdentity {
    let person = fold_accents_lower(&format!("{} {}", v.first_name, v.last_name));
    let person = person.split_whitespace().collect::<Vec<_>>().join(" ");
    let company = v
        .company_domain
        .clone()
        .unwrap_or_else(|| v.company_normalised.clone());
    let name_key =
        (!person.is_empty() && !company.is_empty()).then(|| format!("{person}|{company}"));
    ProspectIdentity {
        email_key: v.email.as_ref().map(|e| e.dedupe_key()),
        phone_key: v.phone_e164.clone(),
        name_key,
        company_domain: v.company_domain.clone(),
        company_normalised: v.company_normalised.clone(),
    }
}

/// Whether a new referral from organisation `new_org` clashes with an existing
/// open, protected referral from `existing_org`, and why.
///
/// Same e-mail, phone or name at company clash whatever the organisation; the
/// same company domain clashes only between different organisations.
pub fn conflict_reason(
    new: &ProspectIdentity,
    new_org: i64,
    existing: &ProspectIdentity,
    existing_org: i64,
) -> Option<MatchReason> {
    fn same(a: &Option<String>, b: &Option<String>) -> bool {
        matches!((a, b), (Some(a), Some(b)) if !a.is_empty() && a == b)
    }
    if same(&new.email_key, &existing.email_key) {
        Some(MatchReason::SameEmail)
    } else if same(&new.phone_key, &existing.phone_key) {
        Some(MatchReason::SamePhone)
    } else if same(&new.name_key, &existing.name_key) {
        Some(MatchReason::SameNameAtCompany)
    } else if new_org != existing_org && same(&new.company_domain, &existing.company_domain) {
        Some(MatchReason::SameCompanyDomain)
    } else {
        None
    }
}

/// When protection of an uncontacted referral ends: `window_days` after submission.
///
/// A negative window counts as zero; a window beyond the calendar saturates.
pub fn protection_ends_at(submitted_at: DateTime<Utc>, window_days: i64) -> DateTime<Utc> {
    Duration::try_days(window_days.max(0))
        .and_then(|window| submitted_at.checked_add_signed(window))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether a referral still protects its prospect at `now`.
///
/// `closed` means rejected, lost or marked duplicate. An open referral whose
/// prospect was contacted stays protected; an uncontacted one until
/// [`protection_ends_at`].
pub fn is_protected(
    closed: bool,
    contacted: bool,
    submitted_at: DateTime<Utc>,
    window_days: i64,
    now: DateTime<Utc>,
) -> bool {
    !closed && (contacted || now < protection_ends_at(submitted_at, window_days))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
