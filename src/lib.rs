//! Partner referral portal: the library behind the `referral-portal` binary. `build` takes an
//! already-bound listener so tests can serve on port 0.

pub mod assignment;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
mod extractor_errors;
pub mod incentives;
pub mod invites;
pub mod jobs;
pub mod mail;
pub mod passwords;
pub mod pipeline;
pub mod review;
pub mod stages;
pub mod telemetry;
pub mod uploads;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web as aw};
use actix_web_flash_messages::FlashMessagesFramework;
use actix_web_flash_messages::storage::CookieMessageStore;
use tokio::sync::Notify;
use tracing_actix_web::TracingLogger;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::DbPool;
use crate::db::sessions::DbSessionStore;
use crate::jobs::{JobContext, JobRunner, RunnerSettings};
use crate::mail::delivery::DeliverMail;
use crate::mail::transport::MailTransport;
use crate::web::AppState;

/// Why the portal could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Mail(#[from] mail::MailError),
    #[error("could not prepare {0}: {1}")]
    Io(String, #[source] std::io::Error),
}

/// A portal ready to serve.
pub struct Application {
    pub server: Server,
    pub port: u16,
    pub pool: DbPool,
}

/// Names this process in job claims: host, process id, port and a random suffix.
fn worker_id(port: u16) -> String {
    let host = hostname_or_local();
    let mut suffix = [0u8; 3];
    rand::fill(&mut suffix);
    format!(
        "{host}-{}-{port}-{}",
        std::process::id(),
        hex::encode(suffix)
    )
}

fn hostname_or_local() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".into())
}

const STYLESHEET: &str = include_str!("../static/portal.css");

/// Connects to the database (migrating it), starts the mail worker and builds the HTTP server
/// on `listener`. Must be called inside a Tokio runtime.
pub fn build(
    config: Config,
    listener: TcpListener,
    clock: SharedClock,
    http_workers: usize,
) -> Result<Application, StartError> {
    let pool = db::pool::connect(config.database_url(), config.db_pool_size)?;
    let port = listener
        .local_addr()
        .map_err(|e| StartError::Io("the listener".into(), e))?
        .port();

    let transport = match &config.smtp_url {
        Some(url) => MailTransport::smtp(secrecy::ExposeSecret::expose_secret(url))?,
        None => MailTransport::file(config.mail_dir())
            .map_err(|e| StartError::Io(config.mail_dir().display().to_string(), e))?,
    };
    let mail_wake = Arc::new(Notify::new());
    let deliver_mail = DeliverMail {
        transport,
        from: config.mail_from.clone(),
        message_id_domain: config.base_url.host_str().unwrap_or("localhost").to_owned(),
    };
    let runner = JobRunner::new(
        JobContext {
            pool: pool.clone(),
            clock: clock.clone(),
        },
        RunnerSettings {
            worker_id: worker_id(port),
            lease: config.job_lease,
            interval: config.worker_interval,
            batch: 10,
        },
        mail_wake.clone(),
    )
    .handle(db::outbox::DELIVER_MAIL, Arc::new(deliver_mail))
    .handle(
        assignment::SLA_REMINDER,
        Arc::new(assignment::jobs::SlaReminder {
            rep_link_base: config.link("/rep/referrals/"),
        }),
    )
    .handle(
        assignment::SLA_ESCALATION,
        Arc::new(assignment::jobs::SlaEscalation {
            rep_link_base: config.link("/rep/referrals/"),
        }),
    )
    .every(
        incentives::ledger::HOLDING_JOB,
        chrono::TimeDelta::hours(1),
        Arc::new(incentives::ledger::ReleaseHeld),
    )
    .every(
        incentives::statements::STATEMENTS_JOB,
        chrono::TimeDelta::hours(1),
        Arc::new(incentives::statements::CloseStatements {
            link_base: config.link("/partner/rewards/statements/"),
        }),
    )
    .handle(
        uploads::IMPORT_UPLOAD,
        Arc::new(uploads::ImportUpload {
            link_base: config.base_url.as_str().trim_end_matches('/').to_owned(),
        }),
    )
    .every(
        incentives::tiers::job::TIER_REVIEW,
        chrono::TimeDelta::hours(1),
        Arc::new(incentives::tiers::job::TierReview {
            link: config.link("/partner/tier"),
        }),
    );
    tokio::spawn(runner.run());

    let key = Key::from(config.secret_key.bytes());
    let secure = config.is_production();
    let state = AppState {
        pool: pool.clone(),
        clock: clock.clone(),
        config: Arc::new(config),
        mail_wake,
    };
    let store = DbSessionStore::new(pool.clone(), clock);
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(store.clone(), key.clone())
            .cookie_name("portal_session".into())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .session_lifecycle(
                BrowserSession::default()
                    .state_ttl(CookieDuration::hours(12))
                    .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
            )
            .build();
        App::new()
            .app_data(aw::Data::new(state.clone()))
            .app_data(extractor_errors::form())
            .app_data(extractor_errors::query())
            .app_data(extractor_errors::path())
            .app_data(aw::PayloadConfig::new(extractor_errors::BODY_LIMIT))
            .route(
                "/static/portal.css",
                aw::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/css; charset=utf-8")
                        .insert_header(("Cache-Control", "public, max-age=3600"))
                        .body(STYLESHEET)
                }),
            )
            .configure(web::configure)
            .wrap(from_fn(web::guard::load_user))
            .wrap(from_fn(web::security::verify_post))
            .wrap(sessions)
            .wrap(
                FlashMessagesFramework::builder(
                    CookieMessageStore::builder(key.clone())
                        .same_site(SameSite::Lax)
                        .build(),
                )
                .build(),
            )
            .wrap(web::security::headers())
            .wrap(Compress::default())
            .wrap(TracingLogger::default())
    })
    .workers(http_workers)
    .listen(listener)
    .map_err(|e| StartError::Io("the HTTP listener".into(), e))?
    .run();

    Ok(Application { server, port, pool })
}
