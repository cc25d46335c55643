//! Reviewing referrals: the queue, one referral with its decision form, and the conflicts
//! that first-to-register protection produced.

mod conflicts;
mod queue;
mod referral;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(queue::list_queue))
        .route("/referrals/{id}", web::get().to(referral::show_referral))
        .route(
            "/referrals/{id}/decision",
            web::post().to(referral::decide_referral),
        )
        .route(
            "/referrals/{id}/assign",
            web::post().to(referral::assign_referral),
        )
        .route("/conflicts", web::get().to(conflicts::list_conflicts))
        .route("/conflicts/{id}", web::get().to(conflicts::show_conflict))
        .route(
            "/conflicts/{id}/resolve",
            web::post().to(conflicts::resolve_conflict),
        );
}
