//! What handlers return when a request cannot be served.
//!
//! Error libraries: `thiserror` enums in `domain/`, `db/` and `mail/`, gathered here into
//! `AppError`; `anyhow` only in `main.rs`, tests, and where a library trait demands it (the
//! session store). Users see a short message; the cause chain goes to the log, once, here.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error that ends a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or belonging to someone else: the two look the same.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("the form has expired; reload the page and try again")]
    Csrf,
    #[error("please sign in")]
    SignInRequired,
    #[error("{0}")]
    BadRequest(String),
    #[error("the form was larger than the portal accepts")]
    PayloadTooLarge,
    /// A request body over its limit, refused before it is read further.
    #[error("{0}")]
    TooLarge(String),
    #[error("internal error")]
    Internal(#[source] Cause),
}

impl AppError {
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::Internal(cause.into())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound,
            other => Self::internal(other),
        }
    }
}

impl From<crate::db::DbError> for AppError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Query(q) => q.into(),
            other => Self::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::internal(e)
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::internal(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        Self::internal(e)
    }
}

impl From<crate::mail::MailError> for AppError {
    fn from(e: crate::mail::MailError) -> Self {
        Self::internal(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::SignInRequired => StatusCode::SEE_OTHER,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignInRequired = self {
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/login"))
                .finish();
        }
        if let Self::Internal(cause) = self {
            tracing::error!(error = %error_chain(cause.as_ref()), "request failed");
        }
        let status = self.status_code();
        let (title, message) = match self {
            Self::NotFound => ("Not found", "There is nothing at this address."),
            Self::Forbidden => ("Not allowed", "Your account cannot do this."),
            Self::PayloadTooLarge => (
                "Too much text",
                "The form held more text than the portal accepts. Go back, shorten the longest \
                 field, and send it again.",
            ),
            Self::Internal(_) => (
                "Something went wrong",
                "The portal could not finish this request. Please try again in a moment.",
            ),
            Self::TooLarge(_) => ("File too large", ""),
            _ => ("Request not accepted", ""),
        };
        let detail = self.to_string();
        let message = if message.is_empty() { &detail } else { message };
        let body = ErrorPage { title, message }
            .render()
            .unwrap_or_else(|_| title.to_owned());
        HttpResponse::build(status)
            .content_type(ContentType::html())
            .body(body)
    }
}

/// Formats an error with every cause, for the log.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}
