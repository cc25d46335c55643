//! Accounts: sign-in, session renewal, sign-out, reset links (case C11), throttling,
//! invitations and password change.

use chrono::TimeDelta;
use referral_portal::db::accounts::Role;
use reqwest::StatusCode;

use crate::common::{PASSWORD, spawn_app};

/// Sends a GET with exactly this cookie header, as a replaying attacker would.
async fn get_with_cookie(app: &crate::common::TestApp, path: &str, cookie: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("GET")
        .status()
}

#[tokio::test]
async fn sign_in_renews_the_session_and_sign_out_ends_it() {
    let app = spawn_app().await;
    app.case_fixture();

    app.get("/login").await;
    let s0 = app.session_cookie();
    assert!(
        !s0.is_empty(),
        "the sign-in page starts an anonymous session"
    );
    app.login("p.weber@partner-a.example", PASSWORD)
        .await
        .assert_redirect("/partner");
    let s1 = app.session_cookie();

    assert_ne!(s0, s1, "sign-in must rotate the session id");
    assert_eq!(
        get_with_cookie(&app, "/partner", &s0).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(get_with_cookie(&app, "/partner", &s1).await, StatusCode::OK);

    app.post("/logout", &[]).await.assert_redirect("/login");
    assert_eq!(
        get_with_cookie(&app, "/partner", &s1).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.case_fixture();

    let wrong = app
        .login("p.weber@partner-a.example", "not the password")
        .await;
    let unknown = app
        .login("nobody@partner-a.example", "not the password")
        .await;

    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(wrong.text("#login-error"), unknown.text("#login-error"));
    assert!(!wrong.text("#login-error").is_empty());
}

#[tokio::test]
async fn five_failures_make_the_next_attempt_wait_even_with_the_right_password() {
    let app = spawn_app().await;
    app.case_fixture();
    for _ in 0..5 {
        app.login("p.weber@partner-a.example", "not the password")
            .await;
    }

    let blocked = app.login("p.weber@partner-a.example", PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::OK);
    assert!(blocked.text("#login-error").contains("Too many"));

    app.clock.advance(TimeDelta::seconds(31));
    app.login("p.weber@partner-a.example", PASSWORD)
        .await
        .assert_redirect("/partner");
}

#[tokio::test]
async fn unknown_accounts_are_throttled_like_real_ones() {
    let app = spawn_app().await;
    for _ in 0..5 {
        app.login("ghost@partner-a.example", "not the password")
            .await;
    }
    let page = app
        .login("ghost@partner-a.example", "not the password")
        .await;
    assert!(page.text("#login-error").contains("Too many"));
}

#[tokio::test]
async fn reset_links_follow_case_c11() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    let other_browser = app.new_browser();
    other_browser
        .login("p.weber@partner-a.example", PASSWORD)
        .await
        .assert_redirect("/partner");
    let base = crate::common::case_now();

    // Step 4: L1 at 13:00, L2 at 13:05; L1 is no longer valid.
    app.clock.set(base + TimeDelta::hours(1));
    app.post(
        "/password/forgot",
        &[("email", "p.weber@partner-a.example")],
    )
    .await
    .assert_redirect("/login");
    app.clock.set(base + TimeDelta::minutes(65));
    app.post(
        "/password/forgot",
        &[("email", "p.weber@partner-a.example")],
    )
    .await;
    let mails = app.wait_for_mail("p.weber@partner-a.example", 2).await;
    let l1 = mails[0].link("/password/reset/");
    let l2 = mails[1].link("/password/reset/");
    assert_ne!(l1, l2);
    let page = app.get(&l1).await;
    assert!(page.body.contains("Link no longer valid"), "{}", page.body);

    // Step 5: set a new password through L2 at 13:10; the other browser is signed out.
    app.clock.set(base + TimeDelta::minutes(70));
    app.post(
        &l2,
        &[
            ("password", "a brand new secret"),
            ("confirmation", "a brand new secret"),
        ],
    )
    .await
    .assert_redirect("/login");
    assert_eq!(
        other_browser.get("/partner").await.status,
        StatusCode::SEE_OTHER
    );

    // Step 6: L2 again says it was used, and the password stays.
    let again = app
        .post(
            &l2,
            &[
                ("password", "yet another secret"),
                ("confirmation", "yet another secret"),
            ],
        )
        .await;
    assert!(again.body.contains("Link already used"));
    app.login("p.weber@partner-a.example", "a brand new secret")
        .await
        .assert_redirect("/partner");
    app.post("/logout", &[]).await;

    // Step 7: L3 at 14:00 opened at 14:31 has expired.
    app.clock.set(base + TimeDelta::hours(2));
    app.post(
        "/password/forgot",
        &[("email", "p.weber@partner-a.example")],
    )
    .await;
    let mails = app.wait_for_mail("p.weber@partner-a.example", 3).await;
    let l3 = mails[2].link("/password/reset/");
    app.clock.set(base + TimeDelta::minutes(151));
    assert!(app.get(&l3).await.body.contains("Link expired"));

    // Step 8: an unknown address gets the same screen and no mail.
    let known = app
        .post(
            "/password/forgot",
            &[("email", "p.weber@partner-a.example")],
        )
        .await;
    let unknown = app
        .post("/password/forgot", &[("email", "nobody@partner-a.example")])
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.location, unknown.location);
    assert!(
        app.settled_mail_to("nobody@partner-a.example")
            .await
            .is_empty()
    );
    let _ = fx;
}

#[tokio::test]
async fn an_invited_partner_chooses_a_password_once_and_is_signed_in() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    let now = app.clock_now();
    referral_portal::invites::invite_user(
        &mut app.conn(),
        &referral_portal::invites::Invite {
            email: "new.colleague@partner-a.example",
            display_name: "New Colleague",
            role: Role::PartnerMember,
            organisation_id: Some(fx.partner_a),
        },
        &referral_portal::invites::Inviter {
            user_id: fx.admin_x,
            display_name: "Admin X",
            client_addr: "127.0.0.1",
        },
        &app.url("/invitation/"),
        now,
    )
    .expect("invite");
    let mail = &app
        .wait_for_mail("new.colleague@partner-a.example", 1)
        .await[0];
    let link = mail.link("/invitation/");
    assert!(mail.subject.contains("invited you"));

    let short = app
        .post(&link, &[("password", "short"), ("confirmation", "short")])
        .await;
    assert_eq!(short.status, StatusCode::OK);
    assert!(short.text("#password-error").contains("10 characters"));

    app.post(
        &link,
        &[
            ("password", "a long enough one"),
            ("confirmation", "a long enough one"),
        ],
    )
    .await
    .assert_redirect("/partner");
    assert_eq!(app.get("/partner").await.status, StatusCode::OK);
    let reuse = app.new_browser().get(&link).await;
    assert_eq!(reuse.status, StatusCode::GONE);
    assert!(reuse.body.contains("Link already used"));
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    app.case_fixture();
    let other = app.new_browser();
    other.login("p.weber@partner-a.example", PASSWORD).await;
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let wrong = app
        .post(
            "/account/password",
            &[
                ("current", "nope nope nope"),
                ("password", "another long one"),
                ("confirmation", "another long one"),
            ],
        )
        .await;
    assert!(
        wrong
            .text("#current-error")
            .contains("not your current password")
    );

    app.post(
        "/account/password",
        &[
            ("current", PASSWORD),
            ("password", "another long one"),
            ("confirmation", "another long one"),
        ],
    )
    .await
    .assert_redirect("/account/password");

    assert_eq!(app.get("/partner").await.status, StatusCode::OK);
    assert_eq!(other.get("/partner").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_post_without_the_csrf_token_or_from_another_origin_is_refused() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let missing = app.post_raw("/logout", &[]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);

    let token = app.csrf().await;
    let foreign = app
        .client
        .post(app.url("/logout"))
        .header("origin", "http://evil.example")
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/partner").await.status, StatusCode::OK);
}

#[tokio::test]
async fn partners_cannot_enter_the_admin_area() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    assert_eq!(app.get("/admin").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/admin/audit").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_after_twelve_hours_in_any_case() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    // Active every 20 minutes: still signed in after 11 h 40 m.
    for _ in 0..35 {
        app.clock.advance(TimeDelta::minutes(20));
        assert_eq!(app.get("/partner").await.status, StatusCode::OK);
    }
    app.clock.advance(TimeDelta::minutes(21));
    assert_eq!(
        app.get("/partner").await.status,
        StatusCode::SEE_OTHER,
        "12 h absolute limit"
    );

    app.login("p.weber@partner-a.example", PASSWORD).await;
    app.clock.advance(TimeDelta::minutes(31));
    assert_eq!(
        app.get("/partner").await.status,
        StatusCode::SEE_OTHER,
        "30 min idle limit"
    );
}

#[tokio::test]
async fn the_command_line_creates_the_first_admin_who_can_sign_in() {
    let app = spawn_app().await;
    let now = app.clock_now();
    let clock = referral_portal::clock::ManualClock::new(now);
    referral_portal::demo::create_admin(
        &mut app.conn(),
        "First.Admin@Vendor.example",
        "First Admin",
        "a strong first password",
        &clock,
    )
    .expect("created");
    let again = referral_portal::demo::create_admin(
        &mut app.conn(),
        "first.admin@vendor.example",
        "Again",
        "a strong first password",
        &clock,
    );
    assert!(again.is_err(), "the address is taken");
    app.login("first.admin@vendor.example", "a strong first password")
        .await
        .assert_redirect("/admin");
}

#[tokio::test]
async fn setting_a_password_by_reset_retires_the_open_invitation() {
    let app = spawn_app().await;
    let fx = app.case_fixture();
    referral_portal::invites::invite_user(
        &mut app.conn(),
        &referral_portal::invites::Invite {
            email: "newbie@partner-a.example",
            display_name: "Newbie",
            role: Role::PartnerMember,
            organisation_id: Some(fx.partner_a),
        },
        &referral_portal::invites::Inviter {
            user_id: fx.weber,
            display_name: "P Weber",
            client_addr: "127.0.0.1",
        },
        &app.url("/invitation/"),
        app.clock_now(),
    )
    .expect("invite");
    let invitation = app.wait_for_mail("newbie@partner-a.example", 1).await[0].link("/invitation/");
    app.post("/password/forgot", &[("email", "newbie@partner-a.example")])
        .await;
    let reset = app.wait_for_mail("newbie@partner-a.example", 2).await[1].link("/password/reset/");
    app.post(
        &reset,
        &[
            ("password", "chosen by the owner"),
            ("confirmation", "chosen by the owner"),
        ],
    )
    .await
    .assert_redirect("/login");

    let stale = app.get(&invitation).await;
    assert_eq!(stale.status, StatusCode::GONE);
    let takeover = app
        .post(
            &invitation,
            &[
                ("password", "attacker's choice!"),
                ("confirmation", "attacker's choice!"),
            ],
        )
        .await;
    assert_eq!(takeover.status, StatusCode::GONE);
    app.login("newbie@partner-a.example", "chosen by the owner")
        .await
        .assert_redirect("/partner");
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_any_password_is_checked() {
    let app = spawn_app().await;
    app.case_fixture();
    let token = app
        .get("/login")
        .await
        .attr("input[name=csrf_token]", "value")
        .expect("token");
    let attempts = (0..12).map(|_| {
        app.client
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", "p.weber@partner-a.example"),
                ("password", "a wrong guess"),
            ])
            .send()
    });
    let mut checked = 0;
    for response in futures_util::future::join_all(attempts).await {
        let body = response.expect("POST").text().await.expect("body");
        if body.contains("is not right") {
            checked += 1;
        }
    }
    assert_eq!(checked, 5, "only five guesses may reach the password check");
}

#[tokio::test]
async fn repeated_reset_requests_send_one_mail_but_answer_the_same() {
    let app = spawn_app().await;
    app.case_fixture();
    let mut answers = Vec::new();
    for _ in 0..4 {
        let page = app
            .post(
                "/password/forgot",
                &[("email", "p.weber@partner-a.example")],
            )
            .await;
        answers.push((page.status, page.location));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(
        app.settled_mail_to("p.weber@partner-a.example").await.len(),
        1
    );

    app.clock.advance(TimeDelta::minutes(3));
    app.post(
        "/password/forgot",
        &[("email", "p.weber@partner-a.example")],
    )
    .await;
    assert_eq!(
        app.wait_for_mail("p.weber@partner-a.example", 2)
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn a_partner_owner_cannot_learn_which_addresses_have_accounts() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let staff = app
        .post(
            "/partner/team/invite",
            &[
                ("email", "admin.x@vendor.example"),
                ("display_name", "X"),
                ("role", "partner_member"),
            ],
        )
        .await;
    let other_partner = app
        .post(
            "/partner/team/invite",
            &[
                ("email", "j.lund@partner-b.example"),
                ("display_name", "J"),
                ("role", "partner_member"),
            ],
        )
        .await;
    assert_eq!(staff.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        staff.text("#email-error"),
        other_partner.text("#email-error")
    );
    assert!(!staff.text("#email-error").contains("exists"));
}

#[tokio::test]
async fn malformed_ids_and_filters_get_the_portal_pages() {
    let app = spawn_app().await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let letters = app.get("/partner/referrals/abc").await;
    let missing = app.get("/partner/referrals/424242").await;
    assert_eq!(letters.status, StatusCode::NOT_FOUND);
    assert_eq!(letters.body, missing.body);
    let filter = app.get("/partner?before=abc").await;
    assert_eq!(filter.status, StatusCode::BAD_REQUEST);
    assert!(
        filter.body.contains("<html"),
        "an HTML page, not framework text"
    );
}
