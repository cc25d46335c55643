//! The incentive program over HTTP: tiers, the rewards ledger and statements, payouts, and the
//! review and polish passes' regression tests.

mod ledger;
mod payouts;
mod polish;
mod review;
mod tiers;

use chrono::NaiveDateTime;
use referral_portal::db::referrals::NewReferral;

/// A referral row for set-up, with only what the incentive tests look at filled in (Dana
/// Vogt at `company`, in EUR); callers override the rest with struct update syntax.
pub fn bare_referral(
    organisation_id: i64,
    submitted_by: i64,
    status: &str,
    company: &str,
    now: NaiveDateTime,
) -> NewReferral {
    NewReferral {
        organisation_id,
        submitted_by,
        status: status.into(),
        first_name: "Dana".into(),
        last_name: "Vogt".into(),
        email: None,
        phone: None,
        title: None,
        seniority: "unknown".into(),
        company: company.into(),
        company_normalised: company.to_lowercase(),
        website: None,
        company_domain: None,
        country: None,
        relationship: None,
        strength: None,
        pain: None,
        urgency: None,
        deal_size_minor: None,
        currency: "EUR".into(),
        email_key: None,
        phone_key: None,
        name_key: None,
        possible_duplicate: false,
        existing_customer: false,
        protected_until: None,
        warnings: String::new(),
        created_at: now,
        updated_at: now,
        upload_id: None,
        reporting_month: None,
    }
}
