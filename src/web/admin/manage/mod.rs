//! Running the program: partners, users, existing customers, settings and the audit log.
// TODO(#2): the admin management pages are being built.
pub fn configure(_cfg: &mut actix_web::web::ServiceConfig) {}
