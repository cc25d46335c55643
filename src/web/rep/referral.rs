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
    next: Vec<Choice>,
    now_local: String,
    currency: String,
    errors: Errors,
    f: StageForm,
}

async fn load(
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
            let Some(r) = routing::find_for_rep(conn, id, rep_id)? else {
                return Ok(None);
            };
            let partner = accounts::organisation(conn, r.organisation_id)?.name;
            let events = referrals::events(conn, id)?;
            let currency = settings::load(conn)?.currency;
            Ok(Some((r, partner, events, currency)))
        })
        .await?;
    found.ok_or(AppError::NotFound)
}

async fn render(
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
        can_contact: r.status == Status::Accepted.as_str(),
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
            FlashMessage::warning("This referral moved on meanwhile; nothing changed.").send();
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
    let mut errors = Errors::new();
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
    let mut errors = Errors::new();
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
    if f.note.trim().is_empty() {
        let mut errors = Errors::new();
        errors.add("note", "Write the note first");
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
