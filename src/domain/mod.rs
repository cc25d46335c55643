//! Pure business rules: no I/O, no HTTP, no SQL.
//!
//! Everything here is deterministic: the current time is always passed in.

pub mod company;
pub mod country;
pub mod dedupe;
pub mod email;
pub mod intake;
pub mod money;
pub mod payouts;
pub mod periods;
pub mod phone;
pub mod providers;
pub mod rewards;
pub mod routing;
pub mod scoring;
pub mod sla;
pub mod text;
pub mod tiers;
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
pub use periods::{PeriodError, ProgramMonth, ProgramQuarter};
pub use phone::{PhoneError, normalise_phone};
pub use providers::{DomainClass, ProviderLists};
pub use rewards::{
    ClawbackError, Commission, LineStatus, LineStatusError, RewardEvent, RewardKind, RewardRule,
    RewardRuleError, StatementError, approvable_at, can_move, clawback, commission,
    further_clawback, is_past_holding, reward_for, split_reward, statement_breakdown,
    statement_total,
};
pub use routing::{
    PoolId, Region, RegionError, RepAvailability, RoutingRule, RoutingRuleError, choose_pool,
    next_rep,
};
pub use scoring::{Score, ScoreInput, ScoreReason, ScoringRules, ScoringRulesError, score};
pub use sla::{
    CalendarError, SlaPolicy, SlaPolicyError, SlaSchedule, WorkingCalendar, add_business_time,
    business_time_between, sla_schedule,
};
pub use tiers::{
    DemotionPolicy, Progress, Tier, TierDecision, TierLadder, TierLadderError, TierStanding,
    evaluate, progress_to_next, tier_for, trailing_window,
};
pub use title::{Seniority, SeniorityError, seniority_of};
