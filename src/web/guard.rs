//! Who is signed in, and which areas their role may enter. The user is loaded once per request
//! from the server-side session; scopes are guarded here, not in each handler.

use std::future::{Ready, ready};

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::AppState;
use crate::db::accounts::{self, Role};
use crate::db::sessions::USER_KEY;
use crate::error::AppError;

/// The signed-in user, as every handler sees them.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub time_zone: String,
}

impl CurrentUser {
    /// The partner organisation whose data this user may see; `None` for staff.
    pub fn partner_org(&self) -> Option<i64> {
        if self.role.is_partner() {
            self.organisation_id
        } else {
            None
        }
    }
}

/// The start page of each role.
pub trait RoleHome {
    fn home(self) -> &'static str;
}

impl RoleHome for Role {
    fn home(self) -> &'static str {
        match self {
            Role::Admin => "/admin",
            Role::Rep => "/rep",
            Role::PartnerOwner | Role::PartnerMember => "/partner",
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CurrentUser>()
                .cloned()
                .ok_or(AppError::SignInRequired),
        )
    }
}

/// Loads the session's user, if any, into the request.
pub async fn load_user(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req.get_session();
    let user_id: Option<i64> = session.get(USER_KEY).ok().flatten();
    if let (Some(user_id), Some(state)) = (user_id, req.app_data::<web::Data<AppState>>()) {
        let user = state
            .db(move |conn| Ok(accounts::user(conn, user_id).ok()))
            .await?;
        match user.and_then(|u| u.role().map(|role| (u, role))) {
            Some((u, role)) if u.active => {
                req.extensions_mut().insert(CurrentUser {
                    id: u.id,
                    email: u.email,
                    display_name: u.display_name,
                    role,
                    organisation_id: u.organisation_id,
                    time_zone: u.time_zone,
                });
            }
            _ => session.purge(),
        }
    }
    next.call(req).await
}

/// Admits only the given roles; anyone else gets the same 404 as a missing page, and a
/// visitor who is not signed in is sent to the sign-in page.
pub async fn require_roles(
    roles: &'static [Role],
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let role = req.extensions().get::<CurrentUser>().map(|u| u.role);
    match role {
        None => Err(AppError::SignInRequired.into()),
        Some(role) if roles.contains(&role) => next.call(req).await,
        Some(_) => Err(AppError::NotFound.into()),
    }
}

pub const ADMINS: &[Role] = &[Role::Admin];
pub const REPS: &[Role] = &[Role::Rep];
pub const PARTNERS: &[Role] = &[Role::PartnerOwner, Role::PartnerMember];
pub const PARTNER_OWNERS: &[Role] = &[Role::PartnerOwner];

/// Logs a request for an object the signed-in user may not see. Callers answer it exactly like
/// a missing object (404), so the log is the only place the two differ.
pub async fn record_access_denied(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    object_type: &'static str,
    id: i64,
) -> Result<(), AppError> {
    let addr = state.client_addr(req);
    let now = state.now();
    let user_id = user.id;
    state
        .db(move |conn| {
            let entry = crate::db::audit::AuditEntry {
                actor_user_id: Some(user_id),
                action: "access_denied",
                object_type,
                object_id: Some(id.to_string()),
                client_addr: Some(&addr),
                detail: None,
            };
            Ok(crate::db::audit::record(conn, &entry, now)?)
        })
        .await
}
