//! One referral as an admin sees it, with every flag and event, and the decision form.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::db::accounts;
use crate::db::referrals::{self, Referral, Status, status_label};
use crate::domain::Seniority;
use crate::error::AppError;
use crate::review::{self, Actor, Decision, DecisionOutcome};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, form_page, see_other};

pub struct TimelineEntry {
    pub when: String,
    pub title: String,
    pub actor: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/review/referral.html")]
pub struct AdminReferralPage {
    ctx: PageCtx,
    r: Referral,
    partner: String,
    submitter: String,
    status_label: String,
    seniority: &'static str,
    urgency: Option<&'static str>,
    deal_size: Option<String>,
    submitted: String,
    protected_until: Option<String>,
    timeline: Vec<TimelineEntry>,
    can_accept: bool,
    can_reject: bool,
    errors: Errors,
    decision: String,
    note: String,
    score_reasons: Vec<String>,
    rep_name: Option<String>,
    due: Option<String>,
    contacted: Option<String>,
    reps: Vec<(i64, String)>,
    can_assign: bool,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    errors: Errors,
    decision: String,
    note: String,
) -> Result<HttpResponse, AppError> {
    let found = state
        .db(move |conn| {
            let Some(r) = referrals::find(conn, id)? else {
                return Ok(None);
            };
            let partner = accounts::organisation(conn, r.organisation_id)?.name;
            let submitter = accounts::user(conn, r.submitted_by)?;
            let events = referrals::events(conn, id)?;
            let reps: Vec<(i64, String)> = crate::db::routing::reps(conn)?
                .into_iter()
                .filter(|rep| rep.active())
                .map(|rep| (rep.user.id, rep.user.display_name))
                .collect();
            let rep_name = r
                .assigned_rep_id
                .map(|id| accounts::user(conn, id).map(|u| u.display_name))
                .transpose()?;
            Ok(Some((r, partner, submitter, events, reps, rep_name)))
        })
        .await?;
    let Some((r, partner, submitter, events, reps, rep_name)) = found else {
        return Err(AppError::NotFound);
    };
    let status = Status::parse(&r.status);
    let tz = &user.time_zone;
    let page = AdminReferralPage {
        ctx,
        partner,
        submitter: format!("{} <{}>", submitter.display_name, submitter.email),
        status_label: status_label(&r.status).to_owned(),
        seniority: r
            .seniority
            .parse::<Seniority>()
            .map(|s| s.label())
            .unwrap_or(""),
        urgency: crate::web::partner::urgency_label(r.urgency.as_deref()),
        deal_size: crate::web::partner::money(r.deal_size_minor, &r.currency),
        submitted: local(r.created_at, tz),
        protected_until: r.protected_until.map(|t| local(t, tz)),
        timeline: events
            .into_iter()
            .map(|(e, actor)| TimelineEntry {
                when: local(e.created_at, tz),
                title: crate::web::partner::event_title(&e.kind, e.to_status.as_deref()),
                actor: actor.unwrap_or_else(|| "The portal".into()),
                note: e.note,
            })
            .collect(),
        can_accept: status == Some(Status::Submitted),
        can_reject: matches!(status, Some(Status::Submitted | Status::Accepted)),
        errors,
        decision,
        note,
        score_reasons: r.score_reasons.lines().map(str::to_owned).collect(),
        rep_name,
        due: r.first_contact_due_at.map(|d| local(d, tz)),
        contacted: r.first_contacted_at.map(|d| local(d, tz)),
        reps,
        can_assign: matches!(
            status,
            Some(
                Status::Accepted | Status::Contacted | Status::MeetingBooked | Status::Opportunity
            )
        ),
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
        String::new(),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    /// The status the admin saw; a decision on a referral that moved on meanwhile is refused.
    #[serde(default)]
    shown_status: String,
}

pub async fn decide_referral(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let Some(decision) = Decision::parse(&form.decision) else {
        let mut errors = Errors::new();
        errors.add("decision", "Choose a decision");
        return render(&state, ctx, &user, id, errors, form.decision, form.note).await;
    };
    let addr = state.client_addr(&req);
    let link_base = state.config.link("/partner/referrals/");
    let rep_link_base = state.config.link("/rep/referrals/");
    let now = state.now();
    let user_id = user.id;
    let note = form.note.clone();
    let shown = Status::parse(&form.shown_status);
    let outcome = state
        .db(move |conn| {
            let actor = Actor {
                user_id,
                client_addr: &addr,
                now,
                partner_link_base: &link_base,
                rep_link_base: &rep_link_base,
            };
            review::decide(conn, id, decision, Some(&note), shown, &actor)
                .map_err(AppError::internal)
        })
        .await?;
    match outcome {
        None => Err(AppError::NotFound),
        Some(DecisionOutcome::NoteRequired) => {
            let mut errors = Errors::new();
            errors.add("note", "Say why: the partner sees this note");
            render(&state, ctx, &user, id, errors, form.decision, form.note).await
        }
        Some(DecisionOutcome::NotApplicable) => {
            FlashMessage::warning(
                "This referral was decided meanwhile, so your decision was not applied. \
                 Check its current status below.",
            )
            .send();
            Ok(see_other(&format!("/admin/referrals/{id}")))
        }
        Some(DecisionOutcome::Done(status)) => {
            state.mail_wake.notify_one();
            FlashMessage::success(format!("Referral {}.", status.label().to_lowercase())).send();
            Ok(see_other(&format!("/admin/referrals/{id}")))
        }
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    rep_id: String,
}

/// An admin hands the referral to a chosen rep; a new SLA round starts.
pub async fn assign_referral(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<AssignForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let Ok(rep_id) = form.rep_id.parse::<i64>() else {
        FlashMessage::error("Choose a rep.").send();
        return Ok(see_other(&format!("/admin/referrals/{id}")));
    };
    let addr = state.client_addr(&req);
    let rep_link_base = state.config.link("/rep/referrals/");
    let now = state.now();
    let actor = user.id;
    let assigned = state
        .db(move |conn| {
            crate::db::write_tx(conn, |conn| {
                let Some(referral) = referrals::find(conn, id)? else {
                    return Err(AppError::NotFound);
                };
                let ctx = crate::assignment::RouteContext {
                    actor_user_id: Some(actor),
                    client_addr: &addr,
                    now,
                    rep_link_base: &rep_link_base,
                };
                crate::assignment::route(
                    conn,
                    &referral,
                    crate::assignment::RouteReason::Manual { rep_id },
                    &ctx,
                )
                .map_err(AppError::internal)
            })
        })
        .await?;
    match assigned {
        Some(rep) => {
            state.mail_wake.notify_one();
            FlashMessage::success(format!("Assigned to {}.", rep.user.display_name)).send();
        }
        None => FlashMessage::error("That rep cannot take referrals.").send(),
    }
    Ok(see_other(&format!("/admin/referrals/{id}")))
}
