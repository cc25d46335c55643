//! The monthly upload as a process: accept a file (limits, encoding, dialect, headers), map
//! its columns, stage and check its rows (in the request, or chunk by chunk in a background
//! job for big files), then commit the whole batch in one transaction through the intake
//! pipeline, so it becomes visible at once or not at all.

mod accept;
mod commit;
mod job;
mod pause;
mod rows;
mod stage;

pub use accept::{CheckedFile, FileProblem, NewUploadRequest, check_file, create, save_mapping};
pub use commit::{Confirmed, commit, confirm, gave_up};
pub use job::{IMPORT_UPLOAD, ImportUpload, Step, enqueue};
pub use pause::PAUSE_VAR;
pub use rows::outcome_label;
pub use stage::stage;

use crate::mail::MailError;
use crate::pipeline::PipelineError;

/// Rows checked or written per transaction.
pub const CHUNK_ROWS: usize = 500;

/// A failure that is not the user's file.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("stored upload data is damaged: {0}")]
    Stored(#[from] serde_json::Error),
}
