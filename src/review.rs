//! Admin decisions on referrals and conflicts. Each decision is a conditional update in a
//! transaction, together with its timeline event, audit entry and email, so a double click
//! or two admins at once decide once.

use chrono::{DateTime, Utc};

use crate::assignment::{self, RouteContext, RouteReason};
use crate::db::audit::{self, AuditEntry};
use crate::db::referrals::{self, NewEvent, Status};
use crate::db::{AnyConnection, accounts, conflicts, outbox, write_tx};
use crate::domain::FieldErrors;
use crate::mail::{MailError, messages};
use crate::pipeline::{self, IntakeEnv, Submitter};

/// What an admin can decide about a submitted referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
    MarkDuplicate,
}

impl Decision {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "accept" => Some(Self::Accept),
            "reject" => Some(Self::Reject),
            "duplicate" => Some(Self::MarkDuplicate),
            _ => None,
        }
    }

    pub fn target(self) -> Status {
        match self {
            Self::Accept => Status::Accepted,
            Self::Reject => Status::Rejected,
            Self::MarkDuplicate => Status::Duplicate,
        }
    }

    /// Statuses a referral may leave for this decision.
    fn allowed_from(self) -> &'static [Status] {
        match self {
            Self::Accept => &[Status::Submitted],
            Self::Reject | Self::MarkDuplicate => &[Status::Submitted, Status::Accepted],
        }
    }

    /// Whether the admin must say why.
    pub fn needs_note(self) -> bool {
        matches!(self, Self::Reject | Self::MarkDuplicate)
    }
}

/// Who decides, from where, when.
pub struct Actor<'a> {
    pub user_id: i64,
    pub client_addr: &'a str,
    pub now: DateTime<Utc>,
    /// Absolute URL of `/partner/referrals/`, for the submitter's email.
    pub partner_link_base: &'a str,
    /// Absolute URL of `/rep/referrals/`, for the rep's assignment email.
    pub rep_link_base: &'a str,
}

/// The result of a decision.
#[derive(Debug, PartialEq, Eq)]
pub enum DecisionOutcome {
    Done(Status),
    /// The referral was not in a status this decision applies to (decided meanwhile).
    NotApplicable,
    NoteRequired,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Pipeline(#[from] pipeline::PipelineError),
    #[error(transparent)]
    Assign(#[from] assignment::AssignError),
    #[error(transparent)]
    Incentive(#[from] crate::incentives::IncentiveError),
}

/// Applies a decision, emails the submitter with the note, and records it.
/// `shown` is the status the admin saw when deciding; if the referral moved on meanwhile
/// (another admin decided), nothing changes.
pub fn decide(
    conn: &mut AnyConnection,
    referral_id: i64,
    decision: Decision,
    note: Option<&str>,
    shown: Option<Status>,
    actor: &Actor,
) -> Result<Option<DecisionOutcome>, ReviewError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if decision.needs_note() && note.is_none() {
        return Ok(Some(DecisionOutcome::NoteRequired));
    }
    write_tx(conn, |conn| {
        let Some(referral) = referrals::find(conn, referral_id)? else {
            return Ok(None);
        };
        let Some(from) = Status::parse(&referral.status)
            .filter(|s| decision.allowed_from().contains(s))
            .filter(|s| shown.is_none_or(|seen| seen == *s))
        else {
            return Ok(Some(DecisionOutcome::NotApplicable));
        };
        let to = decision.target();
        if !referrals::transition(conn, referral.id, from, to, actor.now)? {
            return Ok(Some(DecisionOutcome::NotApplicable));
        }
        referrals::add_event(
            conn,
            &NewEvent {
                referral_id: referral.id,
                actor_user_id: Some(actor.user_id),
                kind: "status_changed",
                from_status: Some(from.as_str()),
                to_status: Some(to.as_str()),
                note,
                shared_with_partner: true,
            },
            actor.now,
        )?;
        let submitter = accounts::user(conn, referral.submitted_by)?;
        let mail = messages::referral_decision(
            &submitter.email,
            &messages::ReferralDecision {
                submitter_name: submitter.display_name,
                prospect_name: referral.prospect_name(),
                company: referral.company.clone(),
                decision: to.label().to_lowercase(),
                note: note.map(str::to_owned),
                link: format!("{}{}", actor.partner_link_base, referral.id),
            },
        )?;
        outbox::enqueue(conn, &mail, actor.now)?;
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: "referral_decided",
                object_type: "referral",
                object_id: Some(referral.id.to_string()),
                client_addr: Some(actor.client_addr),
                detail: Some(format!("{} -> {}", from.as_str(), to.as_str())),
            },
            actor.now,
        )?;
        // Acceptance and rejection change the qualified referrals that tiers count.
        crate::incentives::tiers::reevaluate(conn, referral.organisation_id, actor.now)?;
        if to == Status::Accepted
            && let Some(accepted) = referrals::find(conn, referral.id)?
        {
            let ctx = RouteContext {
                actor_user_id: Some(actor.user_id),
                client_addr: actor.client_addr,
                now: actor.now,
                rep_link_base: actor.rep_link_base,
            };
            assignment::route(conn, &accepted, RouteReason::Accepted, &ctx)?;
        }
        tracing::info!(
            referral.id = referral.id,
            status = to.as_str(),
            "referral decided"
        );
        Ok(Some(DecisionOutcome::Done(to)))
    })
}

/// The result of resolving a conflict.
#[derive(Debug)]
pub enum ConflictOutcome {
    Overridden {
        referral_id: i64,
    },
    Dismissed,
    AlreadyResolved,
    ReasonRequired,
    /// The kept attempt no longer passes validation (settings changed since).
    Invalid(FieldErrors),
}

/// Creates the referral a conflict blocked, with the admin's reason, or dismisses the
/// conflict. Either happens once.
pub fn resolve_conflict(
    conn: &mut AnyConnection,
    conflict_id: i64,
    create_referral: bool,
    reason: &str,
    actor: &Actor,
) -> Result<Option<ConflictOutcome>, ReviewError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Ok(Some(ConflictOutcome::ReasonRequired));
    }
    write_tx(conn, |conn| {
        let Some(conflict) = conflicts::find(conn, conflict_id)? else {
            return Ok(None);
        };
        if conflict.status != conflicts::OPEN {
            return Ok(Some(ConflictOutcome::AlreadyResolved));
        }
        let created = if create_referral {
            let env = IntakeEnv {
                now: actor.now,
                referral_link_base: actor.partner_link_base.to_owned(),
                client_addr: actor.client_addr.to_owned(),
                notify_submitter: true,
            };
            let submitter = Submitter {
                user_id: conflict.submitted_by,
                organisation_id: conflict.organisation_id,
            };
            match pipeline::create_overridden(conn, submitter, &conflict.payload, reason, &env)? {
                Ok(referral) => Some(referral.id),
                Err(errors) => return Ok(Some(ConflictOutcome::Invalid(errors))),
            }
        } else {
            None
        };
        let status = if create_referral {
            conflicts::OVERRIDDEN
        } else {
            conflicts::DISMISSED
        };
        if !conflicts::resolve(
            conn,
            conflict.id,
            status,
            actor.user_id,
            reason,
            created,
            actor.now,
        )? {
            return Ok(Some(ConflictOutcome::AlreadyResolved));
        }
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(actor.user_id),
                action: if create_referral {
                    "conflict_overridden"
                } else {
                    "conflict_dismissed"
                },
                object_type: "conflict",
                object_id: Some(conflict.id.to_string()),
                client_addr: Some(actor.client_addr),
                detail: Some(reason.to_owned()),
            },
            actor.now,
        )?;
        Ok(Some(match created {
            Some(referral_id) => ConflictOutcome::Overridden { referral_id },
            None => ConflictOutcome::Dismissed,
        }))
    })
}
