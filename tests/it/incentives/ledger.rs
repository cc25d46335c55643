//! The rewards ledger over HTTP: lines booked by the rep's real pipeline steps (C07 values),
//! co-referral splits, refunds and clawbacks, the holding job, approval, monthly statements
//! in the program time zone (C08), and the partner's view of it (C10, C12).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use diesel::prelude::*;
use referral_portal::db::accounts::Role;
use referral_portal::db::ledger::RewardLine;
use referral_portal::db::referrals::{self, NewReferral};
use referral_portal::db::schema::{
    jobs, referrals as referrals_t, reward_lines, reward_rules, tiers,
};
use referral_portal::db::{db_time, settings};
use reqwest::StatusCode;

use crate::common::{Fixture, PASSWORD, TestApp, spawn_app_at};

const WEBER: &str = "p.weber@partner-a.example";
const LUND: &str = "j.lund@partner-b.example";

/// A tier "Silver" with a 50.00 meeting bounty and `percent` % of won deals.
fn silver(app: &TestApp, percent: &str) {
    let mut conn = app.conn();
    let now = db_time(app.clock_now());
    let tier: i64 = diesel::insert_into(tiers::table)
        .values((
            tiers::name.eq("Silver"),
            tiers::rank.eq(1),
            tiers::perks.eq(""),
            tiers::created_at.eq(now),
        ))
        .returning(tiers::id)
        .get_result(&mut *conn)
        .expect("tier");
    for (event, flat, pct) in [
        ("meeting_booked", Some(5000_i64), None),
        ("won", None, Some(percent)),
    ] {
        diesel::insert_into(reward_rules::table)
            .values((
                reward_rules::tier_id.eq(tier),
                reward_rules::event.eq(event),
                reward_rules::flat_minor.eq(flat),
                reward_rules::percent.eq(pct),
                reward_rules::created_at.eq(now),
            ))
            .execute(&mut *conn)
            .expect("rule");
    }
}

fn set_won_percent(app: &TestApp, percent: &str) {
    diesel::update(reward_rules::table.filter(reward_rules::event.eq("won")))
        .set(reward_rules::percent.eq(percent))
        .execute(&mut *app.conn())
        .expect("rule");
}

fn program(app: &TestApp, currency: &str, zone: &str) {
    let mut conn = app.conn();
    let mut s = settings::load(&mut conn).expect("settings");
    s.currency = currency.into();
    s.time_zone = zone.into();
    settings::save(&mut conn, &s).expect("save");
}

/// The world of a ledger test: Partner A and B, admin X, rep R; browsers signed in.
struct World {
    app: TestApp,
    fx: Fixture,
    rep: i64,
    rep_browser: TestApp,
    admin: TestApp,
}

async fn world(at: DateTime<Utc>, currency: &str, zone: &str, percent: &str) -> World {
    let app = spawn_app_at(at).await;
    let fx = app.case_fixture();
    let rep = app.create_user("rep@vendor.example", Role::Rep, None);
    program(&app, currency, zone);
    silver(&app, percent);
    app.login(WEBER, PASSWORD).await;
    let rep_browser = app.new_browser();
    rep_browser.login("rep@vendor.example", PASSWORD).await;
    let admin = app.new_browser();
    admin.login("admin.x@vendor.example", PASSWORD).await;
    World {
        app,
        fx,
        rep,
        rep_browser,
        admin,
    }
}

/// A referral of `org` in `status`, assigned to the rep, as routing would leave it.
fn referral(w: &World, org: i64, company: &str, status: &str, currency: &str) -> i64 {
    let mut conn = w.app.conn();
    let now = db_time(w.app.clock_now());
    let submitter = if org == w.fx.partner_a {
        w.fx.weber
    } else {
        w.fx.lund
    };
    let r = referrals::insert(
        &mut conn,
        &NewReferral {
            email: Some(format!("dana@{}.example", company.len())),
            currency: currency.into(),
            ..super::bare_referral(org, submitter, status, company, now)
        },
    )
    .expect("referral");
    diesel::update(referrals_t::table.find(r.id))
        .set((
            referrals_t::assigned_rep_id.eq(w.rep),
            referrals_t::routed_at.eq(now),
            referrals_t::first_contacted_at.eq(now),
        ))
        .execute(&mut *conn)
        .expect("assign");
    r.id
}

async fn step(w: &World, id: i64, fields: &[(&str, &str)]) {
    let path = format!("/rep/referrals/{id}");
    w.rep_browser
        .post(&format!("{path}/stage"), fields)
        .await
        .assert_redirect(&path);
}

async fn win(w: &World, id: i64, value: &str) {
    step(w, id, &[("to", "won"), ("deal_value", value)]).await;
}

fn lines_of(app: &TestApp, referral: i64) -> Vec<RewardLine> {
    referral_portal::db::ledger::lines_of_referral(&mut app.conn(), referral).expect("lines")
}

fn case_instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("instant")
        .with_timezone(&Utc)
}

fn nov(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .single()
        .expect("instant")
}

/// Moves the clock; sessions idle that long have ended, so everyone signs in again.
async fn set_clock(w: &World, at: DateTime<Utc>) {
    w.app.clock.set(at);
    w.app.login(WEBER, PASSWORD).await;
    w.rep_browser.login("rep@vendor.example", PASSWORD).await;
    w.admin.login("admin.x@vendor.example", PASSWORD).await;
}

/// Sets the clock (everyone signs in again) and waits until the periodic `kind` job of that
/// moment has run.
async fn run_job_at(w: &World, kind: &str, at: DateTime<Utc>) {
    set_clock(w, at).await;
    let app = &w.app;
    for _ in 0..300 {
        let done: i64 = jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::status.eq("done"))
            .filter(jobs::run_at.ge(db_time(at)))
            .count()
            .get_result(&mut *app.conn())
            .expect("jobs");
        if done > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the {kind} job did not run at {at}");
}

#[tokio::test]
async fn meeting_booked_and_won_through_the_rep_book_lines_and_mail_the_partner() {
    let w = world(crate::common::case_now(), "EUR", "Europe/Berlin", "30").await;
    let id = referral(&w, w.fx.partner_a, "Harbour Foods Ltd", "contacted", "EUR");
    step(&w, id, &[("to", "meeting_booked")]).await;
    step(&w, id, &[("to", "opportunity"), ("expected_value", "10")]).await;
    win(&w, id, "6.45").await;

    let lines = lines_of(&w.app, id);
    assert_eq!(lines.len(), 2);
    let (meeting, won) = (&lines[0], &lines[1]);
    assert_eq!(
        (meeting.event.as_str(), meeting.amount_minor),
        ("meeting_booked", 5000)
    );
    assert_eq!(meeting.reason, "Meeting booked — Silver bounty");
    // C07 case 1: 6.45 at 30 % is 1.935, half away from zero 1.94.
    assert_eq!((won.event.as_str(), won.amount_minor), ("won", 194));
    assert_eq!(won.status, "pending");
    assert_eq!(won.currency, "EUR");
    assert_eq!(won.organisation_id, w.fx.partner_a);
    assert_eq!(
        won.approvable_at - won.earned_at,
        TimeDelta::days(30),
        "default holding period"
    );
    let moves =
        referral_portal::db::ledger::moves_of_line(&mut w.app.conn(), won.id).expect("moves");
    assert_eq!(moves.len(), 1);
    assert_eq!(moves[0].to_status, "pending");

    let mails = w.app.settled_mail_to(WEBER).await;
    let earned: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.starts_with("Reward earned"))
        .collect();
    assert_eq!(
        earned.len(),
        2,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(earned.iter().any(|m| m.subject.contains("1.94 EUR")));

    let page = w.app.get("/partner/rewards").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("table.ledger tbody tr").len(), 2);
    assert!(
        page.text("#totals tr[data-status=pending] .amount")
            .contains("51.94 EUR")
    );
}

#[tokio::test]
async fn case_c07_rates_splits_and_a_full_refund_through_the_app() {
    let w = world(crate::common::case_now(), "EUR", "Europe/Berlin", "7.5").await;
    // 144.00 at 7.5 % is 10.80, not 10.
    let a = referral(&w, w.fx.partner_a, "Case Two", "opportunity", "EUR");
    win(&w, a, "144.00").await;
    assert_eq!(lines_of(&w.app, a)[0].amount_minor, 1080);

    // A 50/50 co-referral of 10.01 at 100 %: 5.01 to A (listed first), 5.00 to B.
    set_won_percent(&w.app, "100");
    let b = referral(&w, w.fx.partner_a, "Case Six", "opportunity", "EUR");
    let path = format!("/admin/rewards/referrals/{b}");
    let bad = w
        .admin
        .post(
            &format!("{path}/split"),
            &[
                ("other", &w.fx.partner_b.to_string()),
                ("own_share", "50"),
                ("other_share", "40"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text("#other_share-error").contains("90"));
    w.admin
        .post(
            &format!("{path}/split"),
            &[
                ("other", &w.fx.partner_b.to_string()),
                ("own_share", "50"),
                ("other_share", "50"),
            ],
        )
        .await
        .assert_redirect(&path);
    win(&w, b, "10.01").await;
    let split: Vec<(i64, i64)> = lines_of(&w.app, b)
        .iter()
        .map(|l| (l.organisation_id, l.amount_minor))
        .collect();
    assert_eq!(split, vec![(w.fx.partner_a, 501), (w.fx.partner_b, 500)]);
    let late = w
        .admin
        .post(
            &format!("{path}/split"),
            &[
                ("other", &w.fx.partner_b.to_string()),
                ("own_share", "70"),
                ("other_share", "30"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text("#other-error").contains("already booked"));
    // Once rewards are booked the page says so instead of offering the form.
    let closed = w.admin.get(&path).await;
    assert!(
        closed
            .text("#split-closed")
            .contains("can no longer change")
    );
    assert!(closed.texts("#other").is_empty());
    assert_eq!(
        w.app.settled_mail_to(LUND).await.len(),
        1,
        "B is told of its share"
    );

    // Case 7: a full refund of case 1 claws back exactly -1.94, pointing at the original.
    set_won_percent(&w.app, "30");
    let c = referral(&w, w.fx.partner_a, "Case Seven", "opportunity", "EUR");
    win(&w, c, "6.45").await;
    let rep_path = format!("/rep/referrals/{c}");
    let too_much = w
        .rep_browser
        .post(&format!("{rep_path}/refund"), &[("refund", "6.46")])
        .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_much.text("#refund-error").contains("6.45 EUR"));
    w.rep_browser
        .post(&format!("{rep_path}/refund"), &[("refund", "6.45")])
        .await
        .assert_redirect(&rep_path);
    let lines = lines_of(&w.app, c);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].amount_minor, -194);
    assert_eq!(lines[1].event, "clawback");
    assert_eq!(lines[1].corrects_line_id, Some(lines[0].id));
    assert!(
        lines[1]
            .reason
            .starts_with("Refund of 6.45 EUR on Case Seven")
    );
    let nothing_left = w
        .rep_browser
        .post(&format!("{rep_path}/refund"), &[("refund", "1")])
        .await;
    assert_eq!(nothing_left.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(lines_of(&w.app, c).len(), 2);
}

#[tokio::test]
async fn case_c07_jpy_has_no_minor_unit() {
    let w = world(crate::common::case_now(), "JPY", "Asia/Tokyo", "7.5").await;
    let id = referral(&w, w.fx.partner_a, "Tanaka Precision", "opportunity", "JPY");
    win(&w, id, "12345").await;
    let lines = lines_of(&w.app, id);
    assert_eq!(
        (lines[0].amount_minor, lines[0].currency.as_str()),
        (926, "JPY")
    );
    let page = w.app.get("/partner/rewards").await;
    assert!(page.text("table.ledger .amount").contains("926 JPY"));
}

/// C08's deals: id, close instant (UTC), expected statement month.
fn c08_deals() -> Vec<(String, DateTime<Utc>, String)> {
    let raw = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/C08_month_boundary.csv"),
    )
    .expect("C08 fixture");
    raw.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.trim().split(',').collect();
            (
                cols[0].to_owned(),
                case_instant(cols[1]),
                cols[3].to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn case_c08_statements_follow_program_months_in_los_angeles() {
    let mut deals = c08_deals();
    deals.sort_by_key(|(_, at, _)| *at);
    let start = deals[0].1 - TimeDelta::hours(1);
    let w = world(start, "EUR", "America/Los_Angeles", "10").await;
    let mut by_deal: Vec<(i64, String, String)> = Vec::new();
    let mut probed = false;
    for (deal, at, month) in &deals {
        if *at > nov(1, 0, 5) && !probed {
            // C08: a run at 00:05Z on 1 Nov (17:05 PDT on 31 Oct) must not close October.
            run_job_at(&w, "statements", nov(1, 0, 5)).await;
            let october: i64 = referral_portal::db::schema::statements::table
                .filter(referral_portal::db::schema::statements::period.eq("2026-10"))
                .count()
                .get_result(&mut *w.app.conn())
                .expect("count");
            assert_eq!(october, 0, "October closed before it ended in Los Angeles");
            probed = true;
        }
        let id = referral(
            &w,
            w.fx.partner_a,
            &format!("Deal {deal}"),
            "opportunity",
            "EUR",
        );
        set_clock(&w, *at).await;
        win(&w, id, "1,000.00").await;
        by_deal.push((id, deal.clone(), month.clone()));
    }
    assert!(probed);
    run_job_at(&w, "statements", nov(1, 8, 0)).await;
    run_job_at(&w, "statements", nov(1, 9, 0)).await;
    let october_mails = |mails: Vec<crate::common::Mail>| {
        mails
            .into_iter()
            .filter(|m| m.subject.contains("statement for October 2026"))
            .collect::<Vec<_>>()
    };
    assert_eq!(october_mails(w.app.settled_mail_to(WEBER).await).len(), 1);
    // November closes once it has ended in Los Angeles too: that is where C belongs.
    let december = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("instant");
    run_job_at(&w, "statements", december).await;

    let mut conn = w.app.conn();
    for (id, deal, month) in &by_deal {
        let line = &lines_of(&w.app, *id)[0];
        assert_eq!(line.amount_minor, 10_000, "deal {deal}");
        let period: String = referral_portal::db::schema::statements::table
            .find(
                line.statement_id
                    .unwrap_or_else(|| panic!("deal {deal} on no statement")),
            )
            .select(referral_portal::db::schema::statements::period)
            .first(&mut *conn)
            .expect("statement");
        assert_eq!(&period, month, "deal {deal}");
    }
    let statements =
        referral_portal::db::ledger::statements_of(&mut conn, w.fx.partner_a).expect("statements");
    let periods: Vec<(&str, i64)> = statements
        .iter()
        .map(|s| (s.period.as_str(), s.total_minor))
        .collect();
    assert_eq!(
        periods,
        vec![
            ("2026-11", 10_000),
            ("2026-10", 30_000),
            ("2026-09", 10_000)
        ]
    );
    drop(conn);

    let october = october_mails(w.app.settled_mail_to(WEBER).await);
    assert_eq!(october.len(), 1, "one October statement mail");
    assert!(october[0].subject.contains("300.00 EUR"));

    let october_id = statements[1].id;
    let page = w
        .app
        .get(&format!("/partner/rewards/statements/{october_id}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("table.ledger tbody tr").len(), 3);
    assert!(page.text("#statement-total").contains("300.00 EUR"));
}

#[tokio::test]
async fn the_holding_job_then_admin_approval_and_rejection_with_a_reason() {
    let w = world(crate::common::case_now(), "EUR", "Europe/Berlin", "10").await;
    let one = referral(&w, w.fx.partner_a, "First Co", "opportunity", "EUR");
    let two = referral(&w, w.fx.partner_a, "Second Co", "opportunity", "EUR");
    let three = referral(&w, w.fx.partner_a, "Third Co", "opportunity", "EUR");
    for id in [one, two, three] {
        win(&w, id, "100.00").await;
    }
    let (l1, l2, l3) = (
        lines_of(&w.app, one)[0].id,
        lines_of(&w.app, two)[0].id,
        lines_of(&w.app, three)[0].id,
    );
    let early = w
        .admin
        .post(&format!("/admin/rewards/lines/{l1}/approve"), &[])
        .await;
    assert_eq!(early.status, StatusCode::SEE_OTHER);
    assert_eq!(lines_of(&w.app, one)[0].status, "pending", "still holding");

    let later = crate::common::case_now() + TimeDelta::days(30) + TimeDelta::hours(1);
    run_job_at(&w, "reward_holding", later).await;
    for id in [one, two, three] {
        assert_eq!(lines_of(&w.app, id)[0].status, "approvable");
    }
    run_job_at(&w, "reward_holding", later + TimeDelta::hours(1)).await;
    let moves = referral_portal::db::ledger::moves_of_line(&mut w.app.conn(), l1).expect("moves");
    assert_eq!(moves.len(), 2, "a second run moves nothing");

    let ledger = w
        .admin
        .get(&format!(
            "/admin/rewards?partner={}&status=approvable",
            w.fx.partner_a
        ))
        .await;
    assert_eq!(ledger.texts("table.ledger tbody tr").len(), 3);
    w.admin
        .post(&format!("/admin/rewards/lines/{l1}/approve"), &[])
        .await;
    w.admin
        .post(&format!("/admin/rewards/lines/{l1}/approve"), &[])
        .await;
    assert_eq!(lines_of(&w.app, one)[0].status, "approved");
    let no_reason = w
        .admin
        .post(
            &format!("/admin/rewards/lines/{l2}/reject"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!no_reason.text(&format!("#reason-{l2}-error")).is_empty());
    w.admin
        .post(
            &format!("/admin/rewards/lines/{l2}/reject"),
            &[("reason", "Deal was a duplicate")],
        )
        .await;
    assert_eq!(lines_of(&w.app, two)[0].status, "rejected");
    w.admin
        .post(
            &format!("/admin/rewards/partners/{}/approve", w.fx.partner_a),
            &[],
        )
        .await;
    assert_eq!(lines_of(&w.app, three)[0].status, "approved");
    let _ = l3;

    let approved: Vec<_> = w
        .app
        .settled_mail_to(WEBER)
        .await
        .into_iter()
        .filter(|m| m.subject.starts_with("Rewards approved"))
        .collect();
    assert_eq!(approved.len(), 2, "one mail per approval action");
    let line = w.app.get(&format!("/partner/rewards/lines/{l2}")).await;
    assert!(line.body.contains("Deal was a duplicate"));

    // Partners never reach the admin ledger or its actions.
    assert_eq!(
        w.app.get("/admin/rewards").await.status,
        StatusCode::NOT_FOUND
    );
    let forged = w
        .app
        .post(&format!("/admin/rewards/lines/{l3}/approve"), &[])
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_clawback_after_a_closed_and_paid_period_lands_on_the_next_statement() {
    let oct = Utc
        .with_ymd_and_hms(2026, 10, 20, 10, 0, 0)
        .single()
        .expect("instant");
    let w = world(oct, "EUR", "Europe/Berlin", "10").await;
    let id = referral(&w, w.fx.partner_a, "Refunded Co", "opportunity", "EUR");
    win(&w, id, "2,000.00").await;
    run_job_at(&w, "statements", nov(2, 9, 0)).await;
    let original = lines_of(&w.app, id)[0].clone();
    assert!(original.statement_id.is_some(), "October closed");
    diesel::update(reward_lines::table.find(original.id))
        .set(reward_lines::status.eq("paid"))
        .execute(&mut *w.app.conn())
        .expect("paid");

    set_clock(&w, nov(5, 9, 0)).await;
    let path = format!("/rep/referrals/{id}");
    w.rep_browser
        .post(&format!("{path}/refund"), &[("refund", "500.00")])
        .await
        .assert_redirect(&path);
    let lines = lines_of(&w.app, id);
    assert_eq!(lines[0].amount_minor, 20_000, "the paid line is untouched");
    assert_eq!(lines[1].amount_minor, -5_000, "a quarter of it clawed back");
    assert_eq!(lines[1].corrects_line_id, Some(original.id));
    assert_eq!(lines[1].statement_id, None);
    let timeline = w.rep_browser.get(&path).await.texts(".timeline strong");
    assert!(
        timeline.iter().any(|t| t == "Refund recorded"),
        "{timeline:?}"
    );

    run_job_at(
        &w,
        "statements",
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
            .single()
            .expect("i"),
    )
    .await;
    let statements =
        referral_portal::db::ledger::statements_of(&mut w.app.conn(), w.fx.partner_a).expect("s");
    assert_eq!(statements[0].period, "2026-11");
    assert_eq!(statements[0].total_minor, -5_000);
    assert_eq!(lines_of(&w.app, id)[1].statement_id, Some(statements[0].id));
}

#[tokio::test]
async fn case_c10_and_c12_partners_see_only_their_own_rewards_with_markup_as_text() {
    let oct = Utc
        .with_ymd_and_hms(2026, 10, 20, 10, 0, 0)
        .single()
        .expect("instant");
    let w = world(oct, "EUR", "Europe/Berlin", "10").await;
    let company = "<script>alert(1)</script> & Co";
    let mine = referral(&w, w.fx.partner_a, company, "opportunity", "EUR");
    diesel::update(referrals_t::table.find(mine))
        .set(referrals_t::first_name.eq("\"><img src=x onerror=alert(2)>"))
        .execute(&mut *w.app.conn())
        .expect("name");
    let theirs = referral(&w, w.fx.partner_b, "B Secret Deal", "opportunity", "EUR");
    win(&w, mine, "100.00").await;
    win(&w, theirs, "100.00").await;
    run_job_at(&w, "statements", nov(2, 9, 0)).await;
    let mut conn = w.app.conn();
    let a_statement =
        referral_portal::db::ledger::statements_of(&mut conn, w.fx.partner_a).expect("s")[0].id;
    let b_statement =
        referral_portal::db::ledger::statements_of(&mut conn, w.fx.partner_b).expect("s")[0].id;
    drop(conn);
    let b_line = lines_of(&w.app, theirs)[0].id;

    let page = w.app.get("/partner/rewards").await;
    assert!(!page.body.contains("B Secret Deal"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co")
    );
    assert!(!page.body.contains("<script>alert"));
    assert!(!page.body.contains("<img src=x"));
    let statement = w
        .app
        .get(&format!("/partner/rewards/statements/{a_statement}"))
        .await;
    assert!(statement.body.contains("&lt;script&gt;"));
    assert!(!statement.body.contains("<script>alert"));

    for path in [
        format!("/partner/rewards/statements/{b_statement}"),
        format!("/partner/rewards/lines/{b_line}"),
    ] {
        let foreign = w.app.get(&path).await;
        let missing = w
            .app
            .get(&format!("{}999", &path[..path.rfind('/').unwrap_or(0) + 1]))
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(foreign.body, missing.body, "{path} looks missing");
        assert!(!foreign.body.contains("B Secret Deal"));
    }
    let denied: i64 = referral_portal::db::schema::audit_log::table
        .filter(referral_portal::db::schema::audit_log::action.eq("access_denied"))
        .filter(
            referral_portal::db::schema::audit_log::object_type
                .eq_any(["statement", "reward_line"]),
        )
        .count()
        .get_result(&mut *w.app.conn())
        .expect("audit");
    assert!(denied >= 2);

    let mails = w.app.settled_mail_to(WEBER).await;
    for kind in ["Reward earned", "Your rewards statement"] {
        let mail = mails
            .iter()
            .find(|m| m.subject.starts_with(kind))
            .unwrap_or_else(|| panic!("no {kind} mail"));
        assert!(mail.html.contains("&lt;script&gt;"), "{kind}");
        assert!(!mail.html.contains("<script>alert"), "{kind}");
        assert!(!mail.html.contains("<img src=x"), "{kind}");
    }
    assert!(
        w.app
            .settled_mail_to(LUND)
            .await
            .iter()
            .all(|m| !m.html.contains("script"))
    );
}
