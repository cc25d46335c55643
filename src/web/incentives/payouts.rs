//! Payout pages. Admins (under `/admin`, admins only) build batches, review, approve with
//! their password, mark paid or failed and export CSV for finance; partners (under
//! `/partner`) see their own organisation's payouts and the lines in each.

mod actions;
mod admin;
mod export;
mod partner;

use actix_web::web;

use crate::db::payouts::{Payout, PayoutEvent, PayoutLine};
use crate::domain::payouts::PayoutStatus;
use crate::incentives::payouts::format_amount;
use crate::web::incentives::rewards::{event_label, status_label};
use crate::web::time::local;

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.route("/payouts", web::get().to(admin::list))
        .route("/payouts/build", web::post().to(admin::build))
        .route("/payouts/export.csv", web::get().to(export::all))
        .route("/payouts/{id}", web::get().to(admin::show))
        .route("/payouts/{id}/export.csv", web::get().to(export::one))
        .route("/payouts/{id}/approve", web::post().to(actions::approve))
        .route("/payouts/{id}/paid", web::post().to(actions::mark_paid))
        .route("/payouts/{id}/failed", web::post().to(actions::mark_failed));
}

pub fn configure_partner(cfg: &mut web::ServiceConfig) {
    cfg.route("/payouts", web::get().to(partner::list))
        .route("/payouts/{id}", web::get().to(partner::show));
}

/// An incentive failure as the request sees it.
fn app_error(e: crate::incentives::IncentiveError) -> crate::error::AppError {
    match e {
        crate::incentives::IncentiveError::Query(q) => q.into(),
        crate::incentives::IncentiveError::Mail(m) => m.into(),
    }
}

/// The status of a stored payout (an unknown value reads as failed, which allows nothing).
fn status_of(p: &Payout) -> PayoutStatus {
    p.status.parse().unwrap_or(PayoutStatus::Failed)
}

/// A payout as a list row.
pub struct PayoutRow {
    pub id: i64,
    pub partner_id: i64,
    pub partner: String,
    pub amount: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub created: String,
    pub reference: Option<String>,
}

impl PayoutRow {
    fn new(p: &Payout, partner: String, zone: &str, for_partner: bool) -> Self {
        let status = status_of(p);
        Self {
            id: p.id,
            partner_id: p.organisation_id,
            partner,
            amount: format_amount(p.amount_minor, &p.currency),
            status: status.as_str(),
            status_label: if for_partner {
                status.partner_label()
            } else {
                status.label()
            },
            created: local(p.created_at, zone),
            // A partner sees the reference of a payout that went out, not of one that bounced.
            reference: p
                .reference
                .clone()
                .filter(|_| !for_partner || status == PayoutStatus::Paid),
        }
    }
}

/// A ledger line of a payout.
pub struct LineView {
    pub line_id: i64,
    pub referral_id: i64,
    /// The line is a share of another organisation's referral (see the rewards pages).
    pub co_referral: bool,
    pub prospect: String,
    pub company: String,
    pub event: &'static str,
    pub reason: String,
    pub amount: String,
    pub status: &'static str,
    /// False once the payout failed and released it.
    pub active: bool,
}

impl From<PayoutLine> for LineView {
    fn from(l: PayoutLine) -> Self {
        Self {
            line_id: l.line_id,
            referral_id: l.referral_id,
            co_referral: l.referral_organisation_id != l.line_organisation_id,
            prospect: format!("{} {}", l.first_name, l.last_name),
            company: l.company,
            event: event_label(&l.event),
            reason: l.reason,
            amount: format_amount(l.amount_minor, &l.currency),
            status: status_label(&l.status),
            active: l.active,
        }
    }
}

/// One row of a payout's history.
pub struct EventView {
    pub when: String,
    pub who: String,
    pub from: &'static str,
    pub to: &'static str,
    pub note: Option<String>,
}

fn label_of(stored: &str) -> &'static str {
    stored
        .parse::<PayoutStatus>()
        .map(|s| s.label())
        .unwrap_or("Unknown")
}

impl EventView {
    fn new(e: PayoutEvent, who: Option<String>, zone: &str) -> Self {
        Self {
            when: local(e.created_at, zone),
            who: who.unwrap_or_else(|| "The portal".into()),
            from: e.from_status.as_deref().map_or("—", label_of),
            to: label_of(&e.to_status),
            note: e.note,
        }
    }
}
