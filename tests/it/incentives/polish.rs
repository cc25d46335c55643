//! Edge cases of the incentive program found after it was merged, each kept as a regression
//! test: co-referral links, the payout a paid line went out in, statement breakdowns, the
//! split racing a win, and a clawback outliving its rejected original.

use diesel::prelude::*;
use referral_portal::db::payouts as payout_store;
use referral_portal::db::schema::reward_lines;

use super::review::{World, referral, step, tier, world};
use crate::common::{PASSWORD, TestApp};

const LUND: &str = "j.lund@partner-b.example";

/// Splits referral `id` 50/50 between Partner A and Partner B.
async fn split(w: &World, id: i64) -> crate::common::Page {
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
async fn co_referral(w: &World, company: &str) -> (i64, i64, i64) {
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

fn lines_of(app: &TestApp, referral_id: i64) -> Vec<i64> {
    reward_lines::table
        .filter(reward_lines::referral_id.eq(referral_id))
        .order(reward_lines::id.asc())
        .select(reward_lines::id)
        .load(&mut *app.conn())
        .expect("lines")
}

/// Puts `line` into a new payout of `org` in `status`, the line itself in `line_status`.
fn payout_of(app: &TestApp, org: i64, line: i64, status: &str, line_status: &str) -> i64 {
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

async fn partner_b(w: &World) -> TestApp {
    let b = w.app.new_browser();
    b.login(LUND, PASSWORD).await;
    b
}

#[tokio::test]
async fn a_co_referral_partner_sees_the_referral_as_text_never_a_link_it_cannot_open() {
    let w = world().await;
    let (id, a_line, b_line) = co_referral(&w, "Shared Co").await;
    let b = partner_b(&w).await;
    let href = format!("a[href=\"/partner/referrals/{id}\"]");
    // The other partner's referral page is a 404 for B: no page of B's links to it.
    assert_eq!(
        b.get(&format!("/partner/referrals/{id}")).await.status,
        reqwest::StatusCode::NOT_FOUND
    );
    let rewards = b.get("/partner/rewards").await;
    assert!(rewards.texts(&href).is_empty());
    let row = rewards.text(&format!("tr[data-line=\"{b_line}\"]"));
    assert!(
        row.contains("Shared Co") && row.contains("co-referral"),
        "{row}"
    );
    let line = b.get(&format!("/partner/rewards/lines/{b_line}")).await;
    assert!(line.texts(&href).is_empty());
    assert!(line.text("#referral").contains("co-referral"));
    // Statement and payout pages of B show it the same way.
    let mut conn = w.app.conn();
    let later = w.app.clock_now() + chrono::Duration::days(40);
    referral_portal::incentives::statements::close_due(
        &mut conn,
        later,
        "/partner/rewards/statements/",
    )
    .expect("statements");
    drop(conn);
    let statement: i64 = referral_portal::db::schema::statements::table
        .filter(referral_portal::db::schema::statements::organisation_id.eq(w.fx.partner_b))
        .select(referral_portal::db::schema::statements::id)
        .first(&mut *w.app.conn())
        .expect("statement");
    let page = b
        .get(&format!("/partner/rewards/statements/{statement}"))
        .await;
    assert!(page.texts(&href).is_empty());
    assert!(page.text("#lines, table.ledger").contains("co-referral"));
    let payout = payout_of(&w.app, w.fx.partner_b, b_line, "paid", "paid");
    let page = b.get(&format!("/partner/payouts/{payout}")).await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.texts(&href).is_empty());
    assert!(page.text("#lines").contains("co-referral"));
    // The referral's own partner still gets its link; the admin links to it on every page.
    let own = w.app.get("/partner/rewards").await;
    assert_eq!(own.texts(&href).len(), 1);
    assert!(
        w.app
            .get(&format!("/partner/rewards/lines/{a_line}"))
            .await
            .attr("#referral a", "href")
            .is_some()
    );
    let admin = w.admin.get(&format!("/admin/payouts/{payout}")).await;
    assert_eq!(
        admin
            .texts(&format!("a[href=\"/admin/referrals/{id}\"]"))
            .len(),
        1
    );
}

/// Marks `line`'s place in `payout` released, as a failed payout leaves it.
fn release(app: &TestApp, payout: i64) {
    use referral_portal::db::schema::{payout_lines, payouts};
    let mut conn = app.conn();
    diesel::update(payouts::table.find(payout))
        .set(payouts::status.eq("failed"))
        .execute(&mut *conn)
        .expect("failed");
    diesel::update(payout_lines::table.filter(payout_lines::payout_id.eq(payout)))
        .set(payout_lines::active.eq(false))
        .execute(&mut *conn)
        .expect("released");
}

#[tokio::test]
async fn a_paid_line_links_to_the_payout_that_paid_it_never_a_failed_one() {
    let w = world().await;
    tier(&w, "100.00", "").await.assert_redirect("/admin/tiers");
    let id = referral(&w, "Paid Co", "contacted", w.rep);
    step(&w, id, &[("to", "meeting_booked")]).await;
    let line = lines_of(&w.app, id)[0];
    let path = format!("/partner/rewards/lines/{line}");
    let row = format!("tr[data-line=\"{line}\"] a.payout");
    // Never in a payout: nothing to link to.
    assert!(w.app.get(&path).await.texts("#payout").is_empty());
    // Only in a failed payout: still nothing.
    let failed = payout_of(&w.app, w.fx.partner_a, line, "approved", "approved");
    release(&w.app, failed);
    assert!(w.app.get(&path).await.texts("#payout").is_empty());
    assert!(w.admin.get("/admin/rewards").await.texts(&row).is_empty());
    // Paid with a later payout: that one, on both sides.
    let paid = payout_of(&w.app, w.fx.partner_a, line, "paid", "paid");
    let page = w.app.get(&path).await;
    assert_eq!(page.text("#payout"), format!("Paid in payout #{paid}"));
    assert_eq!(
        page.attr("#payout a", "href").as_deref(),
        Some(format!("/partner/payouts/{paid}").as_str())
    );
    let ledger = w.admin.get("/admin/rewards").await;
    assert_eq!(ledger.text(&row), format!("Paid in payout #{paid}"));
    assert_eq!(
        ledger.attr(&row, "href").as_deref(),
        Some(format!("/admin/payouts/{paid}").as_str())
    );
}

async fn reject(w: &World, line: i64) {
    w.admin
        .post(
            &format!("/admin/rewards/lines/{line}/reject"),
            &[("reason", "Not a real opportunity")],
        )
        .await;
    let status: String = reward_lines::table
        .find(line)
        .select(reward_lines::status)
        .first(&mut *w.app.conn())
        .expect("line");
    assert_eq!(status, "rejected");
}

#[tokio::test]
async fn a_statement_keeps_its_total_and_shows_rejected_lines_as_rejected() {
    let w = world().await;
    tier(&w, "100.00", "").await.assert_redirect("/admin/tiers");
    let mut lines = Vec::new();
    for company in ["Kept Co", "Early Co", "Late Co"] {
        let id = referral(&w, company, "contacted", w.rep);
        step(&w, id, &[("to", "meeting_booked")]).await;
        lines.push(lines_of(&w.app, id)[0]);
    }
    super::review::hold_over(&w.app, "pending");
    // Rejected before the month closes…
    reject(&w, lines[1]).await;
    // A month later (sessions idle that long have ended: sign in again).
    let later = w.app.clock_now() + chrono::Duration::days(40);
    w.app.clock.set(later);
    w.app.login(super::review::WEBER, PASSWORD).await;
    w.admin.login("admin.x@vendor.example", PASSWORD).await;
    // The statement job closes the month (or this call does, whichever comes first).
    referral_portal::incentives::statements::close_due(
        &mut w.app.conn(),
        later,
        "/partner/rewards/statements/",
    )
    .expect("statements");
    let (statement, total): (i64, i64) = referral_portal::db::schema::statements::table
        .filter(referral_portal::db::schema::statements::organisation_id.eq(w.fx.partner_a))
        .select((
            referral_portal::db::schema::statements::id,
            referral_portal::db::schema::statements::total_minor,
        ))
        .first(&mut *w.app.conn())
        .expect("statement");
    assert_eq!(total, 30_000, "the sum of its lines");
    let mail = w
        .app
        .settled_mail_to("p.weber@partner-a.example")
        .await
        .into_iter()
        .find(|m| m.subject.contains("statement"))
        .expect("statement mail");
    assert!(mail.text.contains("Early Co: ") && mail.text.contains("(Rejected)"));
    assert!(
        mail.text.contains("of which rejected: 100.00 EUR"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("of which approvable: 200.00 EUR"));
    assert!(mail.html.contains("of which rejected"));
    // …and after: the total stays, the breakdown follows the lines' current status.
    reject(&w, lines[2]).await;
    let page = w
        .app
        .get(&format!("/partner/rewards/statements/{statement}"))
        .await;
    assert!(page.text("#statement-total").contains("300.00"));
    assert_eq!(
        page.text("#statement-breakdown li[data-status=\"rejected\"]"),
        "of which rejected: 200.00 EUR (2 lines)"
    );
    assert_eq!(
        page.text("#statement-breakdown li[data-status=\"approvable\"]"),
        "of which approvable: 100.00 EUR (1 line)"
    );
    assert_eq!(
        page.text(&format!("tr[data-line=\"{}\"] .badge", lines[2])),
        "Rejected"
    );
}

#[tokio::test]
async fn a_split_saved_as_the_deal_is_won_is_either_used_or_refused_never_lost() {
    use referral_portal::db::schema::referral_shares;
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let ids: Vec<i64> = (0..8)
        .map(|i| referral(&w, &format!("Race {i}"), "opportunity", w.rep))
        .collect();
    // Each referral is split and won at the same moment, from two sessions.
    let races = ids.iter().map(|&id| {
        let w = &w;
        async move {
            let won = step(w, id, &[("to", "won"), ("deal_value", "1000")]);
            let (_, page) = tokio::join!(won, split(w, id));
            page.status
        }
    });
    let outcomes = futures_util::future::join_all(races).await;
    for (&id, status) in ids.iter().zip(outcomes) {
        let shares: i64 = referral_shares::table
            .filter(referral_shares::referral_id.eq(id))
            .count()
            .get_result(&mut *w.app.conn())
            .expect("shares");
        let amounts: Vec<(i64, i64)> = reward_lines::table
            .filter(reward_lines::referral_id.eq(id))
            .order(reward_lines::id.asc())
            .select((reward_lines::organisation_id, reward_lines::amount_minor))
            .load(&mut *w.app.conn())
            .expect("lines");
        if shares == 0 {
            // The win came first: the split was refused and A got it all.
            assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{id}");
            assert_eq!(amounts, vec![(w.fx.partner_a, 10_000)], "{id}");
        } else {
            assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "{id}");
            assert_eq!(
                amounts,
                vec![(w.fx.partner_a, 5_000), (w.fx.partner_b, 5_000)],
                "{id}: the split was saved first, so the lines use it"
            );
        }
    }
}

fn status_of(app: &TestApp, line: i64) -> String {
    reward_lines::table
        .find(line)
        .select(reward_lines::status)
        .first(&mut *app.conn())
        .expect("line")
}

#[tokio::test]
async fn a_reward_whose_clawback_is_approved_or_paid_cannot_be_rejected_any_more() {
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let (won, claw) = super::review::won_and_refunded(&w, "Refunded Co").await;
    super::review::hold_over(&w.app, "pending");
    w.admin
        .post(&format!("/admin/rewards/lines/{claw}/approve"), &[])
        .await
        .assert_redirect("/admin/rewards");
    assert_eq!(status_of(&w.app, claw), "approved");
    // The partner was charged the refund against this reward: rejecting it now would charge
    // them for a reward never granted. Refused, next to the reason field.
    let refused = w
        .admin
        .post(
            &format!("/admin/rewards/lines/{won}/reject"),
            &[("reason", "Duplicate deal")],
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused.text(&format!("#reason-{won}-error"));
    assert!(
        error.contains(&format!(
            "clawback (line {claw}) is already approved or paid"
        )),
        "{error}"
    );
    assert_eq!(
        refused.attr(&format!("#reason-{won}"), "aria-describedby"),
        Some(format!("reason-{won}-error"))
    );
    assert_eq!(status_of(&w.app, won), "approvable");
    assert_eq!(status_of(&w.app, claw), "approved");
    // Paid is settled too.
    diesel::update(reward_lines::table.find(claw))
        .set(reward_lines::status.eq("paid"))
        .execute(&mut *w.app.conn())
        .expect("paid");
    let refused = w
        .admin
        .post(
            &format!("/admin/rewards/lines/{won}/reject"),
            &[("reason", "Duplicate deal")],
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_of(&w.app, won), "approvable");
    // Approving it instead nets the two out.
    w.admin
        .post(&format!("/admin/rewards/lines/{won}/approve"), &[])
        .await
        .assert_redirect("/admin/rewards");
    assert_eq!(status_of(&w.app, won), "approved");

    // While the clawback is only approvable, rejecting the reward still rejects both.
    let (won, claw) = super::review::won_and_refunded(&w, "Other Co").await;
    super::review::hold_over(&w.app, "pending");
    w.admin
        .post(
            &format!("/admin/rewards/lines/{won}/reject"),
            &[("reason", "Duplicate deal")],
        )
        .await
        .assert_redirect("/admin/rewards");
    assert_eq!(status_of(&w.app, won), "rejected");
    assert_eq!(status_of(&w.app, claw), "rejected");
}
