//! What staging and committing share: who a row's referrer is, how a row is shown, and how an
//! outcome is written down.

use std::collections::HashMap;

use crate::db::accounts;
use crate::db::uploads::{Counts, Upload};
use diesel::QueryResult;

use crate::db::AnyConnection;
use crate::domain::text::clean_single_line;
use crate::domain::upload::MappedRow;
use crate::pipeline::{RowOutcome, RowResult, Submitter};

/// The users a row may name as its referrer: active users of the uploading organisation.
pub(super) struct Referrers {
    by_email: HashMap<String, i64>,
    organisation_id: i64,
    organisation: String,
    uploader: i64,
    on_behalf: bool,
}

impl Referrers {
    pub(super) fn load(conn: &mut AnyConnection, upload: &Upload) -> QueryResult<Self> {
        let organisation = accounts::organisation(conn, upload.organisation_id)?;
        let by_email = accounts::users_of_organisation(conn, upload.organisation_id)?
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.email.to_lowercase(), u.id))
            .collect();
        Ok(Self {
            by_email,
            organisation_id: upload.organisation_id,
            organisation: organisation.name,
            uploader: upload.uploaded_by,
            on_behalf: upload.on_behalf,
        })
    }

    /// The row's referrer: the named user, or the uploader when blank (not on an admin's
    /// upload). Anyone else makes the row invalid.
    pub(super) fn resolve(&self, raw: &str) -> Result<Submitter, String> {
        let email = clean_single_line(raw).to_lowercase();
        let user_id = if email.is_empty() {
            if self.on_behalf {
                return Err(
                    "Enter the referrer's email: an upload by an admin names the \
                            partner's user on every row"
                        .to_owned(),
                );
            }
            self.uploader
        } else {
            *self
                .by_email
                .get(&email)
                .ok_or_else(|| format!("{email} is not an active user of {}", self.organisation))?
        };
        Ok(Submitter {
            user_id,
            organisation_id: self.organisation_id,
        })
    }
}

/// Storage code of an outcome.
pub(super) fn outcome_code(outcome: &RowOutcome) -> &'static str {
    match outcome {
        RowOutcome::New => "new",
        RowOutcome::ExistingCustomer => "customer",
        RowOutcome::AlreadyReferred => "already",
        RowOutcome::Repeat(_) => "repeat",
        RowOutcome::Invalid(_) => "invalid",
    }
}

/// A label for an outcome code, as the preview and the report show it.
pub fn outcome_label(code: &str) -> &'static str {
    match code {
        "new" => "New",
        "customer" => "New, existing customer",
        "already" => "Already referred",
        "repeat" => "Repeat inside the file",
        "invalid" => "Invalid",
        _ => "Not checked yet",
    }
}

/// Why a row has its outcome, one reason per line. "Already referred" never says by whom.
pub(super) fn detail(outcome: &RowOutcome) -> String {
    match outcome {
        RowOutcome::New => String::new(),
        RowOutcome::ExistingCustomer => "The company is an existing customer".to_owned(),
        RowOutcome::AlreadyReferred => "This prospect has already been referred".to_owned(),
        RowOutcome::Repeat(0) => "Repeats an earlier row of this file".to_owned(),
        RowOutcome::Repeat(row) => format!("Repeats row {row} of this file"),
        RowOutcome::Invalid(errors) => errors
            .0
            .iter()
            .map(|(field, message)| format!("{}: {message}", field_label(field)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Cleared or doubtful values, one per line, with the value as it was in the file.
pub(super) fn warnings(result: &RowResult) -> String {
    result
        .warnings
        .iter()
        .map(|w| {
            format!(
                "{}: {} (the file said \"{}\"; the value was not kept)",
                field_label(w.field),
                w.message,
                w.raw_value
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn field_label(field: &str) -> &str {
    match field {
        "referrer_email" => "Referrer",
        "first_name" => "First name",
        "last_name" => "Last name",
        "email" => "Email",
        "phone" => "Phone",
        "title" => "Title",
        "company" => "Company",
        "website" => "Website",
        "country" => "Country",
        "relationship" => "Relationship",
        "strength" => "Strength",
        "pain" => "Pain or opportunity",
        "urgency" => "Urgency",
        "deal_size" => "Deal size",
        other => other,
    }
}

/// Adds a row's outcome to the counts.
pub(super) fn count(counts: &mut Counts, result: &RowResult) {
    match result.outcome {
        RowOutcome::New => counts.new += 1,
        RowOutcome::ExistingCustomer => counts.customer += 1,
        RowOutcome::AlreadyReferred => counts.already += 1,
        RowOutcome::Repeat(_) => counts.repeat += 1,
        RowOutcome::Invalid(_) => counts.invalid += 1,
    }
    if !result.warnings.is_empty() {
        counts.warning += 1;
    }
}

/// Name, company and email of a row, as the preview lists them.
pub(super) fn summary(row: &MappedRow) -> (String, String, String) {
    let name = clean_single_line(&format!("{} {}", row.raw.first_name, row.raw.last_name));
    (
        name,
        clean_single_line(&row.raw.company),
        clean_single_line(&row.raw.email),
    )
}
