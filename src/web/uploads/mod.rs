//! The monthly upload pages, shared by partners (their organisation's uploads, under
//! `/partner/uploads`) and admins (every upload, on behalf of any partner, under
//! `/admin/uploads`). Which one a request sees comes from the signed-in user's role, never
//! from the URL: another organisation's upload answers like a missing one.

mod actions;
mod pages;
mod receive;
mod report;

use actix_web::{HttpRequest, web};

use crate::db::accounts::Role;
use crate::db::audit::{self, AuditEntry};
use crate::db::uploads::{self, Upload};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::guard::CurrentUser;

/// Mounts the upload routes inside the `/partner` or `/admin` scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/uploads")
            .route(web::get().to(pages::list_uploads))
            .route(web::post().to(receive::receive_upload)),
    )
    .route(
        "/uploads/template.csv",
        web::get().to(report::download_template),
    )
    .route("/uploads/{id}", web::get().to(pages::show_upload))
    .route(
        "/uploads/{id}/mapping",
        web::post().to(actions::map_columns),
    )
    .route(
        "/uploads/{id}/confirm",
        web::post().to(actions::confirm_upload),
    )
    .route(
        "/uploads/{id}/cancel",
        web::post().to(actions::cancel_upload),
    )
    .route(
        "/uploads/{id}/report.csv",
        web::get().to(report::download_report),
    );
}

/// Whose uploads a user works with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    /// A partner user: only their organisation's.
    Partner(i64),
    /// An admin: everyone's.
    Admin,
}

impl Area {
    fn of(user: &CurrentUser) -> Result<Self, AppError> {
        if user.role == Role::Admin {
            return Ok(Self::Admin);
        }
        user.partner_org()
            .map(Self::Partner)
            .ok_or(AppError::NotFound)
    }

    fn base(self) -> &'static str {
        match self {
            Self::Partner(_) => "/partner/uploads",
            Self::Admin => "/admin/uploads",
        }
    }

    fn referral_base(self) -> &'static str {
        match self {
            Self::Partner(_) => "/partner/referrals/",
            Self::Admin => "/admin/referrals/",
        }
    }

    fn organisation(self) -> Option<i64> {
        match self {
            Self::Partner(org) => Some(org),
            Self::Admin => None,
        }
    }
}

/// The upload if this user may see it; otherwise the same 404 as a missing one, and the
/// attempt goes to the audit log.
async fn load_upload(
    state: &AppState,
    req: &HttpRequest,
    user: &CurrentUser,
    id: i64,
) -> Result<Upload, AppError> {
    let area = Area::of(user)?;
    let addr = state.client_addr(req);
    let now = state.now();
    let user_id = user.id;
    state
        .db(move |conn| {
            let found = uploads::find(conn, id, area.organisation())?;
            if found.is_none() {
                let entry = AuditEntry {
                    actor_user_id: Some(user_id),
                    action: "access_denied",
                    object_type: "upload",
                    object_id: Some(id.to_string()),
                    client_addr: Some(&addr),
                    detail: None,
                };
                audit::record(conn, &entry, now)?;
            }
            Ok(found)
        })
        .await?
        .ok_or(AppError::NotFound)
}
