//! Conflicts: attempts blocked because an earlier referral protects the prospect. Admins see
//! both sides and may create the referral after all, with a reason, or dismiss the attempt.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::db::accounts;
use crate::db::conflicts::{self, Conflict};
use crate::db::referrals::{self, Referral};
use crate::error::AppError;
use crate::review::{self, Actor, ConflictOutcome};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html, see_other};

pub struct ConflictRow {
    pub id: i64,
    pub prospect: String,
    pub company: String,
    pub partner: String,
    pub reason: String,
    pub matched_referral_id: i64,
    pub when: String,
}

#[derive(Template)]
#[template(path = "admin/review/conflicts.html")]
pub struct ConflictListPage {
    ctx: PageCtx,
    rows: Vec<ConflictRow>,
    status: String,
}

#[derive(Deserialize)]
pub struct ConflictQuery {
    status: Option<String>,
}

/// A readable reason for a stored match reason.
pub fn reason_label(reason: &str) -> String {
    match reason {
        "same_email" => "Same email address".into(),
        "same_phone" => "Same phone number".into(),
        "same_name_at_company" => "Same person at the same company".into(),
        "same_company_domain" => "Same company domain, other partner".into(),
        other => other.replace('_', " "),
    }
}

pub async fn list_conflicts(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    query: web::Query<ConflictQuery>,
) -> Result<HttpResponse, AppError> {
    let status = match query.status.as_deref() {
        Some(s @ (conflicts::OVERRIDDEN | conflicts::DISMISSED)) => s,
        _ => conflicts::OPEN,
    }
    .to_owned();
    let wanted = status.clone();
    let found = state
        .db(move |conn| Ok(conflicts::list(conn, &wanted, 200)?))
        .await?;
    let rows = found
        .into_iter()
        .map(|(c, partner)| ConflictRow {
            id: c.id,
            prospect: c.prospect_name,
            company: c.company,
            partner,
            reason: reason_label(&c.reason),
            matched_referral_id: c.matched_referral_id,
            when: local(c.created_at, &user.time_zone),
        })
        .collect();
    html(&ConflictListPage { ctx, rows, status })
}

#[derive(Template)]
#[template(path = "admin/review/conflict.html")]
pub struct ConflictPage {
    ctx: PageCtx,
    c: Conflict,
    partner: String,
    submitter: String,
    reason: String,
    when: String,
    earlier: Referral,
    earlier_partner: String,
    earlier_when: String,
    errors: Errors,
    note: String,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    errors: Errors,
    note: String,
) -> Result<HttpResponse, AppError> {
    let found = state
        .db(move |conn| {
            let Some(c) = conflicts::find(conn, id)? else {
                return Ok(None);
            };
            let partner = accounts::organisation(conn, c.organisation_id)?.name;
            let submitter = accounts::user(conn, c.submitted_by)?;
            let earlier =
                referrals::find(conn, c.matched_referral_id)?.ok_or(AppError::NotFound)?;
            let earlier_partner = accounts::organisation(conn, earlier.organisation_id)?.name;
            Ok(Some((c, partner, submitter, earlier, earlier_partner)))
        })
        .await?;
    let Some((c, partner, submitter, earlier, earlier_partner)) = found else {
        return Err(AppError::NotFound);
    };
    let tz = &user.time_zone;
    let page = ConflictPage {
        ctx,
        partner,
        submitter: format!("{} <{}>", submitter.display_name, submitter.email),
        reason: reason_label(&c.reason),
        when: local(c.created_at, tz),
        earlier_when: local(earlier.created_at, tz),
        earlier,
        earlier_partner,
        errors,
        note,
        c,
    };
    html(&page)
}

pub async fn show_conflict(
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
    )
    .await
}

#[derive(Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

pub async fn resolve_conflict(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<ResolveForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let create = form.action == "override";
    let addr = state.client_addr(&req);
    let link_base = state.config.link("/partner/referrals/");
    let rep_link_base = state.config.link("/rep/referrals/");
    let now = state.now();
    let user_id = user.id;
    let note = form.note.clone();
    let outcome = state
        .db(move |conn| {
            let actor = Actor {
                user_id,
                client_addr: &addr,
                now,
                partner_link_base: &link_base,
                rep_link_base: &rep_link_base,
            };
            review::resolve_conflict(conn, id, create, &note, &actor).map_err(AppError::internal)
        })
        .await?;
    match outcome {
        None => Err(AppError::NotFound),
        Some(ConflictOutcome::ReasonRequired) => {
            let mut errors = Errors::new();
            errors.add("note", "Give the reason for your decision");
            render(&state, ctx, &user, id, errors, form.note).await
        }
        Some(ConflictOutcome::Invalid(field_errors)) => {
            let mut errors = Errors::new();
            let detail: Vec<String> = field_errors
                .0
                .iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect();
            errors.add(
                "note",
                format!(
                    "The attempt no longer passes validation ({})",
                    detail.join("; ")
                ),
            );
            render(&state, ctx, &user, id, errors, form.note).await
        }
        Some(ConflictOutcome::AlreadyResolved) => {
            FlashMessage::warning("This conflict was already resolved; nothing changed.").send();
            Ok(see_other(&format!("/admin/conflicts/{id}")))
        }
        Some(ConflictOutcome::Dismissed) => {
            FlashMessage::success("Conflict dismissed.").send();
            Ok(see_other("/admin/conflicts"))
        }
        Some(ConflictOutcome::Overridden { referral_id }) => {
            state.mail_wake.notify_one();
            FlashMessage::success("Referral created despite the earlier one.").send();
            Ok(see_other(&format!("/admin/referrals/{referral_id}")))
        }
    }
}
