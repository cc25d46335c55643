//! Who may move money, and how often: clawbacks of rejected rewards, parallel refunds and
//! approvals, and partners and reps kept out of admin routes.

use diesel::prelude::*;
use referral_portal::db::schema::{referrals as referrals_t, reward_lines};
use reqwest::StatusCode;

use super::{WEBER, hold_over, referral, statuses, step, tier, won_and_refunded, world};
use crate::common::PASSWORD;

#[tokio::test]
async fn the_clawback_of_a_rejected_reward_is_rejected_too_never_charged() {
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let reject = |line: i64| {
        let admin = &w.admin;
        async move {
            admin
                .post(
                    &format!("/admin/rewards/lines/{line}/reject"),
                    &[("reason", "Not our deal")],
                )
                .await
                .assert_redirect("/admin/rewards");
        }
    };
    let approve_all = || async {
        w.admin
            .post(
                &format!("/admin/rewards/partners/{}/approve", w.fx.partner_a),
                &[],
            )
            .await
            .assert_redirect("/admin/rewards");
    };

    // Both lines approvable when the reward is rejected: its clawback goes with it.
    let (won, _) = won_and_refunded(&w, "First").await;
    hold_over(&w.app, "pending");
    reject(won).await;
    assert_eq!(
        statuses(&w.app),
        [(10000, "rejected".into()), (-10000, "rejected".into())]
    );

    // The clawback still held when the reward is rejected: approving it later rejects it.
    let (won, claw) = won_and_refunded(&w, "Second").await;
    diesel::update(reward_lines::table.find(won))
        .set(reward_lines::status.eq("approvable"))
        .execute(&mut *w.app.conn())
        .expect("holding over");
    reject(won).await;
    hold_over(&w.app, "pending");
    approve_all().await;
    let claw_status: String = reward_lines::table
        .find(claw)
        .select(reward_lines::status)
        .first(&mut *w.app.conn())
        .expect("clawback");
    assert_eq!(claw_status, "rejected");
    let approved: i64 = reward_lines::table
        .filter(reward_lines::status.eq("approved"))
        .count()
        .get_result(&mut *w.app.conn())
        .expect("approved");
    assert_eq!(approved, 0, "the partner is charged nothing");
    let moves = referral_portal::db::ledger::moves_of_line(&mut w.app.conn(), claw).expect("moves");
    assert!(
        moves
            .last()
            .and_then(|m| m.note.as_deref())
            .is_some_and(|n| n.contains("reverses was rejected"))
    );
}

#[tokio::test]
async fn parallel_refunds_and_approvals_move_money_once() {
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let id = referral(&w, "Race Co", "opportunity", w.rep);
    step(&w, id, &[("to", "won"), ("deal_value", "1000")]).await;
    let path = w.rep_browser.url(&format!("/rep/referrals/{id}/refund"));
    let token = w.rep_browser.csrf().await;
    let requests = (0..8).map(|_| {
        w.rep_browser
            .client
            .post(&path)
            .form(&[("csrf_token", token.as_str()), ("refund", "600")])
            .send()
    });
    let answers: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.expect("POST").status().as_u16())
        .collect();
    assert_eq!(
        answers.iter().filter(|s| **s == 303).count(),
        1,
        "{answers:?}"
    );
    let refunded: i64 = referrals_t::table
        .find(id)
        .select(referrals_t::refunded_minor)
        .first(&mut *w.app.conn())
        .expect("refunded");
    assert_eq!(refunded, 60_000);
    assert_eq!(
        statuses(&w.app),
        [(10_000, "pending".into()), (-6_000, "pending".into())]
    );

    hold_over(&w.app, "pending");
    let path = w.admin.url(&format!(
        "/admin/rewards/partners/{}/approve",
        w.fx.partner_a
    ));
    let token = w.admin.csrf().await;
    let requests = (0..8).map(|_| {
        w.admin
            .client
            .post(&path)
            .form(&[("csrf_token", token.as_str())])
            .send()
    });
    for r in futures_util::future::join_all(requests).await {
        assert_eq!(r.expect("POST").status(), StatusCode::SEE_OTHER);
    }
    let approved = w
        .app
        .settled_mail_to(WEBER)
        .await
        .into_iter()
        .filter(|m| m.subject.to_lowercase().contains("approved"))
        .count();
    assert_eq!(approved, 1);
}

#[tokio::test]
async fn partners_and_reps_reach_no_admin_incentive_route() {
    let w = world().await;
    tier(&w, "10", "10").await.assert_redirect("/admin/tiers");
    let id = referral(&w, "Guard Co", "contacted", w.rep);
    step(&w, id, &[("to", "meeting_booked")]).await;
    let line: i64 = reward_lines::table
        .select(reward_lines::id)
        .first(&mut *w.app.conn())
        .expect("line");
    hold_over(&w.app, "pending");
    let org = w.fx.partner_a;
    let gets = [
        "/admin/tiers".to_owned(),
        "/admin/tiers/new".into(),
        "/admin/tiers/settings".into(),
        "/admin/tiers/1".into(),
        "/admin/rewards".into(),
        format!("/admin/rewards/referrals/{id}"),
        "/admin/payouts".into(),
        "/admin/payouts/export.csv".into(),
        "/admin/payouts/1".into(),
        "/admin/payouts/1/export.csv".into(),
    ];
    let posts = [
        "/admin/tiers/new".to_owned(),
        "/admin/tiers/settings".into(),
        "/admin/tiers/1".into(),
        format!("/admin/rewards/lines/{line}/approve"),
        format!("/admin/rewards/lines/{line}/reject"),
        format!("/admin/rewards/partners/{org}/approve"),
        format!("/admin/rewards/referrals/{id}/split"),
        format!("/admin/rewards/referrals/{id}/refund"),
        "/admin/payouts/build".into(),
        "/admin/payouts/1/approve".into(),
        "/admin/payouts/1/paid".into(),
        "/admin/payouts/1/failed".into(),
    ];
    for browser in [&w.app, &w.rep_browser] {
        for path in &gets {
            assert_eq!(
                browser.get(path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        for path in &posts {
            let page = browser
                .post(
                    path,
                    &[
                        ("reason", "x"),
                        ("password", PASSWORD),
                        ("reference", "x"),
                        ("refund", "1"),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    // An admin's POST without the CSRF token changes nothing either.
    for path in &posts {
        let page = w
            .admin
            .post_raw(path, &[("reason", "x"), ("password", PASSWORD)])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(statuses(&w.app), [(1000, "approvable".into())]);
}

#[tokio::test]
async fn a_clawback_waits_for_the_reward_it_corrects_to_be_approved() {
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let (won, claw) = won_and_refunded(&w, "Waiting").await;
    hold_over(&w.app, "pending");
    let approve = |line: i64| {
        let admin = &w.admin;
        async move {
            admin
                .post(&format!("/admin/rewards/lines/{line}/approve"), &[])
                .await
                .assert_redirect("/admin/rewards");
        }
    };

    // Alone, the clawback would charge the partner for a reward that may still be rejected.
    approve(claw).await;
    assert_eq!(
        statuses(&w.app),
        [(10000, "approvable".into()), (-10000, "approvable".into())]
    );
    approve(won).await;
    approve(claw).await;
    assert_eq!(
        statuses(&w.app),
        [(10000, "approved".into()), (-10000, "approved".into())]
    );

    // Approving all of a partner meets the reward before its clawback.
    let _ = won_and_refunded(&w, "Together").await;
    hold_over(&w.app, "pending");
    w.admin
        .post(
            &format!("/admin/rewards/partners/{}/approve", w.fx.partner_a),
            &[],
        )
        .await
        .assert_redirect("/admin/rewards");
    let approved: i64 = reward_lines::table
        .filter(reward_lines::status.eq("approved"))
        .count()
        .get_result(&mut *w.app.conn())
        .expect("approved");
    assert_eq!(approved, 4);
}
