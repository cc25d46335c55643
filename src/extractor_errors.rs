//! Maps actix's extractor failures (a path id that is not a number, an unreadable query, an
//! oversized or broken form) to the portal's own error pages instead of framework text.

use actix_web::error::UrlencodedError;
use actix_web::web::{FormConfig, PathConfig, QueryConfig};

use crate::error::AppError;

/// The largest form body the portal reads. Field limits (4,000 characters for notes) are
/// checked by validation, so a long paste gets a message next to its field.
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn form() -> FormConfig {
    FormConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(|err, _| {
            match err {
                UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => {
                    AppError::PayloadTooLarge
                }
                _ => AppError::BadRequest(
                    "The form arrived incomplete. Reload the page and send it again.".into(),
                ),
            }
            .into()
        })
}

pub fn query() -> QueryConfig {
    QueryConfig::default().error_handler(|_, _| {
        AppError::BadRequest("This address has a filter the portal does not understand.".into())
            .into()
    })
}

/// An id that cannot exist answers like any other missing object.
pub fn path() -> PathConfig {
    PathConfig::default().error_handler(|_, _| AppError::NotFound.into())
}
