//! A big upload's background work killed half-way, twice: once while its rows are staged and
//! once inside the commit. The portal runs as a real process with the import's test-only
//! pause point set (`PORTAL_TEST_PAUSE_IMPORT`), so it stops at a known row; the test then
//! kills it with SIGKILL. After each restart there is no partial batch, and the work resumes
//! to exactly one referral per row. While the commit waits between its chunks the portal keeps
//! serving (the form is not blocked) and its hidden rows show nowhere; when the job gives up,
//! the hidden rows go and the upload says nothing was saved.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;
use referral_portal::clock::ManualClock;
use referral_portal::db::schema::{jobs, referrals, upload_rows, uploads};
use tokio::process::{Child, Command};

use super::{referral_count, set_limits};
use crate::common::{PASSWORD, TestApp, TestDatabase, browser, case_now, fresh_database};

const ROWS: usize = 3000;
/// Rows staged before the first kill: two chunks of 500 are saved, the rest are not.
const STAGE_PAUSE: i64 = 1000;
/// Rows committed (inside the open commit) before the second kill.
const COMMIT_PAUSE: i64 = 1500;

/// Starts the portal binary on the database; returns it and its address.
/// With `pause`, the import stops at that point and says so in `<data_dir>/portal.err`.
async fn start(
    database_url: &str,
    data_dir: &std::path::Path,
    pause: Option<&str>,
) -> (Child, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let stderr = std::fs::File::create(data_dir.join("portal.err")).expect("stderr file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_referral-portal"));
    command
        .env_clear()
        .env("DATABASE_URL", database_url)
        .env("PORTAL_DATA_DIR", data_dir)
        .env("PORTAL_BIND", format!("127.0.0.1:{port}"))
        .env("PORTAL_BASE_URL", &address)
        .env("PORTAL_WORKER_INTERVAL_MS", "20")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true);
    if let Some(pause) = pause {
        command.env(referral_portal::uploads::PAUSE_VAR, pause);
    }
    let child = command.spawn().expect("start the portal");
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

/// Waits until the portal reports that the import stopped at its pause point.
async fn wait_for_pause(app: &TestApp, expected: &str) {
    let path = app.data_dir.path().join("portal.err");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        let err = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(line) = err.lines().find(|l| l.starts_with("PORTAL_TEST_PAUSED")) {
            assert_eq!(line, format!("PORTAL_TEST_PAUSED {expected}"));
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the import never reached its pause point {expected}: {}",
        std::fs::read_to_string(&path).unwrap_or_default()
    );
}

/// The rows staged for an upload, and how many distinct row numbers they have.
fn staged_rows(app: &TestApp, id: i64) -> (i64, i64) {
    let row_nos: Vec<i32> = upload_rows::table
        .filter(upload_rows::upload_id.eq(id))
        .select(upload_rows::row_no)
        .load(&mut app.conn())
        .expect("rows");
    let distinct: std::collections::HashSet<i32> = row_nos.iter().copied().collect();
    (row_nos.len() as i64, distinct.len() as i64)
}

/// A test client of the portal process at `address`, with its own handle on the database.
fn client_of(address: String, database_url: &str, data_dir: tempfile::TempDir) -> TestApp {
    let pool = referral_portal::db::pool::connect(database_url, 2).expect("pool");
    let (client, jar) = browser();
    TestApp {
        port: 0,
        address,
        client,
        jar,
        clock: Arc::new(ManualClock::new(case_now())),
        pool,
        mail_dir: data_dir.path().join("mail"),
        data_dir,
        database: Arc::new(TestDatabase {
            url: database_url.to_owned(),
        }),
    }
}

#[tokio::test]
async fn a_big_import_killed_mid_batch_leaves_no_partial_batch_and_resumes_after_restart() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(data_dir.path());
    let (mut portal, address) = start(
        &database_url,
        data_dir.path(),
        Some(&format!("stage:{STAGE_PAUSE}")),
    )
    .await;
    let mut app = client_of(address, &database_url, data_dir);
    app.case_fixture();
    set_limits(&app, 10_000, 10 * 1024 * 1024, 100);
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let mut file = String::from("prospect_name,prospect_email,company\r\n");
    for i in 0..ROWS {
        file.push_str(&format!(
            "Crash Test {i:05},crash.{i:05}@example.com,Crash Co {i:05}\r\n"
        ));
    }

    // Killed while the rows are staged: two chunks are in, the batch is not.
    let id = super::upload(&app, "crash.csv", file.into_bytes()).await;
    wait_for_pause(&app, &format!("stage {STAGE_PAUSE}")).await;
    portal.kill().await.expect("kill");
    assert_eq!(state(&app, id), ("staging".to_owned(), STAGE_PAUSE as i32));
    assert_eq!(staged_rows(&app, id), (STAGE_PAUSE, STAGE_PAUSE));
    assert_eq!(referral_count(&app), 0);

    // After a restart the staging starts over and every row is there exactly once.
    expire_leases(&app);
    let (mut portal, address) = start(
        &database_url,
        app.data_dir.path(),
        Some(&format!("commit:{COMMIT_PAUSE}")),
    )
    .await;
    app.address = address;
    app.login("p.weber@partner-a.example", PASSWORD).await;
    wait_for(&app, id, |s, _| s == "preview").await;
    assert_eq!(staged_rows(&app, id), (ROWS as i64, ROWS as i64));

    // Paused between two chunks of the commit, with 1,500 rows written (hidden): the portal
    // keeps serving, and nothing of the batch is visible.
    app.post(&format!("/partner/uploads/{id}/confirm"), &[])
        .await;
    wait_for_pause(&app, &format!("commit {COMMIT_PAUSE}")).await;
    assert_eq!(hidden_count(&app, id), COMMIT_PAUSE);
    assert_eq!(referral_count(&app), COMMIT_PAUSE);
    nothing_of_the_batch_is_visible(&app, id).await;
    a_form_submission_is_not_blocked(&app).await;

    // Killed there: after the restart the commit resumes after its last chunk.
    portal.kill().await.expect("kill");
    let (status, _) = state(&app, id);
    assert_eq!(status, "importing", "killed after the commit finished");
    assert_eq!(hidden_count(&app, id), COMMIT_PAUSE);
    assert_eq!(visible_count(&app, id), 0);
    let page_after_crash = {
        expire_leases(&app);
        let (portal, address) = start(&database_url, app.data_dir.path(), None).await;
        app.address = address;
        wait_for(&app, id, |s, _| s == "done").await;
        app.login("p.weber@partner-a.example", PASSWORD).await;
        let page = app.get(&format!("/partner/uploads/{id}")).await;
        drop(portal);
        page
    };
    assert_eq!(page_after_crash.text("#upload-status"), "Imported");
    assert_eq!(super::outcomes(&app, id), vec!["new".to_owned(); ROWS]);

    let emails: std::collections::HashSet<Option<String>> = referrals::table
        .filter(referrals::upload_id.eq(id))
        .select(referrals::email)
        .load::<Option<String>>(&mut app.conn())
        .expect("emails")
        .into_iter()
        .collect();
    assert_eq!((visible_count(&app, id), emails.len()), (ROWS as i64, ROWS));
    assert_eq!(hidden_count(&app, id), 0);
    // The form's referral made during the pause, and the batch.
    assert_eq!(referral_count(&app), ROWS as i64 + 1);
}

/// Referrals of the upload still hidden, and those shown.
fn hidden_count(app: &TestApp, id: i64) -> i64 {
    referrals::table
        .filter(referrals::upload_id.eq(id))
        .filter(referrals::upload_pending.eq(true))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

fn visible_count(app: &TestApp, id: i64) -> i64 {
    referrals::table
        .filter(referrals::upload_id.eq(id))
        .filter(referrals::upload_pending.eq(false))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

/// The lowest id of the upload's hidden referrals.
fn a_hidden_id(app: &TestApp, id: i64) -> i64 {
    referrals::table
        .filter(referrals::upload_id.eq(id))
        .filter(referrals::upload_pending.eq(true))
        .select(referrals::id)
        .order(referrals::id.asc())
        .first(&mut app.conn())
        .expect("a hidden referral")
}

/// The partner's dashboard, the admin queue and the detail pages show nothing of the batch.
async fn nothing_of_the_batch_is_visible(app: &TestApp, id: i64) {
    let hidden = a_hidden_id(app, id);
    let dashboard = app.get("/partner").await;
    assert_eq!(dashboard.status, reqwest::StatusCode::OK);
    assert!(!dashboard.body.contains("Crash Test"), "{}", dashboard.body);
    assert!(!dashboard.body.contains("Crash Co"));
    let detail = app.get(&format!("/partner/referrals/{hidden}")).await;
    assert_eq!(detail.status, reqwest::StatusCode::NOT_FOUND);

    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;
    let queue = admin.get("/admin").await;
    assert_eq!(queue.status, reqwest::StatusCode::OK);
    assert!(!queue.body.contains("Crash Co"), "{}", queue.body);
    let detail = admin.get(&format!("/admin/referrals/{hidden}")).await;
    assert_eq!(detail.status, reqwest::StatusCode::NOT_FOUND);
    let page = admin.get(&format!("/admin/uploads/{id}")).await;
    assert_eq!(page.text("#upload-status"), "Importing");
}

/// While the import waits between chunks, the form takes a new referral at once and refuses
/// one for a prospect of the hidden batch as already referred.
async fn a_form_submission_is_not_blocked(app: &TestApp) {
    let started = std::time::Instant::now();
    let page = crate::referrals::submit(
        app,
        &[
            ("first_name", "Nora"),
            ("last_name", "Quist"),
            ("email", "nora.quist@quist-example.com"),
            ("company", "Quist Logistics"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(page.status, reqwest::StatusCode::SEE_OTHER, "{}", page.body);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the form waited for the import"
    );
    let page = crate::referrals::submit(
        app,
        &[
            ("first_name", "Crash"),
            ("last_name", "Test 00007"),
            ("email", "crash.00007@example.com"),
            ("company", "Crash Co 00007"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(page.status, reqwest::StatusCode::CONFLICT, "{}", page.body);
}

#[tokio::test]
async fn a_commit_given_up_half_way_leaves_nothing_of_the_batch() {
    const ROWS: usize = 1200;
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(data_dir.path());
    let (mut portal, address) = start(&database_url, data_dir.path(), Some("commit:500")).await;
    let mut app = client_of(address, &database_url, data_dir);
    app.case_fixture();
    set_limits(&app, 10_000, 10 * 1024 * 1024, 100);
    app.login("p.weber@partner-a.example", PASSWORD).await;
    // Row 4 of the file is already referred: its conflict waits with the batch.
    let page = crate::referrals::submit(
        &app,
        &[
            ("first_name", "Given"),
            ("last_name", "Up"),
            ("email", "given.00003@example.com"),
            ("company", "Earlier Co"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(page.status, reqwest::StatusCode::SEE_OTHER, "{}", page.body);
    let mut file = String::from("prospect_name,prospect_email,company\r\n");
    for i in 0..ROWS {
        file.push_str(&format!(
            "Given Up {i:05},given.{i:05}@example.com,Given Co {i:05}\r\n"
        ));
    }
    let id = super::upload(&app, "given-up.csv", file.into_bytes()).await;
    wait_for(&app, id, |s, _| s == "preview").await;
    app.post(&format!("/partner/uploads/{id}/confirm"), &[])
        .await;
    wait_for_pause(&app, "commit 500").await;
    // A form attempt on a hidden prospect is refused, and its conflict names a hidden row.
    let page = crate::referrals::submit(
        &app,
        &[
            ("first_name", "Given"),
            ("last_name", "Again"),
            ("email", "given.00010@example.com"),
            ("company", "Given Co 00010"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(page.status, reqwest::StatusCode::CONFLICT, "{}", page.body);
    portal.kill().await.expect("kill");
    assert_eq!(hidden_count(&app, id), 499);
    assert_eq!(conflict_count(&app), 2);

    // The job's last attempt failed: what its `gave_up` does.
    referral_portal::uploads::gave_up(&mut app.conn(), id, case_now()).expect("give up");
    assert_eq!((hidden_count(&app, id), visible_count(&app, id)), (0, 0));
    assert_eq!(referral_count(&app), 1, "only the form's referral is left");
    assert_eq!(conflict_count(&app), 0);
    let linked: i64 = upload_rows::table
        .filter(upload_rows::upload_id.eq(id))
        .filter(upload_rows::referral_id.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .expect("rows");
    assert_eq!(linked, 0);

    expire_leases(&app);
    let (portal, address) = start(&database_url, app.data_dir.path(), None).await;
    app.address = address;
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let page = app.get(&format!("/partner/uploads/{id}")).await;
    assert_eq!(page.text("#upload-status"), "Failed, nothing saved");
    assert!(
        page.text("#upload-message").contains("nothing was saved"),
        "{}",
        page.body
    );
    let dashboard = app.get("/partner").await;
    assert!(!dashboard.body.contains("Given Co"), "{}", dashboard.body);
    drop(portal);
}

fn conflict_count(app: &TestApp) -> i64 {
    referral_portal::db::schema::conflicts::table
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}
