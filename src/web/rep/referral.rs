//! One referral as its rep sees it, with the forms that move it on.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use chrono::{NaiveDateTime, TimeZone};
use serde::Deserialize;

use crate::db::referrals::{self, Referral, Status, status_label};
use crate::db::{accounts, routing, settings};
use crate::error::AppError;
use crate::stages::{self, Step, StepContext, StepOutcome, human_duration};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::partner::{event_title, money, urgency_label};
use crate::web::time::local;
use crate::web::{AppState, form_page, see_other};

pub struct TimelineEntry {
    pub when: String,
    pub title: String,
    pub actor: String,
    pub note: Option<String>,
    pub shared: bool,
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "rep/referral.html")]
pub struct RepReferralPage {
    ctx: PageCtx,
    r: Referral,
    partner: String,
    status_label: String,
    urgency: Option<&'static str>,
    deal_size: Option<String>,
    score_reasons: Vec<String>,
    due: Option<String>,
    clock: Option<String>,
    contacted: Option<String>,
    timeline: Vec<TimelineEntry>,
    can_contact: bool,
    /// Only the assigned rep acts; a manager following an escalation only reads.
    is_assignee: bool,
    expected_value: Option<String>,
    deal_value: Option<String>,
    /// Refunded so far, once anything was; and whether the assignee can record a refund.
    refunded: Option<String>,
    can_refund: bool,
    next: Vec<Choice>,
    now_local: String,
    currency: String,
    errors: Errors,
    f: StageForm,
}

pub(super) async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<
    (
        Referral,
        String,
        Vec<(referrals::Event, Option<String>)>,
        String,
    ),
    AppError,
> {
    let rep_id = user.id;
    let found = state
        .db(move |conn| {
            let Some(r) = routing::find_for_rep_or_manager(conn, id, rep_id)? else {
                return Ok(None);
            };
            let partner = accounts::organisation(conn, r.organisation_id)?.name;
            let events = referrals::events(conn, id)?;
            let currency = settings::load(conn)?.currency;
            Ok(Some((r, partner, events, currency)))
        })
        .await?;
    match found {
        Some(found) => Ok(found),
        None => {
            record_denied(state, user, id).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Logs a request for a referral this rep may not see (missing or someone else's).
async fn record_denied(state: &AppState, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let now = state.now();
    let user_id = user.id;
    state
        .db(move |conn| {
            let entry = crate::db::audit::AuditEntry {
                actor_user_id: Some(user_id),
                action: "access_denied",
                object_type: "referral",
                object_id: Some(id.to_string()),
                client_addr: None,
                detail: Some("rep workspace".into()),
            };
            Ok(crate::db::audit::record(conn, &entry, now)?)
        })
        .await
}

pub(super) async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    errors: Errors,
    f: StageForm,
) -> Result<HttpResponse, AppError> {
    let (r, partner, events, currency) = load(state, user, id).await?;
    let tz = &user.time_zone;
    let now = state.now();
    let waiting = r.first_contacted_at.is_none();
    let clock = r.first_contact_due_at.filter(|_| waiting).map(|due| {
        let now = now.naive_utc();
        if due <= now {
            format!("overdue by {}", human_duration(now - due))
        } else {
            format!("{} left", human_duration(due - now))
        }
    });
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Tz::UTC);
    let page = RepReferralPage {
        ctx,
        partner,
        status_label: status_label(&r.status).to_owned(),
        urgency: urgency_label(r.urgency.as_deref()),
        deal_size: money(r.deal_size_minor, &r.currency),
        score_reasons: r.score_reasons.lines().map(str::to_owned).collect(),
        due: r.first_contact_due_at.map(|d| local(d, tz)),
        clock,
        contacted: r.first_contacted_at.map(|c| local(c, tz)),
        timeline: events
            .into_iter()
            .map(|(e, actor)| TimelineEntry {
                when: local(e.created_at, tz),
                title: event_title(&e.kind, e.to_status.as_deref()),
                actor: actor.unwrap_or_else(|| "The portal".into()),
                note: e.note,
                shared: e.shared_with_partner,
            })
            .collect(),
        can_contact: r.status == Status::Accepted.as_str() && r.assigned_rep_id == Some(user.id),
        is_assignee: r.assigned_rep_id == Some(user.id),
        expected_value: money(r.expected_value_minor, &r.currency),
        deal_value: money(r.deal_value_minor, &r.currency),
        refunded: money(Some(r.refunded_minor).filter(|m| *m > 0), &r.currency),
        can_refund: r.assigned_rep_id == Some(user.id)
            && r.status == Status::Won.as_str()
            && r.deal_value_minor.is_some_and(|v| v > r.refunded_minor),
        next: stages::next_steps(&r.status)
            .into_iter()
            .filter(|s| *s != Status::Contacted)
            .map(|s| Choice {
                value: s.as_str(),
                label: s.label(),
            })
            .collect(),
        now_local: zone
            .from_utc_datetime(&now.naive_utc())
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        currency,
        errors,
        f,
        r,
    };
    form_page(&page, !page.errors.is_empty())
}

pub async fn show_referral(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    render(
        &state,
        ctx,
        &user,
        id.into_inner(),
        Errors::new(),
        StageForm::default(),
    )
    .await
}

/// Everything the rep's forms post; each form sends the fields it has.
#[derive(Deserialize, Default)]
pub struct StageForm {
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub expected_value: String,
    #[serde(default)]
    pub deal_value: String,
    #[serde(default)]
    pub lost_reason: String,
    #[serde(default)]
    pub note: String,
    pub share: Option<String>,
    /// The refund form's amount.
    #[serde(default)]
    pub refund: String,
}

/// A note that is too long gets its message before anything else is checked.
fn note_errors(f: &StageForm) -> Errors {
    let mut errors = Errors::new();
    if f.note.trim().chars().count() > stages::MAX_NOTE_CHARS {
        errors.add(
            "note",
            format!("Keep the note under {} characters", stages::MAX_NOTE_CHARS),
        );
    }
    errors
}

const CHANNELS: [&str; 5] = ["phone", "email", "meeting", "video call", "social"];

async fn take(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    step: Step,
    f: &StageForm,
) -> Result<StepOutcome, AppError> {
    let addr = state.client_addr(req);
    let link = state.config.link("/partner/referrals/");
    let now = state.now();
    let rep_user_id = user.id;
    let note = f.note.clone();
    let share = f.share.is_some();
    state
        .db(move |conn| {
            let ctx = StepContext {
                rep_user_id,
                client_addr: &addr,
                now,
                note: Some(&note),
                share_note: share,
                partner_link_base: &link,
            };
            stages::take_step(conn, id, &step, &ctx).map_err(AppError::internal)
        })
        .await
}

fn finish(outcome: StepOutcome, id: i64, state: &AppState) -> HttpResponse {
    match outcome {
        StepOutcome::Done(status) => {
            state.mail_wake.notify_one();
            FlashMessage::success(format!("Saved: {}.", status.label())).send();
        }
        StepOutcome::NotApplicable => {
            FlashMessage::warning(
                "That step does not follow from the referral's current stage; nothing changed.",
            )
            .send();
        }
    }
    see_other(&format!("/rep/referrals/{id}"))
}

pub async fn log_first_contact(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<StageForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let f = form.into_inner();
    let (r, ..) = load(&state, &user, id).await?;
    let mut errors = note_errors(&f);
    if !CHANNELS.contains(&f.channel.as_str()) {
        errors.add("channel", "Choose how you reached the prospect");
    }
    let zone: chrono_tz::Tz = user.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let at = match NaiveDateTime::parse_from_str(f.when.trim(), "%Y-%m-%dT%H:%M") {
        Ok(local_time) => zone
            .from_local_datetime(&local_time)
            .earliest()
            .map(|t| t.to_utc()),
        Err(_) => None,
    };
    let now = state.now();
    match at {
        None => errors.add("when", "Give the date and time of the contact"),
        Some(at) if at > now + chrono::TimeDelta::minutes(5) => {
            errors.add("when", "The contact cannot be in the future")
        }
        Some(at)
            if r.routed_at
                .is_some_and(|routed| at.naive_utc() < routed - chrono::TimeDelta::minutes(1)) =>
        {
            errors.add(
                "when",
                "The contact cannot be before the referral was assigned to you",
            )
        }
        // Once the deadline was escalated, a contact logged as earlier would hide the breach.
        Some(at)
            if r.escalated_round == Some(r.sla_round)
                && r.first_contact_due_at
                    .is_some_and(|due| at.naive_utc() < due) =>
        {
            errors.add(
                "when",
                "The deadline passed and was escalated without a logged contact; give the \
                 time of a contact made after the deadline",
            )
        }
        _ => {}
    }
    let (Some(at), true) = (at, errors.is_empty()) else {
        return render(&state, ctx, &user, id, errors, f).await;
    };
    let step = Step::FirstContact {
        channel: f.channel.clone(),
        at,
    };
    let outcome = take(&req, &state, &user, id, step, &f).await?;
    Ok(finish(outcome, id, &state))
}

pub async fn move_stage(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<StageForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let f = form.into_inner();
    let (r, _, _, currency) = load(&state, &user, id).await?;
    let mut errors = note_errors(&f);
    if f.lost_reason.trim().chars().count() > stages::MAX_REASON_CHARS {
        errors.add(
            "lost_reason",
            format!(
                "Keep the reason under {} characters",
                stages::MAX_REASON_CHARS
            ),
        );
    }
    let step = match Status::parse(&f.to) {
        Some(Status::MeetingBooked) => Some(Step::MeetingBooked),
        Some(Status::Opportunity) => match stages::parse_amount(&f.expected_value, &currency) {
            Ok(expected_value) => Some(Step::Opportunity { expected_value }),
            Err(message) => {
                errors.add(
                    "expected_value",
                    format!("Give the expected value: {message}"),
                );
                None
            }
        },
        Some(Status::Won) => match stages::parse_amount(&f.deal_value, &currency) {
            Ok(deal_value) => Some(Step::Won { deal_value }),
            Err(message) => {
                errors.add("deal_value", format!("Give the deal value: {message}"));
                None
            }
        },
        Some(Status::Lost) if f.lost_reason.trim().is_empty() => {
            errors.add("lost_reason", "Say why the deal was lost");
            None
        }
        Some(Status::Lost) => Some(Step::Lost {
            reason: f.lost_reason.trim().to_owned(),
        }),
        _ => {
            errors.add("to", "Choose the next stage");
            None
        }
    };
    let Some(step) = step.filter(|_| errors.is_empty()) else {
        let _ = r;
        return render(&state, ctx, &user, id, errors, f).await;
    };
    let outcome = take(&req, &state, &user, id, step, &f).await?;
    Ok(finish(outcome, id, &state))
}

pub async fn add_note(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<StageForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let f = form.into_inner();
    let length = f.note.trim().chars().count();
    if length == 0 || length > stages::MAX_NOTE_CHARS {
        let mut errors = Errors::new();
        let message = if length == 0 {
            "Write the note first".to_owned()
        } else {
            format!("Keep the note under {} characters", stages::MAX_NOTE_CHARS)
        };
        errors.add("timeline_note", message);
        return render(&state, ctx, &user, id, errors, f).await;
    }
    let addr = state.client_addr(&req);
    let link = state.config.link("/partner/referrals/");
    let now = state.now();
    let rep_user_id = user.id;
    let note = f.note.clone();
    let share = f.share.is_some();
    let added = state
        .db(move |conn| {
            let ctx = StepContext {
                rep_user_id,
                client_addr: &addr,
                now,
                note: Some(&note),
                share_note: share,
                partner_link_base: &link,
            };
            stages::add_note(conn, id, &ctx).map_err(AppError::internal)
        })
        .await?;
    if !added {
        return Err(AppError::NotFound);
    }
    FlashMessage::success("Note added.").send();
    Ok(see_other(&format!("/rep/referrals/{id}")))
}
