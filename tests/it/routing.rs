//! Routing and the first-contact SLA over HTTP: accepted referrals reach reps round-robin,
//! reminders and escalations arrive once in business hours (case C09), reps work their own
//! referrals only, and the partner sees the rep and the time to first contact.

use chrono::{TimeDelta, TimeZone, Utc};
use referral_portal::db::accounts::Role;
use referral_portal::db::routing::{self, RepProfile};
use referral_portal::db::settings;
use reqwest::StatusCode;

use crate::common::{PASSWORD, TestApp, spawn_app_at};
use crate::referrals::submit;

/// Fri 2026-12-04 15:30 CET, the first routing instant of case C09.
fn friday_afternoon() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 14, 30, 0)
        .single()
        .expect("instant")
}

struct Team {
    r1: i64,
    r2: i64,
    r3: i64,
    manager: i64,
}

/// Three reps in one default pool (R2 unavailable), Mon–Fri 09:00–17:00 Berlin; R1's
/// manager is a fourth rep.
fn team(app: &TestApp) -> Team {
    let r1 = app.create_user("r1@vendor.example", Role::Rep, None);
    let r2 = app.create_user("r2@vendor.example", Role::Rep, None);
    let r3 = app.create_user("r3@vendor.example", Role::Rep, None);
    let manager = app.create_user("boss@vendor.example", Role::Rep, None);
    let mut conn = app.conn();
    for (rep, available, manager_id) in [
        (r1, true, Some(manager)),
        (r2, false, None),
        (r3, true, Some(manager)),
    ] {
        routing::save_profile(
            &mut conn,
            &RepProfile {
                user_id: rep,
                available,
                out_of_office_until: None,
                manager_user_id: manager_id,
                calendar: "Mon-Fri 09:00-17:00".into(),
                holidays: String::new(),
            },
        )
        .expect("profile");
        routing::set_time_zone(&mut conn, rep, "Europe/Berlin").expect("zone");
    }
    let pool = routing::create_pool(&mut conn, "Everyone", true, app.clock_now()).expect("pool");
    routing::set_pool_members(&mut conn, pool, &[r1, r2, r3]).expect("members");
    Team {
        r1,
        r2,
        r3,
        manager,
    }
}

/// The usual start: case C09's Friday, the case fixture, the team, Partner A's owner
/// signed in (`app`) and an admin in a second browser.
async fn routing_world() -> (TestApp, Team, TestApp) {
    let app = spawn_app_at(friday_afternoon()).await;
    app.case_fixture();
    let t = team(&app);
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;
    (app, t, admin)
}

fn id_of(page: &crate::common::Page) -> i64 {
    page.location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no referral id in {:?} {}", page.location, page.body))
}

async fn accept(admin: &TestApp, id: i64) {
    admin
        .post(
            &format!("/admin/referrals/{id}/decision"),
            &[
                ("decision", "accept"),
                ("note", ""),
                ("shown_status", "submitted"),
            ],
        )
        .await
        .assert_redirect(&format!("/admin/referrals/{id}"));
}

fn assigned_rep(app: &TestApp, id: i64) -> Option<i64> {
    referral_portal::db::referrals::find(&mut app.conn(), id)
        .expect("query")
        .and_then(|r| r.assigned_rep_id)
}

/// Moves the manual clock and gives the job runner time to act.
async fn advance_to(app: &TestApp, at: chrono::DateTime<Utc>) {
    app.clock.set(at);
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
}

#[tokio::test]
async fn accepted_referrals_go_round_robin_skipping_an_unavailable_rep() {
    let (app, t, admin) = routing_world().await;

    let mut reps = Vec::new();
    for (i, name) in ["Anna", "Bert", "Carl"].iter().enumerate() {
        let email = format!("p{i}@prospect{i}-example.de");
        let company = format!("Prospect {i} GmbH");
        let id = id_of(
            &submit(
                &app,
                &[
                    ("first_name", name),
                    ("email", &email),
                    ("company", &company),
                    ("website", ""),
                ],
            )
            .await,
        );
        accept(&admin, id).await;
        reps.push(assigned_rep(&app, id));
    }

    assert_eq!(
        reps,
        vec![Some(t.r1), Some(t.r3), Some(t.r1)],
        "R2 is skipped"
    );
    let mail = &app.wait_for_mail("r1@vendor.example", 1).await[0];
    assert!(mail.subject.contains("Anna"));
    assert!(
        mail.text.contains("Former colleague"),
        "the handoff note travels with it"
    );
    assert!(mail.text.contains("Manual order entry"));
    let _ = t.r2;
}

#[tokio::test]
async fn case_c09_friday_afternoon_is_due_monday_with_one_reminder_and_one_escalation() {
    let (app, t, admin) = routing_world().await;
    let id = id_of(&submit(&app, &[]).await);
    accept(&admin, id).await;

    let r = referral_portal::db::referrals::find(&mut app.conn(), id)
        .expect("q")
        .expect("r");
    let monday = |h, m| {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0)
            .single()
            .expect("instant")
    };
    assert_eq!(r.first_contact_due_at, Some(monday(10, 30).naive_utc()));
    assert_eq!(r.remind_at, Some(monday(9, 30).naive_utc()));

    // Nothing over the weekend; the reminder on Monday 10:30 CET; the escalation at 11:30.
    advance_to(&app, monday(8, 0)).await;
    assert!(
        app.settled_mail_to("r1@vendor.example")
            .await
            .iter()
            .all(|m| !m.subject.contains("Reminder"))
    );
    advance_to(&app, monday(9, 31)).await;
    let reminders = app.wait_for_mail("r1@vendor.example", 2).await;
    assert!(reminders[1].subject.contains("Reminder"));
    advance_to(&app, monday(10, 31)).await;
    let escalations = app.wait_for_mail("boss@vendor.example", 1).await;
    assert!(
        escalations[0]
            .subject
            .contains("Missed first-contact deadline")
    );

    advance_to(&app, monday(15, 0)).await;
    let to_rep = app.settled_mail_to("r1@vendor.example").await;
    assert_eq!(
        to_rep
            .iter()
            .filter(|m| m.subject.contains("Reminder"))
            .count(),
        1
    );
    assert_eq!(app.settled_mail_to("boss@vendor.example").await.len(), 1);
    let _ = (t.r2, t.r3, t.manager);
}

#[tokio::test]
async fn first_contact_before_the_deadline_means_no_escalation_and_the_partner_sees_it() {
    let (app, _, admin) = routing_world().await;
    let id = id_of(&submit(&app, &[]).await);
    accept(&admin, id).await;
    let monday = |h, m| {
        Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0)
            .single()
            .expect("instant")
    };

    advance_to(&app, monday(9, 31)).await;
    app.wait_for_mail("r1@vendor.example", 2).await;
    advance_to(&app, monday(10, 0)).await;
    let rep = app.new_browser();
    rep.login("r1@vendor.example", PASSWORD).await;
    let queue = rep.get("/rep").await;
    assert!(
        queue.text("tbody").contains("left"),
        "{}",
        queue.text("tbody")
    );
    rep.post(
        &format!("/rep/referrals/{id}/contact"),
        &[
            ("channel", "phone"),
            ("when", "2026-12-07T11:00"),
            ("note", "Good call, demo next week"),
            ("share", "yes"),
        ],
    )
    .await
    .assert_redirect(&format!("/rep/referrals/{id}"));

    advance_to(&app, monday(11, 0)).await;
    assert!(
        app.settled_mail_to("boss@vendor.example").await.is_empty(),
        "no escalation"
    );
    // The partner's session lapsed over the weekend.
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let partner_view = app.get(&format!("/partner/referrals/{id}")).await;
    assert!(
        partner_view.text("dd").contains("r1"),
        "the partner sees the rep"
    );
    assert!(
        partner_view.text("dd").contains("contacted after"),
        "{}",
        partner_view.text("dd")
    );
    assert!(
        partner_view
            .text(".timeline")
            .contains("Good call, demo next week")
    );
    let update = app.wait_for_mail("p.weber@partner-a.example", 1).await;
    assert!(update.iter().any(|m| m.subject.contains("contacted")));
}

#[tokio::test]
async fn a_rep_moves_a_referral_to_won_and_cannot_open_another_reps_referral() {
    let (app, _, admin) = routing_world().await;
    let first = id_of(&submit(&app, &[]).await);
    accept(&admin, first).await;
    let second = id_of(
        &submit(
            &app,
            &[
                ("first_name", "Other"),
                ("email", "other@another-example.de"),
                ("company", "Another AG"),
                ("website", ""),
            ],
        )
        .await,
    );
    accept(&admin, second).await;

    let r1 = app.new_browser();
    r1.login("r1@vendor.example", PASSWORD).await;
    assert_eq!(
        r1.get(&format!("/rep/referrals/{second}")).await.status,
        StatusCode::NOT_FOUND,
        "R3's referral"
    );
    let foreign_step = r1
        .post(
            &format!("/rep/referrals/{second}/stage"),
            &[("to", "lost"), ("lost_reason", "x")],
        )
        .await;
    assert_eq!(foreign_step.status, StatusCode::NOT_FOUND);

    let path = format!("/rep/referrals/{first}");
    let future = r1
        .post(
            &format!("{path}/contact"),
            &[("channel", "email"), ("when", "2026-12-05T10:00")],
        )
        .await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.text("#when-error").contains("future"));
    r1.post(
        &format!("{path}/contact"),
        &[("channel", "email"), ("when", "2026-12-04T15:32")],
    )
    .await
    .assert_redirect(&path);
    r1.post(&format!("{path}/stage"), &[("to", "meeting_booked")])
        .await
        .assert_redirect(&path);
    let no_value = r1
        .post(
            &format!("{path}/stage"),
            &[("to", "opportunity"), ("expected_value", "")],
        )
        .await;
    assert_eq!(no_value.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!no_value.text("#expected_value-error").is_empty());
    r1.post(
        &format!("{path}/stage"),
        &[("to", "opportunity"), ("expected_value", "20,000")],
    )
    .await
    .assert_redirect(&path);
    r1.post(
        &format!("{path}/stage"),
        &[("to", "won"), ("deal_value", "18,500.00")],
    )
    .await
    .assert_redirect(&path);

    let page = app.get(&format!("/partner/referrals/{first}")).await;
    assert!(page.text("h1 .badge").contains("Won"));
    let stages: Vec<String> = app
        .settled_mail_to("p.weber@partner-a.example")
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    for stage in ["contacted", "meeting booked", "opportunity", "won"] {
        assert!(
            stages.iter().any(|s| s.ends_with(stage)),
            "no mail for {stage}: {stages:?}"
        );
    }
    let _ = second;
}

#[tokio::test]
async fn escalation_reassigns_when_enabled_and_running_it_twice_mails_once() {
    let app = spawn_app_at(friday_afternoon()).await;
    app.case_fixture();
    let t = team(&app);
    let mut s = settings::load_routing(&mut app.conn()).expect("settings");
    s.reassign_after_escalation = true;
    settings::save_routing(&mut app.conn(), &s).expect("save");
    app.login("p.weber@partner-a.example", PASSWORD).await;
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;
    let id = id_of(&submit(&app, &[]).await);
    accept(&admin, id).await;
    assert_eq!(assigned_rep(&app, id), Some(t.r1));

    // Two extra runners race the app's own for the escalation job.
    let monday = Utc
        .with_ymd_and_hms(2026, 12, 7, 10, 31, 0)
        .single()
        .expect("instant");
    app.clock.set(monday);
    let runner = |n: u8| {
        referral_portal::jobs::JobRunner::new(
            referral_portal::jobs::JobContext {
                pool: app.pool.clone(),
                clock: app.clock.clone(),
            },
            referral_portal::jobs::RunnerSettings {
                worker_id: format!("test-{n}"),
                lease: TimeDelta::minutes(5),
                interval: std::time::Duration::from_millis(10),
                batch: 10,
            },
            std::sync::Arc::new(tokio::sync::Notify::new()),
        )
        .handle(
            "sla_reminder",
            std::sync::Arc::new(referral_portal::assignment::jobs::SlaReminder {
                rep_link_base: app.url("/rep/referrals/"),
            }),
        )
        .handle(
            "sla_escalation",
            std::sync::Arc::new(referral_portal::assignment::jobs::SlaEscalation {
                rep_link_base: app.url("/rep/referrals/"),
            }),
        )
        // A runner claims any due job, the escalation's mail included: it must be able to
        // deliver it, or the mail waits for a retry long after this test looked.
        .handle(
            referral_portal::db::outbox::DELIVER_MAIL,
            std::sync::Arc::new(referral_portal::mail::delivery::DeliverMail {
                transport: referral_portal::mail::transport::MailTransport::file(
                    app.mail_dir.clone(),
                )
                .expect("mail dir"),
                from: "portal@vendor.example".into(),
                message_id_domain: "localhost".into(),
            }),
        )
    };
    let (a, b) = (runner(1), runner(2));
    let _ = tokio::join!(a.run_once(), b.run_once());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    assert_eq!(
        app.settled_mail_to("boss@vendor.example").await.len(),
        1,
        "one escalation"
    );
    assert_eq!(
        assigned_rep(&app, id),
        Some(t.r3),
        "reassigned to the next rep"
    );
    let r3_mail = app.wait_for_mail("r3@vendor.example", 1).await;
    assert!(r3_mail[0].subject.contains("New referral"));
    admin.login("admin.x@vendor.example", PASSWORD).await;
    let page = admin.get(&format!("/admin/referrals/{id}")).await;
    assert!(page.text(".timeline").contains("Reassigned"));
}

#[tokio::test]
async fn a_high_score_is_accepted_and_routed_without_an_admin() {
    let app = spawn_app_at(friday_afternoon()).await;
    app.case_fixture();
    let t = team(&app);
    let mut s = settings::load_routing(&mut app.conn()).expect("settings");
    s.auto_accept_score = Some(60);
    settings::save_routing(&mut app.conn(), &s).expect("save");
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let strong = id_of(
        &submit(
            &app,
            &[
                ("title", "Chief Executive Officer"),
                ("strength", "5"),
                ("urgency", "now"),
                ("phone", "+49 30 901820"),
            ],
        )
        .await,
    );
    let weak = id_of(
        &submit(
            &app,
            &[
                ("first_name", "Weak"),
                ("email", "weak@gmail.com"),
                ("title", ""),
                ("strength", "1"),
                ("urgency", "later"),
                ("country", ""),
                ("company", "Weak Co"),
                ("website", ""),
            ],
        )
        .await,
    );

    assert_eq!(assigned_rep(&app, strong), Some(t.r1));
    assert_eq!(assigned_rep(&app, weak), None);
    let page = app.get(&format!("/partner/referrals/{strong}")).await;
    assert!(page.text("h1 .badge").contains("Accepted"));
}

#[tokio::test]
async fn markup_stays_text_on_rep_pages_and_in_the_assignment_mail() {
    let (app, _, admin) = routing_world().await;
    let id = id_of(
        &submit(
            &app,
            &[
                ("first_name", "Ava\"><img src=x onerror=alert(1)>"),
                ("relationship", "</textarea><script>alert(5)</script>"),
            ],
        )
        .await,
    );
    accept(&admin, id).await;
    let rep = app.new_browser();
    rep.login("r1@vendor.example", PASSWORD).await;
    for page in [
        rep.get("/rep").await,
        rep.get(&format!("/rep/referrals/{id}")).await,
    ] {
        assert!(!page.body.contains("<img src=x"));
        assert!(!page.body.contains("<script>alert"));
    }
    let mail = &app.wait_for_mail("r1@vendor.example", 1).await[0];
    assert!(!mail.html.contains("<script>alert"));
    assert!(mail.html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn a_partner_previews_the_fit_score_before_submitting_and_nothing_is_saved() {
    let app = spawn_app_at(friday_afternoon()).await;
    app.case_fixture();
    app.login("p.weber@partner-a.example", PASSWORD).await;

    let page = submit(
        &app,
        &[
            ("action", "preview"),
            ("title", "VP Sales"),
            ("consent", ""),
        ],
    )
    .await;

    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text("#score-heading").contains("/100"));
    assert!(
        page.text("#score-preview li").contains("VP"),
        "{}",
        page.text("#score-preview")
    );
    assert_eq!(page.attr("#title", "value").as_deref(), Some("VP Sales"));
    assert!(
        app.get("/partner").await.texts("tbody tr").is_empty(),
        "a preview saves nothing"
    );
}

#[tokio::test]
async fn manual_assignment_only_moves_waiting_referrals_to_available_reps() {
    let (app, t, admin) = routing_world().await;
    let rejected = id_of(&submit(&app, &[]).await);
    admin
        .post(
            &format!("/admin/referrals/{rejected}/decision"),
            &[
                ("decision", "reject"),
                ("note", "No"),
                ("shown_status", "submitted"),
            ],
        )
        .await;
    let waiting = id_of(
        &submit(
            &app,
            &[
                ("first_name", "Wait"),
                ("email", "wait@wait-example.de"),
                ("company", "Wait AG"),
                ("website", ""),
            ],
        )
        .await,
    );
    accept(&admin, waiting).await;

    admin
        .post(
            &format!("/admin/referrals/{rejected}/assign"),
            &[("rep_id", &t.r3.to_string())],
        )
        .await;
    assert_eq!(
        assigned_rep(&app, rejected),
        None,
        "a rejected referral gets no rep"
    );
    admin
        .post(
            &format!("/admin/referrals/{waiting}/assign"),
            &[("rep_id", &t.r2.to_string())],
        )
        .await;
    assert_eq!(assigned_rep(&app, waiting), Some(t.r1), "R2 is unavailable");
    admin
        .post(
            &format!("/admin/referrals/{waiting}/assign"),
            &[("rep_id", &t.r3.to_string())],
        )
        .await;
    assert_eq!(assigned_rep(&app, waiting), Some(t.r3));
}

#[tokio::test]
async fn after_an_escalation_the_manager_reads_it_and_the_rep_cannot_backdate_contact() {
    let (app, _, admin) = routing_world().await;
    let id = id_of(&submit(&app, &[]).await);
    accept(&admin, id).await;

    // Straight past the deadline: no late reminder, one escalation to the rep's manager.
    advance_to(
        &app,
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
            .single()
            .expect("instant"),
    )
    .await;
    let escalation = &app.wait_for_mail("boss@vendor.example", 1).await[0];
    assert!(
        app.settled_mail_to("r1@vendor.example")
            .await
            .iter()
            .all(|m| !m.subject.contains("Reminder"))
    );
    let link = escalation.link("/rep/referrals/");
    let boss = app.new_browser();
    boss.login("boss@vendor.example", PASSWORD).await;
    let page = boss.get(&link).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the manager follows the escalation"
    );
    assert!(
        page.attr("form[action$='/contact']", "action").is_none(),
        "but cannot act"
    );

    let rep = app.new_browser();
    rep.login("r1@vendor.example", PASSWORD).await;
    let backdated = rep
        .post(
            &format!("/rep/referrals/{id}/contact"),
            &[("channel", "phone"), ("when", "2026-12-07T09:05")],
        )
        .await;
    assert_eq!(backdated.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(backdated.text("#when-error").contains("escalated"));

    let other = app.new_browser();
    other.login("r3@vendor.example", PASSWORD).await;
    assert_eq!(
        other.get(&format!("/rep/referrals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    admin.login("admin.x@vendor.example", PASSWORD).await;
    let audit = admin.get("/admin/audit?action=access_denied").await;
    assert!(audit.text("tbody").contains(&id.to_string()));
}
