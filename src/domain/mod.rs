//! Pure business rules: no I/O, no HTTP, no SQL.
//!
//! Everything here is deterministic: the current time is always passed in.

pub mod company;
pub mod country;
pub mod dedupe;
pub mod email;
pub mod intake;
pub mod money;
pub mod phone;
pub mod providers;
pub mod text;
pub mod title;
pub mod upload;

pub use company::{
    COMPANY_SIMILARITY_THRESHOLD, Website, WebsiteError, company_domain, names_similar,
    normalise_company_name, parse_website, registrable_domain,
};
pub use country::{Country, CountryError};
pub use dedupe::{
    DEFAULT_PROTECTION_DAYS, MatchReason, ProspectIdentity, conflict_reason, identity_of,
    is_protected, protection_ends_at,
};
pub use email::{EmailAddress, EmailError};
pub use intake::{
    FieldErrors, FieldWarning, IntakeContext, IntakeMode, RawReferral, Urgency, UrgencyError,
    ValidReferral, validate_referral,
};
pub use money::{Currency, Money, MoneyError, percent_share, split_by_shares};
pub use phone::{PhoneError, normalise_phone};
pub use providers::{DomainClass, ProviderLists};
pub use title::{Seniority, SeniorityError, seniority_of};
