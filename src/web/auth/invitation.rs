//! Accepting an invitation: the invitee chooses a password through a single-use link (7 days)
//! and is signed in.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use secrecy::ExposeSecret;

use super::hash_link_secret;
use super::recovery::{LinkInvalidPage, NewPasswordForm, link_state_message};
use crate::db::accounts::{self, TokenKind, TokenState};
use crate::db::audit::{self, AuditEntry};
use crate::db::sessions::USER_KEY;
use crate::db::{sessions, write_tx};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::RoleHome;
use crate::web::security::{CSRF_KEY, new_token};
use crate::web::{AppState, html, html_status, see_other};

#[derive(Template)]
#[template(path = "auth/invitation.html")]
pub struct InvitationPage {
    ctx: PageCtx,
    name: String,
    email: String,
    errors: Errors,
}

async fn load(
    state: &AppState,
    secret: &str,
) -> Result<Option<(accounts::AccountToken, accounts::User)>, Option<TokenState>> {
    let hash = hash_link_secret(secret);
    let now = state.now();
    let found = state
        .db(move |conn| {
            let Some(token) = accounts::token_by_hash(conn, TokenKind::Invitation, &hash)? else {
                return Ok(None);
            };
            let user = accounts::user(conn, token.user_id)?;
            Ok(Some((token, user)))
        })
        .await
        .map_err(|_| None)?;
    match found {
        None => Err(None),
        Some((token, user)) => match token.state(now) {
            TokenState::Usable if user.active => Ok(Some((token, user))),
            TokenState::Usable => Err(None),
            other => Err(Some(other)),
        },
    }
}

fn invalid(ctx: PageCtx, token_state: Option<TokenState>) -> Result<HttpResponse, AppError> {
    let page = LinkInvalidPage {
        ctx,
        message: link_state_message(token_state),
    };
    html_status(&page, actix_web::http::StatusCode::GONE)
}

pub async fn show_invitation(
    state: web::Data<AppState>,
    ctx: PageCtx,
    secret: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match load(&state, &secret).await {
        Ok(Some((_, user))) => html(&InvitationPage {
            ctx,
            name: user.display_name,
            email: user.email,
            errors: Errors::new(),
        }),
        Ok(None) => invalid(ctx, None),
        Err(token_state) => invalid(ctx, token_state),
    }
}

pub async fn accept_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    ctx: PageCtx,
    secret: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let (token, user) = match load(&state, &secret).await {
        Ok(Some(found)) => found,
        Ok(None) => return invalid(ctx, None),
        Err(token_state) => return invalid(ctx, token_state),
    };
    let form = form.into_inner();
    if let Err(message) = crate::passwords::check_new_password(
        form.password.expose_secret(),
        form.confirmation.expose_secret(),
    ) {
        let mut errors = Errors::new();
        errors.add("password", message);
        return html(&InvitationPage {
            ctx,
            name: user.display_name,
            email: user.email,
            errors,
        });
    }
    let hash = web::block(move || crate::passwords::hash(form.password.expose_secret()))
        .await?
        .map_err(AppError::internal)?;

    let now = state.now();
    let addr = state.client_addr(&req);
    let user_id = user.id;
    let accepted = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                if !accounts::consume_token(conn, token.id, now)? {
                    return Ok(false);
                }
                accounts::set_password(conn, user_id, &hash, now)?;
                sessions::revoke_user_sessions(conn, user_id)?;
                let entry = AuditEntry {
                    actor_user_id: Some(user_id),
                    action: "invitation_accepted",
                    object_type: "user",
                    object_id: Some(user_id.to_string()),
                    client_addr: Some(&addr),
                    detail: None,
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;
    if !accepted {
        return invalid(ctx, Some(TokenState::Used));
    }

    session.renew();
    session
        .insert(USER_KEY, user_id)
        .map_err(AppError::internal)?;
    session
        .insert(CSRF_KEY, new_token())
        .map_err(AppError::internal)?;
    FlashMessage::success("Welcome! Your password is set and you are signed in.").send();
    let home = user.role().map(|r| r.home()).unwrap_or("/");
    Ok(see_other(home))
}
