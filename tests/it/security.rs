//! Cases C10 (another partner's ids) and C12 (markup in partner-entered text) on every page
//! and mail that exists so far.

use reqwest::StatusCode;

use crate::common::{PASSWORD, spawn_app};
use crate::referrals::submit;

fn id_from(page: &crate::common::Page) -> i64 {
    page.location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .expect("redirect to the new referral")
}

#[tokio::test]
async fn case_c10_partner_b_cannot_reach_partner_a_objects_by_id() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let a_referral =
        id_from(&submit(&app, &[("first_name", "Secret"), ("last_name", "Prospect")]).await);
    let b = app.new_browser();
    b.login("j.lund@partner-b.example", PASSWORD).await;
    let b_referral = id_from(
        &submit(
            &b,
            &[
                ("first_name", "Own"),
                ("email", "own@b-corp-example.com"),
                ("company", "B Corp"),
                ("website", ""),
            ],
        )
        .await,
    );

    let foreign = b.get(&format!("/partner/referrals/{a_referral}")).await;
    let missing = b.get("/partner/referrals/999999").await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(
        foreign.body, missing.body,
        "a foreign id looks exactly like a missing one"
    );
    assert!(!foreign.body.contains("Secret"));

    // Writes on A's objects: the admin decision route and A's team.
    let decided = b
        .post(
            &format!("/admin/referrals/{a_referral}/decision"),
            &[("decision", "reject"), ("note", "x")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::NOT_FOUND);
    let removed = b
        .post(&format!("/partner/team/{}/remove", fx.weber), &[])
        .await;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/partner").await.status,
        StatusCode::OK,
        "A's owner still signed in"
    );
    assert!(
        app.get(&format!("/partner/referrals/{a_referral}"))
            .await
            .body
            .contains("Secret")
    );

    // A partner_id parameter changes nothing: the scope comes from the session.
    let listed = b
        .get(&format!(
            "/partner?partner_id={}&organisation_id={}",
            fx.partner_a, fx.partner_a
        ))
        .await;
    assert_eq!(listed.texts("tbody tr").len(), 1);
    assert!(!listed.body.contains("Secret"));

    // Walking ids reveals only B's own referral.
    let mut visible = Vec::new();
    for id in 1..=200 {
        if b.get(&format!("/partner/referrals/{id}")).await.status == StatusCode::OK {
            visible.push(id);
        }
    }
    assert_eq!(visible, vec![b_referral]);

    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;
    let audit = admin.get("/admin/audit?action=access_denied").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains(&a_referral.to_string()));
}

const NAME: &str = "Ava\"><img src=x onerror=alert(1)>";
const COMPANY: &str = "<script>alert(2)</script> Ltd";
const TITLE: &str = "</td><td onmouseover=alert(4)>";
const CONTEXT: &str = "</textarea><script>alert(5)</script>";
const PAIN: &str = "{{ 7*7 }} & <b>bold</b>";

fn assert_inert(body: &str, page: &str) {
    for live in [
        "<img src=x",
        "<script>alert",
        "<td onmouseover",
        "</textarea><script>",
        "<b>bold</b>",
    ] {
        assert!(!body.contains(live), "{page} contains live markup {live}");
    }
    assert!(
        !body.contains("href=\"javascript:"),
        "{page} links to javascript:"
    );
    assert!(
        !body.contains(">49<"),
        "{page} evaluated a template expression"
    );
}

#[tokio::test]
async fn case_c12_markup_in_partner_text_stays_text_everywhere() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let refused = submit(
        &app,
        &[
            ("first_name", NAME),
            ("company", COMPANY),
            ("website", "javascript:alert(3)"),
            ("title", TITLE),
            ("relationship", CONTEXT),
            ("pain", PAIN),
            ("email", "ava.x@example.com"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !refused.text("#website-error").is_empty(),
        "javascript: URLs are refused"
    );
    assert_inert(&refused.body, "the re-rendered form");

    let created = submit(
        &app,
        &[
            ("first_name", NAME),
            ("company", COMPANY),
            ("website", ""),
            ("title", TITLE),
            ("relationship", CONTEXT),
            ("pain", PAIN),
            ("email", "ava.x@example.com"),
        ],
    )
    .await;
    let id = id_from(&created);

    let list = app.get("/partner").await;
    let detail = app.get(&format!("/partner/referrals/{id}")).await;
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;
    let queue = admin.get("/admin").await;
    let admin_detail = admin.get(&format!("/admin/referrals/{id}")).await;
    for (name, page) in [
        ("partner list", &list),
        ("partner detail", &detail),
        ("admin queue", &queue),
        ("admin detail", &admin_detail),
    ] {
        assert_eq!(page.status, StatusCode::OK, "{name}");
        assert_inert(&page.body, name);
    }
    assert!(detail.body.contains("&lt;img"));
    assert!(detail.body.contains("&lt;script&gt;"));
    assert!(detail.body.contains("&quot;") || detail.body.contains("&#34;"));
    assert!(
        detail.text("dd").contains("{{ 7*7 }} & <b>bold</b>"),
        "shown literally"
    );
    assert!(admin_detail.text("h1").contains(NAME));

    let mail = &app.wait_for_mail("p.weber@partner-a.example", 1).await[0];
    assert_inert(&mail.html, "the confirmation email");
    assert!(mail.html.contains("&lt;script&gt;"));
    assert!(!mail.subject.contains('\n'));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let page = app.get("/login").await;
    let csp = page
        .headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(
        page.headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert!(page.headers.get("referrer-policy").is_some());
    let cookie = page
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}
