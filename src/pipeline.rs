//! The intake pipeline that both the referral form and the monthly upload use: validate and
//! enrich (domain rules), check protection (first to register wins), flag existing customers
//! and similar names, then save the referral, its first event, the audit entry and the
//! confirmation email in one transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::audit::{self, AuditEntry};
use crate::db::referrals::{self, Keys, NewEvent, NewReferral, Referral, Status};
use crate::db::{AnyConnection, accounts, conflicts, db_time, outbox, settings, write_tx};
use crate::domain::{
    self, Currency, FieldErrors, IntakeContext, IntakeMode, ProspectIdentity, ProviderLists,
    RawReferral, Score, ScoreInput, ScoringRules, ValidReferral, conflict_reason, identity_of,
    names_similar,
};
use crate::mail::{MailError, messages};

mod batch;
mod protect;

pub use batch::{
    BatchRow, BatchState, RowOutcome, RowResult, preview_chunk, publish_batch, submit_batch,
};

use std::collections::HashMap;

/// The monthly upload a referral comes with.
#[derive(Debug, Clone)]
pub struct UploadOrigin {
    pub upload_id: i64,
    /// `YYYY-MM`.
    pub reporting_month: String,
    /// Who uploaded the file: the actor of the batch's audit entries.
    pub uploaded_by: i64,
}

/// The person handing the referral over.
#[derive(Debug, Clone, Copy)]
pub struct Submitter {
    pub user_id: i64,
    pub organisation_id: i64,
}

/// Where and when the intake happens.
#[derive(Debug, Clone)]
pub struct IntakeEnv {
    pub now: DateTime<Utc>,
    /// Absolute URL of the partner's referral pages, e.g. `https://…/partner/referrals/`.
    pub referral_link_base: String,
    pub client_addr: String,
    /// Whether to email the submitter now (an upload sends one email for the whole batch).
    pub notify_submitter: bool,
}

/// What became of a submitted referral.
#[derive(Debug)]
pub enum Outcome {
    Created(Box<Referral>),
    /// An earlier open referral protects this prospect; the attempt is kept as a conflict.
    AlreadyReferred {
        conflict_id: i64,
    },
    Invalid(FieldErrors),
}

/// A failure that is not the partner's input.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("could not store the attempt: {0}")]
    Payload(#[from] serde_json::Error),
    #[error(transparent)]
    Assign(#[from] crate::assignment::AssignError),
    #[error(transparent)]
    Incentive(#[from] crate::incentives::IncentiveError),
}

/// The settings intake reads once per submission (or once per upload).
pub struct IntakeSettings {
    pub default_phone_country: String,
    pub currency: Currency,
    pub protection_days: i64,
    pub providers: ProviderLists,
    pub scoring: ScoringRules,
    /// Accept without an admin at or above this score.
    pub auto_accept_score: Option<i64>,
}

impl IntakeSettings {
    pub fn load(conn: &mut AnyConnection, organisation_id: i64) -> Result<Self, PipelineError> {
        let organisation = accounts::organisation(conn, organisation_id)?;
        let program = settings::load(conn)?;
        let (free, disposable) = crate::db::admin::provider_extras(conn)?;
        let providers = ProviderLists::default().with_extra(free, disposable);
        let routing = settings::load_routing(conn)?;
        Ok(Self {
            default_phone_country: organisation.default_phone_country,
            currency: Currency::parse(&program.currency).unwrap_or(Currency::EUR),
            protection_days: program.protection_days,
            providers,
            scoring: scoring_rules(&routing.scoring_rules),
            auto_accept_score: routing.auto_accept_score,
        })
    }

    /// The score a referral would get, for the form's guidance before submitting.
    pub fn preview_score(&self, raw: &RawReferral) -> Result<Score, FieldErrors> {
        let valid = domain::validate_referral(raw, IntakeMode::Form, &self.context())?;
        Ok(self.score(&valid, false))
    }

    fn score(&self, valid: &ValidReferral, existing_customer: bool) -> Score {
        let email_class = valid
            .email
            .as_ref()
            .map(|e| self.providers.classify(e.domain()));
        domain::score(
            &self.scoring,
            &ScoreInput::from_referral(valid, email_class, existing_customer),
        )
    }

    fn context(&self) -> IntakeContext<'_> {
        IntakeContext {
            default_phone_country: &self.default_phone_country,
            currency: self.currency,
            providers: &self.providers,
        }
    }
}

/// The stored scoring rules, or the defaults when none are stored (or they do not parse).
pub fn scoring_rules(stored: &str) -> ScoringRules {
    if stored.trim().is_empty() {
        return ScoringRules::default();
    }
    serde_json::from_str(stored).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "stored scoring rules do not parse; using the defaults");
        ScoringRules::default()
    })
}

/// Validates a referral, then checks and saves it. Dedupe runs inside the writing
/// transaction, so two submissions at once cannot both win.
pub fn submit(
    conn: &mut AnyConnection,
    submitter: Submitter,
    raw: &RawReferral,
    mode: IntakeMode,
    settings: &IntakeSettings,
    env: &IntakeEnv,
) -> Result<Outcome, PipelineError> {
    let valid = match domain::validate_referral(raw, mode, &settings.context()) {
        Ok(valid) => valid,
        Err(errors) => return Ok(Outcome::Invalid(errors)),
    };
    let identity = identity_of(&valid);
    write_tx(conn, |conn| {
        serialise_intake(conn)?;
        if let Some((earlier, reason)) = find_protecting(conn, &identity, submitter, env.now)? {
            let conflict_id =
                record_conflict(conn, submitter, raw, mode, &valid, earlier.id, reason, env)?;
            return Ok(Outcome::AlreadyReferred { conflict_id });
        }
        let referral = create(
            conn,
            submitter,
            &valid,
            &identity,
            settings,
            env,
            Source::Form,
        )?;
        Ok(Outcome::Created(Box::new(referral)))
    })
}

/// Keeps a blocked attempt as a conflict admins can review, with its audit entry.
#[expect(
    clippy::too_many_arguments,
    reason = "one call per intake path, each names them"
)]
fn record_conflict(
    conn: &mut AnyConnection,
    submitter: Submitter,
    raw: &RawReferral,
    mode: IntakeMode,
    valid: &ValidReferral,
    earlier_id: i64,
    reason: domain::MatchReason,
    env: &IntakeEnv,
) -> Result<i64, PipelineError> {
    let conflict_id = conflicts::insert(
        conn,
        &conflicts::NewConflict {
            organisation_id: submitter.organisation_id,
            submitted_by: submitter.user_id,
            matched_referral_id: earlier_id,
            reason: reason.as_str(),
            prospect_name: &format!("{} {}", valid.first_name, valid.last_name),
            prospect_email: valid.email.as_ref().map(|e| e.as_str()),
            prospect_phone: valid.phone_e164.as_deref(),
            company: &valid.company,
            company_domain: valid.company_domain.as_deref(),
            payload: &serde_json::to_string(&StoredAttempt {
                raw,
                mode: mode_name(mode),
            })?,
        },
        env.now,
    )?;
    audit::record(
        conn,
        &AuditEntry {
            actor_user_id: Some(submitter.user_id),
            action: "referral_duplicate_blocked",
            object_type: "conflict",
            object_id: Some(conflict_id.to_string()),
            client_addr: Some(&env.client_addr),
            detail: Some(format!("{} of referral {earlier_id}", reason.as_str())),
        },
        env.now,
    )?;
    tracing::info!(
        conflict.id = conflict_id,
        referral.id = earlier_id,
        "duplicate referral blocked"
    );
    Ok(conflict_id)
}

/// The submitted fields kept with a conflict, so an admin override can create the referral.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct StoredAttempt<R> {
    pub raw: R,
    pub mode: String,
}

fn mode_name(mode: IntakeMode) -> String {
    match mode {
        IntakeMode::Form => "form".into(),
        IntakeMode::Upload => "upload".into(),
    }
}

/// Re-validates a kept attempt and creates its referral without the protection check, with
/// the admin's reason on the timeline.
pub fn create_overridden(
    conn: &mut AnyConnection,
    submitter: Submitter,
    payload: &str,
    admin_reason: &str,
    env: &IntakeEnv,
) -> Result<Result<Referral, FieldErrors>, PipelineError> {
    let attempt: StoredAttempt<RawReferral> = serde_json::from_str(payload)?;
    let mode = if attempt.mode == "upload" {
        IntakeMode::Upload
    } else {
        IntakeMode::Form
    };
    let settings = IntakeSettings::load(conn, submitter.organisation_id)?;
    let valid = match domain::validate_referral(&attempt.raw, mode, &settings.context()) {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let identity = identity_of(&valid);
    let referral = create(
        conn,
        submitter,
        &valid,
        &identity,
        &settings,
        env,
        Source::Override(admin_reason),
    )?;
    Ok(Ok(referral))
}

/// On PostgreSQL, intake takes a transaction-scoped advisory lock so the check-then-insert
/// of two concurrent submissions cannot interleave; SQLite's `BEGIN IMMEDIATE` already
/// serialises writers.
fn serialise_intake(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7401)").execute(pg)?;
    }
    Ok(())
}

fn identity_of_stored(r: &Referral) -> ProspectIdentity {
    ProspectIdentity {
        email_key: r.email_key.clone(),
        phone_key: r.phone_key.clone(),
        name_key: r.name_key.clone(),
        company_domain: r.company_domain.clone(),
        company_normalised: r.company_normalised.clone(),
    }
}

fn find_protecting(
    conn: &mut AnyConnection,
    identity: &ProspectIdentity,
    submitter: Submitter,
    now: DateTime<Utc>,
) -> QueryResult<Option<(Referral, domain::MatchReason)>> {
    let keys = Keys {
        email_key: identity.email_key.clone(),
        phone_key: identity.phone_key.clone(),
        name_key: identity.name_key.clone(),
        company_domain: identity.company_domain.clone(),
    };
    let candidates = referrals::protecting(conn, &keys, submitter.organisation_id, now)?;
    Ok(candidates.into_iter().find_map(|earlier| {
        let reason = conflict_reason(
            identity,
            submitter.organisation_id,
            &identity_of_stored(&earlier),
            earlier.organisation_id,
        )?;
        Some((earlier, reason))
    }))
}

/// Accepts a referral whose score reached the auto-accept threshold, and routes it; returns
/// whether it did. The caller re-evaluates the partner's tier (once per upload chunk).
fn auto_accept(
    conn: &mut AnyConnection,
    referral: &Referral,
    score: u8,
    env: &IntakeEnv,
) -> Result<bool, PipelineError> {
    if !referrals::transition(
        conn,
        referral.id,
        Status::Submitted,
        Status::Accepted,
        env.now,
    )? {
        return Ok(false);
    }
    referrals::add_event(
        conn,
        &NewEvent {
            referral_id: referral.id,
            actor_user_id: None,
            kind: "status_changed",
            from_status: Some(Status::Submitted.as_str()),
            to_status: Some(Status::Accepted.as_str()),
            note: Some(&format!(
                "Accepted automatically with a fit score of {score}."
            )),
            shared_with_partner: true,
        },
        env.now,
    )?;
    if let Some(accepted) = referrals::find(conn, referral.id)? {
        let rep_link_base = env
            .referral_link_base
            .replace("/partner/referrals/", "/rep/referrals/");
        let ctx = crate::assignment::RouteContext {
            actor_user_id: None,
            client_addr: &env.client_addr,
            now: env.now,
            rep_link_base: &rep_link_base,
        };
        crate::assignment::route(
            conn,
            &accepted,
            crate::assignment::RouteReason::Accepted,
            &ctx,
        )?;
    }
    Ok(true)
}

/// The first word of a normalised company name: the index range the similarity check scans.
fn similarity_prefix(normalised: &str) -> &str {
    normalised.split_whitespace().next().unwrap_or(normalised)
}

/// Flags for the admin: an existing customer (same domain), and a possible duplicate (a
/// similar company name under a different domain, at a customer or another partner's open
/// referral). Returns (existing customer, possible-duplicate note).
fn company_flags(
    conn: &mut AnyConnection,
    valid: &ValidReferral,
    organisation_id: i64,
    now: DateTime<Utc>,
    mut cache: Option<&mut SimilarNames>,
) -> QueryResult<(bool, Option<String>)> {
    let existing = match (&valid.company_domain, &cache) {
        (Some(domain), Some(cache)) => cache.customer_domains.contains(domain),
        (Some(domain), None) => referrals::customer_by_domain(conn, domain)?.is_some(),
        (None, _) => false,
    };
    let prefix = similarity_prefix(&valid.company_normalised);
    if existing || prefix.is_empty() {
        return Ok((existing, None));
    }
    let differs = |domain: &Option<String>| domain != &valid.company_domain;
    let customers = match cache.as_deref_mut() {
        Some(cache) => match cache.customers.get(prefix) {
            Some(found) => found.clone(),
            None => {
                let found = referrals::customers_with_name_prefix(conn, prefix, 50)?;
                cache.customers.insert(prefix.to_owned(), found.clone());
                found
            }
        },
        None => referrals::customers_with_name_prefix(conn, prefix, 50)?,
    };
    for customer in customers {
        if differs(&customer.domain)
            && names_similar(&valid.company_normalised, &customer.name_normalised)
        {
            let domain = customer.domain.unwrap_or_default();
            return Ok((
                false,
                Some(format!(
                    "Possible duplicate: similar name to existing customer {} ({domain})",
                    customer.name
                )),
            ));
        }
    }
    let candidates = match cache {
        Some(cache) => match cache.open.get(prefix) {
            Some(found) => found.clone(),
            None => {
                let found =
                    referrals::open_with_company_prefix(conn, prefix, organisation_id, now, 50)?;
                cache.open.insert(prefix.to_owned(), found.clone());
                found
            }
        },
        None => referrals::open_with_company_prefix(conn, prefix, organisation_id, now, 50)?,
    };
    for (id, name, domain) in candidates {
        if differs(&domain) && names_similar(&valid.company_normalised, &name) {
            return Ok((
                false,
                Some(format!(
                    "Possible duplicate: similar company name to another partner's referral #{id}"
                )),
            ));
        }
    }
    Ok((false, None))
}

fn warnings_text(valid: &ValidReferral) -> String {
    valid
        .warnings
        .iter()
        .map(|w| format!("{}: {} (was {:?})", w.field, w.message, w.raw_value))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the company flags of one upload chunk read, kept for that chunk's transaction: the
/// chunk's existing-customer domains, customers and other partners' open referrals by the
/// first word of their name. They cannot change while the transaction holds the intake lock,
/// and the upload's own rows (its own organisation) are never candidates, so a file of many
/// companies starting with the same word does not scan its own earlier rows for every row.
#[derive(Debug, Default)]
pub struct SimilarNames {
    customer_domains: std::collections::HashSet<String>,
    customers: HashMap<String, Vec<referrals::ExistingCustomer>>,
    open: HashMap<String, Vec<(i64, String, Option<String>)>>,
}

impl SimilarNames {
    /// A cache for one chunk whose existing-customer domains are `customer_domains`.
    pub fn new(customer_domains: std::collections::HashSet<String>) -> Self {
        Self {
            customer_domains,
            ..Self::default()
        }
    }
}

/// Where a referral being created comes from.
enum Source<'a> {
    Form,
    /// An admin override of a conflict, with the admin's reason.
    Override(&'a str),
}

/// The referral row intake stores for a validated submission.
pub(crate) struct Prepared {
    pub new: NewReferral,
    pub score: Score,
    /// Internal flag notes for the timeline (admins and reps only).
    pub notes: Vec<String>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the form, the override and the upload each name them"
)]
fn prepare(
    conn: &mut AnyConnection,
    submitter: Submitter,
    valid: &ValidReferral,
    identity: &ProspectIdentity,
    settings: &IntakeSettings,
    now: DateTime<Utc>,
    override_reason: Option<&str>,
    origin: Option<&UploadOrigin>,
    cache: Option<&mut SimilarNames>,
) -> QueryResult<Prepared> {
    let (existing_customer, similar) =
        company_flags(conn, valid, submitter.organisation_id, now, cache)?;
    let score = settings.score(valid, existing_customer);
    let created = db_time(now);
    let new = NewReferral {
        organisation_id: submitter.organisation_id,
        submitted_by: submitter.user_id,
        status: Status::Submitted.as_str().into(),
        first_name: valid.first_name.clone(),
        last_name: valid.last_name.clone(),
        email: valid.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: valid.phone_e164.clone(),
        title: valid.title.clone(),
        seniority: valid.seniority.as_str().into(),
        company: valid.company.clone(),
        company_normalised: valid.company_normalised.clone(),
        website: valid.website.clone(),
        company_domain: valid.company_domain.clone(),
        country: valid.country.map(|c| c.code().to_owned()),
        relationship: valid.relationship.clone(),
        strength: valid.strength,
        pain: valid.pain.clone(),
        urgency: valid.urgency.map(|u| u.as_str().to_owned()),
        deal_size_minor: valid.deal_size.map(|m| m.minor),
        currency: settings.currency.code().to_owned(),
        email_key: identity.email_key.clone(),
        phone_key: identity.phone_key.clone(),
        name_key: identity.name_key.clone(),
        possible_duplicate: similar.is_some(),
        existing_customer,
        protected_until: Some(db_time(domain::protection_ends_at(
            now,
            settings.protection_days,
        ))),
        warnings: warnings_text(valid),
        created_at: created,
        updated_at: created,
        upload_id: origin.map(|o| o.upload_id),
        reporting_month: origin.map(|o| o.reporting_month.clone()),
    };
    let notes = [
        override_reason.map(|r| format!("Created by an admin despite an earlier referral: {r}")),
        existing_customer
            .then(|| "Existing customer: the company domain belongs to a customer".into()),
        similar,
    ]
    .into_iter()
    .flatten()
    .collect();
    Ok(Prepared { new, score, notes })
}

fn create(
    conn: &mut AnyConnection,
    submitter: Submitter,
    valid: &ValidReferral,
    identity: &ProspectIdentity,
    settings: &IntakeSettings,
    env: &IntakeEnv,
    source: Source,
) -> Result<Referral, PipelineError> {
    let override_reason = match source {
        Source::Form => None,
        Source::Override(reason) => Some(reason),
    };
    let Prepared { new, score, notes } = prepare(
        conn,
        submitter,
        valid,
        identity,
        settings,
        env.now,
        override_reason,
        None,
        None,
    )?;
    let referral = referrals::insert(conn, &new)?;
    let reasons: Vec<String> = score.reasons.iter().map(ToString::to_string).collect();
    referrals::set_score(
        conn,
        referral.id,
        i32::from(score.value),
        &reasons.join("\n"),
    )?;
    referrals::add_event(
        conn,
        &NewEvent {
            referral_id: referral.id,
            actor_user_id: Some(submitter.user_id),
            kind: "submitted",
            from_status: None,
            to_status: Some(Status::Submitted.as_str()),
            note: None,
            shared_with_partner: true,
        },
        env.now,
    )?;
    for note in notes {
        referrals::add_event(
            conn,
            &NewEvent {
                referral_id: referral.id,
                actor_user_id: None,
                kind: "flag",
                from_status: None,
                to_status: None,
                note: Some(&note),
                shared_with_partner: false,
            },
            env.now,
        )?;
    }
    if env.notify_submitter {
        let submitter_user = accounts::user(conn, submitter.user_id)?;
        let mail = messages::referral_received(
            &submitter_user.email,
            &messages::ReferralReceived {
                submitter_name: submitter_user.display_name,
                prospect_name: referral.prospect_name(),
                company: referral.company.clone(),
                link: format!("{}{}", env.referral_link_base, referral.id),
            },
        )?;
        outbox::enqueue(conn, &mail, env.now)?;
    }
    audit::record(
        conn,
        &AuditEntry {
            actor_user_id: Some(submitter.user_id),
            action: "referral_submitted",
            object_type: "referral",
            object_id: Some(referral.id.to_string()),
            client_addr: Some(&env.client_addr),
            detail: override_reason.map(|r| format!("override: {r}")),
        },
        env.now,
    )?;
    tracing::info!(
        referral.id = referral.id,
        partner.id = submitter.organisation_id,
        "referral submitted"
    );
    if settings
        .auto_accept_score
        .is_some_and(|threshold| i64::from(score.value) >= threshold)
        && auto_accept(conn, &referral, score.value, env)?
    {
        // An accepted referral counts towards tiers at once.
        crate::incentives::tiers::reevaluate(conn, referral.organisation_id, env.now)?;
    }
    Ok(referrals::find(conn, referral.id)?.unwrap_or(referral))
}
