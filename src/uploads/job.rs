//! The background job of big uploads: `stage` reads and checks the rows chunk by chunk;
//! `commit` imports the confirmed batch, hidden chunk by chunk, then shows it. Both may run
//! twice after a crash: staging starts again from the first row, a commit resumes after its
//! last saved chunk, and one that went through finds the upload done and does nothing.

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::UploadError;
use crate::db::AnyConnection;
use crate::db::jobs::{self, Job, NewJob};
use crate::db::uploads::{self, UploadStatus};
use crate::jobs::{JobContext, JobError, JobHandler};
use crate::pipeline::IntakeEnv;

/// The job kind.
pub const IMPORT_UPLOAD: &str = "import_upload";

/// Which half of the work a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Stage,
    Commit,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    upload_id: i64,
    step: Step,
}

/// Schedules a step of an upload, at most once per upload and step.
pub fn enqueue(
    conn: &mut AnyConnection,
    upload_id: i64,
    step: Step,
    now: DateTime<Utc>,
) -> Result<(), UploadError> {
    enqueue_at(conn, upload_id, step, now, now)
}

/// Schedules a step of an upload to run at `run_at`, at most once per upload and step.
pub fn enqueue_at(
    conn: &mut AnyConnection,
    upload_id: i64,
    step: Step,
    now: DateTime<Utc>,
    run_at: DateTime<Utc>,
) -> Result<(), UploadError> {
    let payload = serde_json::to_string(&Payload { upload_id, step })?;
    let key = match step {
        Step::Stage => format!("upload-stage:{upload_id}"),
        Step::Commit => format!("upload-commit:{upload_id}"),
    };
    jobs::enqueue(
        conn,
        &NewJob {
            kind: IMPORT_UPLOAD,
            payload,
            run_at,
            unique_key: Some(key),
            max_attempts: 3,
        },
        now,
    )?;
    Ok(())
}

/// Runs upload jobs. `link_base` is the absolute URL before the path (for the email link).
pub struct ImportUpload {
    pub link_base: String,
}

impl ImportUpload {
    /// Where the uploader follows the upload: the admin or the partner pages.
    fn link(&self, conn: &mut AnyConnection, upload_id: i64) -> Result<String, UploadError> {
        let on_behalf = uploads::find(conn, upload_id, None)?.is_some_and(|u| u.on_behalf);
        let area = if on_behalf { "admin" } else { "partner" };
        Ok(format!("{}/{area}/uploads/{upload_id}", self.link_base))
    }
}

fn job_error(e: UploadError) -> JobError {
    JobError::from_error(&e)
}

impl JobHandler for ImportUpload {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a Job) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let payload: Payload = serde_json::from_str(&job.payload)
                .map_err(|e| JobError(format!("bad upload job payload: {e}")))?;
            let now = ctx.clock.now();
            let link_base = self.link_base.clone();
            let handler = ImportUpload { link_base };
            ctx.db(move |conn| {
                match payload.step {
                    Step::Stage => {
                        super::stage(conn, payload.upload_id, now).map_err(job_error)?;
                    }
                    Step::Commit => {
                        let link = handler.link(conn, payload.upload_id).map_err(job_error)?;
                        let env = IntakeEnv {
                            now,
                            referral_link_base: String::new(),
                            client_addr: "background job".into(),
                            notify_submitter: false,
                        };
                        super::commit(
                            conn,
                            payload.upload_id,
                            UploadStatus::Importing,
                            &env,
                            &link,
                        )
                        .map_err(job_error)?;
                    }
                }
                Ok(())
            })
            .await
        })
    }

    fn gave_up<'a>(
        &'a self,
        ctx: &'a JobContext,
        job: &'a Job,
        error: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
                return;
            };
            tracing::error!(
                upload.id = payload.upload_id,
                error,
                "upload import gave up"
            );
            let now = ctx.clock.now();
            let _ = ctx
                .db(move |conn| super::gave_up(conn, payload.upload_id, now).map_err(job_error))
                .await;
        })
    }
}
