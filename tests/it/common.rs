//! `spawn_app()` and the helpers tests share: a cookie-keeping client that does not follow
//! redirects, CSRF-aware form posts, fixtures built through the app's own db functions, and
//! reading mail back from the file transport.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use diesel::Connection;
use referral_portal::clock::ManualClock;
use referral_portal::config::Config;
use referral_portal::db::accounts::{self, NewOrganisation, NewUser, Role};
use referral_portal::db::{DbPool, db_time};
use reqwest::StatusCode;
use scraper::{Html, Selector};

/// The instant the cases call "now".
pub fn case_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0)
        .single()
        .expect("valid instant")
}

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub clock: Arc<ManualClock>,
    pub pool: DbPool,
    pub mail_dir: PathBuf,
    pub data_dir: tempfile::TempDir,
    /// Last, so it goes after everything that uses the database.
    pub database: Arc<TestDatabase>,
}

/// The test's own database; a PostgreSQL one is dropped when the last handle goes, so runs
/// against a long-lived server do not pile up databases.
pub struct TestDatabase {
    pub url: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            return;
        };
        let Some(name) = self
            .url
            .starts_with("postgres")
            .then(|| url::Url::parse(&self.url).ok())
            .flatten()
            .map(|u| u.path().trim_start_matches('/').to_owned())
        else {
            return;
        };
        // The app's pool may still hold connections: FORCE ends them. A failure only leaves
        // the database behind, as before.
        if let Ok(mut conn) = diesel::PgConnection::establish(&admin_url) {
            let _ = diesel::RunQueryDsl::execute(
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
                &mut conn,
            );
        }
    }
}

/// A fresh database URL: a temp SQLite file, or a new PostgreSQL database.
pub fn fresh_database(data_dir: &std::path::Path) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!(
                "portal_test_{}",
                referral_portal::web::security::new_token()[..16].to_owned()
            );
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .expect("TEST_DATABASE_URL must reach a PostgreSQL server");
            diesel::RunQueryDsl::execute(
                diesel::sql_query(format!("CREATE DATABASE {name}")),
                &mut conn,
            )
            .expect("create test database");
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            url.to_string()
        }
        _ => data_dir.join("portal.db").to_string_lossy().into_owned(),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_at(case_now()).await
}

pub async fn spawn_app_at(now: DateTime<Utc>) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a random port");
    let port = listener.local_addr().expect("local addr").port();
    let database_url = fresh_database(data_dir.path());
    let dir = data_dir.path().to_string_lossy().into_owned();
    let config = Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.clone()),
        "PORTAL_DATA_DIR" => Some(dir.clone()),
        "PORTAL_BASE_URL" => Some(format!("http://127.0.0.1:{port}")),
        "PORTAL_WORKER_INTERVAL_MS" => Some("20".into()),
        "PORTAL_DB_POOL_SIZE" => Some("4".into()),
        _ => None,
    })
    .expect("test configuration");
    let mail_dir = config.mail_dir();
    let clock = Arc::new(ManualClock::new(now));
    let app = referral_portal::build(config, listener, clock.clone(), 1).expect("app starts");
    tokio::spawn(app.server);
    let (client, jar) = browser();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        jar,
        clock,
        pool: app.pool,
        mail_dir,
        data_dir,
        database: Arc::new(TestDatabase { url: database_url }),
    }
}

/// A client that keeps cookies in a jar the test can read, and never follows redirects.
pub fn browser() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .expect("client");
    (client, jar)
}

/// A response read to the end.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// Texts of every element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    pub fn text(&self, selector: &str) -> String {
        self.texts(selector).join(" ")
    }

    pub fn attr(&self, selector: &str, attr: &str) -> Option<String> {
        let selector = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr(attr).map(str::to_owned))
    }

    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "body: {}", self.body);
        assert_eq!(self.location.as_deref(), Some(to));
    }
}

/// Reads a response to the end.
pub async fn read(resp: reqwest::Response) -> Page {
    let status = resp.status();
    let headers = resp.headers().clone();
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.text().await.expect("body");
    Page {
        status,
        location,
        body,
        headers,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Page {
        read(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    /// The session's CSRF token, read from a page that always carries it.
    pub async fn csrf(&self) -> String {
        self.get("/password/forgot")
            .await
            .attr("input[name=csrf_token]", "value")
            .expect("a CSRF token on the page")
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly the given fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        read(
            self.client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        let token = self
            .get("/login")
            .await
            .attr("input[name=csrf_token]", "value");
        let token = match token {
            Some(t) => t,
            None => self.csrf().await,
        };
        self.post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// A second browser: its own cookies, same server.
    pub fn new_browser(&self) -> TestApp {
        let (client, jar) = browser();
        TestApp {
            address: self.address.clone(),
            port: self.port,
            client,
            jar,
            clock: self.clock.clone(),
            pool: self.pool.clone(),
            mail_dir: self.mail_dir.clone(),
            data_dir: tempfile::tempdir().expect("temp dir"),
            database: self.database.clone(),
        }
    }

    /// The value of the session cookie as the browser would send it ("name=value").
    pub fn session_cookie(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.address).expect("url");
        let header = self
            .jar
            .cookies(&url)
            .and_then(|h| h.to_str().ok().map(str::to_owned))
            .unwrap_or_default();
        header
            .split("; ")
            .find(|c| c.starts_with("portal_session="))
            .map(str::to_owned)
            .unwrap_or_default()
    }

    pub fn conn(&self) -> referral_portal::db::DbConn {
        self.pool.get().expect("a connection")
    }

    pub fn create_org(&self, name: &str, phone_country: &str) -> i64 {
        accounts::insert_organisation(
            &mut self.conn(),
            &NewOrganisation {
                name,
                country: Some(phone_country),
                default_phone_country: phone_country,
                created_at: db_time(self.clock_now()),
            },
        )
        .expect("organisation")
        .id
    }

    pub fn create_user(&self, email: &str, role: Role, org: Option<i64>) -> i64 {
        let hash = referral_portal::passwords::hash(PASSWORD).expect("hash");
        accounts::insert_user(
            &mut self.conn(),
            &NewUser {
                email,
                display_name: email.split('@').next().unwrap_or(email),
                role: role.as_str(),
                organisation_id: org,
                password_hash: Some(&hash),
                active: true,
                time_zone: "Europe/Berlin",
                created_at: db_time(self.clock_now()),
            },
        )
        .expect("user")
        .id
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        referral_portal::clock::Clock::now(self.clock.as_ref())
    }

    /// The cases' shared fixture: Partner A and B with one user each, and two admins.
    pub fn case_fixture(&self) -> Fixture {
        let partner_a = self.create_org("Partner A", "GB");
        let partner_b = self.create_org("Partner B", "GB");
        Fixture {
            partner_a,
            partner_b,
            weber: self.create_user(
                "p.weber@partner-a.example",
                Role::PartnerOwner,
                Some(partner_a),
            ),
            lund: self.create_user(
                "j.lund@partner-b.example",
                Role::PartnerOwner,
                Some(partner_b),
            ),
            admin_x: self.create_user("admin.x@vendor.example", Role::Admin, None),
            admin_y: self.create_user("admin.y@vendor.example", Role::Admin, None),
        }
    }

    /// Every message the file transport wrote, parsed, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        let Ok(dir) = std::fs::read_dir(&self.mail_dir) else {
            return Vec::new();
        };
        let mut mails: Vec<(std::time::SystemTime, Mail)> = dir
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| {
                let raw = std::fs::read(e.path()).ok()?;
                let modified = e.metadata().ok()?.modified().ok()?;
                Some((modified, Mail::parse(&raw)))
            })
            .collect();
        mails.sort_by_key(|(t, _)| *t);
        mails.into_iter().map(|(_, m)| m).collect()
    }

    /// Waits until at least `count` messages to `to` were written, and returns them.
    pub async fn wait_for_mail(&self, to: &str, count: usize) -> Vec<Mail> {
        for _ in 0..250 {
            let found: Vec<Mail> = self
                .mails()
                .into_iter()
                .filter(|m| m.to.contains(to))
                .collect();
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "expected {count} mail(s) to {to}, found {:?}",
            self.mails()
                .iter()
                .map(|m| (&m.to, &m.subject))
                .collect::<Vec<_>>()
        );
    }

    /// Gives the worker time to send whatever is queued, then returns all mail to `to`.
    pub async fn settled_mail_to(&self, to: &str) -> Vec<Mail> {
        for _ in 0..100 {
            let pending =
                referral_portal::db::outbox::pending_count(&mut self.conn()).expect("count");
            if pending == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.mails()
            .into_iter()
            .filter(|m| m.to.contains(to))
            .collect()
    }
}

pub struct Fixture {
    pub partner_a: i64,
    pub partner_b: i64,
    pub weber: i64,
    pub lund: i64,
    pub admin_x: i64,
    pub admin_y: i64,
}

/// A delivered message, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl Mail {
    fn parse(raw: &[u8]) -> Mail {
        let parsed = mailparse::parse_mail(raw).expect("a parseable message");
        let header = |name: &str| {
            parsed
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case(name))
                .map(|h| h.get_value())
                .unwrap_or_default()
        };
        let mut text = String::new();
        let mut html = String::new();
        for part in parsed.parts() {
            match part.ctype.mimetype.as_str() {
                "text/plain" => text = part.get_body().unwrap_or_default(),
                "text/html" => html = part.get_body().unwrap_or_default(),
                _ => {}
            }
        }
        Mail {
            to: header("To"),
            subject: header("Subject"),
            message_id: header("Message-ID"),
            text,
            html,
            raw: String::from_utf8_lossy(raw).into_owned(),
        }
    }

    /// The first link in the text part that starts with `prefix`'s path.
    pub fn link(&self, path_prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.contains(path_prefix))
            .map(|w| {
                let start = w.find(path_prefix).unwrap_or(0);
                w[start..].to_owned()
            })
            .unwrap_or_else(|| panic!("no {path_prefix} link in {}", self.text))
    }
}
