//! Attacks from the review of the incentive program, each kept as a regression test: amounts
//! that overflow or mix currencies, nonsense thresholds, clawbacks of rejected rewards, races,
//! and roles kept out of admin routes.

mod access;
mod money;

use diesel::prelude::*;
use referral_portal::db::accounts::Role;
use referral_portal::db::db_time;
use referral_portal::db::referrals::{self, NewReferral};
use referral_portal::db::schema::{referrals as referrals_t, reward_lines};

use crate::common::{Fixture, PASSWORD, TestApp, spawn_app};

pub(super) const WEBER: &str = "p.weber@partner-a.example";
const ADMIN: &str = "admin.x@vendor.example";
const REP: &str = "rep@vendor.example";

pub(super) struct World {
    pub(super) app: TestApp,
    pub(super) fx: Fixture,
    pub(super) rep: i64,
    pub(super) rep_browser: TestApp,
    pub(super) admin: TestApp,
}

pub(super) async fn world() -> World {
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
pub(super) async fn tier(w: &World, bounty: &str, percent: &str) -> crate::common::Page {
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
pub(super) fn referral(w: &World, company: &str, status: &str, rep: i64) -> i64 {
    let mut conn = w.app.conn();
    let now = db_time(w.app.clock_now());
    let r = referrals::insert(
        &mut conn,
        &NewReferral {
            email: Some(format!("dana@{}.example", company.to_lowercase())),
            ..crate::incentives::bare_referral(w.fx.partner_a, w.fx.weber, status, company, now)
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

pub(super) async fn step(w: &World, id: i64, fields: &[(&str, &str)]) {
    let path = format!("/rep/referrals/{id}");
    w.rep_browser
        .post(&format!("{path}/stage"), fields)
        .await
        .assert_redirect(&path);
}

/// Every line as (amount, status), oldest first.
pub(super) fn statuses(app: &TestApp) -> Vec<(i64, String)> {
    reward_lines::table
        .order(reward_lines::id.asc())
        .select((reward_lines::amount_minor, reward_lines::status))
        .load(&mut *app.conn())
        .expect("lines")
}

/// Ends the holding period of every line in `status`.
pub(super) fn hold_over(app: &TestApp, status: &str) {
    diesel::update(reward_lines::table.filter(reward_lines::status.eq(status)))
        .set(reward_lines::status.eq("approvable"))
        .execute(&mut *app.conn())
        .expect("holding over");
}

/// A won deal of 1,000.00 at 10 %, refunded in full: the won line and its clawback.
pub(super) async fn won_and_refunded(w: &World, company: &str) -> (i64, i64) {
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
