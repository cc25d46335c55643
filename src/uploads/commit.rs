//! Committing an upload: every staged row goes through the intake pipeline again, a chunk per
//! short writing transaction, its referrals hidden until the last chunk is in; then one small
//! transaction shows the whole batch at once. After a crash the commit resumes after its last
//! chunk, or, when the job gives up, the hidden rows are removed: never a half batch. Two
//! uploads at once cannot both win (hidden rows already protect their prospects). One email
//! tells the uploader how it went.

use chrono::{DateTime, Utc};

use super::job::{self, Step};
use super::pause::{self, Phase};
use super::rows::{Referrers, count, detail, outcome_code, warnings};
use super::{CHUNK_ROWS, UploadError};
use crate::db::audit::{self, AuditEntry};
use crate::db::uploads::{self, Counts, RowFilter, RowResultUpdate, UploadStatus};
use crate::db::{AnyConnection, accounts, outbox, upload_staging, write_tx};
use crate::domain::ProspectIdentity;
use crate::domain::upload::{MappedRow, Mapping};
use crate::mail::messages;
use crate::pipeline::{
    BatchRow, BatchState, IntakeEnv, IntakeSettings, UploadOrigin, publish_batch, submit_batch,
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

/// How long after a confirmation in the request the background job looks whether the
/// request finished the commit (it resumes it if the process died half-way).
const RESCUE_AFTER_MINUTES: i64 = 10;

/// Imports an upload that is in `from` (preview when confirmed in the request, importing for
/// the job). Returns false when it was in another state, so a repeat does nothing.
///
/// The rows are written in short transactions, a chunk at a time, hidden (other users'
/// requests go on between chunks); the batch becomes visible at once in a last small
/// transaction. A commit that stopped half-way resumes after its last saved chunk.
pub fn commit(
    conn: &mut AnyConnection,
    upload_id: i64,
    from: UploadStatus,
    env: &IntakeEnv,
    upload_link: &str,
) -> Result<bool, UploadError> {
    if from == UploadStatus::Preview {
        let claimed = write_tx(conn, |conn| {
            let moved = uploads::transition(
                conn,
                upload_id,
                &[UploadStatus::Preview],
                UploadStatus::Importing,
                None,
                env.now,
            )?;
            if moved {
                let later = env.now + chrono::Duration::minutes(RESCUE_AFTER_MINUTES);
                job::enqueue_at(conn, upload_id, Step::Commit, env.now, later)?;
            }
            Ok::<_, UploadError>(moved)
        })?;
        if !claimed {
            return Ok(false);
        }
    }
    match write_hidden(conn, upload_id, env) {
        Ok(Some(counts)) => publish(conn, upload_id, counts, env, upload_link),
        Ok(None) | Err(UploadError::Superseded) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The counts an interrupted commit had saved.
fn saved_counts(upload: &uploads::Upload) -> Counts {
    Counts {
        new: upload.count_new,
        customer: upload.count_customer,
        already: upload.count_already,
        repeat: upload.count_repeat,
        invalid: upload.count_invalid,
        warning: upload.count_warning,
    }
}

/// The identities of the rows an interrupted commit already created, so later rows repeating
/// them still name the right row.
fn written_so_far(conn: &mut AnyConnection, upload_id: i64) -> Result<BatchState, UploadError> {
    let mut state = BatchState::default();
    for (row_no, email_key, phone_key, name_key, company_domain, company_normalised) in
        upload_staging::written_rows(conn, upload_id)?
    {
        let identity = ProspectIdentity {
            email_key,
            phone_key,
            name_key,
            company_domain,
            company_normalised,
        };
        state
            .seen
            .remember(&identity, u64::try_from(row_no).unwrap_or(0));
    }
    Ok(state)
}

/// Writes the rows not yet committed, one transaction per chunk, hidden. Returns the counts,
/// or `None` when the upload is not importing.
fn write_hidden(
    conn: &mut AnyConnection,
    upload_id: i64,
    env: &IntakeEnv,
) -> Result<Option<Counts>, UploadError> {
    let Some(upload) = uploads::find(conn, upload_id, None)? else {
        return Ok(None);
    };
    if upload.status() != Some(UploadStatus::Importing) {
        return Ok(None);
    }
    let mapping = Mapping::from_names(&serde_json::from_str::<Vec<String>>(&upload.mapping)?);
    let settings = IntakeSettings::load(conn, upload.organisation_id)?;
    let referrers = Referrers::load(conn, &upload)?;
    let origin = UploadOrigin {
        upload_id,
        reporting_month: upload.reporting_month.clone(),
        uploaded_by: upload.uploaded_by,
    };
    let mut done = upload.committed_rows;
    let mut counts = if done > 0 {
        saved_counts(&upload)
    } else {
        Counts::default()
    };
    let mut batch_state = written_so_far(conn, upload_id)?;
    loop {
        let moved_to = write_tx(conn, |conn| {
            let staged = uploads::rows(conn, upload_id, RowFilter::All, done, CHUNK_ROWS as i64)?;
            let Some(last) = staged.last() else {
                return Ok(None);
            };
            let last = last.row_no;
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
            // Someone else (another process resuming the same commit, or the job giving up)
            // moved the upload meanwhile: this chunk is rolled back.
            if !upload_staging::advance(conn, upload_id, done, last, &counts, env.now)? {
                return Err(UploadError::Superseded);
            }
            Ok(Some(last))
        })?;
        let Some(last) = moved_to else { break };
        done = last;
        pause::point(Phase::Commit, i64::from(done));
    }
    Ok(Some(counts))
}

/// Shows the written batch at once, marks the upload done and tells the uploader.
fn publish(
    conn: &mut AnyConnection,
    upload_id: i64,
    counts: Counts,
    env: &IntakeEnv,
    upload_link: &str,
) -> Result<bool, UploadError> {
    write_tx(conn, |conn| {
        let Some(upload) = uploads::find(conn, upload_id, None)? else {
            return Ok(false);
        };
        let settings = IntakeSettings::load(conn, upload.organisation_id)?;
        if !uploads::transition(
            conn,
            upload_id,
            &[UploadStatus::Importing],
            UploadStatus::Done,
            None,
            env.now,
        )? {
            return Ok(false);
        }
        publish_batch(conn, upload_id, &settings, env)?;
        uploads::set_progress(conn, upload_id, upload.total_rows, &counts, env.now)?;
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
            let removed = upload_staging::discard(conn, upload_id)?;
            uploads::drop_content(conn, upload_id)?;
            tracing::warn!(
                upload.id = upload_id,
                referrals = removed,
                "failed upload: its hidden referrals were removed"
            );
        }
        Ok(())
    })
}
