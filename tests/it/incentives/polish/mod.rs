//! Edge cases of the incentive program found after it was merged, each kept as a regression
//! test: co-referral links, the payout a paid line went out in, statement breakdowns, the
//! split racing a win, and a clawback outliving its rejected original.

use diesel::prelude::*;
use referral_portal::db::payouts as payout_store;
use referral_portal::db::schema::reward_lines;

mod pages;
mod rules;

use crate::common::{PASSWORD, TestApp};
use crate::incentives::review::{World, referral, step, tier};

pub(super) const LUND: &str = "j.lund@partner-b.example";

/// Splits referral `id` 50/50 between Partner A and Partner B.
pub(super) async fn split(w: &World, id: i64) -> crate::common::Page {
    w.admin
        .post(
            &format!("/admin/rewards/referrals/{id}/split"),
            &[
                ("other", &w.fx.partner_b.to_string()),
                ("own_share", "50"),
                ("other_share", "50"),
            ],
        )
        .await
}

/// A won 1,000.00 deal of Partner A at 10 %, split 50/50 with Partner B; returns the
/// referral and its lines (A's, then B's).
pub(super) async fn co_referral(w: &World, company: &str) -> (i64, i64, i64) {
    tier(w, "", "10").await.assert_redirect("/admin/tiers");
    let id = referral(w, company, "opportunity", w.rep);
    split(w, id)
        .await
        .assert_redirect(&format!("/admin/rewards/referrals/{id}"));
    step(w, id, &[("to", "won"), ("deal_value", "1000")]).await;
    let lines = lines_of(&w.app, id);
    assert_eq!(lines.len(), 2, "one line per partner");
    (id, lines[0], lines[1])
}

pub(super) fn lines_of(app: &TestApp, referral_id: i64) -> Vec<i64> {
    reward_lines::table
        .filter(reward_lines::referral_id.eq(referral_id))
        .order(reward_lines::id.asc())
        .select(reward_lines::id)
        .load(&mut *app.conn())
        .expect("lines")
}

/// Puts `line` into a new payout of `org` in `status`, the line itself in `line_status`.
pub(super) fn payout_of(
    app: &TestApp,
    org: i64,
    line: i64,
    status: &str,
    line_status: &str,
) -> i64 {
    let mut conn = app.conn();
    let admin: i64 = referral_portal::db::schema::users::table
        .filter(referral_portal::db::schema::users::email.eq("admin.x@vendor.example"))
        .select(referral_portal::db::schema::users::id)
        .first(&mut *conn)
        .expect("admin");
    let id = payout_store::insert(&mut conn, org, 5000, "EUR", status, admin, app.clock_now())
        .expect("payout");
    payout_store::add_line(&mut conn, id, line).expect("payout line");
    diesel::update(reward_lines::table.find(line))
        .set(reward_lines::status.eq(line_status))
        .execute(&mut *conn)
        .expect("line status");
    id
}

pub(super) async fn partner_b(w: &World) -> TestApp {
    let b = w.app.new_browser();
    b.login(LUND, PASSWORD).await;
    b
}

pub(super) fn status_of(app: &TestApp, line: i64) -> String {
    reward_lines::table
        .find(line)
        .select(reward_lines::status)
        .first(&mut *app.conn())
        .expect("line")
}
