//! Password reset by an emailed single-use link (30 minutes). The answer to a request is the
//! same whether or not the address has an account.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{hash_link_secret, mask_email, new_link_secret};
use crate::db::accounts::{self, TokenKind, TokenState};
use crate::db::audit::{self, AuditEntry};
use crate::db::{outbox, sessions, write_tx};
use crate::error::AppError;
use crate::mail::messages;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::{AppState, html, html_status, see_other};

#[derive(Template)]
#[template(path = "auth/forgot.html")]
pub struct ForgotPage {
    ctx: PageCtx,
    email: String,
    error: String,
}

pub async fn show_forgot(ctx: PageCtx) -> Result<HttpResponse, AppError> {
    html(&ForgotPage {
        ctx,
        email: String::new(),
        error: String::new(),
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// At most one reset mail per account in this interval; more requests get the same answer.
const RESET_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::minutes(2);
/// At most this many reset requests per client address and hour.
const RESET_REQUESTS_PER_HOUR: i64 = 20;

pub const RESET_REQUESTED: &str = "If an account exists for that address, we have emailed it a \
    link to choose a new password. The link works once, within 30 minutes.";

pub async fn request_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.into_inner().email.trim().to_lowercase();
    if email.is_empty() || !email.contains('@') {
        return html(&ForgotPage {
            ctx,
            email,
            error: "Enter the email address you sign in with".into(),
        });
    }
    let now = state.now();
    let addr = state.client_addr(&req);
    let link_base = state.config.link("/password/reset/");
    state
        .db(move |conn| {
            let hour_ago = now - chrono::TimeDelta::hours(1);
            let from_client =
                audit::count_from_client(conn, &addr, "password_reset_requested", hour_ago)?;
            if from_client >= RESET_REQUESTS_PER_HOUR {
                tracing::warn!(client.addr = %addr, "reset requests throttled for this address");
                return Ok(());
            }
            let Some(user) = accounts::user_by_email(conn, &email)?.filter(|u| u.active) else {
                tracing::info!(email = %mask_email(&email), "reset requested for no account");
                let entry = AuditEntry {
                    actor_user_id: None,
                    action: "password_reset_requested",
                    object_type: "user",
                    object_id: None,
                    client_addr: Some(&addr),
                    detail: Some(mask_email(&email)),
                };
                audit::record(conn, &entry, now)?;
                return Ok(());
            };
            let latest = accounts::latest_token_at(conn, user.id, TokenKind::PasswordReset)?;
            if latest.is_some_and(|at| at + RESET_INTERVAL > now.naive_utc()) {
                tracing::info!(
                    user.id = user.id,
                    "reset mail not repeated within the interval"
                );
                return Ok(());
            }
            let (secret, hash) = new_link_secret();
            let mail = messages::password_reset(
                &user.email,
                &messages::PasswordReset {
                    name: user.display_name.clone(),
                    link: format!("{link_base}{secret}"),
                },
            )?;
            write_tx(conn, |conn| {
                accounts::issue_token(conn, TokenKind::PasswordReset, user.id, &hash, now)?;
                outbox::enqueue(conn, &mail, now)?;
                let entry = AuditEntry {
                    actor_user_id: None,
                    action: "password_reset_requested",
                    object_type: "user",
                    object_id: Some(user.id.to_string()),
                    client_addr: Some(&addr),
                    detail: None,
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    state.mail_wake.notify_one();
    FlashMessage::info(RESET_REQUESTED).send();
    Ok(see_other("/login"))
}

/// The page shown for a link that cannot be used, with the reason.
#[derive(Template)]
#[template(path = "auth/link_invalid.html")]
pub struct LinkInvalidPage {
    pub ctx: PageCtx,
    pub message: &'static str,
}

pub fn link_state_message(state: Option<TokenState>) -> &'static str {
    match state {
        Some(TokenState::Used) => "Link already used. Request a new one if you still need it.",
        Some(TokenState::Superseded) => {
            "Link no longer valid: a newer link was sent. Use the most recent email."
        }
        Some(TokenState::Expired) => "Link expired. Request a new one.",
        Some(TokenState::Usable) | None => "Link not valid. Check that you copied all of it.",
    }
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
pub struct ResetPage {
    ctx: PageCtx,
    errors: Errors,
}

async fn token_state(
    state: &AppState,
    kind: TokenKind,
    secret: &str,
) -> Result<(Option<accounts::AccountToken>, Option<TokenState>), AppError> {
    let hash = hash_link_secret(secret);
    let now = state.now();
    let token = state
        .db(move |conn| Ok(accounts::token_by_hash(conn, kind, &hash)?))
        .await?;
    let token_state = token.as_ref().map(|t| t.state(now));
    Ok((token, token_state))
}

pub async fn show_reset(
    state: web::Data<AppState>,
    ctx: PageCtx,
    secret: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, token_state) = token_state(&state, TokenKind::PasswordReset, &secret).await?;
    if token_state != Some(TokenState::Usable) {
        return invalid_link(ctx, token_state);
    }
    html(&ResetPage {
        ctx,
        errors: Errors::new(),
    })
}

fn invalid_link(ctx: PageCtx, token_state: Option<TokenState>) -> Result<HttpResponse, AppError> {
    let page = LinkInvalidPage {
        ctx,
        message: link_state_message(token_state),
    };
    html_status(&page, actix_web::http::StatusCode::GONE)
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    pub password: SecretString,
    pub confirmation: SecretString,
}

pub async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    secret: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let (token, token_state) = token_state(&state, TokenKind::PasswordReset, &secret).await?;
    let Some(token) = token.filter(|_| token_state == Some(TokenState::Usable)) else {
        return invalid_link(ctx, token_state);
    };
    let form = form.into_inner();
    if let Err(message) = crate::passwords::check_new_password(
        form.password.expose_secret(),
        form.confirmation.expose_secret(),
    ) {
        let mut errors = Errors::new();
        errors.add("password", message);
        return html(&ResetPage { ctx, errors });
    }
    let hash = web::block(move || crate::passwords::hash(form.password.expose_secret()))
        .await?
        .map_err(AppError::internal)?;

    let now = state.now();
    let addr = state.client_addr(&req);
    let used = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                if !accounts::consume_token(conn, token.id, now)? {
                    return Ok(false);
                }
                accounts::set_password(conn, token.user_id, &hash, now)?;
                sessions::revoke_user_sessions(conn, token.user_id)?;
                let entry = AuditEntry {
                    actor_user_id: Some(token.user_id),
                    action: "password_reset",
                    object_type: "user",
                    object_id: Some(token.user_id.to_string()),
                    client_addr: Some(&addr),
                    detail: None,
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;
    if !used {
        // Another request used the link between our check and our write.
        return invalid_link(ctx, Some(TokenState::Used));
    }
    FlashMessage::success("Your password is changed. Sign in with the new one.").send();
    Ok(see_other("/login"))
}
