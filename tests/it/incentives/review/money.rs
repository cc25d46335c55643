//! Money the ledger must get right: sums that cannot overflow, currencies never added up,
//! thresholds that mean something, shares of nothing.

use diesel::prelude::*;
use referral_portal::db::schema::{referrals as referrals_t, reward_lines};
use reqwest::StatusCode;

use super::{referral, step, tier, world};

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
