//! The monthly upload over HTTP: every handed case through the upload (C01–C06, C12), the
//! limits (C13), isolation between partners (C10), the mapping step, admin uploads, and a
//! background import killed half-way.

mod cases;
mod crash;
mod flows;
mod limits;

use diesel::prelude::*;
use referral_portal::db::referrals::Referral;
use referral_portal::db::schema::{referrals, uploads};
use reqwest::StatusCode;

use crate::common::{Page, TestApp, read};

/// A case's input file, byte for byte.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

/// Posts a file to an upload form (`base` is `/partner/uploads` or `/admin/uploads`) the way
/// a browser does: multipart, with the CSRF token in the query string.
pub async fn post_file(
    app: &TestApp,
    base: &str,
    file_name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> Page {
    let token = app.csrf().await;
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str("text/csv")
        .expect("mime");
    let mut form = reqwest::multipart::Form::new().part("file", part);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let response = app
        .client
        .post(app.url(&format!("{base}?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .expect("POST multipart");
    read(response).await
}

/// Uploads as a partner with month and consent; returns the upload's id.
pub async fn upload(app: &TestApp, file_name: &str, bytes: Vec<u8>) -> i64 {
    let page = post_file(
        app,
        "/partner/uploads",
        file_name,
        bytes,
        &[("reporting_month", "2026-11"), ("consent", "yes")],
    )
    .await;
    upload_id(&page)
}

/// The id an upload POST redirected to.
pub fn upload_id(page: &Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "body: {}", page.body);
    page.location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no upload id in {:?}", page.location))
}

/// Confirms an upload and returns its page afterwards.
pub async fn confirm(app: &TestApp, base: &str, id: i64) -> Page {
    let page = app.post(&format!("{base}/{id}/confirm"), &[]).await;
    page.assert_redirect(&format!("{base}/{id}"));
    app.get(&format!("{base}/{id}")).await
}

/// Uploads, checks the preview is ready and confirms; returns the upload id.
pub async fn upload_and_confirm(app: &TestApp, file_name: &str, bytes: Vec<u8>) -> i64 {
    let id = upload(app, file_name, bytes).await;
    let preview = app.get(&format!("/partner/uploads/{id}")).await;
    assert_eq!(preview.text("#upload-status"), "Waiting for confirmation");
    let done = confirm(app, "/partner/uploads", id).await;
    assert_eq!(done.text("#upload-status"), "Imported", "{}", done.body);
    id
}

/// The referrals an upload created, in row order.
pub fn referrals_of(app: &TestApp, upload_id: i64) -> Vec<Referral> {
    referrals::table
        .filter(referrals::upload_id.eq(upload_id))
        .order(referrals::id.asc())
        .load(&mut app.conn())
        .expect("referrals")
}

pub fn referral_count(app: &TestApp) -> i64 {
    referrals::table
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

pub fn upload_count(app: &TestApp) -> i64 {
    uploads::table
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

/// The outcome code of each staged row, in row order.
pub fn outcomes(app: &TestApp, upload_id: i64) -> Vec<String> {
    use referral_portal::db::schema::upload_rows;
    upload_rows::table
        .filter(upload_rows::upload_id.eq(upload_id))
        .order(upload_rows::row_no.asc())
        .select(upload_rows::outcome)
        .load(&mut app.conn())
        .expect("rows")
}

/// Sets the upload limits as an admin would.
pub fn set_limits(app: &TestApp, max_rows: i64, max_bytes: i64, background_rows: i64) {
    use referral_portal::db::settings;
    let mut conn = app.conn();
    let mut program = settings::load(&mut conn).expect("settings");
    program.uploads = settings::UploadLimits {
        max_rows,
        max_bytes,
        background_rows,
    };
    settings::save(&mut conn, &program).expect("save settings");
}
