//! Attacks from the review of the incentive program: amounts that overflow, refunds by the
//! wrong rep, clawbacks of rejected rewards.

use diesel::prelude::*;
use referral_portal::db::accounts::Role;
use referral_portal::db::db_time;
use referral_portal::db::referrals::{self, NewReferral};
use referral_portal::db::schema::{referrals as referrals_t, reward_lines};
use reqwest::StatusCode;

use crate::common::{Fixture, PASSWORD, TestApp, spawn_app};

const WEBER: &str = "p.weber@partner-a.example";
const ADMIN: &str = "admin.x@vendor.example";
const REP: &str = "rep@vendor.example";

struct World {
    app: TestApp,
    fx: Fixture,
    rep: i64,
    rep_browser: TestApp,
    admin: TestApp,
}

async fn world() -> World {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    let rep = app.create_user(REP, Role::Rep, None);
    app.login(WEBER, PASSWORD).await;
    let rep_browser = app.new_browser();
    rep_browser.login(REP, PASSWORD).await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    World {
        app,
        fx,
        rep,
        rep_browser,
        admin,
    }
}

/// A tier every partner reaches at once, with these rule fields as the admin types them.
async fn tier(w: &World, bounty: &str, percent: &str) -> crate::common::Page {
    w.admin
        .post(
            "/admin/tiers/new",
            &[
                ("name", "Registered"),
                ("rank", "0"),
                ("min_won_value", ""),
                ("min_qualified", ""),
                ("perks", ""),
                ("meeting_bounty", bounty),
                ("won_percent", percent),
            ],
        )
        .await
}

/// A referral of Partner A in `status`, assigned to `rep`.
fn referral(w: &World, company: &str, status: &str, rep: i64) -> i64 {
    let mut conn = w.app.conn();
    let now = db_time(w.app.clock_now());
    let r = referrals::insert(
        &mut conn,
        &NewReferral {
            organisation_id: w.fx.partner_a,
            submitted_by: w.fx.weber,
            status: status.into(),
            first_name: "Dana".into(),
            last_name: "Vogt".into(),
            email: Some(format!("dana@{}.example", company.to_lowercase())),
            phone: None,
            title: None,
            seniority: "unknown".into(),
            company: company.into(),
            company_normalised: company.to_lowercase(),
            website: None,
            company_domain: None,
            country: None,
            relationship: None,
            strength: None,
            pain: None,
            urgency: None,
            deal_size_minor: None,
            currency: "EUR".into(),
            email_key: None,
            phone_key: None,
            name_key: None,
            possible_duplicate: false,
            existing_customer: false,
            protected_until: None,
            warnings: String::new(),
            created_at: now,
            updated_at: now,
            upload_id: None,
            reporting_month: None,
        },
    )
    .expect("referral");
    diesel::update(referrals_t::table.find(r.id))
        .set((
            referrals_t::assigned_rep_id.eq(rep),
            referrals_t::routed_at.eq(now),
            referrals_t::first_contacted_at.eq(now),
        ))
        .execute(&mut *conn)
        .expect("assign");
    r.id
}

async fn step(w: &World, id: i64, fields: &[(&str, &str)]) {
    let path = format!("/rep/referrals/{id}");
    w.rep_browser
        .post(&format!("{path}/stage"), fields)
        .await
        .assert_redirect(&path);
}

#[tokio::test]
async fn a_meeting_bounty_beyond_what_sums_can_hold_is_refused_next_to_its_field() {
    let w = world().await;
    // i64::MAX minor units: two such lines made the partner's rewards page fail (500).
    let page = tier(&w, "92233720368547758.07", "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text("#meeting_bounty-error")
            .contains("more than the portal accepts")
    );
    let saved: i64 = referral_portal::db::schema::tiers::table
        .count()
        .get_result(&mut *w.app.conn())
        .expect("tiers");
    assert_eq!(saved, 0);
    // The largest deal value the portal accepts is still a valid bounty.
    tier(&w, "100,000,000,000.00", "")
        .await
        .assert_redirect("/admin/tiers");
    for company in ["One", "Two"] {
        let id = referral(&w, company, "contacted", w.rep);
        step(&w, id, &[("to", "meeting_booked")]).await;
    }
    assert_eq!(w.app.get("/partner/rewards").await.status, StatusCode::OK);
}

fn statuses(app: &TestApp) -> Vec<(i64, String)> {
    reward_lines::table
        .order(reward_lines::id.asc())
        .select((reward_lines::amount_minor, reward_lines::status))
        .load(&mut *app.conn())
        .expect("lines")
}

fn hold_over(app: &TestApp, status: &str) {
    diesel::update(reward_lines::table.filter(reward_lines::status.eq(status)))
        .set(reward_lines::status.eq("approvable"))
        .execute(&mut *app.conn())
        .expect("holding over");
}

/// A won deal of 1,000.00 at 10 %, refunded in full: the won line and its clawback.
async fn won_and_refunded(w: &World, company: &str) -> (i64, i64) {
    let id = referral(w, company, "opportunity", w.rep);
    step(w, id, &[("to", "won"), ("deal_value", "1000")]).await;
    w.rep_browser
        .post(
            &format!("/rep/referrals/{id}/refund"),
            &[("refund", "1000")],
        )
        .await
        .assert_redirect(&format!("/rep/referrals/{id}"));
    let ids: Vec<i64> = reward_lines::table
        .filter(reward_lines::referral_id.eq(id))
        .order(reward_lines::id.asc())
        .select(reward_lines::id)
        .load(&mut *w.app.conn())
        .expect("lines");
    (ids[0], ids[1])
}

#[tokio::test]
async fn the_clawback_of_a_rejected_reward_is_rejected_too_never_charged() {
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let reject = |line: i64| {
        let admin = &w.admin;
        async move {
            admin
                .post(
                    &format!("/admin/rewards/lines/{line}/reject"),
                    &[("reason", "Not our deal")],
                )
                .await
                .assert_redirect("/admin/rewards");
        }
    };
    let approve_all = || async {
        w.admin
            .post(
                &format!("/admin/rewards/partners/{}/approve", w.fx.partner_a),
                &[],
            )
            .await
            .assert_redirect("/admin/rewards");
    };

    // Both lines approvable when the reward is rejected: its clawback goes with it.
    let (won, _) = won_and_refunded(&w, "First").await;
    hold_over(&w.app, "pending");
    reject(won).await;
    assert_eq!(
        statuses(&w.app),
        [(10000, "rejected".into()), (-10000, "rejected".into())]
    );

    // The clawback still held when the reward is rejected: approving it later rejects it.
    let (won, claw) = won_and_refunded(&w, "Second").await;
    diesel::update(reward_lines::table.find(won))
        .set(reward_lines::status.eq("approvable"))
        .execute(&mut *w.app.conn())
        .expect("holding over");
    reject(won).await;
    hold_over(&w.app, "pending");
    approve_all().await;
    let claw_status: String = reward_lines::table
        .find(claw)
        .select(reward_lines::status)
        .first(&mut *w.app.conn())
        .expect("clawback");
    assert_eq!(claw_status, "rejected");
    let approved: i64 = reward_lines::table
        .filter(reward_lines::status.eq("approved"))
        .count()
        .get_result(&mut *w.app.conn())
        .expect("approved");
    assert_eq!(approved, 0, "the partner is charged nothing");
    let moves = referral_portal::db::ledger::moves_of_line(&mut w.app.conn(), claw).expect("moves");
    assert!(
        moves
            .last()
            .and_then(|m| m.note.as_deref())
            .is_some_and(|n| n.contains("reverses was rejected"))
    );
}

#[tokio::test]
async fn totals_by_status_never_add_up_two_currencies() {
    let w = world().await;
    tier(&w, "100.00", "").await.assert_redirect("/admin/tiers");
    let first = referral(&w, "Euro Co", "contacted", w.rep);
    step(&w, first, &[("to", "meeting_booked")]).await;
    // The program moves to yen; the tier's bounty is stored in minor units (10000 = 10,000 JPY).
    let mut conn = w.app.conn();
    let mut s = referral_portal::db::settings::load(&mut conn).expect("settings");
    s.currency = "JPY".into();
    referral_portal::db::settings::save(&mut conn, &s).expect("save");
    drop(conn);
    let second = referral(&w, "Yen Co", "contacted", w.rep);
    diesel::update(referrals_t::table.find(second))
        .set(referrals_t::currency.eq("JPY"))
        .execute(&mut *w.app.conn())
        .expect("yen");
    step(&w, second, &[("to", "meeting_booked")]).await;
    let currencies: Vec<String> = reward_lines::table
        .order(reward_lines::id.asc())
        .select(reward_lines::currency)
        .load(&mut *w.app.conn())
        .expect("lines");
    assert_eq!(currencies, ["EUR", "JPY"]);

    let page = w.app.get("/partner/rewards").await;
    assert_eq!(page.status, StatusCode::OK);
    let pending = page.text("#totals tr[data-status=pending] .amount");
    assert!(pending.contains("100.00 EUR"), "{pending}");
    assert!(pending.contains("10,000 JPY"), "{pending}");
    assert!(!pending.contains("20,000"), "{pending}");
}

#[tokio::test]
async fn a_won_value_threshold_of_zero_is_no_threshold_and_is_refused() {
    let w = world().await;
    tier(&w, "", "").await.assert_redirect("/admin/tiers");
    let page = w
        .admin
        .post(
            "/admin/tiers/new",
            &[
                ("name", "Silver"),
                ("rank", "1"),
                ("min_won_value", "0.00"),
                ("min_qualified", ""),
                ("perks", ""),
                ("meeting_bounty", ""),
                ("won_percent", ""),
            ],
        )
        .await;
    // Accepted, it made every partner Silver at once, won deals or not.
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text("#min_won_value-error").contains("more than zero"));
    let saved: i64 = referral_portal::db::schema::tiers::table
        .count()
        .get_result(&mut *w.app.conn())
        .expect("tiers");
    assert_eq!(saved, 1);
}

#[tokio::test]
async fn parallel_refunds_and_approvals_move_money_once() {
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let id = referral(&w, "Race Co", "opportunity", w.rep);
    step(&w, id, &[("to", "won"), ("deal_value", "1000")]).await;
    let path = w.rep_browser.url(&format!("/rep/referrals/{id}/refund"));
    let token = w.rep_browser.csrf().await;
    let requests = (0..8).map(|_| {
        w.rep_browser
            .client
            .post(&path)
            .form(&[("csrf_token", token.as_str()), ("refund", "600")])
            .send()
    });
    let answers: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.expect("POST").status().as_u16())
        .collect();
    assert_eq!(
        answers.iter().filter(|s| **s == 303).count(),
        1,
        "{answers:?}"
    );
    let refunded: i64 = referrals_t::table
        .find(id)
        .select(referrals_t::refunded_minor)
        .first(&mut *w.app.conn())
        .expect("refunded");
    assert_eq!(refunded, 60_000);
    assert_eq!(
        statuses(&w.app),
        [(10_000, "pending".into()), (-6_000, "pending".into())]
    );

    hold_over(&w.app, "pending");
    let path = w.admin.url(&format!(
        "/admin/rewards/partners/{}/approve",
        w.fx.partner_a
    ));
    let token = w.admin.csrf().await;
    let requests = (0..8).map(|_| {
        w.admin
            .client
            .post(&path)
            .form(&[("csrf_token", token.as_str())])
            .send()
    });
    for r in futures_util::future::join_all(requests).await {
        assert_eq!(r.expect("POST").status(), StatusCode::SEE_OTHER);
    }
    let approved = w
        .app
        .settled_mail_to(WEBER)
        .await
        .into_iter()
        .filter(|m| m.subject.to_lowercase().contains("approved"))
        .count();
    assert_eq!(approved, 1);
}

#[tokio::test]
async fn a_share_that_rounds_to_nothing_books_no_line_and_sends_no_mail() {
    let w = world().await;
    tier(&w, "0.01", "").await.assert_redirect("/admin/tiers");
    let id = referral(&w, "Cent Co", "contacted", w.rep);
    let path = format!("/admin/rewards/referrals/{id}");
    w.admin
        .post(
            &format!("{path}/split"),
            &[
                ("other", &w.fx.partner_b.to_string()),
                ("own_share", "50"),
                ("other_share", "50"),
            ],
        )
        .await
        .assert_redirect(&path);
    step(&w, id, &[("to", "meeting_booked")]).await;
    let lines: Vec<(i64, i64)> = reward_lines::table
        .order(reward_lines::id.asc())
        .select((reward_lines::organisation_id, reward_lines::amount_minor))
        .load(&mut *w.app.conn())
        .expect("lines");
    // The cent goes to A, listed first; B's share of nothing is no reward.
    assert_eq!(lines, [(w.fx.partner_a, 1)]);
    assert!(
        w.app
            .settled_mail_to("j.lund@partner-b.example")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn partners_and_reps_reach_no_admin_incentive_route() {
    let w = world().await;
    tier(&w, "10", "10").await.assert_redirect("/admin/tiers");
    let id = referral(&w, "Guard Co", "contacted", w.rep);
    step(&w, id, &[("to", "meeting_booked")]).await;
    let line: i64 = reward_lines::table
        .select(reward_lines::id)
        .first(&mut *w.app.conn())
        .expect("line");
    hold_over(&w.app, "pending");
    let org = w.fx.partner_a;
    let gets = [
        "/admin/tiers".to_owned(),
        "/admin/tiers/new".into(),
        "/admin/tiers/settings".into(),
        "/admin/tiers/1".into(),
        "/admin/rewards".into(),
        format!("/admin/rewards/referrals/{id}"),
        "/admin/payouts".into(),
        "/admin/payouts/export.csv".into(),
        "/admin/payouts/1".into(),
        "/admin/payouts/1/export.csv".into(),
    ];
    let posts = [
        "/admin/tiers/new".to_owned(),
        "/admin/tiers/settings".into(),
        "/admin/tiers/1".into(),
        format!("/admin/rewards/lines/{line}/approve"),
        format!("/admin/rewards/lines/{line}/reject"),
        format!("/admin/rewards/partners/{org}/approve"),
        format!("/admin/rewards/referrals/{id}/split"),
        format!("/admin/rewards/referrals/{id}/refund"),
        "/admin/payouts/build".into(),
        "/admin/payouts/1/approve".into(),
        "/admin/payouts/1/paid".into(),
        "/admin/payouts/1/failed".into(),
    ];
    for browser in [&w.app, &w.rep_browser] {
        for path in &gets {
            assert_eq!(
                browser.get(path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        for path in &posts {
            let page = browser
                .post(
                    path,
                    &[
                        ("reason", "x"),
                        ("password", PASSWORD),
                        ("reference", "x"),
                        ("refund", "1"),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    // An admin's POST without the CSRF token changes nothing either.
    for path in &posts {
        let page = w
            .admin
            .post_raw(path, &[("reason", "x"), ("password", PASSWORD)])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(statuses(&w.app), [(1000, "approvable".into())]);
}
