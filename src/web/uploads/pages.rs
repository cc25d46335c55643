//! The upload history with the upload form, and one upload's page: its column mapping, its
//! progress while rows are checked or imported (a `<progress>` bar and a refresh without
//! JavaScript), or its rows with their outcomes, filterable and paged, with counts on top.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::{Area, load_upload};
use crate::db::accounts;
use crate::db::uploads::{self, RowFilter, Upload, UploadRow, UploadStatus};
use crate::domain::upload::{Column, Mapping, Records};
use crate::error::AppError;
use crate::uploads::outcome_label;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html};

/// Rows per page of the preview.
const PAGE_ROWS: i64 = 50;

/// The upload form as typed.
#[derive(Debug, Default, Clone)]
pub struct UploadForm {
    pub reporting_month: String,
    pub consent: bool,
    pub partner_id: String,
}

/// One line of the history.
pub struct UploadLine {
    pub id: i64,
    pub month: String,
    pub file_name: String,
    pub organisation: String,
    pub uploader: String,
    pub when: String,
    pub status: String,
    pub status_label: &'static str,
    pub total: i32,
    pub created: i32,
    pub already: i32,
    pub repeat: i32,
    pub invalid: i32,
}

pub struct PartnerChoice {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "uploads/list.html")]
pub struct UploadsPage {
    ctx: PageCtx,
    base: &'static str,
    is_admin: bool,
    lines: Vec<UploadLine>,
    form: UploadForm,
    errors: Errors,
    /// "0 referrals found" is news, not an error.
    notice_only: bool,
    partners: Vec<PartnerChoice>,
    max_rows: i64,
    max_bytes: i64,
}

fn last_month(now: chrono::DateTime<chrono::Utc>) -> String {
    let (year, month) = if now.month() == 1 {
        (now.year() - 1, 12)
    } else {
        (now.year(), now.month() - 1)
    };
    format!("{year:04}-{month:02}")
}

/// Renders the history and the form (again, with errors, after a refused upload).
pub async fn render_list(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    mut form: UploadForm,
    errors: Errors,
    notice_only: bool,
) -> Result<HttpResponse, AppError> {
    let area = Area::of(user)?;
    let (rows, organisations, limits) = state
        .db(move |conn| {
            let rows = uploads::list(conn, area.organisation(), 100)?;
            let organisations = match area {
                Area::Admin => accounts::list_organisations(conn)?,
                Area::Partner(_) => Vec::new(),
            };
            Ok((
                rows,
                organisations,
                crate::db::settings::load(conn)?.uploads,
            ))
        })
        .await?;
    if form.reporting_month.is_empty() {
        form.reporting_month = last_month(state.now());
    }
    let lines = rows
        .into_iter()
        .map(|r| {
            let u = r.upload;
            UploadLine {
                id: u.id,
                status_label: u.status().map_or("Unknown", UploadStatus::label),
                status: u.status,
                month: u.reporting_month,
                file_name: u.file_name,
                organisation: r.organisation,
                uploader: r.uploader,
                when: local(u.created_at, &user.time_zone),
                total: u.total_rows,
                created: u.count_new + u.count_customer,
                already: u.count_already,
                repeat: u.count_repeat,
                invalid: u.count_invalid,
            }
        })
        .collect();
    let partners = organisations
        .into_iter()
        .map(|o| PartnerChoice {
            selected: form.partner_id == o.id.to_string(),
            id: o.id,
            name: o.name,
        })
        .collect();
    let status = if errors.is_empty() || notice_only {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UploadsPage {
        ctx,
        base: area.base(),
        is_admin: area == Area::Admin,
        lines,
        form,
        errors,
        notice_only,
        partners,
        max_rows: limits.max_rows,
        max_bytes: limits.max_bytes,
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

pub async fn list_uploads(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render_list(
        &state,
        ctx,
        &user,
        UploadForm::default(),
        Errors::new(),
        false,
    )
    .await
}

/// A row as the preview shows it.
pub struct RowView {
    pub row_no: i32,
    pub line_no: i32,
    pub prospect: String,
    pub company: String,
    pub email: String,
    pub outcome: String,
    pub outcome_label: &'static str,
    pub details: Vec<String>,
    pub warnings: Vec<String>,
    pub referral_id: Option<i64>,
}

impl From<UploadRow> for RowView {
    fn from(r: UploadRow) -> Self {
        let lines = |s: &str| s.lines().map(str::to_owned).collect();
        Self {
            outcome_label: outcome_label(&r.outcome),
            details: lines(&r.detail),
            warnings: lines(&r.warnings),
            row_no: r.row_no,
            line_no: r.line_no,
            prospect: r.prospect,
            company: r.company,
            email: r.email,
            outcome: r.outcome,
            referral_id: r.referral_id,
        }
    }
}

/// A column of the file on the mapping step.
pub struct MappingColumn {
    pub index: usize,
    pub header: String,
    pub samples: Vec<String>,
    pub chosen: String,
}

pub struct CountLink {
    pub filter: &'static str,
    pub label: &'static str,
    pub count: i32,
}

#[derive(Template)]
#[template(path = "uploads/show.html")]
pub struct UploadPage {
    ctx: PageCtx,
    base: &'static str,
    referral_base: &'static str,
    u: Upload,
    status: &'static str,
    status_label: &'static str,
    uploaded: String,
    legacy_encoding: bool,
    counts: Vec<CountLink>,
    filter: String,
    rows: Vec<RowView>,
    next_after: Option<i32>,
    columns: Vec<MappingColumn>,
    choices: Vec<(&'static str, &'static str)>,
    problems: Vec<String>,
    refresh: bool,
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    show: String,
    after: Option<i32>,
}

fn row_filter(show: &str) -> (RowFilter, &'static str) {
    match show {
        "new" => (RowFilter::Outcome("new"), "new"),
        "customer" => (RowFilter::Outcome("customer"), "customer"),
        "already" => (RowFilter::Outcome("already"), "already"),
        "repeat" => (RowFilter::Outcome("repeat"), "repeat"),
        "invalid" => (RowFilter::Outcome("invalid"), "invalid"),
        "warning" => (RowFilter::Warnings, "warning"),
        _ => (RowFilter::All, ""),
    }
}

/// The file's columns with a few sample values, for the mapping step.
fn mapping_columns(upload: &Upload, content: Option<&str>) -> Vec<MappingColumn> {
    let headers: Vec<String> = serde_json::from_str(&upload.headers).unwrap_or_default();
    let names: Vec<String> = serde_json::from_str(&upload.mapping).unwrap_or_default();
    let delimiter = crate::domain::upload::Delimiter::parse(&upload.delimiter)
        .unwrap_or(crate::domain::upload::Delimiter::Comma);
    let samples: Vec<Vec<String>> = content
        .map(|text| {
            Records::new(text, delimiter)
                .skip(1)
                .take(3)
                .filter_map(Result::ok)
                .map(|r| r.cells)
                .collect()
        })
        .unwrap_or_default();
    headers
        .into_iter()
        .enumerate()
        .map(|(index, header)| MappingColumn {
            index,
            header,
            samples: samples
                .iter()
                .filter_map(|cells| cells.get(index).cloned())
                .collect(),
            chosen: names.get(index).cloned().unwrap_or_default(),
        })
        .collect()
}

/// Renders an upload's page; `problems` come from a refused mapping.
pub async fn render_upload(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    upload: Upload,
    query: &ShowQuery,
    problems: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let area = Area::of(user)?;
    let status = upload.status().unwrap_or(UploadStatus::Failed);
    let (filter, filter_name) = row_filter(&query.show);
    let after = query.after.unwrap_or(0);
    let id = upload.id;
    let wants_rows = matches!(status, UploadStatus::Preview | UploadStatus::Done);
    let wants_content = status == UploadStatus::Mapping;
    let (rows, content) = state
        .db(move |conn| {
            let rows = if wants_rows {
                uploads::rows(conn, id, filter, after, PAGE_ROWS + 1)?
            } else {
                Vec::new()
            };
            let content = if wants_content {
                uploads::content(conn, id)?
            } else {
                None
            };
            Ok((rows, content))
        })
        .await?;
    let more = rows.len() as i64 > PAGE_ROWS;
    let rows: Vec<RowView> = rows
        .into_iter()
        .take(PAGE_ROWS as usize)
        .map(RowView::from)
        .collect();
    let next_after = if more {
        rows.last().map(|r| r.row_no)
    } else {
        None
    };
    let columns = if wants_content {
        mapping_columns(&upload, content.as_deref())
    } else {
        Vec::new()
    };
    let counts = vec![
        CountLink {
            filter: "new",
            label: "New",
            count: upload.count_new,
        },
        CountLink {
            filter: "customer",
            label: "Existing customer",
            count: upload.count_customer,
        },
        CountLink {
            filter: "already",
            label: "Already referred",
            count: upload.count_already,
        },
        CountLink {
            filter: "repeat",
            label: "Repeat inside the file",
            count: upload.count_repeat,
        },
        CountLink {
            filter: "invalid",
            label: "Invalid",
            count: upload.count_invalid,
        },
        CountLink {
            filter: "warning",
            label: "With warnings",
            count: upload.count_warning,
        },
    ];
    let page = UploadPage {
        ctx,
        base: area.base(),
        referral_base: area.referral_base(),
        status: status.as_str(),
        status_label: status.label(),
        uploaded: local(upload.created_at, &user.time_zone),
        legacy_encoding: !upload.encoding.starts_with("UTF-"),
        refresh: matches!(status, UploadStatus::Staging | UploadStatus::Importing),
        u: upload,
        counts,
        filter: filter_name.to_owned(),
        rows,
        next_after,
        columns,
        choices: Column::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        problems,
    };
    html(&page)
}

pub async fn show_upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let upload = load_upload(&state, &req, &user, path.into_inner()).await?;
    render_upload(&state, ctx, &user, upload, &query, Vec::new()).await
}

/// The mapping a submitted mapping form describes: `col_<index>` = column name or "".
pub fn mapping_from_form(upload: &Upload, fields: &[(String, String)]) -> Mapping {
    let headers: Vec<String> = serde_json::from_str(&upload.headers).unwrap_or_default();
    Mapping(
        (0..headers.len())
            .map(|i| {
                let key = format!("col_{i}");
                fields
                    .iter()
                    .find(|(k, _)| *k == key)
                    .and_then(|(_, v)| Column::parse(v))
            })
            .collect(),
    )
}

impl ShowQuery {
    pub fn first_page() -> Self {
        Self {
            show: String::new(),
            after: None,
        }
    }
}
