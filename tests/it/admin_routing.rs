//! Routing admin pages: reps and their calendars, SLA settings, pools, routing rules and the
//! scoring rules.

use referral_portal::db::accounts::{self, Role};
use referral_portal::db::{audit, routing, settings};
use referral_portal::domain::ScoringRules;
use reqwest::StatusCode;
use scraper::Selector;

use crate::common::{Fixture, PASSWORD, Page, TestApp, spawn_app};

const ADMIN: &str = "admin.x@vendor.example";
const WEBER: &str = "p.weber@partner-a.example";

async fn signed_in_admin() -> (TestApp, Fixture) {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    app.login(ADMIN, PASSWORD).await.assert_redirect("/admin");
    (app, fx)
}

/// Creates a pool through the form and returns its id, read from the redirect.
async fn create_pool(app: &TestApp, name: &str, default: bool) -> i64 {
    let mut fields = vec![("pool_name", name)];
    if default {
        fields.push(("pool_default", "yes"));
    }
    let page = app.post("/admin/routing/pools", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/admin/routing#pool-"))
        .and_then(|id| id.parse().ok())
        .expect("a redirect to the new pool")
}

/// The name and value of every input of the form posting to `action`, as a browser sends them
/// (unticked checkboxes left out).
fn form_fields(page: &Page, action: &str) -> Vec<(String, String)> {
    let selector = Selector::parse(&format!("form[action='{action}'] input")).expect("selector");
    page.html()
        .select(&selector)
        .filter(|e| {
            e.value().attr("type") != Some("checkbox") || e.value().attr("checked").is_some()
        })
        .filter_map(|e| {
            let name = e.value().attr("name")?;
            Some((
                name.to_owned(),
                e.value().attr("value").unwrap_or_default().to_owned(),
            ))
        })
        .filter(|(name, _)| name != "csrf_token")
        .collect()
}

fn refs(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn audit_count(app: &TestApp, action: &str) -> usize {
    audit::search(
        &mut app.conn(),
        &audit::AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        },
        50,
    )
    .expect("audit")
    .len()
}

#[tokio::test]
async fn admin_edits_a_reps_hours_and_time_zone_and_a_bad_value_gets_a_field_error() {
    let (app, fx) = signed_in_admin().await;
    let rita = app.create_user("rita.rep@vendor.example", Role::Rep, None);

    let list = app.get("/admin/reps").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.text(&format!("tr[data-rep='{rita}'] .hours")),
        "Mon-Fri 09:00-17:00"
    );
    assert_eq!(
        list.text(&format!("tr[data-rep='{rita}'] .zone")),
        "Europe/Berlin"
    );
    assert_eq!(
        app.get(&format!("/admin/reps/{rita}")).await.status,
        StatusCode::OK
    );

    let refused = app
        .post(
            &format!("/admin/reps/{rita}"),
            &[
                ("available", "yes"),
                ("time_zone", "Mars/Olympus_Mons"),
                ("hours", "Mon-Fri 17:00-09:00"),
                ("holidays", "24.12.2026"),
                ("manager", &rita.to_string()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.text("#time_zone-error").contains("IANA"));
    assert!(
        refused
            .text("#hours-error")
            .contains("end after they start")
    );
    assert!(refused.text("#holidays-error").contains("24.12.2026"));
    assert!(
        !refused.text("#manager-error").is_empty(),
        "not their own manager"
    );
    assert_eq!(
        refused.attr("input#time_zone", "value").as_deref(),
        Some("Mars/Olympus_Mons")
    );
    let unchanged = routing::rep(&mut app.conn(), rita)
        .expect("rep")
        .expect("a rep");
    assert_eq!(unchanged.user.time_zone, "Europe/Berlin");
    assert_eq!(unchanged.profile.calendar, routing::DEFAULT_HOURS);

    app.post(
        &format!("/admin/reps/{rita}"),
        &[
            ("out_of_office_until", "2026-12-31"),
            ("manager", &fx.admin_y.to_string()),
            ("time_zone", " America/New_York "),
            ("hours", "mon-thu 08:00-16:00; fri 08:00-12:00"),
            ("holidays", "2026-12-25, 2026-12-24"),
        ],
    )
    .await
    .assert_redirect("/admin/reps");

    let saved = routing::rep(&mut app.conn(), rita)
        .expect("rep")
        .expect("a rep");
    assert_eq!(saved.user.time_zone, "America/New_York");
    assert!(!saved.profile.available);
    assert_eq!(
        saved.profile.out_of_office_until.as_deref(),
        Some("2026-12-31")
    );
    assert_eq!(saved.profile.manager_user_id, Some(fx.admin_y));
    assert_eq!(
        saved.profile.calendar,
        "Mon-Thu 08:00-16:00; Fri 08:00-12:00"
    );
    assert_eq!(saved.profile.holidays, "2026-12-24, 2026-12-25");
    assert_eq!(audit_count(&app, "rep_changed"), 1);
    let list = app.get("/admin/reps").await;
    assert!(list.text(".flash-success").contains("rita.rep"));
    assert_eq!(
        list.text(&format!("tr[data-rep='{rita}'] .zone")),
        "America/New_York"
    );

    for path in [
        format!("/admin/reps/{}", fx.admin_x),
        format!("/admin/reps/{}", fx.weber),
        "/admin/reps/9999".to_owned(),
        "/admin/reps/abc".to_owned(),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn admin_builds_a_default_pool_of_two_reps_and_a_rule_for_germany() {
    let (app, _) = signed_in_admin().await;
    let ana = app.create_user("ana.rep@vendor.example", Role::Rep, None);
    let ben = app.create_user("ben.rep@vendor.example", Role::Rep, None);

    let pool = create_pool(&app, "DACH team", false).await;
    app.post(
        &format!("/admin/routing/pools/{pool}/members"),
        &[
            ("member", &ana.to_string()),
            ("member", &ben.to_string()),
            (&format!("order_{ben}"), "1"),
        ],
    )
    .await
    .assert_redirect(&format!("/admin/routing#pool-{pool}"));
    assert_eq!(
        routing::pool_members(&mut app.conn(), pool).expect("members"),
        vec![ben, ana]
    );
    let bad_turn = app
        .post(
            &format!("/admin/routing/pools/{pool}/members"),
            &[("member", &ana.to_string()), (&format!("order_{ana}"), "0")],
        )
        .await;
    assert_eq!(bad_turn.status, StatusCode::OK);
    assert!(
        !bad_turn
            .text(&format!("#pool{pool}-order-{ana}-error"))
            .is_empty()
    );
    assert_eq!(
        routing::pool_members(&mut app.conn(), pool).expect("members"),
        vec![ben, ana]
    );

    app.post(&format!("/admin/routing/pools/{pool}/default"), &[])
        .await
        .assert_redirect(&format!("/admin/routing#pool-{pool}"));
    let default = routing::default_pool(&mut app.conn()).expect("default");
    assert_eq!(default.map(|p| p.id), Some(pool));
    let page = app.get("/admin/routing").await;
    assert_eq!(page.text(&format!("#pool-{pool} .default-pool")), "Default");
    assert_eq!(
        page.texts(&format!("#pool-{pool} .pool-members li")),
        vec!["ben.rep", "ana.rep"]
    );

    let refused = app
        .post(
            "/admin/routing/rules",
            &[
                ("rule_pool", &pool.to_string()),
                ("rule_countries", "DE, XX"),
                ("rule_min_score", ""),
                ("rule_max_score", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.text("#rule_countries-error").contains("XX"));
    assert_eq!(
        refused.attr("input#rule_countries", "value").as_deref(),
        Some("DE, XX")
    );
    assert!(routing::rules(&mut app.conn()).expect("rules").is_empty());

    app.post(
        "/admin/routing/rules",
        &[
            ("rule_pool", &pool.to_string()),
            ("rule_countries", "de"),
            ("region", "DACH"),
            ("rule_min_score", "20"),
            ("rule_max_score", ""),
        ],
    )
    .await
    .assert_redirect("/admin/routing#rules");
    let rules = routing::rules(&mut app.conn()).expect("rules");
    assert_eq!(rules.len(), 1);
    assert_eq!(
        (
            rules[0].pool_id,
            rules[0].countries.as_str(),
            rules[0].regions.as_str()
        ),
        (pool, "DE", "DACH")
    );
    assert_eq!((rules[0].min_score, rules[0].max_score), (Some(20), None));
    let page = app.get("/admin/routing").await;
    assert_eq!(page.text("#rule-list td.countries"), "DE");
    assert_eq!(page.text("#rule-list td.pool"), "DACH team");
    let reps = app.get("/admin/reps").await;
    assert_eq!(
        reps.text(&format!("tr[data-rep='{ana}'] .pools")),
        "DACH team"
    );

    app.post(&format!("/admin/routing/rules/{}/delete", rules[0].id), &[])
        .await
        .assert_redirect("/admin/routing#rules");
    assert!(routing::rules(&mut app.conn()).expect("rules").is_empty());
    assert_eq!(audit_count(&app, "routing_rule_added"), 1);
    assert_eq!(audit_count(&app, "routing_rule_deleted"), 1);
    assert_eq!(audit_count(&app, "pool_made_default"), 1);
}

#[tokio::test]
async fn sla_settings_are_saved_and_a_reminder_not_before_the_deadline_is_refused() {
    let (app, _) = signed_in_admin().await;

    let refused = app
        .post(
            "/admin/routing/sla",
            &[
                ("first_contact_hours", "2"),
                ("first_contact_minutes", "0"),
                ("remind_hours", "2"),
                ("remind_minutes", "0"),
                ("auto_accept_score", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused
            .text("#remind_before-error")
            .contains("before the deadline")
    );
    assert_eq!(
        refused.attr("input#remind_hours", "value").as_deref(),
        Some("2")
    );
    let out_of_range = app
        .post(
            "/admin/routing/sla",
            &[
                ("first_contact_hours", "4"),
                ("remind_hours", "1"),
                ("auto_accept_score", "101"),
            ],
        )
        .await;
    assert!(!out_of_range.text("#auto_accept_score-error").is_empty());
    assert_eq!(
        settings::load_routing(&mut app.conn()).expect("settings"),
        settings::RoutingSettings::default()
    );

    app.post(
        "/admin/routing/sla",
        &[
            ("first_contact_hours", "3"),
            ("first_contact_minutes", "30"),
            ("remind_hours", "0"),
            ("remind_minutes", "45"),
            ("auto_accept_score", "85"),
            ("reassign_after_escalation", "yes"),
        ],
    )
    .await
    .assert_redirect("/admin/routing#sla");
    let saved = settings::load_routing(&mut app.conn()).expect("settings");
    assert_eq!(
        (
            saved.first_contact_minutes,
            saved.remind_before_minutes,
            saved.auto_accept_score,
            saved.reassign_after_escalation
        ),
        (210, 45, Some(85), true)
    );
    let page = app.get("/admin/routing").await;
    assert_eq!(
        page.attr("input#first_contact_minutes", "value").as_deref(),
        Some("30")
    );
    assert!(
        page.attr("input#reassign_after_escalation", "checked")
            .is_some()
    );
    assert_eq!(audit_count(&app, "sla_settings_changed"), 1);
}

#[tokio::test]
async fn a_scoring_weight_out_of_range_is_refused_next_to_its_field() {
    let (app, _) = signed_in_admin().await;
    let page = app.get("/admin/scoring").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.attr("input#seniority_manager", "value").as_deref(),
        Some("10")
    );
    assert!(!page.text(".preview-score").is_empty());
    let fields = form_fields(&page, "/admin/scoring");
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k == name {
                        value.to_owned()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect()
    };

    let too_high = with("seniority_manager", "150");
    let refused = app.post("/admin/scoring", &refs(&too_high)).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(
        refused
            .text("#seniority_manager-error")
            .contains("-100 to 100")
    );
    assert_eq!(refused.texts(".field .error").len(), 1);
    assert_eq!(
        refused.attr("input#seniority_manager", "value").as_deref(),
        Some("150")
    );
    assert_eq!(
        settings::load_routing(&mut app.conn())
            .expect("settings")
            .scoring_rules,
        ""
    );

    let mut changed = with("seniority_manager", "12");
    for (k, v) in changed.iter_mut() {
        if k == "target_countries" {
            *v = "de, at".into();
        }
    }
    app.post("/admin/scoring", &refs(&changed))
        .await
        .assert_redirect("/admin/scoring");
    let json = settings::load_routing(&mut app.conn())
        .expect("settings")
        .scoring_rules;
    let stored: ScoringRules = serde_json::from_str(&json).expect("stored rules are JSON");
    assert_eq!(stored.seniority.manager, 12);
    assert_eq!(stored.target_countries, vec!["DE", "AT"]);
    assert_eq!(stored.email, ScoringRules::default().email);
    assert_eq!(audit_count(&app, "scoring_rules_changed"), 1);
}

#[tokio::test]
async fn a_partner_and_a_rep_get_not_found_on_the_routing_admin_pages() {
    let app = spawn_app().await;
    app.case_fixture();
    let rep = app.create_user("rita.rep@vendor.example", Role::Rep, None);
    let partner = app.new_browser();
    partner
        .login(WEBER, PASSWORD)
        .await
        .assert_redirect("/partner");
    let rep_browser = app.new_browser();
    let signed_in = rep_browser.login("rita.rep@vendor.example", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);

    for browser in [&partner, &rep_browser] {
        for path in [
            "/admin/reps".to_owned(),
            format!("/admin/reps/{rep}"),
            "/admin/routing".to_owned(),
            "/admin/scoring".to_owned(),
        ] {
            assert_eq!(
                browser.get(&path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let posts = [
            (
                "/admin/routing/pools".to_owned(),
                vec![("pool_name", "Sneaky")],
            ),
            (format!("/admin/reps/{rep}"), vec![("time_zone", "UTC")]),
            (
                "/admin/routing/sla".to_owned(),
                vec![("first_contact_hours", "1")],
            ),
            ("/admin/scoring".to_owned(), vec![("target_country", "100")]),
        ];
        for (path, fields) in posts {
            let page = browser.post(&path, &fields).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    assert!(routing::pools(&mut app.conn()).expect("pools").is_empty());
    let rep_user = accounts::user(&mut app.conn(), rep).expect("rep");
    assert_eq!(rep_user.time_zone, "Europe/Berlin");
}

#[tokio::test]
async fn markup_in_a_pool_name_is_shown_escaped() {
    let (app, _) = signed_in_admin().await;
    let rep = app.create_user("rita.rep@vendor.example", Role::Rep, None);
    let name = "<script>alert(\"pool\")</script> & <b>Team</b>";

    let pool = create_pool(&app, name, true).await;
    app.post(
        &format!("/admin/routing/pools/{pool}/members"),
        &[("member", &rep.to_string())],
    )
    .await
    .assert_redirect(&format!("/admin/routing#pool-{pool}"));

    let page = app.get("/admin/routing").await;
    assert!(
        !page.body.contains("<script>alert"),
        "raw markup on the page"
    );
    assert!(!page.body.contains("<b>Team"));
    assert_eq!(page.text(&format!("#pool-{pool} .pool-name")), name);
    assert!(page.texts("#rule_pool option").contains(&name.to_owned()));
    let reps = app.get("/admin/reps").await;
    assert!(!reps.body.contains("<script>alert"));
    assert_eq!(reps.text(&format!("tr[data-rep='{rep}'] .pools")), name);

    let twice = app
        .post("/admin/routing/pools", &[("pool_name", name)])
        .await;
    assert_eq!(twice.status, StatusCode::OK);
    assert!(twice.text("#pool_name-error").contains("already exists"));
    assert_eq!(
        twice.attr("input#pool_name", "value").as_deref(),
        Some(name)
    );
}
