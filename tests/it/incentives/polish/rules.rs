//! Ledger rules under pressure: a split racing a win, and a reward whose clawback is settled.

use diesel::prelude::*;
use referral_portal::db::schema::reward_lines;

use super::{split, status_of};
use crate::incentives::review::{referral, step, tier, world};
#[tokio::test]
async fn a_split_saved_as_the_deal_is_won_is_either_used_or_refused_never_lost() {
    use referral_portal::db::schema::referral_shares;
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let ids: Vec<i64> = (0..8)
        .map(|i| referral(&w, &format!("Race {i}"), "opportunity", w.rep))
        .collect();
    // Each referral is split and won at the same moment, from two sessions.
    let races = ids.iter().map(|&id| {
        let w = &w;
        async move {
            let won = step(w, id, &[("to", "won"), ("deal_value", "1000")]);
            let (_, page) = tokio::join!(won, split(w, id));
            page.status
        }
    });
    let outcomes = futures_util::future::join_all(races).await;
    for (&id, status) in ids.iter().zip(outcomes) {
        let shares: i64 = referral_shares::table
            .filter(referral_shares::referral_id.eq(id))
            .count()
            .get_result(&mut *w.app.conn())
            .expect("shares");
        let amounts: Vec<(i64, i64)> = reward_lines::table
            .filter(reward_lines::referral_id.eq(id))
            .order(reward_lines::id.asc())
            .select((reward_lines::organisation_id, reward_lines::amount_minor))
            .load(&mut *w.app.conn())
            .expect("lines");
        if shares == 0 {
            // The win came first: the split was refused and A got it all.
            assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{id}");
            assert_eq!(amounts, vec![(w.fx.partner_a, 10_000)], "{id}");
        } else {
            assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "{id}");
            assert_eq!(
                amounts,
                vec![(w.fx.partner_a, 5_000), (w.fx.partner_b, 5_000)],
                "{id}: the split was saved first, so the lines use it"
            );
        }
    }
}

#[tokio::test]
async fn a_reward_whose_clawback_is_approved_or_paid_cannot_be_rejected_any_more() {
    let w = world().await;
    tier(&w, "", "10").await.assert_redirect("/admin/tiers");
    let (won, claw) = crate::incentives::review::won_and_refunded(&w, "Refunded Co").await;
    crate::incentives::review::hold_over(&w.app, "pending");
    // Approving a clawback before its reward is refused now; a ledger from before that rule
    // can still hold one, so it is set through the database here.
    diesel::update(reward_lines::table.find(claw))
        .set(reward_lines::status.eq("approved"))
        .execute(&mut *w.app.conn())
        .expect("approved clawback");
    // The partner was charged the refund against this reward: rejecting it now would charge
    // them for a reward never granted. Refused, next to the reason field.
    let refused = w
        .admin
        .post(
            &format!("/admin/rewards/lines/{won}/reject"),
            &[("reason", "Duplicate deal")],
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused.text(&format!("#reason-{won}-error"));
    assert!(
        error.contains(&format!(
            "clawback (line {claw}) is already approved or paid"
        )),
        "{error}"
    );
    assert_eq!(
        refused.attr(&format!("#reason-{won}"), "aria-describedby"),
        Some(format!("reason-{won}-error"))
    );
    assert_eq!(status_of(&w.app, won), "approvable");
    assert_eq!(status_of(&w.app, claw), "approved");
    // Paid is settled too.
    diesel::update(reward_lines::table.find(claw))
        .set(reward_lines::status.eq("paid"))
        .execute(&mut *w.app.conn())
        .expect("paid");
    let refused = w
        .admin
        .post(
            &format!("/admin/rewards/lines/{won}/reject"),
            &[("reason", "Duplicate deal")],
        )
        .await;
    assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_of(&w.app, won), "approvable");
    // Approving it instead nets the two out.
    w.admin
        .post(&format!("/admin/rewards/lines/{won}/approve"), &[])
        .await
        .assert_redirect("/admin/rewards");
    assert_eq!(status_of(&w.app, won), "approved");

    // While the clawback is only approvable, rejecting the reward still rejects both.
    let (won, claw) = crate::incentives::review::won_and_refunded(&w, "Other Co").await;
    crate::incentives::review::hold_over(&w.app, "pending");
    w.admin
        .post(
            &format!("/admin/rewards/lines/{won}/reject"),
            &[("reason", "Duplicate deal")],
        )
        .await
        .assert_redirect("/admin/rewards");
    assert_eq!(status_of(&w.app, won), "rejected");
    assert_eq!(status_of(&w.app, claw), "rejected");
}
