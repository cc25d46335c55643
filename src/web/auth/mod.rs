//! Accounts: sign-in and sign-out, password reset, invitations and password change.

mod account;
mod invitation;
mod login;
mod recovery;

use actix_web::web;
use sha2::{Digest, Sha256};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(web::get().to(login::show_login))
            .route(web::post().to(login::sign_in)),
    )
    .route("/logout", web::post().to(login::sign_out))
    .service(
        web::resource("/password/forgot")
            .route(web::get().to(recovery::show_forgot))
            .route(web::post().to(recovery::request_reset)),
    )
    .service(
        web::resource("/password/reset/{token}")
            .route(web::get().to(recovery::show_reset))
            .route(web::post().to(recovery::reset_password)),
    )
    .service(
        web::resource("/invitation/{token}")
            .route(web::get().to(invitation::show_invitation))
            .route(web::post().to(invitation::accept_invitation)),
    )
    .service(
        web::resource("/account/password")
            .route(web::get().to(account::show_change_password))
            .route(web::post().to(account::change_password)),
    );
}

/// A new secret for an emailed link, and the hash that is stored in its place.
pub fn new_link_secret() -> (String, String) {
    let raw = super::security::new_token();
    let hash = hash_link_secret(&raw);
    (raw, hash)
}

pub fn hash_link_secret(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// Masks an address for logs and the audit trail: "p***@partner-a.example".
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}
