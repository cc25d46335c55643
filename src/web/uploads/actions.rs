//! What a user does with an upload: map its columns, confirm it, or cancel it. Each POST ends
//! in a redirect to the upload's page.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;

use super::pages::{ShowQuery, mapping_from_form, render_upload};
use super::{Area, load_upload};
use crate::db::audit::{self, AuditEntry};
use crate::db::uploads::{self, UploadStatus};
use crate::db::{settings, write_tx};
use crate::error::AppError;
use crate::pipeline::IntakeEnv;
use crate::uploads::{self as process, Confirmed, Step};
use crate::web::context::PageCtx;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, see_other};

pub async fn map_columns(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let area = Area::of(&user)?;
    let upload = load_upload(&state, &req, &user, path.into_inner()).await?;
    let mapping = mapping_from_form(&upload, &form);

    let now = state.now();
    let stored = upload.clone();
    let (problems, queued) = state
        .db(move |conn| {
            let problems =
                process::save_mapping(conn, &stored, &mapping, now).map_err(AppError::internal)?;
            if !problems.is_empty() {
                return Ok((problems, false));
            }
            let limits = settings::load(conn)?.uploads;
            if i64::from(stored.total_rows) <= limits.background_rows {
                process::stage(conn, stored.id, now).map_err(AppError::internal)?;
                return Ok((problems, false));
            }
            write_tx(conn, |conn| {
                process::enqueue(conn, stored.id, Step::Stage, now)
            })
            .map_err(AppError::internal)?;
            Ok((problems, true))
        })
        .await?;
    if !problems.is_empty() {
        return render_upload(
            &state,
            ctx,
            &user,
            upload,
            &ShowQuery::first_page(),
            problems,
        )
        .await;
    }
    if queued {
        state.mail_wake.notify_one();
    }

    Ok(see_other(&format!("{}/{}", area.base(), upload.id)))
}

pub async fn confirm_upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let area = Area::of(&user)?;
    let upload = load_upload(&state, &req, &user, path.into_inner()).await?;

    let env = IntakeEnv {
        now: state.now(),
        referral_link_base: String::new(),
        client_addr: state.client_addr(&req),
        notify_submitter: false,
    };
    let owner_area = if upload.on_behalf { "admin" } else { "partner" };
    let link = state
        .config
        .link(&format!("/{owner_area}/uploads/{}", upload.id));
    let id = upload.id;
    let confirmed = state
        .db(move |conn| {
            let limits = settings::load(conn)?.uploads;
            process::confirm(conn, id, limits.background_rows, &env, &link)
                .map_err(AppError::internal)
        })
        .await?;
    state.mail_wake.notify_one();

    match confirmed {
        Confirmed::Imported => FlashMessage::success("The upload is imported.").send(),
        Confirmed::Queued => FlashMessage::info(
            "The upload is being imported. You can leave this page: we email you when it is done.",
        )
        .send(),
        Confirmed::NotWaiting => {
            FlashMessage::info("This upload was not waiting for confirmation.").send()
        }
    }
    Ok(see_other(&format!("{}/{id}", area.base())))
}

pub async fn cancel_upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let area = Area::of(&user)?;
    let upload = load_upload(&state, &req, &user, path.into_inner()).await?;

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let id = upload.id;
    let cancelled = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let moved = uploads::transition(
                    conn,
                    id,
                    &[
                        UploadStatus::Mapping,
                        UploadStatus::Staging,
                        UploadStatus::Preview,
                    ],
                    UploadStatus::Cancelled,
                    None,
                    now,
                )?;
                if moved {
                    uploads::drop_content(conn, id)?;
                    audit::record(
                        conn,
                        &AuditEntry {
                            actor_user_id: Some(actor),
                            action: "upload_cancelled",
                            object_type: "upload",
                            object_id: Some(id.to_string()),
                            client_addr: Some(&addr),
                            detail: None,
                        },
                        now,
                    )?;
                }
                Ok::<_, AppError>(moved)
            })
        })
        .await?;

    if cancelled {
        FlashMessage::success("The upload is cancelled; nothing was imported.").send();
    } else {
        FlashMessage::info("This upload can no longer be cancelled.").send();
    }
    Ok(see_other(&format!("{}/{id}", area.base())))
}
