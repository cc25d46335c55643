//! Request checks every POST passes (Origin, CSRF token) and the headers every response carries.

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web::{self, Bytes};

use super::AppState;
use crate::error::AppError;

/// The session entry holding the CSRF token.
pub const CSRF_KEY: &str = "csrf";
/// The form field (or, for file uploads, query parameter) that carries it.
pub const CSRF_FIELD: &str = "csrf_token";

/// Returns the session's CSRF token, creating one on first use.
pub fn csrf_token(session: &actix_session::Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF_KEY) {
        return token;
    }
    let token = new_token();
    let _ = session.insert(CSRF_KEY, &token);
    token
}

/// A fresh random token, hex encoded (32 bytes).
pub fn new_token() -> String {
    let mut raw = [0u8; 32];
    rand::fill(&mut raw);
    hex::encode(raw)
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn token_in(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned())
}

/// Refuses a POST whose Origin is foreign or whose CSRF token does not match the session's.
pub async fn verify_post(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::POST {
        if let (Some(origin), Some(state)) = (
            req.headers()
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok()),
            req.app_data::<web::Data<AppState>>(),
        ) && origin != state.config.origin()
        {
            return Err(AppError::Forbidden.into());
        }
        let expected: Option<String> = req.get_session().get(CSRF_KEY).ok().flatten();
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let submitted = if is_form {
            let body = req.extract::<Bytes>().await?;
            let token = token_in(&body);
            req.set_payload(body.into());
            token
        } else {
            token_in(req.query_string().as_bytes())
        };
        match (expected, submitted) {
            (Some(e), Some(s)) if same(&e, &s) => {}
            _ => return Err(AppError::Csrf.into()),
        }
    }
    next.call(req).await
}

/// Headers for every response: a CSP without inline code, no framing, no sniffing.
pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
}
