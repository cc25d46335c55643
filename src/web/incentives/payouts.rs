//! TODO(#6)

use actix_web::web;

pub fn configure_admin(_cfg: &mut web::ServiceConfig) {}

pub fn configure_partner(_cfg: &mut web::ServiceConfig) {}
