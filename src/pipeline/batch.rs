//! Intake of many rows at once, for the monthly upload: the same validation, protection check
//! and insert as the form, row after row inside the caller's writing transaction, plus the
//! read-only check the preview shows. A row repeating an earlier row of the same file is a
//! repeat, unless an earlier referral protects it: then it is "already referred" like the
//! first one (an existing referral wins over a repeat inside the file).

use chrono::{DateTime, Utc};

use super::{
    IntakeEnv, IntakeSettings, PipelineError, SimilarNames, Source, Submitter, UploadOrigin,
    create, find_protecting, record_conflict, serialise_intake,
};
use crate::db::{AnyConnection, referrals};
use crate::domain::upload::InFileRepeats;
use crate::domain::{
    self, FieldErrors, FieldWarning, IntakeMode, RawReferral, ValidReferral, identity_of,
};

/// One row of an upload, with whoever the row names as referrer.
pub struct BatchRow<'a> {
    /// Row number in the file (1 = first row after the header).
    pub row_no: u64,
    /// The referrer, or why the row's referrer cannot be used.
    pub submitter: Result<Submitter, String>,
    pub raw: &'a RawReferral,
}

/// What happens (preview) or happened (commit) to a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    New,
    /// New, and the company is an existing customer.
    ExistingCustomer,
    AlreadyReferred,
    /// Repeats the given earlier row of the same file.
    Repeat(u64),
    Invalid(FieldErrors),
}

/// A row's outcome, its warnings and (after commit) the referral it created.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub outcome: RowOutcome,
    pub warnings: Vec<FieldWarning>,
    pub referral_id: Option<i64>,
}

impl RowResult {
    fn invalid(errors: FieldErrors) -> Self {
        Self {
            outcome: RowOutcome::Invalid(errors),
            warnings: Vec::new(),
            referral_id: None,
        }
    }
}

fn validated(
    row: &BatchRow,
    settings: &IntakeSettings,
) -> Result<(Submitter, ValidReferral), RowResult> {
    let submitter = row.submitter.as_ref().map_err(|message| {
        let mut errors = FieldErrors::default();
        errors.push("referrer_email", message.clone());
        RowResult::invalid(errors)
    });
    let valid = domain::validate_referral(row.raw, IntakeMode::Upload, &settings.context())
        .map_err(RowResult::invalid);
    match (submitter, valid) {
        (Ok(s), Ok(v)) => Ok((*s, v)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(RowResult { outcome, .. }), Err(second)) => {
            let mut errors = match outcome {
                RowOutcome::Invalid(errors) => errors,
                _ => FieldErrors::default(),
            };
            if let RowOutcome::Invalid(more) = second.outcome {
                errors.0.extend(more.0);
            }
            Err(RowResult::invalid(errors))
        }
    }
}

/// What committing the row would do now, without writing anything. `seen` collects the
/// identities of the file's earlier new rows.
pub fn preview_row(
    conn: &mut AnyConnection,
    row: &BatchRow,
    settings: &IntakeSettings,
    now: DateTime<Utc>,
    seen: &mut InFileRepeats,
) -> Result<RowResult, PipelineError> {
    let (submitter, valid) = match validated(row, settings) {
        Ok(ok) => ok,
        Err(result) => return Ok(result),
    };
    let identity = identity_of(&valid);
    let outcome = if find_protecting(conn, &identity, submitter, now)?.is_some() {
        RowOutcome::AlreadyReferred
    } else if let Some(first) = seen.earlier(&identity) {
        RowOutcome::Repeat(first)
    } else {
        seen.remember(&identity, row.row_no);
        let customer = match &valid.company_domain {
            Some(domain) => referrals::customer_by_domain(conn, domain)?.is_some(),
            None => false,
        };
        if customer {
            RowOutcome::ExistingCustomer
        } else {
            RowOutcome::New
        }
    };
    Ok(RowResult {
        outcome,
        warnings: valid.warnings,
        referral_id: None,
    })
}

/// What one upload's commit carries from chunk to chunk; use one per writing transaction.
#[derive(Debug, Default)]
pub struct BatchState {
    /// Identities of the file's rows created so far.
    pub seen: InFileRepeats,
    pub similar: SimilarNames,
}

/// Submits rows of one upload. Call it inside a writing transaction ([`crate::db::write_tx`]):
/// the protection check and the inserts then happen at commit time, so two uploads at once
/// cannot both win. No email goes to the submitter; the upload sends one for the batch.
pub fn submit_batch(
    conn: &mut AnyConnection,
    rows: &[BatchRow],
    origin: &UploadOrigin,
    settings: &IntakeSettings,
    env: &IntakeEnv,
    state: &mut BatchState,
) -> Result<Vec<RowResult>, PipelineError> {
    let seen = &mut state.seen;
    serialise_intake(conn)?;
    let env = IntakeEnv {
        notify_submitter: false,
        ..env.clone()
    };
    let mut results = Vec::with_capacity(rows.len());
    for row in rows {
        let (submitter, valid) = match validated(row, settings) {
            Ok(ok) => ok,
            Err(result) => {
                results.push(result);
                continue;
            }
        };
        let identity = identity_of(&valid);
        let outcome = match find_protecting(conn, &identity, submitter, env.now)? {
            Some((earlier, _)) if earlier.upload_id == Some(origin.upload_id) => {
                RowOutcome::Repeat(seen.earlier(&identity).unwrap_or(0))
            }
            Some((earlier, reason)) => {
                record_conflict(
                    conn,
                    submitter,
                    row.raw,
                    IntakeMode::Upload,
                    &valid,
                    &earlier,
                    reason,
                    &env,
                )?;
                RowOutcome::AlreadyReferred
            }
            None => {
                let source = Source::Upload(origin, &mut state.similar);
                let referral = create(conn, submitter, &valid, &identity, settings, &env, source)?;
                seen.remember(&identity, row.row_no);
                results.push(RowResult {
                    outcome: if referral.existing_customer {
                        RowOutcome::ExistingCustomer
                    } else {
                        RowOutcome::New
                    },
                    warnings: valid.warnings,
                    referral_id: Some(referral.id),
                });
                continue;
            }
        };
        results.push(RowResult {
            outcome,
            warnings: valid.warnings,
            referral_id: None,
        });
    }
    Ok(results)
}
