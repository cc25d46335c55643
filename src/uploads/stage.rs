//! Staging: the file's rows go into the staging table chunk by chunk, each checked as a commit
//! would treat it now (read-only), with progress and counts updated per chunk. Checks run
//! outside the writing transactions, so staging a big file never holds the write lock for
//! long. A staging that stopped half-way starts again from the first row.

use chrono::{DateTime, Utc};

use super::pause::{self, Phase};
use super::rows::{Referrers, count, detail, outcome_code, summary, warnings};
use super::{CHUNK_ROWS, UploadError};
use crate::db::uploads::{self, Counts, NewUploadRow, Upload, UploadStatus};
use crate::db::{AnyConnection, write_tx};
use crate::domain::upload::{Delimiter, InFileRepeats, MappedRow, Mapping, Record, Records};
use crate::pipeline::{BatchRow, IntakeSettings, preview_chunk};

/// Reads and checks every row of an upload that is staging; returns false when the upload
/// was not (or stopped being) in that state, e.g. cancelled meanwhile.
pub fn stage(
    conn: &mut AnyConnection,
    upload_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, UploadError> {
    let Some(upload) = uploads::find(conn, upload_id, None)? else {
        return Ok(false);
    };
    if upload.status() != Some(UploadStatus::Staging) {
        return Ok(false);
    }
    let Some(text) = uploads::content(conn, upload_id)? else {
        return Ok(false);
    };
    let mapping = Mapping::from_names(&serde_json::from_str::<Vec<String>>(&upload.mapping)?);
    let delimiter = Delimiter::parse(&upload.delimiter).unwrap_or(Delimiter::Comma);
    let settings = IntakeSettings::load(conn, upload.organisation_id)?;
    let referrers = Referrers::load(conn, &upload)?;
    write_tx(conn, |conn| {
        uploads::clear_rows(conn, upload_id)?;
        uploads::set_progress(conn, upload_id, 0, &Counts::default(), now)
    })?;

    let mut seen = InFileRepeats::new();
    let mut counts = Counts::default();
    let mut staged = 0i32;
    let mut chunk: Vec<Record> = Vec::with_capacity(CHUNK_ROWS);
    let mut records = Records::new(&text, delimiter)
        .skip(1)
        .filter_map(Result::ok);
    loop {
        chunk.clear();
        chunk.extend(records.by_ref().take(CHUNK_ROWS));
        if chunk.is_empty() {
            break;
        }
        let ctx = ChunkCtx {
            upload: &upload,
            mapping: &mapping,
            settings: &settings,
            referrers: &referrers,
            now,
        };
        let new_rows = check_chunk(conn, &ctx, staged, &chunk, &mut seen, &mut counts)?;
        staged += i32::try_from(chunk.len()).unwrap_or(i32::MAX);
        let still_staging = write_tx(conn, |conn| {
            let current = uploads::find(conn, upload_id, None)?;
            if current.and_then(|u| u.status()) != Some(UploadStatus::Staging) {
                return Ok::<_, UploadError>(false);
            }
            uploads::insert_rows(conn, &new_rows)?;
            uploads::set_progress(conn, upload_id, staged, &counts, now)?;
            Ok(true)
        })?;
        if !still_staging {
            return Ok(false);
        }
        pause::point(Phase::Stage, i64::from(staged));
    }
    let moved = write_tx(conn, |conn| {
        uploads::set_progress(conn, upload_id, staged, &counts, now)?;
        uploads::transition(
            conn,
            upload_id,
            &[UploadStatus::Staging],
            UploadStatus::Preview,
            None,
            now,
        )
    })?;
    tracing::info!(upload.id = upload_id, rows = staged, "upload checked");
    Ok(moved)
}

struct ChunkCtx<'a> {
    upload: &'a Upload,
    mapping: &'a Mapping,
    settings: &'a IntakeSettings,
    referrers: &'a Referrers,
    now: DateTime<Utc>,
}

/// Checks a chunk of records whose first is row `before + 1`, as a commit would now.
fn check_chunk(
    conn: &mut AnyConnection,
    ctx: &ChunkCtx,
    before: i32,
    records: &[Record],
    seen: &mut InFileRepeats,
    counts: &mut Counts,
) -> Result<Vec<NewUploadRow>, UploadError> {
    let mapped: Vec<MappedRow> = records
        .iter()
        .map(|r| ctx.mapping.apply(&r.cells))
        .collect();
    let rows: Vec<BatchRow> = mapped
        .iter()
        .zip(before + 1..)
        .map(|(m, row_no)| BatchRow {
            row_no: u64::try_from(row_no).unwrap_or(0),
            submitter: ctx.referrers.resolve(&m.referrer_email),
            raw: &m.raw,
        })
        .collect();
    let results = preview_chunk(conn, &rows, ctx.settings, ctx.now, seen)?;
    records
        .iter()
        .zip(&mapped)
        .zip(&results)
        .zip(before + 1..)
        .map(|(((record, mapped), result), row_no)| {
            count(counts, result);
            let (prospect, company, email) = summary(mapped);
            Ok(NewUploadRow {
                upload_id: ctx.upload.id,
                row_no,
                line_no: i32::try_from(record.line).unwrap_or(i32::MAX),
                cells: serde_json::to_string(&record.cells)?,
                prospect,
                company,
                email,
                outcome: outcome_code(&result.outcome).to_owned(),
                detail: detail(&result.outcome),
                warnings: warnings(result),
            })
        })
        .collect()
}
