//! Payouts end to end: build from approved ledger lines, approve with the password (once,
//! whatever the concurrency; a second admin above the threshold), mark paid or failed, the
//! partner's pages and mail, CSV export, and access rules (C10, C12).

use diesel::prelude::*;
use futures_util::future::join_all;
use referral_portal::db::accounts::Role;
use referral_portal::db::referrals::{self, NewReferral};
use referral_portal::db::schema::{
    audit_log, outbox, payout_events, payout_lines, payouts, reward_line_moves, reward_lines,
};
use referral_portal::db::{db_time, settings};
use reqwest::StatusCode;

use crate::common::{PASSWORD, TestApp, spawn_app};

const X: &str = "admin.x@vendor.example";
const Y: &str = "admin.y@vendor.example";
const WEBER: &str = "p.weber@partner-a.example";
const LUND: &str = "j.lund@partner-b.example";

/// A referral of `org`, submitted by `user`, to hang ledger lines on.
fn referral(app: &TestApp, org: i64, user: i64, first: &str, company: &str) -> i64 {
    let now = db_time(app.clock_now());
    let new = NewReferral {
        first_name: first.into(),
        last_name: "Prospect".into(),
        email: Some(format!("{}@prospect.example", first.to_lowercase())),
        ..super::bare_referral(org, user, "won", company, now)
    };
    referrals::insert(&mut app.conn(), &new)
        .expect("referral")
        .id
}

/// An approved ledger line of `amount_minor` EUR (negative for a clawback).
fn approved_line(app: &TestApp, org: i64, referral_id: i64, amount_minor: i64) -> i64 {
    let now = db_time(app.clock_now());
    let key = referral_portal::web::security::new_token();
    diesel::insert_into(reward_lines::table)
        .values((
            reward_lines::organisation_id.eq(org),
            reward_lines::referral_id.eq(referral_id),
            reward_lines::event.eq(if amount_minor < 0 { "clawback" } else { "won" }),
            reward_lines::amount_minor.eq(amount_minor),
            reward_lines::currency.eq("EUR"),
            reward_lines::status.eq("approved"),
            reward_lines::reason.eq("Test reward"),
            reward_lines::earned_at.eq(now),
            reward_lines::approvable_at.eq(now),
            reward_lines::unique_key.eq(key),
            reward_lines::created_at.eq(now),
            reward_lines::updated_at.eq(now),
        ))
        .returning(reward_lines::id)
        .get_result(&mut app.conn())
        .expect("reward line")
}

/// Lines of the given amounts for one referral of `org`.
fn lines(app: &TestApp, org: i64, user: i64, amounts: &[i64]) -> Vec<i64> {
    let r = referral(app, org, user, "Lena", "Beispiel GmbH");
    amounts
        .iter()
        .map(|a| approved_line(app, org, r, *a))
        .collect()
}

async fn signed_in(app: &TestApp, email: &str) -> TestApp {
    let browser = app.new_browser();
    let page = browser.login(email, PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{email} signs in");
    browser
}

fn payout_ids(app: &TestApp) -> Vec<i64> {
    payouts::table
        .select(payouts::id)
        .order(payouts::id.asc())
        .load(&mut app.conn())
        .expect("payouts")
}

fn status(app: &TestApp, id: i64) -> String {
    payouts::table
        .find(id)
        .select(payouts::status)
        .first(&mut app.conn())
        .expect("payout")
}

fn line_statuses(app: &TestApp, ids: &[i64]) -> Vec<String> {
    reward_lines::table
        .filter(reward_lines::id.eq_any(ids))
        .order(reward_lines::id.asc())
        .select(reward_lines::status)
        .load(&mut app.conn())
        .expect("lines")
}

fn events(app: &TestApp, id: i64) -> Vec<(Option<String>, String)> {
    payout_events::table
        .filter(payout_events::payout_id.eq(id))
        .order(payout_events::id.asc())
        .select((payout_events::from_status, payout_events::to_status))
        .load(&mut app.conn())
        .expect("events")
}

fn mails_of_kind(app: &TestApp, kind: &str) -> i64 {
    outbox::table
        .filter(outbox::kind.eq(kind))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

async fn build(admin: &TestApp) -> crate::common::Page {
    let page = admin.post("/admin/payouts/build", &[]).await;
    page.assert_redirect("/admin/payouts");
    page
}

async fn approve(admin: &TestApp, id: i64) -> crate::common::Page {
    admin
        .post(
            &format!("/admin/payouts/{id}/approve"),
            &[("password", PASSWORD)],
        )
        .await
}

#[tokio::test]
async fn a_payout_is_built_approved_paid_and_shown_to_its_partner_with_one_mail() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    let ids = lines(&app, f.partner_a, f.weber, &[3_000, 4_050]);
    let x = signed_in(&app, X).await;

    build(&x).await;
    let [id] = payout_ids(&app)[..] else {
        panic!("one payout")
    };
    let page = x.get(&format!("/admin/payouts/{id}")).await;
    assert_eq!(page.text("#partner"), "Partner A");
    assert_eq!(page.text("#amount"), "70.50 EUR");
    assert_eq!(page.texts("#lines tbody tr").len(), 2);
    assert_eq!(status(&app, id), "awaiting_approval");

    approve(&x, id)
        .await
        .assert_redirect(&format!("/admin/payouts/{id}"));
    assert_eq!(status(&app, id), "approved");
    assert_eq!(line_statuses(&app, &ids), ["approved", "approved"]);

    let paid = x
        .post(
            &format!("/admin/payouts/{id}/paid"),
            &[("reference", "TRX-2026-001")],
        )
        .await;
    paid.assert_redirect(&format!("/admin/payouts/{id}"));
    assert_eq!(status(&app, id), "paid");
    assert_eq!(line_statuses(&app, &ids), ["paid", "paid"]);
    let moves: i64 = reward_line_moves::table
        .filter(reward_line_moves::line_id.eq_any(&ids))
        .filter(reward_line_moves::to_status.eq("paid"))
        .count()
        .get_result(&mut app.conn())
        .expect("moves");
    assert_eq!(moves, 2);
    let history = x.get(&format!("/admin/payouts/{id}")).await;
    assert_eq!(history.texts("#history tbody tr").len(), 3);
    // Lines read with labels, and the partner leads to its rewards.
    let cells = history.texts("#lines tbody td");
    assert!(cells.iter().any(|c| c == "Deal won") && cells.iter().any(|c| c == "Paid"));
    let rewards = format!("/admin/rewards?partner={}", f.partner_a);
    assert_eq!(
        history.attr("#partner a", "href").as_deref(),
        Some(&*rewards)
    );
    // A repeated "mark paid" changes nothing and sends nothing.
    x.post(
        &format!("/admin/payouts/{id}/paid"),
        &[("reference", "TRX-2026-001")],
    )
    .await;
    assert_eq!(events(&app, id).len(), 3);

    app.wait_for_mail(WEBER, 2).await;
    let sent: Vec<_> = app
        .settled_mail_to(WEBER)
        .await
        .into_iter()
        .filter(|m| m.subject.contains("sent"))
        .collect();
    assert_eq!(sent.len(), 1, "one payout_sent mail");
    assert!(sent[0].text.contains("TRX-2026-001") && sent[0].text.contains("70.50 EUR"));

    let weber = signed_in(&app, WEBER).await;
    let list = weber.get("/partner/payouts").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text("#payouts").contains("70.50 EUR"));
    assert!(list.text("#payouts").contains("Sent"));
    let detail = weber.get(&format!("/partner/payouts/{id}")).await;
    assert_eq!(detail.text("#reference"), "TRX-2026-001");
    assert_eq!(detail.texts("#lines tbody tr").len(), 2);
    let line = format!("/partner/rewards/lines/{}", ids[0]);
    assert_eq!(
        detail.attr("#lines tbody a", "href").as_deref(),
        Some(&*line)
    );

    let csv = x.get("/admin/payouts/export.csv?status=paid").await;
    assert!(
        csv.body
            .contains(&format!("Partner A,{id},70.50,EUR,paid,TRX-2026-001"))
    );
    let one = x.get(&format!("/admin/payouts/{id}/export.csv")).await;
    assert_eq!(one.body.lines().count(), 3, "header and two lines");
}

#[tokio::test]
async fn partners_never_reach_payout_administration() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    lines(&app, f.partner_a, f.weber, &[9_000]);
    let x = signed_in(&app, X).await;
    build(&x).await;
    let id = payout_ids(&app)[0];
    let weber = signed_in(&app, WEBER).await;
    for path in [
        "/admin/payouts".to_owned(),
        format!("/admin/payouts/{id}"),
        "/admin/payouts/export.csv".to_owned(),
        format!("/admin/payouts/{id}/export.csv"),
    ] {
        assert_eq!(
            weber.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for (path, field, value) in [
        (format!("/admin/payouts/{id}/approve"), "password", PASSWORD),
        (format!("/admin/payouts/{id}/paid"), "reference", "X"),
        (format!("/admin/payouts/{id}/failed"), "reason", "X"),
        ("/admin/payouts/build".to_owned(), "x", "x"),
    ] {
        let page = weber.post(&path, &[(field, value)]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(status(&app, id), "awaiting_approval");
    assert_eq!(payout_ids(&app).len(), 1);
}

#[tokio::test]
async fn many_parallel_approvals_approve_once_with_one_event_and_one_mail() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    let ids = lines(&app, f.partner_a, f.weber, &[6_000, 2_500]);
    let x = signed_in(&app, X).await;
    let y = signed_in(&app, Y).await;
    build(&x).await;
    let id = payout_ids(&app)[0];

    let path = format!("/admin/payouts/{id}/approve");
    let (tx, ty) = (x.csrf().await, y.csrf().await);
    let requests = (0..10).map(|i| {
        let (browser, token) = if i % 2 == 0 { (&x, &tx) } else { (&y, &ty) };
        browser
            .client
            .post(browser.url(&path))
            .form(&[("csrf_token", token.as_str()), ("password", PASSWORD)])
            .send()
    });
    for response in join_all(requests).await {
        assert_eq!(response.expect("POST").status(), StatusCode::SEE_OTHER);
    }

    assert_eq!(status(&app, id), "approved");
    let approvals = events(&app, id)
        .into_iter()
        .filter(|(_, to)| to == "approved")
        .count();
    assert_eq!(approvals, 1, "exactly one approval event");
    assert_eq!(mails_of_kind(&app, "payout_approved"), 1);
    assert_eq!(line_statuses(&app, &ids), ["approved", "approved"]);
    let moves: i64 = reward_line_moves::table
        .count()
        .get_result(&mut app.conn())
        .expect("moves");
    assert_eq!(moves, 0, "approval leaves the ledger unchanged");
    let amount: i64 = payouts::table
        .find(id)
        .select(payouts::amount_minor)
        .first(&mut app.conn())
        .expect("amount");
    assert_eq!(amount, 8_500);
    // The losers are told, not shown an error.
    let shown = format!(
        "{} {}",
        x.get(&format!("/admin/payouts/{id}")).await.body,
        y.get(&format!("/admin/payouts/{id}")).await.body
    );
    assert!(shown.contains("was already approved; nothing changed"));
    assert_eq!(app.settled_mail_to(WEBER).await.len(), 1);
}

#[tokio::test]
async fn a_build_started_twice_at_once_puts_each_line_in_exactly_one_payout() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    let mut all = lines(&app, f.partner_a, f.weber, &[5_000, 1_000, 2_000]);
    all.extend(lines(&app, f.partner_b, f.lund, &[7_000, -500]));
    let x = signed_in(&app, X).await;
    let y = signed_in(&app, Y).await;
    let (tx, ty) = (x.csrf().await, y.csrf().await);
    let requests = (0..4).map(|i| {
        let (browser, token) = if i % 2 == 0 { (&x, &tx) } else { (&y, &ty) };
        browser
            .client
            .post(browser.url("/admin/payouts/build"))
            .form(&[("csrf_token", token.as_str())])
            .send()
    });
    for response in join_all(requests).await {
        assert_eq!(response.expect("POST").status(), StatusCode::SEE_OTHER);
    }

    for line in &all {
        let active: i64 = payout_lines::table
            .filter(payout_lines::line_id.eq(line))
            .filter(payout_lines::active.eq(true))
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        assert_eq!(active, 1, "line {line} is in exactly one payout");
    }
    let mut built: Vec<(i64, i64)> = payouts::table
        .select((payouts::organisation_id, payouts::amount_minor))
        .load(&mut app.conn())
        .expect("payouts");
    built.sort();
    assert_eq!(built, [(f.partner_a, 8_000), (f.partner_b, 6_500)]);
}

#[tokio::test]
async fn paid_then_failed_then_paid_keeps_one_payout_with_its_history() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    let ids = lines(&app, f.partner_a, f.weber, &[6_000]);
    let x = signed_in(&app, X).await;
    build(&x).await;
    let id = payout_ids(&app)[0];
    approve(&x, id).await;
    x.post(
        &format!("/admin/payouts/{id}/paid"),
        &[("reference", "REF-1")],
    )
    .await;
    let failed = x
        .post(
            &format!("/admin/payouts/{id}/failed"),
            &[("reason", "Returned by the bank: account closed")],
        )
        .await;
    failed.assert_redirect(&format!("/admin/payouts/{id}"));
    assert_eq!(status(&app, id), "failed");
    assert_eq!(line_statuses(&app, &ids), ["approved"]);

    x.post(
        &format!("/admin/payouts/{id}/paid"),
        &[("reference", "REF-2")],
    )
    .await
    .assert_redirect(&format!("/admin/payouts/{id}"));
    assert_eq!(payout_ids(&app), [id], "still one payout");
    assert_eq!(status(&app, id), "paid");
    assert_eq!(line_statuses(&app, &ids), ["paid"]);
    let history: Vec<(Option<String>, String)> = events(&app, id);
    let expected = [
        (None, "awaiting_approval"),
        (Some("awaiting_approval"), "approved"),
        (Some("approved"), "paid"),
        (Some("paid"), "failed"),
        (Some("failed"), "paid"),
    ];
    assert_eq!(
        history,
        expected
            .iter()
            .map(|(a, b)| (a.map(str::to_owned), (*b).to_owned()))
            .collect::<Vec<_>>()
    );
    let moves: Vec<(Option<String>, String)> = reward_line_moves::table
        .filter(reward_line_moves::line_id.eq(ids[0]))
        .order(reward_line_moves::id.asc())
        .select((reward_line_moves::from_status, reward_line_moves::to_status))
        .load(&mut app.conn())
        .expect("moves");
    assert_eq!(moves.len(), 3, "paid, back to approved, paid: {moves:?}");
    let weber = app.settled_mail_to(WEBER).await;
    let subjects: Vec<&str> = weber.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects.iter().filter(|s| s.contains("sent")).count(), 2);
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.contains("did not go through"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_failed_payout_whose_lines_joined_another_cannot_be_paid_again() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    let ids = lines(&app, f.partner_a, f.weber, &[6_000]);
    let x = signed_in(&app, X).await;
    build(&x).await;
    let first = payout_ids(&app)[0];
    approve(&x, first).await;
    x.post(
        &format!("/admin/payouts/{first}/failed"),
        &[("reason", "Wrong account")],
    )
    .await;
    build(&x).await;
    let [_, second] = payout_ids(&app)[..] else {
        panic!("a second payout from the released lines")
    };

    let again = x
        .post(
            &format!("/admin/payouts/{first}/paid"),
            &[("reference", "LATE-1")],
        )
        .await;
    again.assert_redirect(&format!("/admin/payouts/{first}"));
    let page = x.get(&format!("/admin/payouts/{first}")).await;
    assert!(page.body.contains("cannot be marked paid again"));
    assert_eq!(status(&app, first), "failed");
    assert_eq!(status(&app, second), "awaiting_approval");
    assert_eq!(line_statuses(&app, &ids), ["approved"]);
    assert_eq!(events(&app, first).len(), 3);
}

#[tokio::test]
async fn partners_below_the_minimum_are_listed_with_their_total() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    lines(&app, f.partner_a, f.weber, &[3_000, 1_000]);
    lines(&app, f.partner_b, f.lund, &[6_000, -500]);
    let x = signed_in(&app, X).await;

    build(&x).await;
    let built: Vec<(i64, i64)> = payouts::table
        .select((payouts::organisation_id, payouts::amount_minor))
        .load(&mut app.conn())
        .expect("payouts");
    assert_eq!(
        built,
        [(f.partner_b, 5_500)],
        "clawbacks count; A stays below"
    );
    let page = x.get("/admin/payouts").await;
    let below = page.text("#below-minimum");
    assert!(
        below.contains("Partner A") && below.contains("40.00 EUR"),
        "{below}"
    );
    assert!(page.body.contains("stay below the minimum"));

    // Exactly at the minimum is enough.
    lines(&app, f.partner_a, f.weber, &[1_000]);
    build(&x).await;
    assert_eq!(payout_ids(&app).len(), 2);
}

#[tokio::test]
async fn above_the_threshold_a_second_different_admin_must_approve() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    let mut incentives = settings::load_incentives(&mut app.conn()).expect("settings");
    incentives.second_approval_above_minor = Some(10_000);
    settings::save_incentives(&mut app.conn(), &incentives).expect("save");
    lines(&app, f.partner_a, f.weber, &[15_000]);
    let x = signed_in(&app, X).await;
    let y = signed_in(&app, Y).await;
    build(&x).await;
    let id = payout_ids(&app)[0];

    approve(&x, id).await;
    assert_eq!(status(&app, id), "awaiting_second_approval");
    approve(&x, id).await;
    assert_eq!(status(&app, id), "awaiting_second_approval");
    let page = x.get(&format!("/admin/payouts/{id}")).await;
    assert!(
        page.body
            .contains("the second must come from a different admin")
    );
    assert_eq!(mails_of_kind(&app, "payout_approved"), 0);

    approve(&y, id).await;
    assert_eq!(status(&app, id), "approved");
    let (first, second): (Option<i64>, Option<i64>) = payouts::table
        .find(id)
        .select((payouts::approved_by, payouts::second_approved_by))
        .first(&mut app.conn())
        .expect("approvers");
    assert_eq!((first, second), (Some(f.admin_x), Some(f.admin_y)));
    assert_eq!(events(&app, id).len(), 3);
    assert_eq!(mails_of_kind(&app, "payout_approved"), 1);
}

#[tokio::test]
async fn a_wrong_password_is_refused_next_to_the_field_and_audited() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    lines(&app, f.partner_a, f.weber, &[9_000]);
    let x = signed_in(&app, X).await;
    build(&x).await;
    let id = payout_ids(&app)[0];

    let page = x
        .post(
            &format!("/admin/payouts/{id}/approve"),
            &[("password", "not my password")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text("#password-error").contains("not your password"));
    assert_eq!(
        page.attr("#password", "aria-describedby").as_deref(),
        Some("password-error")
    );
    assert_eq!(status(&app, id), "awaiting_approval");
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("payout_approval_refused"))
        .filter(audit_log::object_id.eq(id.to_string()))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn c10_partner_b_never_sees_partner_a_payouts() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    lines(&app, f.partner_a, f.weber, &[9_000]);
    let x = signed_in(&app, X).await;
    build(&x).await;
    let a_payout = payout_ids(&app)[0];

    let lund = signed_in(&app, LUND).await;
    let list = lund.get("/partner/payouts").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains(&format!("/partner/payouts/{a_payout}")));
    assert!(!list.body.contains("90.00"));
    let foreign = lund.get(&format!("/partner/payouts/{a_payout}")).await;
    let missing = lund.get("/partner/payouts/999999").await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.body, missing.body);
    assert!(!foreign.body.contains("Partner A"));
    let denied: i64 = audit_log::table
        .filter(audit_log::action.eq("access_denied"))
        .filter(audit_log::object_type.eq("payout"))
        .filter(audit_log::object_id.eq(a_payout.to_string()))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(denied, 1);

    let weber = signed_in(&app, WEBER).await;
    assert_eq!(
        weber
            .get(&format!("/partner/payouts/{a_payout}"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn c12_markup_in_the_partner_name_and_reference_stays_text_everywhere() {
    let app = spawn_app().await;
    let f = app.case_fixture();
    let name = "=1+2 <img src=x onerror=alert(1)> \"Partner\"";
    let org = app.create_org(name, "GB");
    let user = app.create_user("owner@markup.example", Role::PartnerOwner, Some(org));
    lines(&app, org, user, &[9_000]);
    let x = signed_in(&app, X).await;
    build(&x).await;
    let id = payout_ids(&app)[0];
    approve(&x, id).await;
    let reference = "@SUM(1)<script>alert(2)</script>";
    x.post(
        &format!("/admin/payouts/{id}/paid"),
        &[("reference", reference)],
    )
    .await;
    assert_eq!(status(&app, id), "paid");
    let _ = f;

    let admin_page = x.get(&format!("/admin/payouts/{id}")).await;
    let list_page = x.get("/admin/payouts").await;
    let owner = signed_in(&app, "owner@markup.example").await;
    let partner_page = owner.get(&format!("/partner/payouts/{id}")).await;
    for page in [&admin_page, &list_page, &partner_page] {
        assert!(page.body.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!page.body.contains("<img src=x"));
        assert!(!page.body.contains("<script>alert(2)"));
    }
    assert!(
        admin_page
            .body
            .contains("&lt;script&gt;alert(2)&lt;/script&gt;")
    );
    assert_eq!(admin_page.text("#partner"), name);
    assert_eq!(partner_page.text("#reference"), reference);

    let mails = app.wait_for_mail("owner@markup.example", 2).await;
    for mail in &mails {
        assert!(!mail.html.contains("<img src=x"), "{}", mail.html);
        assert!(!mail.html.contains("<script>"));
    }
    let sent = mails
        .iter()
        .find(|m| m.subject.contains("sent"))
        .expect("payout_sent");
    assert!(sent.html.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));

    for path in [
        "/admin/payouts/export.csv".to_owned(),
        format!("/admin/payouts/{id}/export.csv"),
    ] {
        let csv = x.get(&path).await.body;
        let mut reader =
            csv::ReaderBuilder::new().from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let row = reader.records().next().expect("a row").expect("a record");
        assert_eq!(&row[0], format!("'{name}"), "{path}");
        assert_eq!(&row[5], format!("'{reference}"), "{path}");
    }
}

#[tokio::test]
async fn a_build_racing_another_skips_only_the_partner_whose_lines_were_taken() {
    use referral_portal::db::payouts as store;
    use referral_portal::incentives::payouts::{self as payouts, Actor};

    let app = spawn_app().await;
    let f = app.case_fixture();
    let a = lines(&app, f.partner_a, f.weber, &[6_000]);
    let b = lines(&app, f.partner_b, f.lund, &[7_000]);
    let sqlite = matches!(*app.conn(), referral_portal::db::AnyConnection::Sqlite(_));

    // Another build has put A's line into its payout but not committed yet.
    let mut holder = app.conn();
    let begin = if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    diesel::sql_query(begin)
        .execute(&mut *holder)
        .expect("begin");
    let now = app.clock_now();
    let other = store::insert(
        &mut holder,
        f.partner_a,
        6_000,
        "EUR",
        "awaiting_approval",
        f.admin_y,
        now,
    )
    .expect("payout");
    store::add_line(&mut holder, other, a[0]).expect("line");

    let pool = app.pool.clone();
    let admin = f.admin_x;
    let racing = std::thread::spawn(move || {
        let actor = Actor {
            user_id: admin,
            client_addr: "test",
            now,
            partner_link_base: "/partner/payouts/",
        };
        payouts::build(&mut pool.get().expect("conn"), &actor).expect("build")
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    diesel::sql_query("COMMIT")
        .execute(&mut *holder)
        .expect("commit");
    let report = racing.join().expect("build thread");

    assert_eq!(report.built.len(), 1, "B's payout is built");
    assert_eq!(report.built[0].organisation, "Partner B");
    if !sqlite {
        // PostgreSQL: the unique index refused A's payout; only it was undone.
        assert_eq!(report.taken_meanwhile, ["Partner A"]);
    }
    for line in a.iter().chain(&b) {
        let active: i64 = payout_lines::table
            .filter(payout_lines::line_id.eq(line))
            .filter(payout_lines::active.eq(true))
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        assert_eq!(active, 1, "line {line}");
    }
    assert_eq!(payout_ids(&app).len(), 2);
}

#[tokio::test]
async fn the_demo_shows_every_line_status_a_paid_payout_and_one_awaiting_approval() {
    let app = spawn_app().await;
    let demo = |app: &TestApp| {
        referral_portal::demo::fill_if_empty(&mut app.conn(), app.clock.as_ref()).expect("demo")
    };
    assert!(demo(&app));
    assert!(!demo(&app), "a second run leaves a filled database alone");
    let mut line_statuses: Vec<String> = reward_lines::table
        .select(reward_lines::status)
        .distinct()
        .load(&mut app.conn())
        .expect("lines");
    line_statuses.sort();
    let every = ["approvable", "approved", "paid", "pending", "rejected"];
    assert_eq!(line_statuses, every);
    let clawbacks: i64 = reward_lines::table
        .filter(reward_lines::event.eq("clawback"))
        .count()
        .get_result(&mut app.conn())
        .expect("clawbacks");
    assert_eq!(clawbacks, 1);
    // Brightpath, the README's partner owner, was paid once and has closed statements.
    let brightpath: i64 = referral_portal::db::schema::organisations::table
        .filter(referral_portal::db::schema::organisations::name.eq("Brightpath Consulting"))
        .select(referral_portal::db::schema::organisations::id)
        .first(&mut app.conn())
        .expect("Brightpath");
    let payouts: Vec<(i64, String)> = payouts::table
        .select((payouts::organisation_id, payouts::status))
        .load(&mut app.conn())
        .expect("payouts");
    assert!(
        payouts.contains(&(brightpath, "paid".into())),
        "{payouts:?}"
    );
    assert_eq!(payouts.iter().filter(|(_, s)| s == "paid").count(), 1);
    assert!(payouts.iter().any(|(_, s)| s == "awaiting_approval"));
    let statements = referral_portal::db::ledger::statements_of(&mut app.conn(), brightpath)
        .expect("statements");
    assert!(!statements.is_empty(), "a closed month");
}
