//! Monthly uploads: the batch row, its file (kept until the batch is imported or cancelled),
//! its staged rows with their outcomes, and the column mapping each organisation chose.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{organisations, upload_files, upload_mappings, upload_rows, uploads, users};
use super::{AnyConnection, db_time};

/// Where an upload stands. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStatus {
    /// Some columns still need to be mapped or ignored.
    Mapping,
    /// Rows are being read into the staging table (in the background for big files).
    Staging,
    /// Every row is checked; waiting for the user to confirm or cancel.
    Preview,
    /// Confirmed; the referrals are being created.
    Importing,
    Done,
    Cancelled,
    /// Gave up; nothing was saved.
    Failed,
}

impl UploadStatus {
    pub const ALL: [Self; 7] = [
        Self::Mapping,
        Self::Staging,
        Self::Preview,
        Self::Importing,
        Self::Done,
        Self::Cancelled,
        Self::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mapping => "mapping",
            Self::Staging => "staging",
            Self::Preview => "preview",
            Self::Importing => "importing",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Mapping => "Columns to map",
            Self::Staging => "Checking rows",
            Self::Preview => "Waiting for confirmation",
            Self::Importing => "Importing",
            Self::Done => "Imported",
            Self::Cancelled => "Cancelled",
            Self::Failed => "Failed, nothing saved",
        }
    }
}

/// An upload as stored.
#[derive(Debug, Clone, Queryable)]
pub struct Upload {
    pub id: i64,
    pub organisation_id: i64,
    pub uploaded_by: i64,
    pub on_behalf: bool,
    pub reporting_month: String,
    pub file_name: String,
    pub file_bytes: i64,
    pub encoding: String,
    pub delimiter: String,
    /// JSON array of the file's headers.
    pub headers: String,
    /// JSON array of column names (see `domain::upload::Mapping`).
    pub mapping: String,
    pub status: String,
    pub total_rows: i32,
    pub staged_rows: i32,
    pub count_new: i32,
    pub count_customer: i32,
    pub count_already: i32,
    pub count_repeat: i32,
    pub count_invalid: i32,
    pub count_warning: i32,
    pub message: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

impl Upload {
    pub fn status(&self) -> Option<UploadStatus> {
        UploadStatus::parse(&self.status)
    }
}

/// A new upload.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = uploads)]
pub struct NewUpload {
    pub organisation_id: i64,
    pub uploaded_by: i64,
    pub on_behalf: bool,
    pub reporting_month: String,
    pub file_name: String,
    pub file_bytes: i64,
    pub encoding: String,
    pub delimiter: String,
    pub headers: String,
    pub mapping: String,
    pub status: String,
    pub total_rows: i32,
    pub staged_rows: i32,
    pub count_new: i32,
    pub count_customer: i32,
    pub count_already: i32,
    pub count_repeat: i32,
    pub count_invalid: i32,
    pub count_warning: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores an upload and its decoded file.
pub fn insert(conn: &mut AnyConnection, new: &NewUpload, content: &str) -> QueryResult<Upload> {
    let upload: Upload = diesel::insert_into(uploads::table)
        .values(new)
        .returning(uploads::all_columns)
        .get_result(conn)?;
    diesel::insert_into(upload_files::table)
        .values((
            upload_files::upload_id.eq(upload.id),
            upload_files::content.eq(content),
        ))
        .execute(conn)?;
    Ok(upload)
}

/// An upload, if it exists and (for a partner, `org` set) belongs to that organisation.
pub fn find(conn: &mut AnyConnection, id: i64, org: Option<i64>) -> QueryResult<Option<Upload>> {
    let mut query = uploads::table.find(id).into_boxed();
    if let Some(org) = org {
        query = query.filter(uploads::organisation_id.eq(org));
    }
    query.first(conn).optional()
}

/// A line of the upload history.
#[derive(Debug, Clone, Queryable)]
pub struct UploadListRow {
    pub upload: Upload,
    pub organisation: String,
    pub uploader: String,
}

/// Uploads newest first: one organisation's, or (with `None`) everyone's.
pub fn list(
    conn: &mut AnyConnection,
    org: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<UploadListRow>> {
    let mut query = uploads::table
        .inner_join(organisations::table)
        .inner_join(users::table.on(users::id.eq(uploads::uploaded_by)))
        .select((
            uploads::all_columns,
            organisations::name,
            users::display_name,
        ))
        .order(uploads::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(org) = org {
        query = query.filter(uploads::organisation_id.eq(org));
    }
    query.load(conn)
}

/// The decoded file, while it is kept.
pub fn content(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<String>> {
    upload_files::table
        .find(id)
        .select(upload_files::content)
        .first(conn)
        .optional()
}

/// Forgets the file once its rows are imported or the upload is cancelled.
pub fn drop_content(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::delete(upload_files::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// Moves an upload from one of `from` to `to`; false when it was in another status.
pub fn transition(
    conn: &mut AnyConnection,
    id: i64,
    from: &[UploadStatus],
    to: UploadStatus,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let now = db_time(now);
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let finished = matches!(
        to,
        UploadStatus::Done | UploadStatus::Cancelled | UploadStatus::Failed
    )
    .then_some(now);
    let confirmed = (to == UploadStatus::Importing).then_some(now);
    let changed = diesel::update(uploads::table.find(id).filter(uploads::status.eq_any(from)))
        .set((
            uploads::status.eq(to.as_str()),
            uploads::message.eq(message),
            uploads::updated_at.eq(now),
            uploads::finished_at.eq(finished),
        ))
        .execute(conn)?;
    if changed == 1
        && let Some(at) = confirmed
    {
        diesel::update(uploads::table.find(id))
            .set(uploads::confirmed_at.eq(at))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// Saves the mapping chosen for the file's columns.
pub fn set_mapping(conn: &mut AnyConnection, id: i64, mapping: &str) -> QueryResult<()> {
    diesel::update(uploads::table.find(id))
        .set(uploads::mapping.eq(mapping))
        .execute(conn)
        .map(|_| ())
}

/// Per outcome, how many rows an upload has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: i32,
    pub customer: i32,
    pub already: i32,
    pub repeat: i32,
    pub invalid: i32,
    pub warning: i32,
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.new += other.new;
        self.customer += other.customer;
        self.already += other.already;
        self.repeat += other.repeat;
        self.invalid += other.invalid;
        self.warning += other.warning;
    }
}

/// Records how far the rows are read or imported, and their counts so far.
pub fn set_progress(
    conn: &mut AnyConnection,
    id: i64,
    staged_rows: i32,
    counts: &Counts,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(uploads::table.find(id))
        .set((
            uploads::staged_rows.eq(staged_rows),
            uploads::count_new.eq(counts.new),
            uploads::count_customer.eq(counts.customer),
            uploads::count_already.eq(counts.already),
            uploads::count_repeat.eq(counts.repeat),
            uploads::count_invalid.eq(counts.invalid),
            uploads::count_warning.eq(counts.warning),
            uploads::updated_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A row of the file in the staging table.
#[derive(Debug, Clone, Queryable)]
pub struct UploadRow {
    pub id: i64,
    pub upload_id: i64,
    pub row_no: i32,
    pub line_no: i32,
    /// JSON array of the row's cells as read.
    pub cells: String,
    pub prospect: String,
    pub company: String,
    pub email: String,
    /// `new`, `customer`, `already`, `repeat` or `invalid`.
    pub outcome: String,
    /// Why (invalid fields, the repeated row), one reason per line.
    pub detail: String,
    /// Cleared values, one per line.
    pub warnings: String,
    pub referral_id: Option<i64>,
}

/// A row to stage.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = upload_rows)]
pub struct NewUploadRow {
    pub upload_id: i64,
    pub row_no: i32,
    pub line_no: i32,
    pub cells: String,
    pub prospect: String,
    pub company: String,
    pub email: String,
    pub outcome: String,
    pub detail: String,
    pub warnings: String,
}

/// Removes the staged rows (before reading the file again).
pub fn clear_rows(conn: &mut AnyConnection, upload_id: i64) -> QueryResult<()> {
    diesel::delete(upload_rows::table.filter(upload_rows::upload_id.eq(upload_id)))
        .execute(conn)
        .map(|_| ())
}

/// Stages rows with one multi-row insert per engine (the multi-engine connection cannot
/// express it).
pub fn insert_rows(conn: &mut AnyConnection, rows: &[NewUploadRow]) -> QueryResult<()> {
    // Stay well below SQLite's limit on bound values per statement.
    for chunk in rows.chunks(200) {
        match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(upload_rows::table)
                .values(chunk)
                .execute(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(upload_rows::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Which rows a page of the preview shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFilter {
    All,
    Outcome(&'static str),
    Warnings,
}

/// Rows after `after_row`, in file order, up to `limit`.
pub fn rows(
    conn: &mut AnyConnection,
    upload_id: i64,
    filter: RowFilter,
    after_row: i32,
    limit: i64,
) -> QueryResult<Vec<UploadRow>> {
    let mut query = upload_rows::table
        .filter(upload_rows::upload_id.eq(upload_id))
        .filter(upload_rows::row_no.gt(after_row))
        .order(upload_rows::row_no.asc())
        .limit(limit)
        .into_boxed();
    match filter {
        RowFilter::All => {}
        RowFilter::Outcome(outcome) => query = query.filter(upload_rows::outcome.eq(outcome)),
        RowFilter::Warnings => query = query.filter(upload_rows::warnings.ne("")),
    }
    query.load(conn)
}

/// Records what committing did to a row.
pub fn set_row_result(
    conn: &mut AnyConnection,
    row_id: i64,
    outcome: &str,
    detail: &str,
    warnings: &str,
    referral_id: Option<i64>,
) -> QueryResult<()> {
    diesel::update(upload_rows::table.find(row_id))
        .set((
            upload_rows::outcome.eq(outcome),
            upload_rows::detail.eq(detail),
            upload_rows::warnings.eq(warnings),
            upload_rows::referral_id.eq(referral_id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The mapping an organisation chose before, by header key.
pub fn remembered_mappings(
    conn: &mut AnyConnection,
    org: i64,
) -> QueryResult<Vec<(String, String)>> {
    upload_mappings::table
        .filter(upload_mappings::organisation_id.eq(org))
        .select((upload_mappings::header_key, upload_mappings::target))
        .load(conn)
}

/// Remembers that `header_key` means `target` (`""`: ignore) for the organisation.
pub fn remember_mapping(
    conn: &mut AnyConnection,
    org: i64,
    header_key: &str,
    target: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(
        upload_mappings::table
            .filter(upload_mappings::organisation_id.eq(org))
            .filter(upload_mappings::header_key.eq(header_key)),
    )
    .execute(conn)?;
    diesel::insert_into(upload_mappings::table)
        .values((
            upload_mappings::organisation_id.eq(org),
            upload_mappings::header_key.eq(header_key),
            upload_mappings::target.eq(target),
            upload_mappings::updated_at.eq(db_time(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What committing did to one staged row.
#[derive(Debug, Clone)]
pub struct RowResultUpdate {
    pub row_id: i64,
    pub outcome: &'static str,
    pub detail: String,
    pub warnings: String,
    pub referral_id: Option<i64>,
}

/// Records what committing did to many rows: one `UPDATE … FROM (VALUES …)` per 200 rows,
/// which both engines understand (their VALUES columns are named `column1`, `column2`, …).
pub fn set_row_results(conn: &mut AnyConnection, rows: &[RowResultUpdate]) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    for chunk in rows.chunks(200) {
        let values = (0..chunk.len())
            .map(|i| {
                let n = i * 5;
                format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE upload_rows SET outcome = v.column2, detail = v.column3, \
             warnings = v.column4, referral_id = v.column5 \
             FROM (VALUES {values}) AS v WHERE upload_rows.id = v.column1"
        );
        macro_rules! run {
            ($backend:ty, $c:expr) => {{
                let mut query = diesel::sql_query(&sql).into_boxed::<$backend>();
                for r in chunk {
                    query = query
                        .bind::<BigInt, _>(r.row_id)
                        .bind::<Text, _>(r.outcome)
                        .bind::<Text, _>(r.detail.as_str())
                        .bind::<Text, _>(r.warnings.as_str())
                        .bind::<Nullable<BigInt>, _>(r.referral_id);
                }
                query.execute($c)?
            }};
        }
        match conn {
            AnyConnection::Sqlite(c) => run!(diesel::sqlite::Sqlite, c),
            AnyConnection::Postgresql(c) => run!(diesel::pg::Pg, c),
        };
    }
    Ok(())
}
