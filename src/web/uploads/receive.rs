//! Receiving an upload: a multipart body whose CSRF token is in the query string. The size is
//! checked before the body is read (Content-Length) and while it streams (chunked bodies), so
//! an oversized file is refused with 413 without being buffered. The file is then checked
//! (encoding, dialect, row limit) off the async threads and stored.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::Area;
use super::pages::{UploadForm, render_list};
use crate::db::{accounts, settings};
use crate::error::AppError;
use crate::uploads::{self, FileProblem, NewUploadRequest, Step};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, see_other};

/// Room for the multipart framing and the small fields next to the file.
const FRAMING_ALLOWANCE: i64 = 16 * 1024;
/// Longest small field (month, consent, partner).
const SMALL_FIELD_LIMIT: usize = 256;

fn too_large(limit: i64) -> AppError {
    AppError::TooLarge(format!(
        "The file is larger than the limit of {limit} bytes, so it was not read and nothing \
         was imported. Split it into smaller files and upload each."
    ))
}

/// What the multipart body held.
#[derive(Default)]
struct Received {
    form: UploadForm,
    file_name: String,
    file: Option<Vec<u8>>,
}

async fn read_body(mut multipart: Multipart, max_bytes: i64) -> Result<Received, AppError> {
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let mut received = Received::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|e| AppError::BadRequest(format!("Unreadable form: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = name == "file";
        if is_file {
            received.file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(crate::domain::text::clean_single_line)
                .unwrap_or_default();
        }
        let cap = if is_file { limit } else { SMALL_FIELD_LIMIT };
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("Unreadable form: {e}")))?;
            if data.len() + chunk.len() > cap {
                if is_file {
                    return Err(too_large(max_bytes));
                }
                return Err(AppError::BadRequest("A form field is too long".into()));
            }
            data.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&data).trim().to_owned();
        match name.as_str() {
            "file" => received.file = Some(data),
            "reporting_month" => received.form.reporting_month = text(),
            "consent" => received.form.consent = !data.is_empty(),
            "partner_id" => received.form.partner_id = text(),
            _ => {}
        }
    }
    Ok(received)
}

/// `YYYY-MM` between 2000-01 and 2099-12.
fn valid_month(raw: &str) -> bool {
    let Some((year, month)) = raw.split_once('-') else {
        return false;
    };
    let year_ok = year.len() == 4 && year.parse::<u32>().is_ok_and(|y| (2000..2100).contains(&y));
    let month_ok = month.len() == 2 && month.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
    year_ok && month_ok
}

pub async fn receive_upload(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let area = Area::of(&user)?;
    let limits = state.db(|conn| Ok(settings::load(conn)?.uploads)).await?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    if declared.is_some_and(|len| len > limits.max_bytes.saturating_add(FRAMING_ALLOWANCE)) {
        return Err(too_large(limits.max_bytes));
    }
    let multipart = Multipart::new(req.headers(), payload);
    let received = read_body(multipart, limits.max_bytes).await?;

    let Received {
        form,
        file_name,
        file,
    } = received;
    let mut errors = Errors::new();
    if !valid_month(&form.reporting_month) {
        errors.add(
            "reporting_month",
            "Choose the month the referrals belong to",
        );
    }
    if !form.consent {
        errors.add(
            "consent",
            "Confirm that the prospects in this file agreed to be introduced",
        );
    }
    let organisation_id = match area {
        Area::Partner(org) => Some(org),
        Area::Admin => {
            let id = form.partner_id.parse::<i64>().ok();
            let exists = match id {
                Some(id) => {
                    state
                        .db(move |conn| Ok(accounts::organisation(conn, id).is_ok()))
                        .await?
                }
                None => false,
            };
            if !exists {
                errors.add("partner_id", "Choose the partner this file belongs to");
            }
            id.filter(|_| exists)
        }
    };
    let file = file.filter(|f| !f.is_empty());
    if file.is_none() {
        errors.add("file", "Choose a CSV or TSV file to upload");
    }
    let (Some(organisation_id), Some(file), true) = (organisation_id, file, errors.is_empty())
    else {
        return render_list(&state, ctx, &user, form, errors, false).await;
    };

    let file_bytes = i64::try_from(file.len()).unwrap_or(i64::MAX);
    let checked = web::block(move || uploads::check_file(&file, &limits)).await?;
    let checked = match checked {
        Ok(checked) => checked,
        Err(FileProblem::TooBig { limit }) => return Err(too_large(limit)),
        Err(problem) => {
            let no_rows = problem == FileProblem::NoRows;
            errors.add("file", problem.to_string());
            return render_list(&state, ctx, &user, form, errors, no_rows).await;
        }
    };
    let request = NewUploadRequest {
        organisation_id,
        uploaded_by: user.id,
        on_behalf: area == Area::Admin,
        reporting_month: form.reporting_month.clone(),
        file_name: if file_name.is_empty() {
            "upload.csv".into()
        } else {
            file_name
        },
        file_bytes,
    };
    let now = state.now();
    let inline = i64::try_from(checked.total_rows).unwrap_or(i64::MAX) <= limits.background_rows;
    let upload_id = state
        .db(move |conn| {
            let upload =
                uploads::create(conn, &request, &checked, now).map_err(AppError::internal)?;
            if upload.status == "staging" {
                if inline {
                    uploads::stage(conn, upload.id, now).map_err(AppError::internal)?;
                } else {
                    crate::db::write_tx(conn, |conn| {
                        uploads::enqueue(conn, upload.id, Step::Stage, now)
                    })
                    .map_err(AppError::internal)?;
                }
            }
            Ok(upload.id)
        })
        .await?;
    if !inline {
        state.mail_wake.notify_one();
    }
    tracing::info!(upload.id = upload_id, "upload received");

    Ok(see_other(&format!("{}/{upload_id}", area.base())))
}

#[cfg(test)]
mod tests {
    use super::valid_month;

    #[test]
    fn only_a_year_and_month_is_a_reporting_month() {
        assert!(valid_month("2026-11"));
        assert!(!valid_month("2026-13"));
        assert!(!valid_month("26-11"));
        assert!(!valid_month("2026-11-01"));
        assert!(!valid_month(""));
    }
}
