//! The rewards ledger on the web: the admin ledger with approval, a referral's rewards with
//! its co-referral split and refunds, the partner's rewards page and monthly statements, and
//! the rep's refund form.

mod admin;
mod partner;
pub mod refund;

use std::collections::HashMap;

use actix_web::web;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::ledger::RewardLine;
use crate::db::schema::{organisations, referrals, tiers};
use crate::incentives::ledger::money;
use crate::web::time::local;

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.route("/rewards", web::get().to(admin::show_ledger))
        .route(
            "/rewards/lines/{id}/approve",
            web::post().to(admin::approve_line),
        )
        .route(
            "/rewards/lines/{id}/reject",
            web::post().to(admin::reject_line),
        )
        .route(
            "/rewards/partners/{org}/approve",
            web::post().to(admin::approve_partner),
        )
        .route(
            "/rewards/referrals/{id}",
            web::get().to(refund::show_referral_rewards),
        )
        .route(
            "/rewards/referrals/{id}/split",
            web::post().to(refund::save_split),
        )
        .route(
            "/rewards/referrals/{id}/refund",
            web::post().to(refund::admin_refund),
        );
}

pub fn configure_partner(cfg: &mut web::ServiceConfig) {
    cfg.route("/rewards", web::get().to(partner::show_rewards))
        .route("/rewards/lines/{id}", web::get().to(partner::show_line))
        .route(
            "/rewards/statements/{id}",
            web::get().to(partner::show_statement),
        );
}

/// A ledger line as pages show it; every text is escaped by the template.
pub struct LineView {
    pub id: i64,
    pub partner_id: i64,
    pub partner: String,
    pub referral_id: i64,
    /// The referral belongs to another organisation: the line is this partner's share of a
    /// co-referral, and partner pages must not link to a referral the partner cannot open.
    pub co_referral: bool,
    /// "Company — Prospect Name".
    pub referral: String,
    pub event: &'static str,
    pub tier: String,
    pub amount: String,
    pub status: String,
    pub status_label: &'static str,
    pub reason: String,
    pub earned: String,
    pub approvable: String,
    pub corrects: Option<i64>,
    /// The payout the line is in (active), or was last paid with.
    pub payout_id: Option<i64>,
}

pub fn event_label(event: &str) -> &'static str {
    match event {
        "meeting_booked" => "Meeting booked",
        "won" => "Deal won",
        "clawback" => "Clawback",
        _ => "Adjustment",
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "Pending",
        "approvable" => "Approvable",
        "approved" => "Approved",
        "paid" => "Paid",
        "rejected" => "Rejected",
        _ => "Unknown",
    }
}

/// Resolves the names a page of lines needs with one query per table, by key.
pub fn describe(
    conn: &mut AnyConnection,
    lines: Vec<RewardLine>,
    zone: &str,
) -> QueryResult<Vec<LineView>> {
    let mut referral_ids: Vec<i64> = lines.iter().map(|l| l.referral_id).collect();
    referral_ids.sort_unstable();
    referral_ids.dedup();
    let mut org_ids: Vec<i64> = lines.iter().map(|l| l.organisation_id).collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let names: HashMap<i64, (String, String, String, i64)> = referrals::table
        .filter(referrals::id.eq_any(&referral_ids))
        .select((
            referrals::id,
            referrals::company,
            referrals::first_name,
            referrals::last_name,
            referrals::organisation_id,
        ))
        .load::<(i64, String, String, String, i64)>(conn)?
        .into_iter()
        .map(|(id, c, f, l, org)| (id, (c, f, l, org)))
        .collect();
    let orgs: HashMap<i64, String> = organisations::table
        .filter(organisations::id.eq_any(&org_ids))
        .select((organisations::id, organisations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let tier_names: HashMap<i64, String> = tiers::table
        .select((tiers::id, tiers::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let line_ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    let payouts = crate::db::payouts::payout_of_lines(conn, &line_ids)?;
    let when = |t: NaiveDateTime| local(t, zone);
    Ok(lines
        .into_iter()
        .map(|l| LineView {
            id: l.id,
            partner_id: l.organisation_id,
            partner: orgs.get(&l.organisation_id).cloned().unwrap_or_default(),
            referral_id: l.referral_id,
            co_referral: names
                .get(&l.referral_id)
                .is_some_and(|(.., org)| *org != l.organisation_id),
            referral: names
                .get(&l.referral_id)
                .map(|(c, f, last, _)| format!("{c} — {f} {last}"))
                .unwrap_or_default(),
            event: event_label(&l.event),
            tier: l
                .tier_id
                .and_then(|t| tier_names.get(&t).cloned())
                .unwrap_or_default(),
            amount: money(l.amount_minor, &l.currency),
            status_label: status_label(&l.status),
            status: l.status,
            reason: l.reason,
            earned: when(l.earned_at),
            approvable: when(l.approvable_at),
            corrects: l.corrects_line_id,
            payout_id: payouts.get(&l.id).copied(),
        })
        .collect())
}

/// Lines per page of a ledger list.
pub const PAGE: i64 = 50;
