//! What partner and admin pages show: co-referral links, the payout a line went out in, and a
//! statement's breakdown by the lines' current status.

use diesel::prelude::*;
use referral_portal::db::schema::reward_lines;

use super::{co_referral, lines_of, partner_b, payout_of};
use crate::common::{PASSWORD, TestApp};
use crate::incentives::review::{World, referral, step, tier, world};
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
    crate::incentives::review::hold_over(&w.app, "pending");
    // Rejected before the month closes…
    reject(&w, lines[1]).await;
    // A month later (sessions idle that long have ended: sign in again).
    let later = w.app.clock_now() + chrono::Duration::days(40);
    w.app.clock.set(later);
    w.app
        .login(crate::incentives::review::WEBER, PASSWORD)
        .await;
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
