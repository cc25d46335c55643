//! The admin area: the referral queue and decisions, conflicts, program management, and
//! routing (reps, pools, rules, SLA and scoring).

pub mod manage;
pub mod review;
pub mod routing;

use actix_web::middleware::from_fn;
use actix_web::web;

use super::guard::{ADMINS, require_roles};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(from_fn(|req, next| require_roles(ADMINS, req, next)))
            .configure(review::configure)
            .configure(manage::configure)
            .configure(routing::configure)
            .configure(crate::web::uploads::configure)
            .configure(crate::web::incentives::configure_admin),
    );
}
