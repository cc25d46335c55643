//! Tiers end to end: admins define the ladder over HTTP, accepted referrals promote at once,
//! a drop waits for the grace and the quarter end, a refund drops the projected tier, and each
//! partner sees only its own standing.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use diesel::prelude::*;
use referral_portal::db::schema::{audit_log, jobs, partner_standings, referrals, tiers};
use referral_portal::db::tiers::{self as stored, RuleAmount, TierValues};
use reqwest::StatusCode;

use crate::common::{Fixture, PASSWORD, TestApp, spawn_app};

mod admin;

const WEBER: &str = "p.weber@partner-a.example";
const LUND: &str = "j.lund@partner-b.example";
const ADMIN: &str = "admin.x@vendor.example";

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid instant")
}

/// Registered (entry: 100.00 per meeting, 5 % won), Silver (2 qualified or 10,000.00 won),
/// Gold (5 qualified or 50,000.00 won), stored directly.
fn seed_ladder(app: &TestApp, silver_name: &str, silver_perks: &str) {
    let mut conn = app.conn();
    let now = app.clock_now();
    let ladder = [
        ("Registered", 0, None, None, "Portal access", 100, "5"),
        (
            silver_name,
            1,
            Some(1_000_000),
            Some(2),
            silver_perks,
            150,
            "7.5",
        ),
        (
            "Gold",
            2,
            Some(5_000_000),
            Some(5),
            "Summit seat",
            250,
            "10",
        ),
    ];
    for (name, rank, won, qualified, perks, bounty, percent) in ladder {
        let values = TierValues {
            name: name.into(),
            rank,
            min_won_value_minor: won,
            min_qualified: qualified,
            perks: perks.into(),
        };
        let id = stored::insert_tier(&mut conn, &values, now).expect("tier");
        stored::set_rule(
            &mut conn,
            id,
            "meeting_booked",
            Some(&RuleAmount::Flat(bounty * 100)),
            now,
        )
        .expect("rule");
        stored::set_rule(
            &mut conn,
            id,
            "won",
            Some(&RuleAmount::Percent(percent.into())),
            now,
        )
        .expect("rule");
    }
}

/// Submits a referral as the signed-in partner; returns its id.
async fn refer(partner: &TestApp, n: u32) -> i64 {
    let email = format!("prospect{n}@beispiel-gmbh-example.de");
    let last = format!("Vogt{n}");
    let page = crate::referrals::submit(
        partner,
        &[("email", email.as_str()), ("last_name", last.as_str())],
    )
    .await;
    page.location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no referral created: {} {}", page.status, page.body))
}

async fn decide(admin: &TestApp, id: i64, decision: &str, note: &str) {
    let page = admin
        .post(
            &format!("/admin/referrals/{id}/decision"),
            &[("decision", decision), ("note", note)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// Partner A's user and an admin, both signed in, with the ladder seeded.
async fn partner_and_admin(silver: &str, perks: &str) -> (TestApp, TestApp, Fixture) {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    seed_ladder(&app, silver, perks);
    app.login(WEBER, PASSWORD).await;
    let admin = app.new_browser();
    admin.login(ADMIN, PASSWORD).await;
    (app, admin, fx)
}

fn tier_of(app: &TestApp, org: i64) -> String {
    let mut conn = app.conn();
    partner_standings::table
        .inner_join(tiers::table)
        .filter(partner_standings::organisation_id.eq(org))
        .select(tiers::name)
        .first(&mut conn)
        .unwrap_or_else(|_| "none".into())
}

fn tier_mails(app: &TestApp, to: &str) -> Vec<crate::common::Mail> {
    app.mails()
        .into_iter()
        .filter(|m| m.to.contains(to))
        .filter(|m| m.subject.contains("Promoted") || m.subject.contains("tier is now"))
        .collect()
}

/// Waits until a tier review has run at or after the clock's current time.
async fn wait_for_review(app: &TestApp) {
    let now = referral_portal::db::db_time(app.clock_now());
    for _ in 0..500 {
        let done: i64 = jobs::table
            .filter(jobs::kind.eq("tier_review"))
            .filter(jobs::status.eq("done"))
            .filter(jobs::run_at.ge(now))
            .count()
            .get_result(&mut app.conn())
            .expect("count");
        if done > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no tier review ran at {now}");
}

pub(super) fn audit_count(app: &TestApp, action: &str) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

#[tokio::test]
async fn accepted_referrals_promote_at_once_with_one_mail() {
    let (app, admin, fx) = partner_and_admin("Silver", "A named partner manager").await;
    let first = refer(&app, 1).await;
    let second = refer(&app, 2).await;

    decide(&admin, first, "accept", "").await;
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#current-tier"), "Registered");
    assert_eq!(
        page.text("#next-tier-sentence"),
        "1 more qualified referral or 10,000.00 EUR of won deals to Silver"
    );
    assert_eq!(page.attr("#tier-progress", "value").as_deref(), Some("1"));
    assert_eq!(page.attr("#tier-progress", "max").as_deref(), Some("2"));
    assert_eq!(page.text("#qualified-count"), "1");
    assert_eq!(page.text("#won-value"), "0.00 EUR");
    assert_eq!(page.text("#tier-window"), "4 Dec 2025 to 4 Dec 2026 (UTC)");
    assert!(
        page.text("#tier-unlocks")
            .contains("100.00 EUR when a meeting is booked")
    );

    decide(&admin, second, "accept", "").await;
    assert_eq!(tier_of(&app, fx.partner_a), "Silver");
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#current-tier"), "Silver");
    assert!(
        page.text("#tier-unlocks")
            .contains("7.5 % of the deal value when the deal is won")
    );
    assert_eq!(page.text("#tier-perks"), "A named partner manager");
    assert!(page.text("#next-tier-sentence").ends_with("to Gold"));
    assert_eq!(page.texts("#tier-history tbody tr").len(), 1);
    assert!(
        page.text("#tier-history")
            .contains("Reached Silver: 2 qualified referrals")
    );

    app.wait_for_mail(WEBER, 3).await;
    app.settled_mail_to(WEBER).await;
    let mails = tier_mails(&app, WEBER);
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.starts_with("Promoted to Silver"));
    assert!(mails[0].text.contains("from Registered to Silver"));
    assert!(mails[0].text.contains("Reached Silver"));
    assert!(mails[0].html.contains("7.5 % of the deal value"));
    assert_eq!(audit_count(&app, "tier_changed"), 1);
}

#[tokio::test]
async fn a_drop_waits_for_the_grace_and_demotes_at_the_quarter_end_once() {
    let (app, admin, fx) = partner_and_admin("Silver", "").await;
    let first = refer(&app, 1).await;
    let second = refer(&app, 2).await;
    decide(&admin, first, "accept", "").await;
    decide(&admin, second, "accept", "").await;
    assert_eq!(tier_of(&app, fx.partner_a), "Silver");

    // Rejecting an accepted referral takes it out of the count: the grace starts.
    decide(
        &admin,
        second,
        "reject",
        "The prospect was already a customer.",
    )
    .await;
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#current-tier"), "Silver");
    // Fell below on 4 Dec 2026; the grace runs to 4 Mar 2027; the quarter ends 1 Apr 2027.
    assert_eq!(page.text("#review-date"), "1 Apr 2027");
    assert_eq!(page.text("#projected-tier"), "Registered");

    // The quarter end inside the grace and the day before the review change nothing.
    for at in [utc(2027, 1, 1, 0, 30), utc(2027, 3, 31, 23, 0)] {
        app.clock.set(at);
        wait_for_review(&app).await;
        assert_eq!(tier_of(&app, fx.partner_a), "Silver", "at {at}");
    }

    app.clock.set(utc(2027, 4, 1, 0, 30));
    wait_for_review(&app).await;
    assert_eq!(tier_of(&app, fx.partner_a), "Registered");
    // A later run finds nothing more to do.
    app.clock.set(utc(2027, 4, 1, 2, 30));
    wait_for_review(&app).await;

    app.settled_mail_to(WEBER).await;
    let mails = tier_mails(&app, WEBER);
    assert_eq!(mails.len(), 2, "{mails:?}");
    let demotion = &mails[1];
    assert!(demotion.subject.starts_with("Your tier is now Registered"));
    assert!(demotion.text.contains("from Silver to Registered"));
    assert!(demotion.text.contains("review on 1 Apr 2027"));
    assert!(demotion.text.contains("/partner/tier"));

    // Months have passed on the app clock: the session ended, so sign in again.
    app.login(WEBER, PASSWORD).await;
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#current-tier"), "Registered");
    assert!(page.texts("#demotion-review").is_empty());
    assert_eq!(page.texts("#tier-history tbody tr").len(), 2);
}

#[tokio::test]
async fn a_refund_before_the_period_end_drops_the_projected_tier() {
    let (app, admin, fx) = partner_and_admin("Silver", "").await;
    let id = refer(&app, 1).await;
    decide(&admin, id, "accept", "").await;

    // The deal is won for 12,000.00 (the pipeline's win is another part's; set it here).
    let now = referral_portal::db::db_time(app.clock_now());
    let win = |conn: &mut referral_portal::db::AnyConnection, refunded: i64| {
        diesel::update(referrals::table.find(id))
            .set((
                referrals::status.eq("won"),
                referrals::won_at.eq(Some(now)),
                referrals::deal_value_minor.eq(Some(1_200_000i64)),
                referrals::refunded_minor.eq(refunded),
            ))
            .execute(conn)
            .expect("update");
        referral_portal::incentives::tiers::reevaluate(conn, fx.partner_a, app.clock_now())
            .expect("reevaluate");
    };
    win(&mut app.conn(), 0);
    assert_eq!(tier_of(&app, fx.partner_a), "Silver");
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#won-value"), "12,000.00 EUR");
    assert!(page.texts("#demotion-review").is_empty());

    // A refund of 5,000.00 leaves 7,000.00: below Silver, which is kept until the review.
    win(&mut app.conn(), 500_000);
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#current-tier"), "Silver");
    assert_eq!(page.text("#won-value"), "7,000.00 EUR");
    assert_eq!(page.text("#projected-tier"), "Registered");
    assert_eq!(page.text("#review-date"), "1 Apr 2027");
    assert_eq!(audit_count(&app, "tier_grace_started"), 1);

    // Refunded back above the line (a corrected refund), the grace ends.
    win(&mut app.conn(), 100_000);
    let page = app.get("/partner/tier").await;
    assert!(page.texts("#demotion-review").is_empty());
    assert_eq!(tier_of(&app, fx.partner_a), "Silver");
}

#[tokio::test]
async fn partner_b_sees_only_its_own_standing() {
    let (app, admin, fx) = partner_and_admin("Silver", "").await;
    for n in 1..=2 {
        let id = refer(&app, n).await;
        decide(&admin, id, "accept", "").await;
    }
    assert_eq!(tier_of(&app, fx.partner_a), "Silver");

    let b = app.new_browser();
    b.login(LUND, PASSWORD).await;
    let page = b.get("/partner/tier").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("#current-tier"), "Registered");
    assert_eq!(page.text("#qualified-count"), "0");
    assert!(!page.body.contains("Reached Silver"));
    assert_eq!(page.texts("#tier-history tbody tr").len(), 0);
    // The page takes no organisation from the request.
    let page = b
        .get(&format!("/partner/tier?organisation_id={}", fx.partner_a))
        .await;
    assert_eq!(page.text("#qualified-count"), "0");
}

#[tokio::test]
async fn markup_in_a_tier_name_and_perks_stays_text_on_pages_and_in_mail() {
    let name = "Silver<img src=x onerror=alert(1)>";
    let perks = "<script>alert('perk')</script> & <b>bold</b>";
    let (app, admin, _fx) = partner_and_admin(name, perks).await;
    for n in 1..=2 {
        let id = refer(&app, n).await;
        decide(&admin, id, "accept", "").await;
    }

    let list = admin.get("/admin/tiers").await;
    assert!(
        list.texts("#tier-list .tier-name")
            .contains(&name.to_owned())
    );
    assert!(
        list.texts("#tier-list .tier-perks")
            .contains(&perks.to_owned())
    );
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#current-tier"), name);
    assert_eq!(page.text("#tier-perks"), perks);
    for body in [&list.body, &page.body] {
        assert!(!body.contains("<img src=x"));
        assert!(!body.contains("<script>alert"));
        assert!(!body.contains("<b>bold"));
    }

    app.wait_for_mail(WEBER, 3).await;
    app.settled_mail_to(WEBER).await;
    let mails = tier_mails(&app, WEBER);
    assert_eq!(mails.len(), 1);
    assert!(!mails[0].html.contains("<img src=x"));
    assert!(!mails[0].html.contains("<script>"));
    assert!(mails[0].html.contains("&lt;script&gt;"));
    assert!(!mails[0].subject.contains('\n'));
}

#[tokio::test]
async fn the_demo_ladder_has_three_tiers_with_rules_and_partners_standing_in_it() {
    let app = spawn_app().await;
    let filled = referral_portal::demo::fill_if_empty(&mut app.conn(), app.clock.as_ref())
        .expect("demo data");
    assert!(filled);

    let names: Vec<String> = tiers::table
        .order(tiers::rank.asc())
        .select(tiers::name)
        .load(&mut app.conn())
        .expect("tiers");
    assert_eq!(names, ["Registered", "Silver", "Gold"]);
    let rules = stored::list_rules(&mut app.conn()).expect("rules");
    assert_eq!(rules.len(), 6);
    let standings: i64 = partner_standings::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert!(standings > 0, "the demo pipeline gives partners a standing");
}

#[tokio::test]
async fn two_reviews_at_once_demote_and_mail_once() {
    let (app, admin, fx) = partner_and_admin("Silver", "").await;
    let first = refer(&app, 1).await;
    let second = refer(&app, 2).await;
    decide(&admin, first, "accept", "").await;
    decide(&admin, second, "accept", "").await;
    decide(&admin, second, "reject", "Not a fit after all.").await;

    // Two processes run the review after the quarter end at the same moment.
    let at = utc(2027, 4, 1, 0, 30);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let pool = app.pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().expect("a connection");
                referral_portal::incentives::tiers::job::review_all(&mut conn, at, None)
                    .expect("review")
            })
        })
        .collect();
    let demoted: usize = runs.into_iter().map(|r| r.join().expect("thread")).sum();

    assert_eq!(demoted, 1);
    assert_eq!(tier_of(&app, fx.partner_a), "Registered");
    // The demotion mail is queued for April (the app clock is still in December): count the
    // outbox, one promotion and one demotion.
    let queued: i64 = referral_portal::db::schema::outbox::table
        .filter(referral_portal::db::schema::outbox::kind.eq("tier_changed"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(queued, 2);
    let changes: i64 = referral_portal::db::schema::tier_changes::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(changes, 2);
}

#[tokio::test]
async fn auto_accepted_referrals_promote_too() {
    let (app, _admin, fx) = partner_and_admin("Silver", "").await;
    let mut conn = app.conn();
    let mut routing = referral_portal::db::settings::load_routing(&mut conn).expect("load");
    routing.auto_accept_score = Some(0);
    referral_portal::db::settings::save_routing(&mut conn, &routing).expect("save");
    drop(conn);

    refer(&app, 1).await;
    assert_eq!(tier_of(&app, fx.partner_a), "Registered");
    refer(&app, 2).await;
    assert_eq!(tier_of(&app, fx.partner_a), "Silver");
    let page = app.get("/partner/tier").await;
    assert_eq!(page.text("#current-tier"), "Silver");
}
