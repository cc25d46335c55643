//! Intake through the form, first-to-register protection, the partner's view, and the
//! admin's review: the whole loop over HTTP, with mail read back from the file transport.

use referral_portal::db::accounts::Role;
use reqwest::StatusCode;

use crate::common::{PASSWORD, TestApp, spawn_app};

/// A complete, valid form submission; `overrides` replace or add fields.
pub async fn submit(app: &TestApp, overrides: &[(&str, &str)]) -> crate::common::Page {
    let mut fields: Vec<(&str, &str)> = vec![
        ("first_name", "Lena"),
        ("last_name", "Vogt"),
        ("email", "lena.vogt@beispiel-gmbh-example.de"),
        ("phone", ""),
        ("title", "Head of Operations"),
        ("company", "Beispiel GmbH"),
        ("website", "https://www.beispiel-gmbh-example.de/kontakt"),
        ("country", "DE"),
        ("relationship", "Former colleague"),
        ("strength", "4"),
        ("pain", "Manual order entry"),
        ("urgency", "this_quarter"),
        ("deal_size", "12,000.50"),
        ("consent", "yes"),
    ];
    for (key, value) in overrides {
        fields.retain(|(k, _)| k != key);
        if !value.is_empty() || *key != "consent" {
            fields.push((key, value));
        }
    }
    app.post("/partner/referrals/new", &fields).await
}

fn referral_id(page: &crate::common::Page) -> i64 {
    page.location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "expected a redirect to a referral, got {} {}",
                page.status, page.body
            )
        })
}

#[tokio::test]
async fn a_referral_travels_from_invitation_to_decision_email() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;

    // A new partner user is invited and chooses a password.
    referral_portal::invites::invite_user(
        &mut app.conn(),
        &referral_portal::invites::Invite {
            email: "m.roth@partner-a.example",
            display_name: "Mia Roth",
            role: Role::PartnerMember,
            organisation_id: Some(fx.partner_a),
        },
        &referral_portal::invites::Inviter {
            user_id: fx.admin_x,
            display_name: "Admin X",
            client_addr: "127.0.0.1",
        },
        &app.url("/invitation/"),
        app.clock_now(),
    )
    .expect("invite");
    let link = app.wait_for_mail("m.roth@partner-a.example", 1).await[0].link("/invitation/");
    app.post(
        &link,
        &[
            ("password", "mia's own secret"),
            ("confirmation", "mia's own secret"),
        ],
    )
    .await
    .assert_redirect("/partner");

    // She submits a referral and gets a confirmation.
    let created = submit(&app, &[]).await;
    let id = referral_id(&created);
    let detail = app.get(&format!("/partner/referrals/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.body.contains("beispiel-gmbh-example.de"),
        "company domain derived"
    );
    assert!(detail.body.contains("12,000.50 EUR"));
    let received = app.wait_for_mail("m.roth@partner-a.example", 2).await;
    assert!(received[1].subject.contains("Referral received"));

    // Partner B tries the same prospect: no referral, a conflict for the admin.
    let other = app.new_browser();
    other.login("j.lund@partner-b.example", PASSWORD).await;
    let dup = submit(&other, &[]).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.text("#notice").contains("already been referred"));
    assert!(!dup.body.contains("Partner A"));
    assert!(!dup.body.contains("Mia Roth"));
    let b_list = other.get("/partner").await;
    assert!(
        b_list.texts("tbody tr").is_empty(),
        "Partner B has no referral"
    );
    let conflicts = admin.get("/admin/conflicts").await;
    assert_eq!(conflicts.texts("tbody tr").len(), 1);
    assert!(conflicts.text("tbody").contains("Partner B"));

    // The admin accepts with a note; the submitter is told.
    admin
        .post(
            &format!("/admin/referrals/{id}/decision"),
            &[("decision", "accept"), ("note", "Great fit <3")],
        )
        .await
        .assert_redirect(&format!("/admin/referrals/{id}"));
    let mails = app.wait_for_mail("m.roth@partner-a.example", 3).await;
    let decision = &mails[2];
    assert!(decision.subject.contains("accepted"));
    assert!(decision.text.contains("Great fit <3"));
    assert!(decision.html.contains("Great fit &lt;3"));
    assert!(decision.message_id.contains('@'));
    let detail = app.get(&format!("/partner/referrals/{id}")).await;
    assert!(detail.text(".badge").contains("Accepted"));
    assert!(detail.text(".timeline").contains("Great fit <3"));
}

#[tokio::test]
async fn every_bad_field_is_reported_next_to_it_and_what_was_typed_stays() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let page = submit(
        &app,
        &[
            ("first_name", "  "),
            ("company", ""),
            ("email", "not-an-address"),
            ("website", "javascript:alert(3)"),
            ("strength", "9"),
            ("deal_size", "lots"),
            ("consent", ""),
            ("title", "Chief <b>Typist</b>"),
        ],
    )
    .await;

    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "first_name",
        "company",
        "email",
        "website",
        "strength",
        "deal_size",
        "consent",
    ] {
        assert!(
            !page.text(&format!("#{field}-error")).is_empty(),
            "no error next to {field}"
        );
        assert_eq!(
            page.attr(&format!("#{field}"), "aria-describedby")
                .as_deref(),
            Some(format!("{field}-error").as_str())
        );
    }
    assert_eq!(
        page.attr("#title", "value").as_deref(),
        Some("Chief <b>Typist</b>")
    );
    assert_eq!(
        page.attr("#website", "value").as_deref(),
        Some("javascript:alert(3)")
    );
    assert!(!page.body.contains("href=\"javascript:"));
    assert!(
        app.get("/partner").await.texts("tbody tr").is_empty(),
        "nothing saved"
    );
}

#[tokio::test]
async fn either_email_or_phone_is_needed() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let none = submit(&app, &[("email", ""), ("phone", "")]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!none.text("#email-error").is_empty());

    let phone_only = submit(
        &app,
        &[("email", ""), ("phone", "07700 900123"), ("country", "")],
    )
    .await;
    let id = referral_id(&phone_only);
    let detail = app.get(&format!("/partner/referrals/{id}")).await;
    assert!(
        detail.body.contains("+447700900123"),
        "GB default country formats to E.164"
    );
}

#[tokio::test]
async fn case_c05_email_whitespace_and_case_through_the_form() {
    let app = spawn_app().await;
    app.case_fixture();
    let b = app.new_browser();
    b.login("j.lund@partner-b.example", PASSWORD).await;
    let r500 = submit(
        &b,
        &[
            ("first_name", "Dana"),
            ("last_name", "Kowalski"),
            ("email", "dana.kowalski@example.com"),
            ("company", "Kowalski Bakery"),
            ("website", ""),
        ],
    )
    .await;
    referral_id(&r500);

    app.login("p.weber@partner-a.example", PASSWORD).await;
    for messy in [
        " Dana.Kowalski@Example.COM ",
        "dana.kowalski@EXAMPLE.com\t",
        "dana.kowalski@example.com\u{a0}",
    ] {
        let page = submit(
            &app,
            &[
                ("first_name", "Dana"),
                ("last_name", "Kowalski"),
                ("email", messy),
                ("company", "Kowalski Bakery"),
                ("website", ""),
            ],
        )
        .await;
        assert_eq!(
            page.status,
            StatusCode::CONFLICT,
            "{messy:?} must be already referred"
        );
        assert!(
            page.text("#email-error").is_empty(),
            "{messy:?} passes validation"
        );
        for secret in [
            "Partner B",
            "j.lund",
            "Kowalski Bakery was",
            "Accepted",
            "2026",
        ] {
            assert!(!page.text("#notice").contains(secret));
        }
    }
    let fresh = submit(
        &app,
        &[
            ("first_name", "Noor"),
            ("last_name", "Haddad"),
            ("email", "new.prospect@Example.com\u{a0}"),
            ("company", "Haddad Optics"),
            ("website", ""),
        ],
    )
    .await;
    let id = referral_id(&fresh);
    let detail = app.get(&format!("/partner/referrals/{id}")).await;
    assert!(detail.body.contains("new.prospect@example.com<"));
    assert_eq!(app.get("/partner").await.texts("tbody tr").len(), 1);
}

#[tokio::test]
async fn a_second_contact_at_the_same_company_is_welcome_from_the_same_partner_only() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    referral_id(&submit(&app, &[]).await);

    let colleague = submit(
        &app,
        &[
            ("first_name", "Jonas"),
            ("email", "jonas@beispiel-gmbh-example.de"),
        ],
    )
    .await;
    referral_id(&colleague);

    let b = app.new_browser();
    b.login("j.lund@partner-b.example", PASSWORD).await;
    let third = submit(
        &b,
        &[
            ("first_name", "Karl"),
            ("last_name", "Weiss"),
            ("email", "karl@beispiel-gmbh-example.de"),
        ],
    )
    .await;
    assert_eq!(third.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn reserved_and_free_mail_domains_identify_no_company() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    referral_id(&submit(&app, &[("email", "someone@gmail.com"), ("website", "")]).await);

    let b = app.new_browser();
    b.login("j.lund@partner-b.example", PASSWORD).await;
    let other_person = submit(
        &b,
        &[
            ("first_name", "Other"),
            ("email", "other@gmail.com"),
            ("website", ""),
            ("company", "Another Co"),
        ],
    )
    .await;
    referral_id(&other_person);
    let reserved = submit(
        &b,
        &[
            ("first_name", "Third"),
            ("email", "third@example.com"),
            ("website", "example.org"),
            ("company", "Third Co"),
        ],
    )
    .await;
    referral_id(&reserved);
}

#[tokio::test]
async fn a_rejection_needs_a_note_and_a_double_click_decides_once() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let id = referral_id(&submit(&app, &[]).await);
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;
    let path = format!("/admin/referrals/{id}/decision");

    let no_note = admin
        .post(&path, &[("decision", "reject"), ("note", " ")])
        .await;
    assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!no_note.text("#note-error").is_empty());

    admin
        .post(&path, &[("decision", "reject"), ("note", "Not our market")])
        .await
        .assert_redirect(&format!("/admin/referrals/{id}"));
    admin
        .post(&path, &[("decision", "reject"), ("note", "Not our market")])
        .await
        .assert_redirect(&format!("/admin/referrals/{id}"));
    let mails = app.settled_mail_to("p.weber@partner-a.example").await;
    let decisions = mails
        .iter()
        .filter(|m| m.subject.contains("rejected"))
        .count();
    assert_eq!(decisions, 1, "one decision, one email");

    // A rejected referral no longer protects its prospect.
    let again = submit(&app, &[]).await;
    referral_id(&again);
}

#[tokio::test]
async fn an_admin_override_creates_the_blocked_referral_once() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    referral_id(&submit(&app, &[]).await);
    let b = app.new_browser();
    b.login("j.lund@partner-b.example", PASSWORD).await;
    submit(&b, &[]).await;
    let admin = app.new_browser();
    admin.login("admin.y@vendor.example", PASSWORD).await;
    let list = admin.get("/admin/conflicts").await;
    let href = list.attr("tbody a", "href").expect("a conflict link");

    let missing = admin
        .post(
            &format!("{href}/resolve"),
            &[("action", "override"), ("note", "")],
        )
        .await;
    assert!(!missing.text("#note-error").is_empty());
    let done = admin
        .post(
            &format!("{href}/resolve"),
            &[("action", "override"), ("note", "Joint deal agreed")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    admin
        .post(
            &format!("{href}/resolve"),
            &[("action", "override"), ("note", "Joint deal agreed")],
        )
        .await;

    assert_eq!(
        b.get("/partner").await.texts("tbody tr").len(),
        1,
        "created exactly once"
    );
    let created = admin.get(done.location.as_deref().expect("location")).await;
    assert!(created.text(".timeline").contains("Joint deal agreed"));
}

#[tokio::test]
async fn existing_customers_and_similar_names_are_flagged_for_the_admin() {
    let app = spawn_app().await;
    app.case_fixture();
    let now = app.clock_now();
    referral_portal::db::referrals::insert_customer(
        &mut app.conn(),
        "Northwind Traders Ltd",
        "northwind traders",
        Some("northwind-traders-example.co.uk"),
        now,
    )
    .expect("customer");
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let customer = submit(
        &app,
        &[
            ("company", "Northwind Traders"),
            ("website", "https://shop.northwind-traders-example.co.uk/"),
            ("email", "buyer@northwind-traders-example.co.uk"),
        ],
    )
    .await;
    let similar = submit(
        &app,
        &[
            ("first_name", "Ola"),
            ("company", "Northwind Traders"),
            ("website", "northwind-traders-example.com"),
            ("email", "ola@northwind-traders-example.com"),
        ],
    )
    .await;
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;

    let first = admin
        .get(&format!("/admin/referrals/{}", referral_id(&customer)))
        .await;
    assert!(first.body.contains("Existing customer"));
    let second = admin
        .get(&format!("/admin/referrals/{}", referral_id(&similar)))
        .await;
    assert!(second.body.contains("Possible duplicate"));
    assert!(
        !second
            .body
            .contains("Existing customer: the company domain")
    );
    let partner_view = app
        .get(&format!("/partner/referrals/{}", referral_id(&similar)))
        .await;
    assert!(
        !partner_view.body.contains("Possible duplicate"),
        "flags stay internal"
    );
}

#[tokio::test]
async fn only_the_ticked_checkbox_counts_as_consent() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    for value in ["false", "0", "no"] {
        let page = submit(&app, &[("consent", value)]).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "consent={value}"
        );
        assert!(!page.text("#consent-error").is_empty());
    }
}

#[tokio::test]
async fn a_long_paste_gets_a_message_next_to_its_field_and_keeps_the_rest() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let paste = "lorem ipsum ".repeat(20_000);
    let page = submit(&app, &[("pain", &paste)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!page.text("#pain-error").is_empty());
    assert_eq!(
        page.attr("#company", "value").as_deref(),
        Some("Beispiel GmbH")
    );
}

#[tokio::test]
async fn a_decision_on_a_referral_decided_meanwhile_changes_nothing() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let id = referral_id(&submit(&app, &[]).await);
    let x = app.new_browser();
    x.login("admin.x@vendor.example", PASSWORD).await;
    let y = app.new_browser();
    y.login("admin.y@vendor.example", PASSWORD).await;
    let path = format!("/admin/referrals/{id}/decision");

    x.post(
        &path,
        &[
            ("decision", "accept"),
            ("note", ""),
            ("shown_status", "submitted"),
        ],
    )
    .await;
    y.post(
        &path,
        &[
            ("decision", "reject"),
            ("note", "Not a fit"),
            ("shown_status", "submitted"),
        ],
    )
    .await;

    let detail = x.get(&format!("/admin/referrals/{id}")).await;
    assert!(detail.text("h1 .badge").contains("Accepted"));
    let decisions = app.settled_mail_to("p.weber@partner-a.example").await;
    assert_eq!(
        decisions
            .iter()
            .filter(|m| m.subject.contains("rejected"))
            .count(),
        0
    );
}
