//! Routing accepted referrals to reps and holding them to the first-contact SLA: pick the
//! pool by the rules, the rep round-robin, compute the deadline in the rep's business hours,
//! and schedule the reminder and escalation jobs — all in the caller's transaction.

pub mod jobs;

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::audit::{self, AuditEntry};
use crate::db::referrals::{self, NewEvent, Referral};
use crate::db::routing::{self, AssignmentUpdate, Rep};
use crate::db::settings::{self, RoutingSettings};
use crate::db::{AnyConnection, accounts, jobs as job_queue, outbox};
use crate::domain::{
    PoolId, Region, RepAvailability, RoutingRule, SlaPolicy, WorkingCalendar, choose_pool,
    next_rep, sla_schedule,
};
use crate::mail::{MailError, messages};

/// Job kinds of the SLA clock.
pub const SLA_REMINDER: &str = "sla_reminder";
pub const SLA_ESCALATION: &str = "sla_escalation";

/// Why a referral is being routed.
#[derive(Debug, Clone, Copy)]
pub enum RouteReason {
    /// Newly accepted: pick a pool and a rep.
    Accepted,
    /// After an escalation: the next rep of the pool, never the current one.
    Reassigned { from_rep: i64 },
    /// An admin chose the rep.
    Manual { rep_id: i64 },
}

/// Who triggers routing, from where.
pub struct RouteContext<'a> {
    pub actor_user_id: Option<i64>,
    pub client_addr: &'a str,
    pub now: DateTime<Utc>,
    /// Absolute URL of `/rep/referrals/`, for the rep's email.
    pub rep_link_base: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// A rep's working calendar. A profile that does not parse (hand-edited data) falls back to
/// the default hours in the rep's zone, then in UTC, so a typo never stops routing.
pub fn calendar_of(rep: &Rep) -> Option<WorkingCalendar> {
    let zone = &rep.user.time_zone;
    WorkingCalendar::parse(zone, &rep.profile.calendar, &rep.profile.holidays)
        .or_else(|_| WorkingCalendar::parse(zone, routing::DEFAULT_HOURS, ""))
        .or_else(|_| WorkingCalendar::parse("UTC", routing::DEFAULT_HOURS, ""))
        .ok()
}

/// The SLA policy from settings, or the defaults when the stored values are inconsistent.
pub fn policy_of(s: &RoutingSettings) -> SlaPolicy {
    SlaPolicy::from_minutes(s.first_contact_minutes, s.remind_before_minutes).unwrap_or_default()
}

fn availability(rep: &Rep) -> RepAvailability {
    RepAvailability {
        rep_id: rep.user.id,
        active: rep.active(),
        out_of_office_until: rep
            .profile
            .out_of_office_until
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        zone: rep.user.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC),
    }
}

fn domain_rules(conn: &mut AnyConnection) -> diesel::QueryResult<Vec<RoutingRule>> {
    let split = |raw: &str| -> Vec<String> {
        raw.split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(routing::rules(conn)?
        .into_iter()
        .map(|r| RoutingRule {
            pool: PoolId(r.pool_id),
            countries: split(&r.countries)
                .into_iter()
                .map(|c| c.to_uppercase())
                .collect(),
            regions: split(&r.regions)
                .iter()
                .filter_map(|g| g.parse::<Region>().ok())
                .collect(),
            min_score: r.min_score.and_then(|s| u8::try_from(s).ok()),
            max_score: r.max_score.and_then(|s| u8::try_from(s).ok()),
        })
        .collect())
}

/// The next available rep of `pool_id` (not `exclude`), and the pool's previous pointer.
fn pick_in_pool(
    conn: &mut AnyConnection,
    pool_id: i64,
    exclude: Option<i64>,
    now: DateTime<Utc>,
) -> diesel::QueryResult<Option<(Rep, Option<i64>)>> {
    let Some(pool) = routing::pool(conn, pool_id)? else {
        return Ok(None);
    };
    let member_ids = routing::pool_members(conn, pool_id)?;
    let mut reps = routing::reps_by_ids(conn, &member_ids)?;
    reps.sort_by_key(|r| member_ids.iter().position(|id| *id == r.user.id));
    let members: Vec<RepAvailability> = reps
        .iter()
        .map(|r| {
            let mut a = availability(r);
            if Some(r.user.id) == exclude {
                a.active = false;
            }
            a
        })
        .collect();
    let Some(rep_id) = next_rep(&members, pool.last_assigned_rep, now) else {
        return Ok(None);
    };
    Ok(reps
        .into_iter()
        .find(|r| r.user.id == rep_id)
        .map(|r| (r, pool.last_assigned_rep)))
}

/// Routes a referral and starts a new SLA round. Returns the rep, or `None` when nobody is
/// available (the referral stays unassigned and the timeline says so).
pub fn route(
    conn: &mut AnyConnection,
    referral: &Referral,
    reason: RouteReason,
    ctx: &RouteContext,
) -> Result<Option<Rep>, AssignError> {
    let chosen = match reason {
        RouteReason::Manual { rep_id } => routing::rep(conn, rep_id)?.map(|r| (r, None, None)),
        RouteReason::Accepted | RouteReason::Reassigned { .. } => {
            let exclude = match reason {
                RouteReason::Reassigned { from_rep } => Some(from_rep),
                _ => None,
            };
            let default = routing::default_pool(conn)?;
            let rules = domain_rules(conn)?;
            let score = referral
                .score
                .and_then(|s| u8::try_from(s).ok())
                .unwrap_or(0);
            let mut found = None;
            if let Some(default) = &default {
                let pool = choose_pool(
                    &rules,
                    PoolId(default.id),
                    referral.country.as_deref(),
                    score,
                );
                found = pick_in_pool(conn, pool.0, exclude, ctx.now)?
                    .map(|(r, p)| (r, p, Some(pool.0)));
                if found.is_none() && pool.0 != default.id {
                    found = pick_in_pool(conn, default.id, exclude, ctx.now)?
                        .map(|(r, p)| (r, p, Some(default.id)));
                }
            }
            found
        }
    };
    let Some((rep, previous, pool_id)) = chosen else {
        referrals::add_event(
            conn,
            &NewEvent {
                referral_id: referral.id,
                actor_user_id: ctx.actor_user_id,
                kind: "flag",
                from_status: None,
                to_status: None,
                note: Some("Not routed: no rep is available in its pool or the default pool."),
                shared_with_partner: false,
            },
            ctx.now,
        )?;
        tracing::warn!(
            referral.id = referral.id,
            "referral not routed: no rep available"
        );
        return Ok(None);
    };

    let program = settings::load_routing(conn)?;
    let Some(calendar) = calendar_of(&rep) else {
        return Ok(None);
    };
    let schedule = sla_schedule(&calendar, &policy_of(&program), ctx.now);
    let round = referral.sla_round + 1;
    let update = AssignmentUpdate {
        rep_id: rep.user.id,
        round,
        routed_at: ctx.now,
        due_at: schedule.due_at,
        remind_at: schedule.remind_at,
    };
    if !routing::assign(conn, referral.id, referral.sla_round, &update)? {
        return Ok(None);
    }
    if let Some(pool_id) = pool_id {
        routing::advance_pool(conn, pool_id, previous, rep.user.id)?;
    }
    schedule_sla_jobs(conn, referral.id, round, &schedule, ctx.now)?;

    let note = match reason {
        RouteReason::Accepted => format!("Assigned to {}", rep.user.display_name),
        RouteReason::Reassigned { .. } => format!(
            "Reassigned to {} after the first-contact deadline passed",
            rep.user.display_name
        ),
        RouteReason::Manual { .. } => format!("Assigned to {} by an admin", rep.user.display_name),
    };
    referrals::add_event(
        conn,
        &NewEvent {
            referral_id: referral.id,
            actor_user_id: ctx.actor_user_id,
            kind: "assigned",
            from_status: None,
            to_status: None,
            note: Some(&note),
            shared_with_partner: true,
        },
        ctx.now,
    )?;
    let partner = accounts::organisation(conn, referral.organisation_id)?.name;
    let due_local =
        crate::web::time::local(crate::db::db_time(schedule.due_at), &rep.user.time_zone);
    let mail = messages::referral_assigned(
        &rep.user.email,
        &messages::ReferralAssigned {
            rep_name: rep.user.display_name.clone(),
            prospect_name: referral.prospect_name(),
            company: referral.company.clone(),
            partner,
            relationship: referral.relationship.clone(),
            pain: referral.pain.clone(),
            score: referral.score,
            due: due_local,
            link: format!("{}{}", ctx.rep_link_base, referral.id),
        },
    )?;
    outbox::enqueue(conn, &mail, ctx.now)?;
    audit::record(
        conn,
        &AuditEntry {
            actor_user_id: ctx.actor_user_id,
            action: "referral_assigned",
            object_type: "referral",
            object_id: Some(referral.id.to_string()),
            client_addr: Some(ctx.client_addr),
            detail: Some(format!("rep {} round {round}", rep.user.id)),
        },
        ctx.now,
    )?;
    tracing::info!(
        referral.id = referral.id,
        rep.id = rep.user.id,
        round,
        "referral routed"
    );
    Ok(Some(rep))
}

fn schedule_sla_jobs(
    conn: &mut AnyConnection,
    referral_id: i64,
    round: i32,
    schedule: &crate::domain::SlaSchedule,
    now: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    for (kind, run_at) in [
        (SLA_REMINDER, schedule.remind_at),
        (SLA_ESCALATION, schedule.due_at),
    ] {
        job_queue::enqueue(
            conn,
            &job_queue::NewJob {
                kind,
                payload: format!("{referral_id}:{round}"),
                run_at,
                unique_key: Some(format!("{kind}:{referral_id}:{round}")),
                max_attempts: 12,
            },
            now,
        )?;
    }
    Ok(())
}
