//! Sign-in with throttling, and sign-out.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::mask_email;
use crate::db::audit::{self, AuditEntry};
use crate::db::sessions::USER_KEY;
use crate::db::{accounts, write_tx};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::guard::{CurrentUser, RoleHome};
use crate::web::security::{CSRF_KEY, new_token};
use crate::web::{AppState, html, see_other};

/// Failures on one address before each further attempt must wait.
const FREE_ATTEMPTS: i64 = 5;
const FIRST_DELAY: TimeDelta = TimeDelta::seconds(30);
const MAX_DELAY: TimeDelta = TimeDelta::minutes(15);
/// Failures from one client address within the window before it must wait.
const CLIENT_LIMIT: i64 = 30;
const CLIENT_WINDOW: TimeDelta = TimeDelta::minutes(15);

const WRONG_CREDENTIALS: &str = "The email address or the password is not right.";
const THROTTLED: &str = "Too many failed sign-ins. Wait a few minutes, then try again.";

#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    ctx: PageCtx,
    email: String,
    error: String,
}

pub async fn show_login(ctx: PageCtx, user: Option<CurrentUser>) -> Result<HttpResponse, AppError> {
    if let Some(user) = user {
        return Ok(see_other(user.role.home()));
    }
    let page = LoginPage {
        ctx,
        email: String::new(),
        error: String::new(),
    };
    html(&page)
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: SecretString,
}

/// How long an address must still wait after `failures`, the last at `last`.
fn wait_needed(failures: i64, since_last: TimeDelta) -> Option<TimeDelta> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(10) as i32;
    let delay = (FIRST_DELAY * 2_i32.pow(doublings as u32)).min(MAX_DELAY);
    (since_last < delay).then(|| delay - since_last)
}

enum Verdict {
    Throttled,
    Check(Option<accounts::User>),
}

pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    ctx: PageCtx,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let SignInForm { email, password } = form.into_inner();
    let email = email.trim().to_lowercase();
    let addr = state.client_addr(&req);
    let now = state.now();

    // The throttle check and the provisional failure row share one writing transaction, so
    // parallel guesses are counted before any password is verified.
    let (lookup_email, lookup_addr) = (email.clone(), addr.clone());
    let verdict = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                lock_address(conn, &lookup_email)?;
                let from_client =
                    accounts::failures_from_client(conn, &lookup_addr, now - CLIENT_WINDOW)?;
                let (failures, last) =
                    accounts::failures_for_email(conn, &lookup_email, now - TimeDelta::hours(1))?;
                let since_last = last.map(|l| now.naive_utc() - l).unwrap_or(TimeDelta::MAX);
                if from_client >= CLIENT_LIMIT || wait_needed(failures, since_last).is_some() {
                    return Ok(Verdict::Throttled);
                }
                accounts::record_failure(conn, &lookup_addr, &lookup_email, now)?;
                Ok::<_, AppError>(Verdict::Check(accounts::user_by_email(
                    conn,
                    &lookup_email,
                )?))
            })
        })
        .await?;

    let user = match verdict {
        Verdict::Throttled => {
            tracing::info!(client.addr = %addr, "sign-in throttled");
            return render_failure(ctx, email, THROTTLED);
        }
        Verdict::Check(user) => user,
    };
    let stored = user
        .as_ref()
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.clone());
    let verified =
        web::block(move || crate::passwords::verify(password.expose_secret(), stored.as_deref()))
            .await?;

    let user_id = user.as_ref().map(|u| u.id);
    let masked = mask_email(&email);
    let (audit_email, audit_addr) = (email.clone(), addr.clone());
    state
        .db(move |conn| {
            if verified {
                accounts::clear_failures(conn, &audit_email)?;
            }
            let entry = AuditEntry {
                actor_user_id: user_id,
                action: if verified {
                    "sign_in"
                } else {
                    "sign_in_failed"
                },
                object_type: "user",
                object_id: user_id.map(|id| id.to_string()),
                client_addr: Some(&audit_addr),
                detail: (!verified).then_some(masked),
            };
            audit::record(conn, &entry, now)?;
            Ok(())
        })
        .await?;

    match (verified, user) {
        (true, Some(user)) => {
            session.renew();
            session
                .insert(USER_KEY, user.id)
                .map_err(AppError::internal)?;
            session
                .insert(CSRF_KEY, new_token())
                .map_err(AppError::internal)?;
            tracing::info!(user.id = user.id, "signed in");
            let home = user.role().map(|r| r.home()).unwrap_or("/");
            Ok(see_other(home))
        }
        _ => render_failure(ctx, email, WRONG_CREDENTIALS),
    }
}

/// On PostgreSQL, serialises sign-in attempts for one address (SQLite's immediate
/// transaction already does).
fn lock_address(conn: &mut crate::db::AnyConnection, email: &str) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    if let crate::db::AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(email)
            .execute(pg)?;
    }
    Ok(())
}

fn render_failure(ctx: PageCtx, email: String, error: &str) -> Result<HttpResponse, AppError> {
    let page = LoginPage {
        ctx,
        email,
        error: error.to_owned(),
    };
    html(&page)
}

pub async fn sign_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    user: Option<CurrentUser>,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = user {
        let addr = state.client_addr(&req);
        let now = state.now();
        state
            .db(move |conn| {
                let entry = AuditEntry {
                    actor_user_id: Some(user.id),
                    action: "sign_out",
                    object_type: "user",
                    object_id: Some(user.id.to_string()),
                    client_addr: Some(&addr),
                    detail: None,
                };
                Ok(audit::record(conn, &entry, now)?)
            })
            .await?;
    }
    session.purge();
    FlashMessage::info("You are signed out.").send();
    Ok(see_other("/login"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_from_the_fifth_failure_and_stops_at_fifteen_minutes() {
        let just_now = TimeDelta::zero();
        assert_eq!(wait_needed(4, just_now), None);
        assert_eq!(wait_needed(5, just_now), Some(TimeDelta::seconds(30)));
        assert_eq!(wait_needed(6, just_now), Some(TimeDelta::seconds(60)));
        assert_eq!(wait_needed(30, just_now), Some(TimeDelta::minutes(15)));
        assert_eq!(wait_needed(5, TimeDelta::seconds(31)), None);
    }
}
