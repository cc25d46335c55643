//! Changing one's own password: the current session stays, every other one ends.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::db::accounts;
use crate::db::audit::{self, AuditEntry};
use crate::db::{sessions, write_tx};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, html, see_other};

#[derive(Template)]
#[template(path = "auth/change_password.html")]
pub struct ChangePasswordPage {
    ctx: PageCtx,
    errors: Errors,
}

pub async fn show_change_password(
    ctx: PageCtx,
    _user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    html(&ChangePasswordPage {
        ctx,
        errors: Errors::new(),
    })
}

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    current: SecretString,
    password: SecretString,
    confirmation: SecretString,
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = Errors::new();
    if let Err(message) = crate::passwords::check_new_password(
        form.password.expose_secret(),
        form.confirmation.expose_secret(),
    ) {
        errors.add("password", message);
    }
    let user_id = user.id;
    let stored = state
        .db(move |conn| Ok(accounts::user(conn, user_id)?.password_hash))
        .await?;
    let current = form.current.clone();
    let current_ok =
        web::block(move || crate::passwords::verify(current.expose_secret(), stored.as_deref()))
            .await?;
    if !current_ok {
        errors.add("current", "This is not your current password");
    }
    if !errors.is_empty() {
        return html(&ChangePasswordPage { ctx, errors });
    }
    let hash = web::block(move || crate::passwords::hash(form.password.expose_secret()))
        .await?
        .map_err(AppError::internal)?;

    let now = state.now();
    let addr = state.client_addr(&req);
    state
        .db(move |conn| {
            write_tx(conn, |conn| {
                accounts::set_password(conn, user_id, &hash, now)?;
                sessions::revoke_user_sessions(conn, user_id)?;
                let entry = AuditEntry {
                    actor_user_id: Some(user_id),
                    action: "password_changed",
                    object_type: "user",
                    object_id: Some(user_id.to_string()),
                    client_addr: Some(&addr),
                    detail: None,
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    // Every session row of the user is gone; renewing stores this one again under a new key.
    session.renew();
    FlashMessage::success("Password changed. You were signed out everywhere else.").send();
    Ok(see_other("/account/password"))
}
