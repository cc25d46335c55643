//! The sales rep's workspace: the queue of referrals assigned to them, by first-contact
//! deadline, and each referral's page where they log first contact and move it on. Another
//! rep's referral answers like a missing one.

mod queue;
mod referral;
mod refund;

use actix_web::middleware::from_fn;
use actix_web::web;

use super::guard::{REPS, require_roles};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/rep")
            .wrap(from_fn(|req, next| require_roles(REPS, req, next)))
            .route("", web::get().to(queue::show_queue))
            .route("/referrals/{id}", web::get().to(referral::show_referral))
            .route(
                "/referrals/{id}/contact",
                web::post().to(referral::log_first_contact),
            )
            .route(
                "/referrals/{id}/stage",
                web::post().to(referral::move_stage),
            )
            .route("/referrals/{id}/note", web::post().to(referral::add_note))
            .route("/referrals/{id}/refund", web::post().to(refund::record)),
    );
}
