//! C13 at small configured limits, with the files the case's own script generates: at the
//! row limit (imported in the background, with progress and an email), one row over, one
//! byte over (413 before the body is parsed), header only, and the same file again.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;

use super::{post_file, referral_count, set_limits, upload, upload_count};
use crate::common::{PASSWORD, TestApp, spawn_app};

const ROW_LIMIT: i64 = 40;
const BYTE_LIMIT: i64 = 8192;

fn generate(dir: &Path) {
    let script = format!(
        "{}/tests/fixtures/C13_make_big_csv.sh",
        env!("CARGO_MANIFEST_DIR")
    );
    let status = std::process::Command::new("bash")
        .arg(script)
        .current_dir(dir)
        .env("ROW_LIMIT", ROW_LIMIT.to_string())
        .env("BYTE_LIMIT", BYTE_LIMIT.to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run C13_make_big_csv.sh");
    assert!(status.success());
}

async fn post(app: &TestApp, bytes: Vec<u8>) -> crate::common::Page {
    post_file(
        app,
        "/partner/uploads",
        "big.csv",
        bytes,
        &[("reporting_month", "2026-11"), ("consent", "yes")],
    )
    .await
}

/// Reloads the upload page (as its refresh does) until it leaves the background states.
pub async fn wait_until_settled(app: &TestApp, id: i64) -> crate::common::Page {
    for _ in 0..5000 {
        let page = app.get(&format!("/partner/uploads/{id}")).await;
        let status = page.text("#upload-status");
        if status != "Checking rows" && status != "Importing" {
            return page;
        }
        assert!(
            page.body.contains("http-equiv=\"refresh\""),
            "{}",
            page.body
        );
        assert!(
            page.html()
                .select(&scraper::Selector::parse("progress").expect("sel"))
                .next()
                .is_some()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("upload {id} did not finish");
}

#[tokio::test]
async fn c13_limits_refuse_oversized_files_and_import_one_at_the_limit_exactly_once() {
    let app = spawn_app().await;
    app.case_fixture();
    set_limits(&app, ROW_LIMIT, BYTE_LIMIT, 10);
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let dir = tempfile::tempdir().expect("temp dir");
    generate(dir.path());
    let file = |name: &str| std::fs::read(dir.path().join(name)).expect("generated file");
    assert!(file("C13_rows_at_limit.csv").len() as i64 <= BYTE_LIMIT);
    assert_eq!(
        file("C13_bytes_over_limit.csv").len() as i64,
        BYTE_LIMIT + 1
    );

    let header_only = post(&app, file("C13_header_only.csv")).await;
    assert_eq!(header_only.status, StatusCode::OK);
    assert!(
        header_only
            .text("#file-error")
            .contains("0 referrals found")
    );

    let over = post(&app, file("C13_rows_over_limit.csv")).await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = over.text("#file-error");
    assert!(
        message.contains("41 rows") && message.contains("limit of 40"),
        "{message}"
    );

    let too_big = post(&app, file("C13_bytes_over_limit.csv")).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        too_big.body.contains("limit of 8192 bytes"),
        "{}",
        too_big.body
    );
    let far_too_big = post(&app, vec![b'x'; 200_000]).await;
    assert_eq!(far_too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!((upload_count(&app), referral_count(&app)), (0, 0));

    let id = upload(&app, "at-limit.csv", file("C13_rows_at_limit.csv")).await;
    let preview = wait_until_settled(&app, id).await;
    assert_eq!(preview.text("#upload-status"), "Waiting for confirmation");
    assert!(
        preview.text(".count-new").starts_with("40"),
        "{}",
        preview.body
    );
    let queued = app
        .post(&format!("/partner/uploads/{id}/confirm"), &[])
        .await;
    queued.assert_redirect(&format!("/partner/uploads/{id}"));
    let done = wait_until_settled(&app, id).await;
    assert_eq!(done.text("#upload-status"), "Imported", "{}", done.body);
    assert_eq!(super::referrals_of(&app, id).len(), 40);
    assert_eq!(referral_count(&app), 40);
    let mail = app.wait_for_mail("p.weber@partner-a.example", 1).await;
    assert!(
        mail[0].subject.contains("40 new referrals"),
        "{}",
        mail[0].subject
    );

    let again = upload(&app, "at-limit-again.csv", file("C13_rows_at_limit.csv")).await;
    let preview = wait_until_settled(&app, again).await;
    assert!(
        preview.text(".count-already").starts_with("40"),
        "{}",
        preview.body
    );
    app.post(&format!("/partner/uploads/{again}/confirm"), &[])
        .await;
    wait_until_settled(&app, again).await;
    assert!(super::outcomes(&app, again).iter().all(|o| o == "already"));
    assert_eq!(referral_count(&app), 40);
}

#[tokio::test]
async fn upload_limits_are_edited_on_the_settings_page() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("admin.x@vendor.example", PASSWORD).await;
    let page = app.get("/admin/settings").await;
    assert_eq!(
        page.attr("input#upload_max_rows", "value").as_deref(),
        Some("50000")
    );
    assert_eq!(
        page.attr("input#upload_max_bytes", "value").as_deref(),
        Some("10485760")
    );
    assert_eq!(
        page.attr("input#upload_background_rows", "value")
            .as_deref(),
        Some("1000")
    );

    app.post(
        "/admin/settings",
        &[
            ("currency", "EUR"),
            ("time_zone", "UTC"),
            ("protection_days", "90"),
            ("upload_max_rows", "0"),
            ("upload_max_bytes", "2048"),
            ("upload_background_rows", "10"),
        ],
    )
    .await;
    let refused = referral_portal::db::settings::load(&mut app.conn()).expect("settings");
    assert_eq!(refused.uploads.max_rows, 50_000);

    app.post(
        "/admin/settings",
        &[
            ("currency", "EUR"),
            ("time_zone", "UTC"),
            ("protection_days", "90"),
            ("upload_max_rows", "100"),
            ("upload_max_bytes", "2048"),
            ("upload_background_rows", "10"),
        ],
    )
    .await
    .assert_redirect("/admin/settings");
    let saved = referral_portal::db::settings::load(&mut app.conn()).expect("settings");
    assert_eq!(
        (
            saved.uploads.max_rows,
            saved.uploads.max_bytes,
            saved.uploads.background_rows
        ),
        (100, 2048, 10)
    );
}
