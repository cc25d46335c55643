//! The partner area: the organisation's referrals, the referral form, and (for owners) the
//! team. Every query is scoped to the signed-in user's organisation.

mod dashboard;
mod detail;

pub use detail::{event_title, money, urgency_label};
mod submit;
mod team;

use actix_web::middleware::from_fn;
use actix_web::web;

use super::guard::{CurrentUser, PARTNER_OWNERS, PARTNERS, require_roles};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/partner")
            .wrap(from_fn(|req, next| require_roles(PARTNERS, req, next)))
            .route("", web::get().to(dashboard::list_referrals))
            .service(
                web::resource("/referrals/new")
                    .route(web::get().to(submit::show_referral_form))
                    .route(web::post().to(submit::submit_referral)),
            )
            .route("/referrals/{id}", web::get().to(detail::show_referral))
            .configure(crate::web::uploads::configure)
            .configure(crate::web::incentives::configure_partner)
            .service(
                web::scope("/team")
                    .wrap(from_fn(|req, next| {
                        require_roles(PARTNER_OWNERS, req, next)
                    }))
                    .route("", web::get().to(team::show_team))
                    .route("/invite", web::post().to(team::invite_colleague))
                    .route("/{user_id}/remove", web::post().to(team::remove_colleague)),
            ),
    );
}

/// The organisation whose data the signed-in partner may see.
fn organisation_of(user: &CurrentUser) -> Result<i64, AppError> {
    user.partner_org().ok_or(AppError::NotFound)
}
