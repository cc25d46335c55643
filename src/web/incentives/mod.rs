//! Incentive pages: tiers and program settings, the rewards ledger and statements, payouts.
//! Admin routes are mounted under `/admin` (admins only), partner routes under `/partner`
//! (scoped to the signed-in partner's organisation).

mod payouts;
pub(crate) mod rewards;
mod tiers;

use actix_web::web;

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    tiers::configure_admin(cfg);
    rewards::configure_admin(cfg);
    payouts::configure_admin(cfg);
}

pub fn configure_partner(cfg: &mut web::ServiceConfig) {
    tiers::configure_partner(cfg);
    rewards::configure_partner(cfg);
    payouts::configure_partner(cfg);
}
