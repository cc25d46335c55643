//! The HTTP side: one module per area, each with `configure()`, plus the shared plumbing
//! (state, page context, guards, CSRF and security headers).

pub mod admin;
pub mod auth;
pub mod context;
pub mod csv_download;
pub mod escape;
pub mod forms;
pub mod guard;
pub mod incentives;
pub mod partner;
pub mod rep;
pub mod security;
pub mod time;
pub mod uploads;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::{AnyConnection, DbPool};
use crate::error::AppError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub clock: SharedClock,
    pub config: Arc<Config>,
    /// Wakes the outbox worker after a request queued mail.
    pub mail_wake: Arc<Notify>,
}

impl AppState {
    /// Runs database work on the blocking pool.
    pub async fn db<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The client's address: the peer, or the forwarded-for entry when the peer is a trusted
    /// proxy.
    pub fn client_addr(&self, req: &HttpRequest) -> String {
        let peer = req.peer_addr().map(|a| a.ip());
        if let Some(peer_ip) = peer
            && self.config.trusted_proxies.contains(&peer_ip)
            && let Some(forwarded) = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
            && let Some(last) = forwarded.rsplit(',').map(str::trim).find(|s| !s.is_empty())
            && let Ok(ip) = last.parse::<std::net::IpAddr>()
        {
            return ip.to_string();
        }
        peer.map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

/// Renders a page template into a 200 response.
pub fn html(page: &impl askama::Template) -> Result<HttpResponse, AppError> {
    html_status(page, actix_web::http::StatusCode::OK)
}

/// Renders a page with another status: 422 for a form with errors, 409, 410 and so on.
pub fn html_status(
    page: &impl askama::Template,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// Renders a form page: 422 when it shows errors, 200 otherwise.
pub fn form_page(page: &impl askama::Template, has_errors: bool) -> Result<HttpResponse, AppError> {
    let status = if has_errors {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    html_status(page, status)
}

/// Redirects to a page after a successful POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

/// Every route of the portal.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/healthz", web::get().to(|| async { "ok" }));
    auth::configure(cfg);
    partner::configure(cfg);
    admin::configure(cfg);
    rep::configure(cfg);
    cfg.default_service(web::to(not_found));
}

/// Any address no route claims.
async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Sends each person to the start page of their role.
async fn home(user: Option<guard::CurrentUser>) -> HttpResponse {
    use guard::RoleHome;
    match user {
        None => see_other("/login"),
        Some(u) => see_other(u.role.home()),
    }
}
