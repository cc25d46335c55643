//! Intake of many rows at once, for the monthly upload: the same validation, protection check
//! and insert as the form, a chunk of rows at a time inside the caller's writing transaction,
//! plus the read-only check the preview shows. The checks are set-based — one look-up of the
//! chunk's keys, one of its customer domains — and the inserts multi-row, but every row is
//! decided exactly as the form decides one submission. A row repeating an earlier row of the
//! same file is a repeat, unless an earlier referral protects it: then it is "already
//! referred" like the first one (an existing referral wins over a repeat inside the file).

use chrono::{DateTime, Utc};

use super::protect::Protectors;
use super::{
    IntakeEnv, IntakeSettings, PipelineError, Prepared, SimilarNames, Submitter, UploadOrigin,
    auto_accept, prepare, record_conflict, serialise_intake,
};
use crate::db::audit::{self, AuditEntry};
use crate::db::intake_bulk::{self, NewEventRow, NewScoredReferral};
use crate::db::referrals::{self, Status};
use crate::db::upload_staging;
use crate::db::{AnyConnection, db_time};
use crate::domain::upload::InFileRepeats;
use crate::domain::{
    self, FieldErrors, FieldWarning, IntakeMode, ProspectIdentity, RawReferral, ValidReferral,
    identity_of,
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

/// A row that passed validation.
struct Checked {
    submitter: Submitter,
    valid: ValidReferral,
    identity: ProspectIdentity,
}

fn check_all(rows: &[BatchRow], settings: &IntakeSettings) -> Vec<Result<Checked, RowResult>> {
    rows.iter()
        .map(|row| {
            validated(row, settings).map(|(submitter, valid)| Checked {
                identity: identity_of(&valid),
                submitter,
                valid,
            })
        })
        .collect()
}

fn protectors_of(
    conn: &mut AnyConnection,
    checked: &[Result<Checked, RowResult>],
    now: DateTime<Utc>,
) -> Result<Protectors, PipelineError> {
    let valid = checked.iter().filter_map(|c| c.as_ref().ok());
    Ok(Protectors::load(
        conn,
        valid.map(|c| (&c.identity, c.submitter.organisation_id)),
        now,
    )?)
}

fn customer_domains_of(
    conn: &mut AnyConnection,
    checked: &[Result<Checked, RowResult>],
) -> Result<std::collections::HashSet<String>, PipelineError> {
    let mut domains: Vec<String> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok()?.valid.company_domain.clone())
        .collect();
    domains.sort_unstable();
    domains.dedup();
    Ok(intake_bulk::customer_domains(conn, &domains)?)
}

/// What committing these rows would do now, without writing anything. `seen` collects the
/// identities of the file's earlier new rows.
pub fn preview_chunk(
    conn: &mut AnyConnection,
    rows: &[BatchRow],
    settings: &IntakeSettings,
    now: DateTime<Utc>,
    seen: &mut InFileRepeats,
) -> Result<Vec<RowResult>, PipelineError> {
    let checked = check_all(rows, settings);
    let protectors = protectors_of(conn, &checked, now)?;
    let customers = customer_domains_of(conn, &checked)?;
    let mut results = Vec::with_capacity(rows.len());
    for (row, checked) in rows.iter().zip(checked) {
        let c = match checked {
            Ok(c) => c,
            Err(result) => {
                results.push(result);
                continue;
            }
        };
        let outcome = if protectors
            .first(&c.identity, c.submitter.organisation_id)
            .is_some()
        {
            RowOutcome::AlreadyReferred
        } else if let Some(first) = seen.earlier(&c.identity) {
            RowOutcome::Repeat(first)
        } else {
            seen.remember(&c.identity, row.row_no);
            let customer = c
                .valid
                .company_domain
                .as_ref()
                .is_some_and(|d| customers.contains(d));
            if customer {
                RowOutcome::ExistingCustomer
            } else {
                RowOutcome::New
            }
        };
        results.push(RowResult {
            outcome,
            warnings: c.valid.warnings,
            referral_id: None,
        });
    }
    Ok(results)
}

/// What one upload's commit carries from chunk to chunk.
#[derive(Debug, Default)]
pub struct BatchState {
    /// Identities of the file's rows created so far.
    pub seen: InFileRepeats,
}

/// Submits rows of one upload. Call it inside a writing transaction ([`crate::db::write_tx`]):
/// the protection check and the inserts then happen at commit time, so two uploads at once
/// cannot both win. The referrals are written hidden (`upload_pending`) — they protect their
/// prospects at once but nobody sees them, nothing is accepted, routed or mailed — until
/// [`publish_batch`] shows the whole batch. The conflicts the rows raise wait with them. No
/// email goes to the submitter; the upload sends one for the batch, and one audit entry
/// covers the referrals a chunk created.
pub fn submit_batch(
    conn: &mut AnyConnection,
    rows: &[BatchRow],
    origin: &UploadOrigin,
    settings: &IntakeSettings,
    env: &IntakeEnv,
    state: &mut BatchState,
) -> Result<Vec<RowResult>, PipelineError> {
    serialise_intake(conn)?;
    let checked = check_all(rows, settings);
    let protectors = protectors_of(conn, &checked, env.now)?;
    let mut flags_cache = SimilarNames::new(customer_domains_of(conn, &checked)?);
    let seen = &mut state.seen;

    // Decide every row in file order; the new ones are inserted together afterwards.
    let mut results: Vec<Option<RowResult>> = Vec::with_capacity(rows.len());
    let mut created: Vec<(usize, Checked, Prepared)> = Vec::new();
    let mut conflicts: Vec<i64> = Vec::new();
    for (i, (row, checked)) in rows.iter().zip(checked).enumerate() {
        let c = match checked {
            Ok(c) => c,
            Err(result) => {
                results.push(Some(result));
                continue;
            }
        };
        let outcome = match protectors.first(&c.identity, c.submitter.organisation_id) {
            Some((earlier, _)) if earlier.upload_id == Some(origin.upload_id) => {
                RowOutcome::Repeat(seen.earlier(&c.identity).unwrap_or(0))
            }
            Some((earlier, reason)) => {
                let conflict = record_conflict(
                    conn,
                    c.submitter,
                    row.raw,
                    IntakeMode::Upload,
                    &c.valid,
                    earlier.id,
                    reason,
                    env,
                )?;
                conflicts.push(conflict);
                RowOutcome::AlreadyReferred
            }
            None => match seen.earlier(&c.identity) {
                Some(first) => RowOutcome::Repeat(first),
                None => {
                    seen.remember(&c.identity, row.row_no);
                    let prepared = prepare(
                        conn,
                        c.submitter,
                        &c.valid,
                        &c.identity,
                        settings,
                        env.now,
                        None,
                        Some(origin),
                        Some(&mut flags_cache),
                    )?;
                    results.push(None);
                    created.push((i, c, prepared));
                    continue;
                }
            },
        };
        results.push(Some(RowResult {
            outcome,
            warnings: c.valid.warnings,
            referral_id: None,
        }));
    }

    let new_rows: Vec<NewScoredReferral> = created
        .iter()
        .map(|(_, _, p)| NewScoredReferral {
            referral: p.new.clone(),
            score: Some(i32::from(p.score.value)),
            score_reasons: p
                .score
                .reasons
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            upload_pending: true,
        })
        .collect();
    let ids = intake_bulk::insert_referrals(conn, &new_rows)?;
    upload_staging::hold_conflicts(conn, origin.upload_id, &conflicts)?;
    let at = db_time(env.now);
    let mut events = Vec::with_capacity(created.len());
    for ((_, c, p), &id) in created.iter().zip(&ids) {
        events.push(NewEventRow {
            referral_id: id,
            actor_user_id: Some(c.submitter.user_id),
            kind: "submitted",
            from_status: None,
            to_status: Some(Status::Submitted.as_str()),
            note: None,
            created_at: at,
            shared_with_partner: true,
        });
        events.extend(p.notes.iter().map(|note| NewEventRow {
            referral_id: id,
            actor_user_id: None,
            kind: "flag",
            from_status: None,
            to_status: None,
            note: Some(note.clone()),
            created_at: at,
            shared_with_partner: false,
        }));
    }
    intake_bulk::insert_events(conn, &events)?;
    if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(origin.uploaded_by),
                action: "referrals_submitted",
                object_type: "upload",
                object_id: Some(origin.upload_id.to_string()),
                client_addr: Some(&env.client_addr),
                detail: Some(format!(
                    "{} referrals created, ids {first} to {last}",
                    ids.len()
                )),
            },
            env.now,
        )?;
        tracing::info!(
            upload.id = origin.upload_id,
            referrals = ids.len(),
            "upload referrals submitted"
        );
    }

    for ((i, c, p), &id) in created.into_iter().zip(&ids) {
        results[i] = Some(RowResult {
            outcome: if p.new.existing_customer {
                RowOutcome::ExistingCustomer
            } else {
                RowOutcome::New
            },
            warnings: c.valid.warnings,
            referral_id: Some(id),
        });
    }
    Ok(results.into_iter().flatten().collect())
}

/// Shows the hidden batch of `upload_id` (inside the caller's writing transaction) and runs
/// what the form does right after a submission: auto-accept above the threshold, which
/// routes the referral to a rep. Returns how many referrals became visible.
pub fn publish_batch(
    conn: &mut AnyConnection,
    upload_id: i64,
    settings: &IntakeSettings,
    env: &IntakeEnv,
) -> Result<usize, PipelineError> {
    let shown = upload_staging::publish(conn, upload_id)?;
    let mut accepted_for = std::collections::BTreeSet::new();
    if let Some(threshold) = settings.auto_accept_score {
        for &(id, score) in &shown {
            let Some(score) = score.and_then(|s| u8::try_from(s).ok()) else {
                continue;
            };
            if i64::from(score) >= threshold
                && let Some(referral) = referrals::find(conn, id)?
                && auto_accept(conn, &referral, score, env)?
            {
                accepted_for.insert(referral.organisation_id);
            }
        }
    }
    // Tiers count the batch's accepted referrals once per partner, not once per row.
    for organisation_id in accepted_for {
        crate::incentives::tiers::reevaluate(conn, organisation_id, env.now)?;
    }
    Ok(shown.len())
}
