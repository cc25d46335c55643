//! The tier admin pages over HTTP: building the ladder with its rules, field errors that save
//! nothing, the incentive settings, and partners kept out.

use diesel::prelude::*;
use referral_portal::db::schema::tiers;
use referral_portal::db::tiers as stored;
use reqwest::StatusCode;

use super::audit_count;
use crate::common::{PASSWORD, Page, spawn_app};

const WEBER: &str = "p.weber@partner-a.example";
const ADMIN: &str = "admin.x@vendor.example";

#[tokio::test]
async fn admin_builds_the_ladder_and_a_bad_tier_is_refused_next_to_its_field() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login(ADMIN, PASSWORD).await;

    let registered = [
        ("name", "Registered"),
        ("rank", "0"),
        ("min_won_value", ""),
        ("min_qualified", ""),
        ("perks", "Portal access"),
        ("meeting_bounty", "100"),
        ("won_percent", "5"),
    ];
    app.post("/admin/tiers/new", &registered)
        .await
        .assert_redirect("/admin/tiers");
    let silver = [
        ("name", "Silver"),
        ("rank", "1"),
        ("min_won_value", "10,000.00"),
        ("min_qualified", "3"),
        ("perks", "A named partner manager"),
        ("meeting_bounty", "250.00"),
        ("won_percent", "7.5"),
    ];
    app.post("/admin/tiers/new", &silver)
        .await
        .assert_redirect("/admin/tiers");

    let list = app.get("/admin/tiers").await;
    assert_eq!(
        list.texts("#tier-list .tier-name"),
        ["Registered", "Silver"]
    );
    let body = list.text("#tier-list");
    assert!(body.contains("10,000.00 EUR of won deals or 3 qualified referrals"));
    assert!(body.contains("250.00 EUR when a meeting is booked"));
    assert!(body.contains("7.5 % of the deal value when the deal is won"));
    assert_eq!(audit_count(&app, "tier_created"), 2);

    // Each bad field gets its own message, tied to it; nothing is saved.
    let bad = [
        ("name", "Gold"),
        ("rank", "2"),
        ("min_won_value", "lots"),
        ("min_qualified", "0"),
        ("perks", ""),
        ("meeting_bounty", "-5"),
        ("won_percent", "150"),
    ];
    let page = app.post("/admin/tiers/new", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "min_won_value",
        "min_qualified",
        "meeting_bounty",
        "won_percent",
    ] {
        assert!(
            !page.text(&format!("#{field}-error")).is_empty(),
            "{field} has no error"
        );
        assert_eq!(
            page.attr(&format!("#{field}"), "aria-describedby")
                .as_deref(),
            Some(format!("{field}-error").as_str())
        );
    }
    assert_eq!(page.attr("#name", "value").as_deref(), Some("Gold"));

    // A ladder error: a tier above the entry tier without thresholds.
    let no_threshold = [
        ("name", "Gold"),
        ("rank", "2"),
        ("min_won_value", ""),
        ("min_qualified", ""),
        ("perks", ""),
        ("meeting_bounty", ""),
        ("won_percent", ""),
    ];
    let page = app.post("/admin/tiers/new", &no_threshold).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text("#min_qualified-error")
            .contains("needs a threshold")
    );
    // Gold asking for fewer referrals than Silver would hide Silver.
    let lower = [("min_qualified", "2"), ("min_won_value", "50000")];
    let fields: Vec<(&str, &str)> = no_threshold
        .iter()
        .filter(|(k, _)| !lower.iter().any(|(l, _)| l == k))
        .chain(lower.iter())
        .copied()
        .collect();
    let page = app.post("/admin/tiers/new", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text("#min_won_value-error")
            .contains("must ask for more than Silver")
    );
    // A taken name.
    let taken: Vec<(&str, &str)> = silver
        .iter()
        .map(|&(k, v)| if k == "rank" { (k, "5") } else { (k, v) })
        .collect();
    let page = app.post("/admin/tiers/new", &taken).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text("#name-error").contains("Silver"));

    let count: i64 = tiers::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(count, 2);

    // Editing keeps the rules it is given and drops a blank one.
    let silver_id: i64 = tiers::table
        .filter(tiers::name.eq("Silver"))
        .select(tiers::id)
        .first(&mut app.conn())
        .expect("silver");
    let edit = app.get(&format!("/admin/tiers/{silver_id}")).await;
    assert_eq!(edit.attr("#won_percent", "value").as_deref(), Some("7.5"));
    assert_eq!(
        edit.attr("#min_won_value", "value").as_deref(),
        Some("10000.00")
    );
    let edited: Vec<(&str, &str)> = silver
        .iter()
        .map(|&(k, v)| {
            if k == "meeting_bounty" {
                (k, "")
            } else {
                (k, v)
            }
        })
        .collect();
    app.post(&format!("/admin/tiers/{silver_id}"), &edited)
        .await
        .assert_redirect("/admin/tiers");
    let rules = stored::list_rules(&mut app.conn()).expect("rules");
    assert_eq!(rules.iter().filter(|r| r.tier_id == silver_id).count(), 1);
    assert_eq!(audit_count(&app, "tier_updated"), 1);
}

#[tokio::test]
async fn incentive_settings_are_saved_audited_and_bad_values_refused_by_field() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login(ADMIN, PASSWORD).await;
    let tiers_page = app.get("/admin/tiers").await;
    assert!(tiers_page.body.contains("href=\"/admin/tiers/settings\""));

    let page = app.get("/admin/tiers/settings").await;
    assert_eq!(page.attr("#holding_days", "value").as_deref(), Some("30"));
    assert_eq!(page.attr("#min_payout", "value").as_deref(), Some("50.00"));

    let bad = [
        ("holding_days", "-1"),
        ("min_payout", "ten"),
        ("tier_window_months", "0"),
        ("demotion_grace_months", "3"),
        ("second_approval_above", "1.005"),
    ];
    let page = app.post("/admin/tiers/settings", &bad).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "holding_days",
        "min_payout",
        "tier_window_months",
        "second_approval_above",
    ] {
        assert!(!page.text(&format!("#{field}-error")).is_empty(), "{field}");
    }
    assert!(page.text("#demotion_grace_months-error").is_empty());
    assert_eq!(page.attr("#min_payout", "value").as_deref(), Some("ten"));

    let good = [
        ("holding_days", "14"),
        ("min_payout", "75.50"),
        ("tier_window_months", "6"),
        ("demotion_grace_months", "1"),
        ("second_approval_above", "5,000"),
    ];
    app.post("/admin/tiers/settings", &good)
        .await
        .assert_redirect("/admin/tiers/settings");
    let saved = referral_portal::db::settings::load_incentives(&mut app.conn()).expect("load");
    assert_eq!(
        (
            saved.holding_days,
            saved.min_payout_minor,
            saved.tier_window_months,
            saved.demotion_grace_months,
            saved.second_approval_above_minor
        ),
        (14, 7_550, 6, 1, Some(500_000))
    );
    assert_eq!(audit_count(&app, "incentive_settings_changed"), 1);
}

#[tokio::test]
async fn partners_are_refused_on_the_tier_admin_pages() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login(WEBER, PASSWORD).await;
    for path in ["/admin/tiers", "/admin/tiers/new", "/admin/tiers/settings"] {
        assert_eq!(app.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let post = app
        .post(
            "/admin/tiers/new",
            &[
                ("name", "Sneaky"),
                ("rank", "0"),
                ("meeting_bounty", "1000"),
            ],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    let count: i64 = tiers::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(count, 0);
    let page: Page = app.get("/partner/tier").await;
    assert!(page.body.contains("no tiers yet"));
}
