//! The SLA clock's jobs: a reminder to the rep before the deadline, and an escalation to the
//! rep's manager (or the admins) at it — each at most once per assignment round, however
//! often the job runs, because the mail is queued only with a conditional update of the
//! referral in the same transaction.

use futures_util::future::BoxFuture;

use super::{RouteContext, RouteReason, route};
use crate::db::audit::{self, AuditEntry};
use crate::db::jobs::Job;
use crate::db::referrals::{self, NewEvent, Status};
use crate::db::routing;
use crate::db::{AnyConnection, accounts, outbox, settings, write_tx};
use crate::jobs::{JobContext, JobError, JobHandler};
use crate::mail::messages;

/// Sends the reminder of one SLA round.
pub struct SlaReminder {
    /// Absolute URL of `/rep/referrals/`.
    pub rep_link_base: String,
}

/// Escalates one SLA round, and reassigns when the settings say so.
pub struct SlaEscalation {
    pub rep_link_base: String,
}

fn parse_payload(job: &Job) -> Result<(i64, i32), JobError> {
    let (id, round) = job
        .payload
        .split_once(':')
        .ok_or_else(|| JobError(format!("bad SLA payload {:?}", job.payload)))?;
    let id = id
        .parse()
        .map_err(|_| JobError(format!("bad referral id in {:?}", job.payload)))?;
    let round = round
        .parse()
        .map_err(|_| JobError(format!("bad round in {:?}", job.payload)))?;
    Ok((id, round))
}

fn internal_event(
    conn: &mut AnyConnection,
    referral_id: i64,
    note: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<()> {
    referrals::add_event(
        conn,
        &NewEvent {
            referral_id,
            actor_user_id: None,
            kind: "sla",
            from_status: None,
            to_status: None,
            note: Some(note),
            shared_with_partner: false,
        },
        now,
    )
}

fn audit_sla(
    conn: &mut AnyConnection,
    action: &str,
    referral_id: i64,
    round: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> diesel::QueryResult<()> {
    audit::record(
        conn,
        &AuditEntry {
            actor_user_id: None,
            action,
            object_type: "referral",
            object_id: Some(referral_id.to_string()),
            client_addr: None,
            detail: Some(format!("round {round}")),
        },
        now,
    )
}

fn remind(
    conn: &mut AnyConnection,
    id: i64,
    round: i32,
    link_base: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), JobError> {
    write_tx(conn, |conn| {
        let Some(referral) = referrals::find(conn, id)? else {
            return Ok(());
        };
        if referral.status != Status::Accepted.as_str() || !routing::mark_reminded(conn, id, round)?
        {
            return Ok(());
        }
        let Some(rep) = referral
            .assigned_rep_id
            .map(|r| accounts::user(conn, r))
            .transpose()?
        else {
            return Ok(());
        };
        let due = referral
            .first_contact_due_at
            .map(|d| crate::web::time::local(d, &rep.time_zone))
            .unwrap_or_default();
        let mail = messages::sla_reminder(
            &rep.email,
            &messages::SlaReminder {
                rep_name: rep.display_name.clone(),
                prospect_name: referral.prospect_name(),
                company: referral.company.clone(),
                due,
                link: format!("{link_base}{id}"),
            },
        )?;
        outbox::enqueue(conn, &mail, now)?;
        internal_event(
            conn,
            id,
            &format!("Reminder sent to {}", rep.display_name),
            now,
        )?;
        audit_sla(conn, "sla_reminder_sent", id, round, now)?;
        tracing::info!(referral.id = id, round, "SLA reminder queued");
        Ok::<_, crate::error::AppError>(())
    })
    .map_err(|e| JobError::from_error(&e))
}

fn escalate(
    conn: &mut AnyConnection,
    id: i64,
    round: i32,
    link_base: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), JobError> {
    write_tx(conn, |conn| {
        let Some(referral) = referrals::find(conn, id)? else {
            return Ok(());
        };
        if referral.status != Status::Accepted.as_str()
            || !routing::mark_escalated(conn, id, round)?
        {
            return Ok(());
        }
        let Some(rep_id) = referral.assigned_rep_id else {
            return Ok(());
        };
        let rep = accounts::user(conn, rep_id)?;
        let manager = routing::rep(conn, rep_id)?
            .and_then(|r| r.profile.manager_user_id)
            .map(|m| accounts::user(conn, m))
            .transpose()?
            .filter(|m| m.active);
        let recipients = match manager {
            Some(m) => vec![m.email],
            None => accounts::active_admin_emails(conn)?,
        };
        for to in recipients {
            let mail = messages::sla_escalation(
                &to,
                &messages::SlaEscalation {
                    rep_name: rep.display_name.clone(),
                    prospect_name: referral.prospect_name(),
                    company: referral.company.clone(),
                    link: format!(
                        "{}{id}",
                        link_base.replace("/rep/referrals/", "/admin/referrals/")
                    ),
                },
            )?;
            outbox::enqueue(conn, &mail, now)?;
        }
        internal_event(
            conn,
            id,
            &format!(
                "First-contact deadline missed by {}; escalated",
                rep.display_name
            ),
            now,
        )?;
        audit_sla(conn, "sla_escalated", id, round, now)?;
        tracing::info!(referral.id = id, round, "SLA breached and escalated");
        if settings::load_routing(conn)?.reassign_after_escalation {
            let ctx = RouteContext {
                actor_user_id: None,
                client_addr: "sla",
                now,
                rep_link_base: link_base,
            };
            route(
                conn,
                &referral,
                RouteReason::Reassigned { from_rep: rep_id },
                &ctx,
            )
            .map_err(crate::error::AppError::internal)?;
        }
        Ok::<_, crate::error::AppError>(())
    })
    .map_err(|e| JobError::from_error(&e))
}

impl JobHandler for SlaReminder {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a Job) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let (id, round) = parse_payload(job)?;
            let link = self.rep_link_base.clone();
            let now = ctx.clock.now();
            ctx.db(move |conn| remind(conn, id, round, &link, now))
                .await
        })
    }
}

impl JobHandler for SlaEscalation {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a Job) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let (id, round) = parse_payload(job)?;
            let link = self.rep_link_base.clone();
            let now = ctx.clock.now();
            ctx.db(move |conn| escalate(conn, id, round, &link, now))
                .await
        })
    }
}
