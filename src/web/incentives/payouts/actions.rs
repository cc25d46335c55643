//! Admin payout actions: approve (password asked again), mark paid, mark failed. Each
//! ends in a redirect with a message saying what happened — also when nothing changed
//! because someone else was first.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use serde::Deserialize;

use super::admin::{Typed, render};
use super::app_error;
use crate::db::audit::{self, AuditEntry};
use crate::db::{AnyConnection, accounts};
use crate::domain::payouts::ApprovalRefused;
use crate::error::AppError;
use crate::incentives::payouts::{self as payouts, Actor, ApproveOutcome, SettleOutcome};
use crate::web::context::PageCtx;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, see_other};

const MAX_REFERENCE: usize = 200;
const MAX_REASON: usize = 1000;

#[derive(Debug, Default, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    password: String,
}

pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<ApproveForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let password = form.into_inner().password;
    let uid = user.id;
    let stored = state
        .db(move |conn| Ok(accounts::user(conn, uid)?.password_hash))
        .await?;
    let verified =
        web::block(move || crate::passwords::verify(&password, stored.as_deref())).await?;
    let addr = state.client_addr(&req);
    if !verified {
        let now = state.now();
        let addr = addr.clone();
        state
            .db(move |conn| {
                let entry = AuditEntry {
                    actor_user_id: Some(uid),
                    action: "payout_approval_refused",
                    object_type: "payout",
                    object_id: Some(id.to_string()),
                    client_addr: Some(&addr),
                    detail: Some("wrong password".into()),
                };
                Ok(audit::record(conn, &entry, now)?)
            })
            .await?;
        let message = "That is not your password. Enter the password you sign in with.";
        return refuse(
            &state,
            ctx,
            &user,
            id,
            "password",
            message,
            Typed::default(),
        )
        .await;
    }
    let link = state.config.link("/partner/payouts/");
    let now = state.now();
    let outcome = state
        .db(move |conn| {
            let actor = Actor {
                user_id: uid,
                client_addr: &addr,
                now,
                partner_link_base: &link,
            };
            payouts::approve(conn, id, &actor).map_err(app_error)
        })
        .await?;
    match outcome {
        ApproveOutcome::NotFound => return Err(AppError::NotFound),
        ApproveOutcome::Approved => {
            state.mail_wake.notify_one();
            FlashMessage::success(format!(
                "Payout {id} approved. The partner was told; mark it paid once it is sent."
            ))
            .send();
        }
        ApproveOutcome::AwaitingSecond => FlashMessage::success(format!(
            "Your approval of payout {id} is recorded. Above the threshold a second, different admin must approve it too."
        ))
        .send(),
        ApproveOutcome::Refused(ApprovalRefused::AlreadyApproved) => FlashMessage::info(format!(
            "Payout {id} was already approved; nothing changed."
        ))
        .send(),
        ApproveOutcome::Refused(ApprovalRefused::SameApprover) => FlashMessage::warning(format!(
            "You gave the first approval of payout {id}; the second must come from a different admin."
        ))
        .send(),
        ApproveOutcome::Refused(ApprovalRefused::Failed) => FlashMessage::warning(format!(
            "Payout {id} has failed and cannot be approved."
        ))
        .send(),
    }
    Ok(see_other(&format!("/admin/payouts/{id}")))
}

#[derive(Debug, Default, Deserialize)]
pub struct PaidForm {
    #[serde(default)]
    reference: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct FailedForm {
    #[serde(default)]
    reason: String,
}

/// A single line of text of at most `max` characters; the message says what is wrong.
fn one_line(raw: &str, max: usize, what: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(format!("Enter the {what}"));
    }
    if text.chars().count() > max {
        return Err(format!("Use at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("Keep the {what} on one line"));
    }
    Ok(text.to_owned())
}

/// Shows the payout again with `message` next to `field`, keeping what was typed.
async fn refuse(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    field: &str,
    message: impl Into<String>,
    mut typed: Typed,
) -> Result<HttpResponse, AppError> {
    typed.errors.add(field, message);
    render(
        state,
        ctx,
        user,
        id,
        typed,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

fn settle_flash(id: i64, outcome: SettleOutcome, done: String) -> Result<(), AppError> {
    match outcome {
        SettleOutcome::Done => FlashMessage::success(done).send(),
        SettleOutcome::NotFound => return Err(AppError::NotFound),
        SettleOutcome::WrongStatus(now) => FlashMessage::info(format!(
            "Payout {id} is {}; nothing changed.",
            now.label().to_lowercase()
        ))
        .send(),
        SettleOutcome::LinesTaken => FlashMessage::error(format!(
            "Payout {id} cannot be marked paid again: some of its lines are in another payout now. Nothing changed."
        ))
        .send(),
        SettleOutcome::LinesChanged => FlashMessage::error(format!(
            "A line of payout {id} changed status meanwhile; nothing changed. Reload and check the lines."
        ))
        .send(),
    }
    Ok(())
}

pub async fn mark_paid(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<PaidForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let typed_reference = form.into_inner().reference;
    let reference = match one_line(&typed_reference, MAX_REFERENCE, "payment reference") {
        Ok(r) => r,
        Err(message) => {
            let typed = Typed {
                reference: typed_reference,
                ..Typed::default()
            };
            return refuse(&state, ctx, &user, id, "reference", message, typed).await;
        }
    };
    let done = format!("Payout {id} marked paid with reference {reference}. The partner was told.");
    settle(&req, &state, &user, id, done, move |conn, actor| {
        payouts::mark_paid(conn, id, &reference, actor).map_err(app_error)
    })
    .await
}

pub async fn mark_failed(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<FailedForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let typed_reason = form.into_inner().reason;
    let reason = match one_line(&typed_reason, MAX_REASON, "reason") {
        Ok(r) => r,
        Err(message) => {
            let typed = Typed {
                reason: typed_reason,
                ..Typed::default()
            };
            return refuse(&state, ctx, &user, id, "reason", message, typed).await;
        }
    };
    let done = format!(
        "Payout {id} marked failed. Its lines are approved again and can join a later payout."
    );
    settle(&req, &state, &user, id, done, move |conn, actor| {
        payouts::mark_failed(conn, id, &reason, actor).map_err(app_error)
    })
    .await
}

/// Runs a paid or failed change as the signed-in admin, wakes the mailer when it happened,
/// and goes back to the payout with a message saying what happened.
async fn settle<F>(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    done: String,
    change: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&mut AnyConnection, &Actor) -> Result<SettleOutcome, AppError> + Send + 'static,
{
    let addr = state.client_addr(req);
    let link = state.config.link("/partner/payouts/");
    let (now, uid) = (state.now(), user.id);
    let outcome = state
        .db(move |conn| {
            let actor = Actor {
                user_id: uid,
                client_addr: &addr,
                now,
                partner_link_base: &link,
            };
            change(conn, &actor)
        })
        .await?;
    if outcome == SettleOutcome::Done {
        state.mail_wake.notify_one();
    }
    settle_flash(id, outcome, done)?;
    Ok(see_other(&format!("/admin/payouts/{id}")))
}
