//! Admin management pages: partners and their users, staff, existing customers, settings,
//! e-mail provider lists and the audit log.

use referral_portal::db::{admin, audit, referrals, settings};
use reqwest::StatusCode;

use crate::common::{PASSWORD, TestApp, spawn_app};

const ADMIN: &str = "admin.x@vendor.example";
const WEBER: &str = "p.weber@partner-a.example";

async fn signed_in_admin() -> (TestApp, crate::common::Fixture) {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    app.login(ADMIN, PASSWORD).await.assert_redirect("/admin");
    (app, fx)
}

/// Creates a partner through the form and returns its id, read from the redirect.
async fn create_partner(app: &TestApp, name: &str) -> i64 {
    let page = app
        .post(
            "/admin/partners",
            &[
                ("name", name),
                ("country", "DE"),
                ("default_phone_country", "DE"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location
        .as_deref()
        .and_then(|l| l.strip_prefix("/admin/partners/"))
        .and_then(|id| id.parse().ok())
        .expect("a redirect to the new partner's page")
}

#[tokio::test]
async fn admin_creates_a_partner_and_a_duplicate_name_is_refused_next_to_the_field() {
    let (app, _) = signed_in_admin().await;

    let id = create_partner(&app, "Northwind Partners").await;
    let detail = app.get(&format!("/admin/partners/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.text("h1"), "Northwind Partners");
    assert!(detail.text(".flash-success").contains("created"));
    let list = app.get("/admin/partners").await;
    assert!(
        list.texts("tbody td a")
            .contains(&"Northwind Partners".to_owned())
    );

    let duplicate = app
        .post(
            "/admin/partners",
            &[
                ("name", "  northwind PARTNERS "),
                ("country", ""),
                ("default_phone_country", "GB"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::OK);
    assert!(duplicate.text("#name-error").contains("already exists"));
    assert_eq!(
        duplicate.attr("input#name", "value").as_deref(),
        Some("  northwind PARTNERS ")
    );
    assert_eq!(
        duplicate.attr("#default_phone_country option[selected]", "value"),
        Some("GB".to_owned())
    );

    let missing = app
        .post(
            "/admin/partners",
            &[
                ("name", ""),
                ("country", "ZZ"),
                ("default_phone_country", ""),
            ],
        )
        .await;
    assert!(!missing.text("#name-error").is_empty());
    assert!(!missing.text("#country-error").is_empty());
    assert!(!missing.text("#default_phone_country-error").is_empty());
    let partners =
        referral_portal::db::accounts::list_organisations(&mut app.conn()).expect("organisations");
    assert_eq!(partners.len(), 3, "Partner A, Partner B and the new one");
}

#[tokio::test]
async fn an_invited_owner_receives_the_mail_and_its_link_lets_them_set_a_password() {
    let (app, _) = signed_in_admin().await;
    let id = create_partner(&app, "Contoso Referrals").await;

    app.post(
        &format!("/admin/partners/{id}/users"),
        &[
            ("display_name", "Olga Owner"),
            ("email", "Olga.Owner@contoso-referrals.example"),
            ("role", "partner_owner"),
        ],
    )
    .await
    .assert_redirect(&format!("/admin/partners/{id}"));
    let pending = app.get(&format!("/admin/partners/{id}")).await;
    assert!(pending.text("#members").contains("Invitation pending"));
    assert!(pending.text("#members").contains("Partner owner"));

    let mail = &app
        .wait_for_mail("olga.owner@contoso-referrals.example", 1)
        .await[0];
    assert!(mail.text.contains("Contoso Referrals"));
    let link = mail.link("/invitation/");
    let invitee = app.new_browser();
    invitee
        .post(
            &link,
            &[
                ("password", "a fine long password"),
                ("confirmation", "a fine long password"),
            ],
        )
        .await
        .assert_redirect("/partner");
    assert_eq!(
        invitee.get("/account/password").await.status,
        StatusCode::OK
    );

    let accepted = app.get(&format!("/admin/partners/{id}")).await;
    assert!(accepted.text("#members").contains("Active"));
    assert!(!accepted.text("#members").contains("Invitation pending"));
}

#[tokio::test]
async fn an_invitation_with_a_taken_address_or_bad_role_is_refused_next_to_the_field() {
    let (app, fx) = signed_in_admin().await;
    let path = format!("/admin/partners/{}/users", fx.partner_a);

    let taken = app
        .post(
            &path,
            &[
                ("display_name", "Weber Again"),
                ("email", WEBER),
                ("role", "partner_member"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::OK);
    assert!(taken.text("#email-error").contains("already exists"));
    assert_eq!(
        taken.attr("input#display_name", "value").as_deref(),
        Some("Weber Again")
    );

    let admin_role = app
        .post(
            &path,
            &[
                ("display_name", "Sneaky"),
                ("email", "sneaky@partner-a.example"),
                ("role", "admin"),
            ],
        )
        .await;
    assert!(!admin_role.text("#role-error").is_empty());
    assert!(
        referral_portal::db::accounts::user_by_email(&mut app.conn(), "sneaky@partner-a.example")
            .expect("lookup")
            .is_none()
    );

    let unknown = app
        .post(
            "/admin/partners/9999/users",
            &[
                ("display_name", "Nobody"),
                ("email", "nobody@nowhere.example"),
                ("role", "partner_member"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/admin/partners/9999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/partners/abc").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_partner_user_gets_not_found_on_every_admin_page() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    app.login(WEBER, PASSWORD).await.assert_redirect("/partner");

    for path in [
        "/admin/partners".to_owned(),
        format!("/admin/partners/{}", fx.partner_a),
        "/admin/users".to_owned(),
        "/admin/customers".to_owned(),
        "/admin/settings".to_owned(),
        "/admin/audit".to_owned(),
    ] {
        assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let post = app
        .post(
            "/admin/partners",
            &[("name", "Sneaky Partner"), ("default_phone_country", "GB")],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    let deactivate = app
        .post(
            &format!(
                "/admin/partners/{}/users/{}/deactivate",
                fx.partner_b, fx.lund
            ),
            &[],
        )
        .await;
    assert_eq!(deactivate.status, StatusCode::NOT_FOUND);
    let lund = referral_portal::db::accounts::user(&mut app.conn(), fx.lund).expect("lund");
    assert!(lund.active);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_session() {
    let (app, fx) = signed_in_admin().await;
    let weber = app.new_browser();
    weber
        .login(WEBER, PASSWORD)
        .await
        .assert_redirect("/partner");
    assert_eq!(weber.get("/account/password").await.status, StatusCode::OK);

    // Another partner's page cannot reach Weber.
    let wrong_partner = app
        .post(
            &format!(
                "/admin/partners/{}/users/{}/deactivate",
                fx.partner_b, fx.weber
            ),
            &[],
        )
        .await;
    assert_eq!(wrong_partner.status, StatusCode::NOT_FOUND);
    assert_eq!(weber.get("/account/password").await.status, StatusCode::OK);

    app.post(
        &format!(
            "/admin/partners/{}/users/{}/deactivate",
            fx.partner_a, fx.weber
        ),
        &[],
    )
    .await
    .assert_redirect(&format!("/admin/partners/{}", fx.partner_a));

    weber
        .get("/account/password")
        .await
        .assert_redirect("/login");
    let again = app.new_browser().login(WEBER, PASSWORD).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "a deactivated user cannot sign in"
    );
    let page = app.get(&format!("/admin/partners/{}", fx.partner_a)).await;
    assert!(page.text(".flash-success").contains("deactivated"));
    assert!(page.text("#members").contains("Deactivated"));
    let entries = audit::search(
        &mut app.conn(),
        &audit::AuditFilter {
            action: Some("user_deactivated".into()),
            ..Default::default()
        },
        10,
    )
    .expect("audit");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].object_id, Some(fx.weber.to_string()));
}

#[tokio::test]
async fn an_admin_invites_a_rep_deactivates_a_colleague_but_never_themselves() {
    let (app, fx) = signed_in_admin().await;

    app.post(
        "/admin/users",
        &[
            ("display_name", "Rita Rep"),
            ("email", "rita.rep@vendor.example"),
            ("role", "rep"),
        ],
    )
    .await
    .assert_redirect("/admin/users");
    let mail = &app.wait_for_mail("rita.rep@vendor.example", 1).await[0];
    assert!(mail.text.contains("/invitation/"));
    let staff = app.get("/admin/users").await;
    assert!(staff.text("#members").contains("Rita Rep"));
    assert!(
        !staff.text("#members").contains("p.weber"),
        "partners are not staff"
    );

    let partner_role = app
        .post(
            "/admin/users",
            &[
                ("display_name", "Pat"),
                ("email", "pat@vendor.example"),
                ("role", "partner_owner"),
            ],
        )
        .await;
    assert!(!partner_role.text("#role-error").is_empty());

    app.post(&format!("/admin/users/{}/deactivate", fx.admin_x), &[])
        .await
        .assert_redirect("/admin/users");
    assert!(
        referral_portal::db::accounts::user(&mut app.conn(), fx.admin_x)
            .expect("admin x")
            .active
    );
    let refused = app.get("/admin/users").await;
    assert!(refused.text(".flash-error").contains("your own account"));

    let partner_user = app
        .post(&format!("/admin/users/{}/deactivate", fx.weber), &[])
        .await;
    assert_eq!(partner_user.status, StatusCode::NOT_FOUND);

    app.post(&format!("/admin/users/{}/deactivate", fx.admin_y), &[])
        .await
        .assert_redirect("/admin/users");
    assert!(
        !referral_portal::db::accounts::user(&mut app.conn(), fx.admin_y)
            .expect("admin y")
            .active
    );
}

#[tokio::test]
async fn a_customer_import_with_one_bad_line_saves_nothing_and_names_the_line() {
    let (app, _) = signed_in_admin().await;
    let list = "name,domain\n\
                Northwind Traders,northwind-traders.example\n\
                \"Bad, Inc\",javascript:alert(1)\n\
                Contoso,https://www.contoso.example/about\n";

    let refused = app.post("/admin/customers/import", &[("csv", list)]).await;

    assert_eq!(refused.status, StatusCode::OK);
    let problems = refused.texts(".row-errors li");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("Line 3:"), "{problems:?}");
    assert!(refused.text("#csv-error").contains("Nothing was saved"));
    assert_eq!(refused.text("textarea#csv"), list.trim_end());
    assert!(
        referrals::list_customers(&mut app.conn())
            .expect("customers")
            .is_empty()
    );

    let good = list.replace("javascript:alert(1)", "bad-inc.example");
    app.post("/admin/customers/import", &[("csv", &good)])
        .await
        .assert_redirect("/admin/customers");
    let page = app.get("/admin/customers").await;
    assert!(page.text(".flash-success").contains("Imported 3"));
    let domains = page.texts("#customers tbody td:nth-child(2)");
    assert_eq!(
        domains,
        vec![
            "bad-inc.example",
            "contoso.example",
            "northwind-traders.example"
        ]
    );
    let stored = referrals::customer_by_domain(&mut app.conn(), "northwind-traders.example")
        .expect("lookup")
        .expect("stored");
    assert_eq!(stored.name_normalised, "northwind traders");

    app.post("/admin/customers/import", &[("csv", &good)])
        .await
        .assert_redirect("/admin/customers");
    let again = app.get("/admin/customers").await;
    assert!(again.text(".flash-success").contains("Imported 0"));
    assert_eq!(
        referrals::list_customers(&mut app.conn())
            .expect("customers")
            .len(),
        3
    );
}

#[tokio::test]
async fn a_single_customer_is_added_with_its_domain_and_a_repeat_is_refused() {
    let (app, _) = signed_in_admin().await;

    app.post(
        "/admin/customers",
        &[
            ("name", "Fabrikam GmbH"),
            ("website", "HTTPS://shop.Fabrikam.co.uk/de"),
        ],
    )
    .await
    .assert_redirect("/admin/customers");
    let stored = referrals::customer_by_domain(&mut app.conn(), "fabrikam.co.uk")
        .expect("lookup")
        .expect("stored");
    assert_eq!(stored.name_normalised, "fabrikam");

    let repeat = app
        .post(
            "/admin/customers",
            &[("name", "Fabrikam"), ("website", "fabrikam.co.uk")],
        )
        .await;
    assert!(repeat.text("#website-error").contains("Fabrikam GmbH"));
    let bad = app
        .post(
            "/admin/customers",
            &[("name", " "), ("website", "ftp://x.example")],
        )
        .await;
    assert!(!bad.text("#name-error").is_empty());
    assert!(bad.text("#website-error").contains("http"));
}

#[tokio::test]
async fn settings_refuse_a_bad_time_zone_and_keep_what_was_typed() {
    let (app, _) = signed_in_admin().await;

    let refused = app
        .post(
            "/admin/settings",
            &[
                ("currency", "USD"),
                ("time_zone", "Mars/Olympus_Mons"),
                ("protection_days", "30"),
            ],
        )
        .await;

    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.text("#time_zone-error").contains("IANA"));
    assert_eq!(
        refused.attr("input#time_zone", "value").as_deref(),
        Some("Mars/Olympus_Mons")
    );
    assert_eq!(
        refused
            .attr("#currency option[selected]", "value")
            .as_deref(),
        Some("USD")
    );
    assert_eq!(
        settings::load(&mut app.conn()).expect("settings"),
        settings::ProgramSettings::default()
    );

    let days = app
        .post(
            "/admin/settings",
            &[
                ("currency", "EUR"),
                ("time_zone", "UTC"),
                ("protection_days", "366"),
            ],
        )
        .await;
    assert!(!days.text("#protection_days-error").is_empty());

    app.post(
        "/admin/settings",
        &[
            ("currency", "GBP"),
            ("time_zone", "Europe/London"),
            ("protection_days", "60"),
        ],
    )
    .await
    .assert_redirect("/admin/settings");
    let saved = settings::load(&mut app.conn()).expect("settings");
    assert_eq!(
        saved,
        settings::ProgramSettings {
            currency: "GBP".into(),
            time_zone: "Europe/London".into(),
            protection_days: 60,
            ..Default::default()
        }
    );
    let page = app.get("/admin/settings").await;
    assert_eq!(
        page.attr("input#time_zone", "value").as_deref(),
        Some("Europe/London")
    );
}

#[tokio::test]
async fn extra_provider_domains_are_added_checked_and_removed() {
    let (app, _) = signed_in_admin().await;

    app.post(
        "/admin/settings/providers",
        &[("domain", "@Post-Box-Example.NET."), ("kind", "free")],
    )
    .await
    .assert_redirect("/admin/settings#providers");
    app.post(
        "/admin/settings/providers",
        &[
            ("domain", "burner-mail-example.org"),
            ("kind", "disposable"),
        ],
    )
    .await
    .assert_redirect("/admin/settings#providers");
    assert_eq!(
        admin::provider_extras(&mut app.conn()).expect("extras"),
        (
            vec!["post-box-example.net".to_owned()],
            vec!["burner-mail-example.org".to_owned()]
        )
    );

    let twice = app
        .post(
            "/admin/settings/providers",
            &[("domain", "post-box-example.net"), ("kind", "disposable")],
        )
        .await;
    assert!(twice.text("#domain-error").contains("Already on the list"));
    let reserved = app
        .post(
            "/admin/settings/providers",
            &[("domain", "mail.example.org"), ("kind", "free")],
        )
        .await;
    assert!(reserved.text("#domain-error").contains("reserved"));
    let built_in = app
        .post(
            "/admin/settings/providers",
            &[("domain", "gmail.com"), ("kind", "free")],
        )
        .await;
    assert!(built_in.text("#domain-error").contains("built-in"));
    let shape = app
        .post(
            "/admin/settings/providers",
            &[("domain", "https://x-example.net/"), ("kind", "free")],
        )
        .await;
    assert!(!shape.text("#domain-error").is_empty());

    app.post(
        "/admin/settings/providers/remove",
        &[("domain", "post-box-example.net")],
    )
    .await
    .assert_redirect("/admin/settings#providers");
    assert_eq!(
        admin::provider_extras(&mut app.conn()).expect("extras"),
        (Vec::new(), vec!["burner-mail-example.org".to_owned()])
    );
}

#[tokio::test]
async fn the_audit_page_lists_a_sign_in_and_filters_by_action() {
    let (app, _) = signed_in_admin().await;
    create_partner(&app, "Audited Partner").await;

    let all = app.get("/admin/audit").await;
    assert_eq!(all.status, StatusCode::OK);
    let actions = all.texts("#audit td.action");
    assert_eq!(actions.first().map(String::as_str), Some("partner_created"));
    assert!(actions.contains(&"sign_in".to_owned()));
    assert!(all.text("#audit").contains(ADMIN));
    assert!(all.text("#audit").contains("127.0.0.1"));
    let offered = all.texts("#action option");
    assert!(offered.contains(&"sign_in".to_owned()));

    let signed_in = app.get("/admin/audit?action=sign_in").await;
    let actions = signed_in.texts("#audit td.action");
    assert!(!actions.is_empty());
    assert!(actions.iter().all(|a| a == "sign_in"), "{actions:?}");
    assert_eq!(
        signed_in
            .attr("#action option[selected]", "value")
            .as_deref(),
        Some("sign_in")
    );

    let by_other = app
        .get("/admin/audit?actor=admin.y%40vendor.example&object_type=&object_id=")
        .await;
    assert!(by_other.texts("#audit td.action").is_empty());
}

#[tokio::test]
async fn the_audit_page_goes_back_through_older_entries() {
    let (app, fx) = signed_in_admin().await;
    let now = app.clock_now();
    for n in 0..60 {
        audit::record(
            &mut app.conn(),
            &audit::AuditEntry {
                actor_user_id: Some(fx.admin_y),
                action: "test_entry",
                object_type: "thing",
                object_id: Some(n.to_string()),
                client_addr: None,
                detail: None,
            },
            now,
        )
        .expect("audit row");
    }

    let first = app.get("/admin/audit?action=test_entry").await;
    assert_eq!(first.texts("#audit tbody tr").len(), 50);
    assert!(first.text("#audit").contains("thing 59"));
    let older = first
        .attr("a[rel=next]", "href")
        .expect("an older entries link");
    assert!(older.contains("action=test_entry"), "{older}");

    let second = app.get(&older).await;
    let objects = second.texts("#audit tbody td:nth-child(4)");
    assert_eq!(objects.len(), 10);
    assert_eq!(objects.first().map(String::as_str), Some("thing 9"));
    assert!(second.attr("a[rel=next]", "href").is_none());
}

#[tokio::test]
async fn markup_in_a_partner_name_is_shown_escaped() {
    let (app, _) = signed_in_admin().await;
    let name = "<script>alert(1)</script>";

    let id = create_partner(&app, name).await;

    for path in [
        format!("/admin/partners/{id}"),
        "/admin/partners".to_owned(),
        "/admin/audit".to_owned(),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        // askama writes `<` as `&#60;`; either entity is escaped markup.
        let escaped =
            page.body.contains("&lt;script&gt;") || page.body.contains("&#60;script&#62;");
        assert!(escaped, "{path}: {}", page.body);
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(
            page.texts("main *").iter().any(|t| t.contains(name)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_customer_list_longer_than_an_ordinary_form_is_imported() {
    let (app, _) = signed_in_admin().await;
    let list: String = (0..2000)
        .map(|n| format!("Customer number {n:04} Ltd,customer-{n:04}-example.co.uk\n"))
        .collect();
    assert!(list.len() > 64 * 1024);

    app.post("/admin/customers/import", &[("csv", &list)])
        .await
        .assert_redirect("/admin/customers");

    let count = referral_portal::db::admin::customer_count(&mut app.conn()).expect("count");
    assert_eq!(count, 2000);
    let page = app.get("/admin/customers").await;
    assert!(page.text("main").contains("first 500 of 2000"));
}

#[tokio::test]
async fn the_currency_cannot_change_once_amounts_are_kept_in_it() {
    use referral_portal::db::tiers::{self, TierValues};
    let (app, _) = signed_in_admin().await;
    let fields = |currency| {
        [
            ("currency", currency),
            ("time_zone", "UTC"),
            ("protection_days", "90"),
        ]
    };
    // Nothing is kept in the currency yet: it may change.
    app.post("/admin/settings", &fields("USD"))
        .await
        .assert_redirect("/admin/settings");
    assert_eq!(
        settings::load(&mut app.conn()).expect("load").currency,
        "USD"
    );

    // A flat bounty of 100.00 USD would silently become 10,000 JPY.
    let entry = tiers::insert_tier(
        &mut app.conn(),
        &TierValues {
            name: "Registered".into(),
            rank: 0,
            min_won_value_minor: None,
            min_qualified: None,
            perks: String::new(),
        },
        app.clock_now(),
    )
    .expect("tier");
    tiers::set_rule(
        &mut app.conn(),
        entry,
        "meeting_booked",
        Some(&tiers::RuleAmount::Flat(10_000)),
        app.clock_now(),
    )
    .expect("rule");

    let refused = app.post("/admin/settings", &fields("JPY")).await;
    assert!(
        refused.text("#currency-error").contains("stays USD"),
        "{}",
        refused.text("#currency-error")
    );
    assert_eq!(
        settings::load(&mut app.conn()).expect("load").currency,
        "USD"
    );
    // Other settings still save while the currency stays.
    app.post(
        "/admin/settings",
        &[
            ("currency", "USD"),
            ("time_zone", "Europe/Berlin"),
            ("protection_days", "90"),
        ],
    )
    .await
    .assert_redirect("/admin/settings");
}
