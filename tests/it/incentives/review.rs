//! Attacks from the review of the incentive program: amounts that overflow, refunds by the
//! wrong rep, clawbacks of rejected rewards.

use diesel::prelude::*;
use referral_portal::db::accounts::Role;
use referral_portal::db::db_time;
use referral_portal::db::referrals::{self, NewReferral};
use referral_portal::db::schema::referrals as referrals_t;
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
