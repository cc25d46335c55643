//! Committing an upload: every staged row goes through the intake pipeline again, in one
//! writing transaction, so the batch becomes visible at once (or, after a crash, not at all)
//! and two uploads at once cannot both win. One email tells the uploader how it went.

use chrono::{DateTime, Utc};

use super::job::{self, Step};
use super::pause::{self, Phase};
use super::rows::{Referrers, count, detail, outcome_code, warnings};
use super::{CHUNK_ROWS, UploadError};
use crate::db::audit::{self, AuditEntry};
use crate::db::uploads::{self, Counts, RowFilter, RowResultUpdate, UploadStatus};
use crate::db::{AnyConnection, accounts, outbox, write_tx};
use crate::domain::upload::{MappedRow, Mapping};
use crate::mail::messages;
use crate::pipeline::{
    BatchRow, BatchState, IntakeEnv, IntakeSettings, UploadOrigin, submit_batch,
};

/// What confirming did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// Imported during the request.
    Imported,
    /// Handed to the background job.
    Queued,
    /// The upload was not waiting for confirmation (a second click, or cancelled).
    NotWaiting,
}

/// Confirms an upload in preview: small ones are imported at once, big ones (more rows than
/// `background_rows`) by the background job.
pub fn confirm(
    conn: &mut AnyConnection,
    upload_id: i64,
    background_rows: i64,
    env: &IntakeEnv,
    upload_link: &str,
) -> Result<Confirmed, UploadError> {
    let Some(upload) = uploads::find(conn, upload_id, None)? else {
        return Ok(Confirmed::NotWaiting);
    };
    if i64::from(upload.total_rows) <= background_rows {
        let done = commit(conn, upload_id, UploadStatus::Preview, env, upload_link)?;
        return Ok(if done {
            Confirmed::Imported
        } else {
            Confirmed::NotWaiting
        });
    }
    write_tx(conn, |conn| {
        let moved = uploads::transition(
            conn,
            upload_id,
            &[UploadStatus::Preview],
            UploadStatus::Importing,
            None,
            env.now,
        )?;
        if !moved {
            return Ok(Confirmed::NotWaiting);
        }
        job::enqueue(conn, upload_id, Step::Commit, env.now)?;
        Ok(Confirmed::Queued)
    })
}

/// Imports an upload that is in `from` (preview when confirmed in the request, importing for
/// the job). Returns false when it was in another state, so a repeat does nothing.
pub fn commit(
    conn: &mut AnyConnection,
    upload_id: i64,
    from: UploadStatus,
    env: &IntakeEnv,
    upload_link: &str,
) -> Result<bool, UploadError> {
    write_tx(conn, |conn| {
        let Some(upload) = uploads::find(conn, upload_id, None)? else {
            return Ok(false);
        };
        if upload.status() != Some(from) {
            return Ok(false);
        }
        let mapping = Mapping::from_names(&serde_json::from_str::<Vec<String>>(&upload.mapping)?);
        let settings = IntakeSettings::load(conn, upload.organisation_id)?;
        let referrers = Referrers::load(conn, &upload)?;
        let origin = UploadOrigin {
            upload_id,
            reporting_month: upload.reporting_month.clone(),
            uploaded_by: upload.uploaded_by,
        };
        let mut batch_state = BatchState::default();
        let mut counts = Counts::default();
        let mut after = 0;
        loop {
            let staged = uploads::rows(conn, upload_id, RowFilter::All, after, CHUNK_ROWS as i64)?;
            let Some(last) = staged.last() else { break };
            after = last.row_no;
            let mapped: Vec<MappedRow> = staged
                .iter()
                .map(|r| serde_json::from_str::<Vec<String>>(&r.cells).map(|c| mapping.apply(&c)))
                .collect::<Result<_, _>>()?;
            let batch: Vec<BatchRow> = staged
                .iter()
                .zip(&mapped)
                .map(|(r, m)| BatchRow {
                    row_no: u64::try_from(r.row_no).unwrap_or(0),
                    submitter: referrers.resolve(&m.referrer_email),
                    raw: &m.raw,
                })
                .collect();
            let results = submit_batch(conn, &batch, &origin, &settings, env, &mut batch_state)?;
            let updates: Vec<RowResultUpdate> = staged
                .iter()
                .zip(&results)
                .map(|(row, result)| {
                    count(&mut counts, result);
                    RowResultUpdate {
                        row_id: row.id,
                        outcome: outcome_code(&result.outcome),
                        detail: detail(&result.outcome),
                        warnings: warnings(result),
                        referral_id: result.referral_id,
                    }
                })
                .collect();
            uploads::set_row_results(conn, &updates)?;
            pause::point(Phase::Commit, i64::from(after));
        }
        uploads::set_progress(conn, upload_id, upload.total_rows, &counts, env.now)?;
        uploads::transition(conn, upload_id, &[from], UploadStatus::Done, None, env.now)?;
        uploads::drop_content(conn, upload_id)?;

        let uploader = accounts::user(conn, upload.uploaded_by)?;
        let mail = messages::upload_imported(
            &uploader.email,
            &messages::UploadImported {
                recipient_name: uploader.display_name,
                file_name: upload.file_name.clone(),
                reporting_month: upload.reporting_month.clone(),
                total: upload.total_rows,
                created: counts.new + counts.customer,
                customers: counts.customer,
                already: counts.already,
                repeats: counts.repeat,
                invalid: counts.invalid,
                warnings: counts.warning,
                link: upload_link.to_owned(),
            },
        )?;
        outbox::enqueue(conn, &mail, env.now)?;
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(upload.uploaded_by),
                action: "upload_imported",
                object_type: "upload",
                object_id: Some(upload_id.to_string()),
                client_addr: Some(&env.client_addr),
                detail: Some(format!(
                    "{} rows: {} new, {} already referred, {} repeats, {} invalid",
                    upload.total_rows,
                    counts.new + counts.customer,
                    counts.already,
                    counts.repeat,
                    counts.invalid
                )),
            },
            env.now,
        )?;
        tracing::info!(
            upload.id = upload_id,
            partner.id = upload.organisation_id,
            created = counts.new + counts.customer,
            "upload imported"
        );
        Ok(true)
    })
}

/// After the job's last attempt failed: the upload is marked failed, with nothing saved.
pub fn gave_up(
    conn: &mut AnyConnection,
    upload_id: i64,
    now: DateTime<Utc>,
) -> Result<(), UploadError> {
    write_tx(conn, |conn| {
        let moved = uploads::transition(
            conn,
            upload_id,
            &[UploadStatus::Staging, UploadStatus::Importing],
            UploadStatus::Failed,
            Some("The import stopped and nothing was saved. Please upload the file again."),
            now,
        )?;
        if moved {
            uploads::drop_content(conn, upload_id)?;
        }
        Ok(())
    })
}
