//! A big upload's background work killed half-way, twice: once while its rows are staged and
//! once inside the commit. The portal runs as a real process that the test kills with
//! SIGKILL; after each restart there is no partial batch, and the work resumes to exactly one
//! referral per row.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use referral_portal::clock::ManualClock;
use referral_portal::db::schema::{jobs, referrals, upload_rows, uploads};
use tokio::process::{Child, Command};

use super::{referral_count, set_limits};
use crate::common::{PASSWORD, TestApp, browser, case_now, fresh_database};

const ROWS: usize = 8000;

/// Starts the portal binary on the database; returns it and its address.
async fn start(database_url: &str, data_dir: &std::path::Path) -> (Child, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_referral-portal"))
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("PORTAL_DATA_DIR", data_dir)
        .env("PORTAL_BIND", format!("127.0.0.1:{port}"))
        .env("PORTAL_BASE_URL", &address)
        .env("PORTAL_WORKER_INTERVAL_MS", "20")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the portal");
    let client = reqwest::Client::new();
    for _ in 0..500 {
        if client
            .get(format!("{address}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the portal did not start");
}

/// The upload's status and staged rows, read straight from the database.
fn state(app: &TestApp, id: i64) -> (String, i32) {
    uploads::table
        .find(id)
        .select((uploads::status, uploads::staged_rows))
        .first(&mut app.conn())
        .expect("upload")
}

/// What a lease running out looks like to the next process: the dead one's claim lapses.
fn expire_leases(app: &TestApp) {
    diesel::update(jobs::table)
        .set(jobs::locked_until.eq(None::<chrono::NaiveDateTime>))
        .execute(&mut app.conn())
        .expect("expire leases");
}

/// Polls the database for up to two minutes: the whole suite shares two cores.
async fn wait_for(app: &TestApp, id: i64, what: impl Fn(&str, i32) -> bool) -> (String, i32) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        let (status, staged) = state(app, id);
        if what(&status, staged) {
            return (status, staged);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let jobs: Vec<(String, String, i32, Option<String>)> = jobs::table
        .select((jobs::kind, jobs::status, jobs::attempts, jobs::last_error))
        .load(&mut app.conn())
        .expect("jobs");
    panic!(
        "upload {id} never reached the awaited state: {:?}; jobs {jobs:?}",
        state(app, id)
    );
}

/// Whether another connection holds the intake write lock right now: SQLite's write lock (a
/// fresh connection without busy timeout cannot begin an immediate transaction), or the
/// PostgreSQL advisory lock intake takes.
fn intake_locked(database_url: &str) -> bool {
    use diesel::connection::SimpleConnection;
    if database_url.starts_with("postgres") {
        let mut conn = diesel::PgConnection::establish(database_url).expect("connect");
        #[derive(QueryableByName)]
        struct Free {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            free: bool,
        }
        let free: Free = diesel::sql_query("SELECT pg_try_advisory_lock(7401) AS free")
            .get_result(&mut conn)
            .expect("probe");
        return !free.free;
    }
    let mut conn = diesel::SqliteConnection::establish(database_url).expect("connect");
    match conn.batch_execute("BEGIN IMMEDIATE") {
        Ok(()) => {
            let _ = conn.batch_execute("ROLLBACK");
            false
        }
        Err(_) => true,
    }
}

/// Waits until the commit transaction is running: its job is claimed and the intake lock has
/// been held for several probes in a row.
async fn wait_inside_commit(app: &TestApp, database_url: &str, id: i64) {
    wait_for_commit_claim(app, id).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut held = 0;
    while std::time::Instant::now() < deadline {
        held = if intake_locked(database_url) {
            held + 1
        } else {
            0
        };
        if held >= 2 {
            return;
        }
        let (status, _) = state(app, id);
        assert_eq!(
            status, "importing",
            "the commit ended before the test could kill it"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("the commit never took the intake lock");
}

/// Waits until a process has claimed the upload's commit job.
async fn wait_for_commit_claim(app: &TestApp, id: i64) {
    let key = format!("upload-commit:{id}");
    for _ in 0..20_000 {
        let attempts: Option<i32> = jobs::table
            .filter(jobs::unique_key.eq(&key))
            .select(jobs::attempts)
            .first(&mut app.conn())
            .optional()
            .expect("job");
        if attempts.is_some_and(|a| a > 0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("the commit job was never claimed");
}

#[tokio::test]
async fn a_big_import_killed_mid_batch_leaves_no_partial_batch_and_resumes_after_restart() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(data_dir.path());
    let (mut portal, address) = start(&database_url, data_dir.path()).await;
    let pool = referral_portal::db::pool::connect(&database_url, 2).expect("pool");
    let (client, jar) = browser();
    let mut app = TestApp {
        port: 0,
        address,
        client,
        jar,
        clock: Arc::new(ManualClock::new(case_now())),
        pool,
        mail_dir: data_dir.path().join("mail"),
        data_dir,
    };
    app.case_fixture();
    set_limits(&app, 10_000, 10 * 1024 * 1024, 100);
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let mut file = String::from("prospect_name,prospect_email,company\r\n");
    for i in 0..ROWS {
        file.push_str(&format!(
            "Crash Test {i:05},crash.{i:05}@example.com,Crash Co {i:05}\r\n"
        ));
    }

    // Killed while the rows are staged: some chunks are in, the batch is not.
    let id = super::upload(&app, "crash.csv", file.into_bytes()).await;
    let (_, staged) = wait_for(&app, id, |s, n| s != "staging" || n > 0).await;
    portal.kill().await.expect("kill");
    let (status, _) = state(&app, id);
    assert_eq!(
        status, "staging",
        "killed after staging finished ({staged} rows)"
    );
    assert_eq!(referral_count(&app), 0);

    // After a restart the staging starts over and every row is there exactly once.
    expire_leases(&app);
    let (mut portal, address) = start(&database_url, app.data_dir.path()).await;
    app.address = address;
    app.login("p.weber@partner-a.example", PASSWORD).await;
    wait_for(&app, id, |s, _| s == "preview").await;
    let staged: i64 = upload_rows::table
        .filter(upload_rows::upload_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(staged, ROWS as i64);

    // Killed inside the commit: nothing of the batch is visible.
    app.post(&format!("/partner/uploads/{id}/confirm"), &[])
        .await;
    wait_inside_commit(&app, &database_url, id).await;
    portal.kill().await.expect("kill");
    let (status, _) = state(&app, id);
    assert_eq!(status, "importing", "killed after the commit finished");
    assert_eq!(referral_count(&app), 0);
    let page_after_crash = {
        expire_leases(&app);
        let (portal, address) = start(&database_url, app.data_dir.path()).await;
        app.address = address;
        // Sign in once the resumed commit is through: on SQLite a request that writes (the
        // session) waits for the commit's lock.
        wait_for(&app, id, |s, _| s == "done").await;
        app.login("p.weber@partner-a.example", PASSWORD).await;
        let page = app.get(&format!("/partner/uploads/{id}")).await;
        drop(portal);
        page
    };
    assert_eq!(page_after_crash.text("#upload-status"), "Imported");

    let emails: std::collections::HashSet<Option<String>> = referrals::table
        .filter(referrals::upload_id.eq(id))
        .select(referrals::email)
        .load::<Option<String>>(&mut app.conn())
        .expect("emails")
        .into_iter()
        .collect();
    assert_eq!((referral_count(&app), emails.len()), (ROWS as i64, ROWS));
}
