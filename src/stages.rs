//! A rep works a referral through the pipeline: first contact (which stops the SLA clock and
//! makes protection last until the referral closes), meeting booked, opportunity, won or
//! lost, and notes. Each step is a conditional update with its event, audit entry and the
//! partner's email, in one transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::audit::{self, AuditEntry};
use crate::db::referrals::{self, NewEvent, Referral, Status};
use crate::db::schema::referrals as referrals_table;
use crate::db::{AnyConnection, accounts, db_time, outbox, write_tx};
use crate::domain::{Currency, Money, normalise_company_name};
use crate::mail::{MailError, messages};

/// A step the rep takes.
#[derive(Debug, Clone)]
pub enum Step {
    FirstContact { channel: String, at: DateTime<Utc> },
    MeetingBooked,
    Opportunity { expected_value: Money },
    Won { deal_value: Money },
    Lost { reason: String },
}

impl Step {
    fn target(&self) -> Status {
        match self {
            Self::FirstContact { .. } => Status::Contacted,
            Self::MeetingBooked => Status::MeetingBooked,
            Self::Opportunity { .. } => Status::Opportunity,
            Self::Won { .. } => Status::Won,
            Self::Lost { .. } => Status::Lost,
        }
    }

    /// The statuses this step may follow.
    fn allowed_from(&self) -> &'static [Status] {
        match self {
            Self::FirstContact { .. } => &[Status::Accepted],
            Self::MeetingBooked => &[Status::Contacted],
            Self::Opportunity { .. } => &[Status::Contacted, Status::MeetingBooked],
            Self::Won { .. } => &[Status::Opportunity],
            Self::Lost { .. } => &[
                Status::Accepted,
                Status::Contacted,
                Status::MeetingBooked,
                Status::Opportunity,
            ],
        }
    }
}

/// The next steps a referral in `status` offers.
pub fn next_steps(status: &str) -> Vec<Status> {
    match Status::parse(status) {
        Some(Status::Accepted) => vec![Status::Contacted, Status::Lost],
        Some(Status::Contacted) => vec![Status::MeetingBooked, Status::Opportunity, Status::Lost],
        Some(Status::MeetingBooked) => vec![Status::Opportunity, Status::Lost],
        Some(Status::Opportunity) => vec![Status::Won, Status::Lost],
        _ => Vec::new(),
    }
}

/// Who acts, and the note they add.
pub struct StepContext<'a> {
    pub rep_user_id: i64,
    pub client_addr: &'a str,
    pub now: DateTime<Utc>,
    pub note: Option<&'a str>,
    /// Whether the partner sees the note.
    pub share_note: bool,
    /// Absolute URL of `/partner/referrals/`.
    pub partner_link_base: &'a str,
}

#[derive(Debug, PartialEq, Eq)]
pub enum StepOutcome {
    Done(Status),
    /// The referral is not (or no longer) where this step applies.
    NotApplicable,
}

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Incentive(#[from] crate::incentives::IncentiveError),
}

/// "3 h 12 m" — elapsed wall-clock time, for people.
pub fn human_duration(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    match (minutes / (24 * 60), (minutes / 60) % 24, minutes % 60) {
        (0, 0, m) => format!("{m} m"),
        (0, h, m) => format!("{h} h {m} m"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

fn apply(
    conn: &mut AnyConnection,
    referral: &Referral,
    step: &Step,
    from: Status,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let target = referrals_table::table
        .find(referral.id)
        .filter(referrals_table::status.eq(from.as_str()))
        .filter(referrals_table::upload_pending.eq(false));
    let to = step.target().as_str();
    let now_db = db_time(now);
    let changed = match step {
        Step::FirstContact { channel, at } => {
            diesel::update(target.filter(referrals_table::first_contacted_at.is_null()))
                .set((
                    referrals_table::status.eq(to),
                    referrals_table::first_contacted_at.eq(db_time(*at)),
                    referrals_table::first_contact_channel.eq(channel),
                    // Contact made: protection now lasts until the referral closes.
                    referrals_table::protected_until.eq(None::<chrono::NaiveDateTime>),
                    referrals_table::updated_at.eq(now_db),
                ))
                .execute(conn)?
        }
        Step::Opportunity { expected_value } => diesel::update(target)
            .set((
                referrals_table::status.eq(to),
                referrals_table::expected_value_minor.eq(expected_value.minor),
                referrals_table::updated_at.eq(now_db),
            ))
            .execute(conn)?,
        Step::Won { deal_value } => diesel::update(target)
            .set((
                referrals_table::status.eq(to),
                referrals_table::deal_value_minor.eq(deal_value.minor),
                referrals_table::won_at.eq(now_db),
                referrals_table::updated_at.eq(now_db),
            ))
            .execute(conn)?,
        Step::Lost { reason } => diesel::update(target)
            .set((
                referrals_table::status.eq(to),
                referrals_table::lost_reason.eq(reason),
                referrals_table::updated_at.eq(now_db),
            ))
            .execute(conn)?,
        Step::MeetingBooked => diesel::update(target)
            .set((
                referrals_table::status.eq(to),
                referrals_table::meeting_booked_at.eq(now_db),
                referrals_table::updated_at.eq(now_db),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

fn detail_for_partner(referral: &Referral, step: &Step) -> Option<String> {
    match step {
        Step::FirstContact { at, .. } => referral.routed_at.map(|routed| {
            format!(
                "First contact {} after the referral was assigned.",
                human_duration(at.naive_utc() - routed)
            )
        }),
        Step::Won { deal_value } => Some(format!("Deal value: {}", deal_value.format())),
        Step::Lost { reason } => Some(format!("Reason: {reason}")),
        _ => None,
    }
}

/// Takes a step on a referral assigned to the acting rep.
pub fn take_step(
    conn: &mut AnyConnection,
    referral_id: i64,
    step: &Step,
    ctx: &StepContext,
) -> Result<StepOutcome, StepError> {
    let note = ctx.note.map(str::trim).filter(|n| !n.is_empty());
    write_tx(conn, |conn| {
        let Some(referral) = crate::db::routing::find_for_rep(conn, referral_id, ctx.rep_user_id)?
        else {
            return Ok(StepOutcome::NotApplicable);
        };
        let Some(from) =
            Status::parse(&referral.status).filter(|s| step.allowed_from().contains(s))
        else {
            return Ok(StepOutcome::NotApplicable);
        };
        if !apply(conn, &referral, step, from, ctx.now)? {
            return Ok(StepOutcome::NotApplicable);
        }
        let to = step.target();
        referrals::add_event(
            conn,
            &NewEvent {
                referral_id,
                actor_user_id: Some(ctx.rep_user_id),
                kind: "status_changed",
                from_status: Some(from.as_str()),
                to_status: Some(to.as_str()),
                note,
                shared_with_partner: ctx.share_note,
            },
            ctx.now,
        )?;
        if let Step::Won { .. } = step {
            become_customer(conn, &referral, ctx.now)?;
        }
        book_rewards(conn, &referral, step, ctx)?;
        let submitter = accounts::user(conn, referral.submitted_by)?;
        let mail = messages::referral_stage(
            &submitter.email,
            &messages::ReferralStage {
                submitter_name: submitter.display_name,
                prospect_name: referral.prospect_name(),
                company: referral.company.clone(),
                stage: to.label().to_lowercase(),
                detail: detail_for_partner(&referral, step),
                note: note.filter(|_| ctx.share_note).map(str::to_owned),
                link: format!("{}{}", ctx.partner_link_base, referral_id),
            },
        )?;
        outbox::enqueue(conn, &mail, ctx.now)?;
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(ctx.rep_user_id),
                action: "referral_stage_changed",
                object_type: "referral",
                object_id: Some(referral_id.to_string()),
                client_addr: Some(ctx.client_addr),
                detail: Some(format!("{} -> {}", from.as_str(), to.as_str())),
            },
            ctx.now,
        )?;
        tracing::info!(
            referral.id = referral_id,
            status = to.as_str(),
            "referral moved on"
        );
        Ok(StepOutcome::Done(to))
    })
}

/// Books what the step earns in the rewards ledger (in the step's transaction); a win also
/// counts towards the partner's tier.
fn book_rewards(
    conn: &mut AnyConnection,
    referral: &Referral,
    step: &Step,
    ctx: &StepContext,
) -> Result<(), StepError> {
    use crate::domain::RewardEvent;
    use crate::incentives::{ledger, tiers};
    // The partner's rewards page sits next to its referrals: `…/partner/rewards`.
    let rewards_link = format!(
        "{}rewards",
        ctx.partner_link_base.trim_end_matches("referrals/")
    );
    let (event, deal_value) = match step {
        Step::MeetingBooked => (RewardEvent::MeetingBooked, None),
        Step::Won { deal_value } => (RewardEvent::Won, Some(*deal_value)),
        _ => return Ok(()),
    };
    let actor = Some(ctx.rep_user_id);
    ledger::book_event(
        conn,
        referral,
        event,
        deal_value,
        actor,
        ctx.now,
        &rewards_link,
    )?;
    if event == RewardEvent::Won {
        tiers::reevaluate(conn, referral.organisation_id, ctx.now)?;
    }
    Ok(())
}

/// A won referral's company becomes an existing customer (once per domain or name).
fn become_customer(
    conn: &mut AnyConnection,
    referral: &Referral,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let known = match &referral.company_domain {
        Some(domain) => referrals::customer_by_domain(conn, domain)?.is_some(),
        None => false,
    };
    if !known {
        referrals::insert_customer(
            conn,
            &referral.company,
            &normalise_company_name(&referral.company),
            referral.company_domain.as_deref(),
            now,
        )?;
    }
    Ok(())
}

/// Adds a note to the timeline of a referral assigned to the acting rep.
pub fn add_note(
    conn: &mut AnyConnection,
    referral_id: i64,
    ctx: &StepContext,
) -> Result<bool, StepError> {
    let Some(note) = ctx.note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(false);
    };
    write_tx(conn, |conn| {
        if crate::db::routing::find_for_rep(conn, referral_id, ctx.rep_user_id)?.is_none() {
            return Ok(false);
        }
        referrals::add_event(
            conn,
            &NewEvent {
                referral_id,
                actor_user_id: Some(ctx.rep_user_id),
                kind: "note",
                from_status: None,
                to_status: None,
                note: Some(note),
                shared_with_partner: ctx.share_note,
            },
            ctx.now,
        )?;
        Ok(true)
    })
}

/// Longest note a rep can add, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Longest reason for a lost deal, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// Largest deal or expected value, in major units: far above any real deal, far below
/// where sums in reports and tiers could overflow.
const MAX_AMOUNT_MAJOR: i64 = 100_000_000_000;

/// The largest amount the portal accepts in `currency`, in minor units.
pub fn max_amount_minor(currency: Currency) -> i64 {
    10_i64
        .pow(currency.exponent())
        .saturating_mul(MAX_AMOUNT_MAJOR)
}

/// Parses a positive money field in the program currency.
pub fn parse_amount(raw: &str, currency: &str) -> Result<Money, String> {
    let currency = Currency::parse(currency).map_err(|e| e.to_string())?;
    let amount = Money::parse_major(raw, currency).map_err(|e| e.to_string())?;
    let limit = max_amount_minor(currency);
    if amount.minor <= 0 {
        return Err("it must be more than zero".into());
    }
    if amount.minor > limit {
        return Err("that is more than the portal accepts".into());
    }
    Ok(amount)
}
