//! Tier pages: the admin's tiers, reward rules and incentive settings, and the partner's tier
//! dashboard.

mod admin;
mod partner;
mod settings;
mod tier_form;

use actix_web::web;

pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.route("/tiers", web::get().to(admin::list_tiers))
        .service(
            web::resource("/tiers/settings")
                .route(web::get().to(settings::show_settings))
                .route(web::post().to(settings::save_settings)),
        )
        .service(
            web::resource("/tiers/new")
                .route(web::get().to(admin::new_tier))
                .route(web::post().to(admin::create_tier)),
        )
        .service(
            web::resource("/tiers/{id}")
                .route(web::get().to(admin::edit_tier))
                .route(web::post().to(admin::update_tier)),
        );
}

pub fn configure_partner(cfg: &mut web::ServiceConfig) {
    cfg.route("/tier", web::get().to(partner::show_tier));
}
