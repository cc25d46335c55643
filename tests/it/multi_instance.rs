//! Several portal processes on one PostgreSQL database: mail queued through requests spread
//! over three instances is delivered completely, one instance is killed mid-sending, and
//! the job log proves no two processes ever held the same job at once. Needs
//! TEST_DATABASE_URL (SQLite serves one process only).

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use diesel::prelude::*;
use referral_portal::db::accounts::{self, NewUser, Role};
use referral_portal::db::schema::{jobs, outbox};
use referral_portal::db::{db_time, jobs as job_queries};

use crate::smtp::SmtpSink;

const INSTANCES: usize = 3;
const MAILS: usize = 240;
const LEASE_SECONDS: i64 = 3;

struct Instance {
    child: Child,
    base: String,
    client: reqwest::Client,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start_instance(
    database_url: &str,
    smtp_url: &str,
    secret: &str,
    jar: &std::sync::Arc<reqwest::cookie::Jar>,
) -> Instance {
    let port = free_port();
    let data_dir = tempfile::tempdir().expect("temp dir").keep();
    let child = Command::new(env!("CARGO_BIN_EXE_referral-portal"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("SMTP_URL", smtp_url)
        .env("PORTAL_BIND", format!("127.0.0.1:{port}"))
        .env("PORTAL_DATA_DIR", &data_dir)
        .env("PORTAL_SECRET_KEY", secret)
        .env("PORTAL_WORKER_INTERVAL_MS", "50")
        .env("PORTAL_JOB_LEASE_SECONDS", LEASE_SECONDS.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a portal process");
    // One browser for all instances: sessions live in the shared database and cookies are
    // signed with the shared key, so a sign-in on one instance holds on the others.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .expect("client");
    Instance {
        child,
        base: format!("http://127.0.0.1:{port}"),
        client,
    }
}

async fn wait_until_up(instance: &Instance) {
    for _ in 0..300 {
        if let Ok(resp) = instance
            .client
            .get(format!("{}/healthz", instance.base))
            .send()
            .await
            && resp.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} did not come up", instance.base);
}

async fn csrf_token(instance: &Instance, path: &str) -> String {
    let page = instance
        .client
        .get(format!("{}{path}", instance.base))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    scraper::Html::parse_document(&page)
        .select(&scraper::Selector::parse("input[name=csrf_token]").expect("selector"))
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_owned))
        .expect("csrf token")
}

async fn post(instance: &Instance, path: &str, fields: &[(&str, &str)]) {
    let token = csrf_token(instance, "/password/forgot").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let response = instance
        .client
        .post(format!("{}{path}", instance.base))
        .form(&all)
        .send()
        .await
        .expect("POST");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(
        status,
        reqwest::StatusCode::SEE_OTHER,
        "POST {path}: {body}"
    );
}

#[tokio::test]
async fn three_instances_deliver_every_mail_once_even_when_one_is_killed() {
    if std::env::var("TEST_DATABASE_URL")
        .map(|v| v.is_empty())
        .unwrap_or(true)
    {
        eprintln!("multi-instance test skipped: it needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let scratch = tempfile::tempdir().expect("temp dir");
    let database_url = crate::common::fresh_database(scratch.path());
    let pool = referral_portal::db::pool::connect(&database_url, 4).expect("migrate");
    let hash = referral_portal::passwords::hash("the admin's password").expect("hash");
    accounts::insert_user(
        &mut pool.get().expect("conn"),
        &NewUser {
            email: "admin@vendor.example",
            display_name: "Admin",
            role: Role::Admin.as_str(),
            organisation_id: None,
            password_hash: Some(&hash),
            active: true,
            time_zone: "UTC",
            created_at: db_time(chrono::Utc::now()),
        },
    )
    .expect("admin");
    let sink = SmtpSink::start(Duration::from_millis(15)).await;
    let secret = referral_portal::config::SecretKey::generate();
    let secret = hex::encode(secret.bytes());
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let mut instances: Vec<Instance> = (0..INSTANCES)
        .map(|_| start_instance(&database_url, &sink.url(), &secret, &jar))
        .collect();
    for instance in &instances {
        wait_until_up(instance).await;
    }
    let killed_pid = instances[0].child.id();

    // Queue the mail through real requests, spread over the three instances: the admin
    // invites colleagues, and each invitation is an email.
    post(
        &instances[0],
        "/login",
        &[
            ("email", "admin@vendor.example"),
            ("password", "the admin's password"),
        ],
    )
    .await;
    for i in 0..MAILS {
        let email = format!("colleague{i}@vendor.example");
        post(
            &instances[i % INSTANCES],
            "/admin/users",
            &[
                ("email", &email),
                ("display_name", "Colleague"),
                ("role", "rep"),
            ],
        )
        .await;
    }
    // Kill the first instance while it is sending.
    let started = Instant::now();
    while sink.received().len() < MAILS / 4 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    instances[0].child.kill().expect("kill");
    let _ = instances[0].child.wait();

    // Everything is delivered once the killed process's leases run out.
    let mut conn = pool.get().expect("conn");
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let pending: i64 = outbox::table
            .filter(outbox::status.ne("sent"))
            .count()
            .get_result(&mut conn)
            .expect("count");
        if pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{pending} messages never sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for instance in instances.iter_mut().skip(1) {
        let _ = instance.child.kill();
        let _ = instance.child.wait();
    }

    // Every queued Message-ID arrived; only the killed process's in-flight ones twice.
    let queued: Vec<(i64, String)> = outbox::table
        .select((outbox::id, outbox::message_id))
        .load(&mut conn)
        .expect("outbox");
    assert_eq!(queued.len(), MAILS);
    let mut arrivals: HashMap<String, usize> = HashMap::new();
    for received in sink.received() {
        assert_eq!(received.recipients.len(), 1);
        assert!(received.data.contains("/invitation/"));
        *arrivals.entry(received.message_id).or_default() += 1;
    }
    let killed_marker = format!("-{killed_pid}-");
    let mut repeated_after_kill = 0;
    let mut killed_jobs = HashSet::new();
    for (outbox_id, message_id) in &queued {
        let arrived = arrivals
            .get(&format!("<{message_id}@127.0.0.1>"))
            .copied()
            .unwrap_or(0);
        assert!(arrived >= 1, "message {message_id} never arrived");
        let job_id: i64 = jobs::table
            .filter(jobs::payload.eq(outbox_id.to_string()))
            .select(jobs::id)
            .first(&mut conn)
            .expect("job");
        let attempts = job_queries::attempts_of(&mut conn, job_id).expect("attempts");
        if attempts.iter().any(|a| a.worker.contains(&killed_marker)) {
            killed_jobs.insert(job_id);
        }
        if arrived > 1 {
            repeated_after_kill += 1;
            assert!(arrived == 2, "message {message_id} arrived {arrived} times");
            assert!(
                attempts
                    .first()
                    .is_some_and(|a| a.worker.contains(&killed_marker) && a.finished_at.is_none()),
                "only a message the killed process had in flight may arrive twice: {attempts:?}"
            );
        }
        // No two processes held the job at once: a later claim starts only after the earlier
        // one finished or its lease ran out.
        for pair in attempts.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            let released = earlier
                .finished_at
                .unwrap_or(earlier.started_at + TimeDelta::seconds(LEASE_SECONDS));
            assert!(
                later.started_at >= released,
                "overlapping claims of job {job_id}: {attempts:?}"
            );
        }
    }
    eprintln!(
        "multi-instance: {} messages, {} arrivals, {} jobs touched by the killed process, {} repeated",
        queued.len(),
        arrivals.values().sum::<usize>(),
        killed_jobs.len(),
        repeated_after_kill
    );
    assert!(
        !killed_jobs.is_empty(),
        "the killed instance had taken part in sending"
    );
    assert!(
        repeated_after_kill <= 10,
        "{repeated_after_kill} repeats: more than the killed batch in flight"
    );
}
