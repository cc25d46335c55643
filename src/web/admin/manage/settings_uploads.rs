//! The upload limits on the settings page: most rows, largest file, and the size from which
//! a file is checked and imported in the background. A blank field means the documented
//! default.

use crate::db::settings::UploadLimits;
use crate::web::forms::Errors;

/// Bounds an admin may choose within.
const MAX_ROWS_RANGE: (i64, i64) = (1, 1_000_000);
const MAX_BYTES_RANGE: (i64, i64) = (256, 512 * 1024 * 1024);

/// The three fields as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct UploadLimitsForm {
    #[serde(default)]
    pub upload_max_rows: String,
    #[serde(default)]
    pub upload_max_bytes: String,
    #[serde(default)]
    pub upload_background_rows: String,
}

impl From<&UploadLimits> for UploadLimitsForm {
    fn from(l: &UploadLimits) -> Self {
        Self {
            upload_max_rows: l.max_rows.to_string(),
            upload_max_bytes: l.max_bytes.to_string(),
            upload_background_rows: l.background_rows.to_string(),
        }
    }
}

fn whole(
    errors: &mut Errors,
    field: &str,
    raw: &str,
    default: i64,
    (low, high): (i64, i64),
) -> Option<i64> {
    let raw: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' '))
        .collect();
    if raw.is_empty() {
        return Some(default);
    }
    match raw.parse::<i64>() {
        Ok(n) if (low..=high).contains(&n) => Some(n),
        _ => {
            errors.add(field, format!("Enter a whole number from {low} to {high}"));
            None
        }
    }
}

/// Checks the limits; errors go next to their field.
pub fn validate(form: &UploadLimitsForm, errors: &mut Errors) -> Option<UploadLimits> {
    let defaults = UploadLimits::default();
    let max_rows = whole(
        errors,
        "upload_max_rows",
        &form.upload_max_rows,
        defaults.max_rows,
        MAX_ROWS_RANGE,
    );
    let max_bytes = whole(
        errors,
        "upload_max_bytes",
        &form.upload_max_bytes,
        defaults.max_bytes,
        MAX_BYTES_RANGE,
    );
    let background_rows = whole(
        errors,
        "upload_background_rows",
        &form.upload_background_rows,
        defaults.background_rows,
        MAX_ROWS_RANGE,
    );
    Some(UploadLimits {
        max_rows: max_rows?,
        max_bytes: max_bytes?,
        background_rows: background_rows?,
    })
}

/// The changes for the audit log.
pub fn describe(old: &UploadLimits, new: &UploadLimits, changes: &mut Vec<String>) {
    for (name, a, b) in [
        ("upload row limit", old.max_rows, new.max_rows),
        ("upload size limit (bytes)", old.max_bytes, new.max_bytes),
        (
            "background upload threshold (rows)",
            old.background_rows,
            new.background_rows,
        ),
    ] {
        if a != b {
            changes.push(format!("{name} {a} → {b}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_limits_fall_back_to_the_documented_defaults() {
        let mut errors = Errors::new();
        let limits = validate(&UploadLimitsForm::default(), &mut errors);
        assert_eq!(limits, Some(UploadLimits::default()));
        assert_eq!(
            limits.map(|l| (l.max_rows, l.max_bytes, l.background_rows)),
            Some((50_000, 10_485_760, 1_000))
        );
    }

    #[test]
    fn limits_out_of_range_are_refused_next_to_their_field() {
        let mut errors = Errors::new();
        let form = UploadLimitsForm {
            upload_max_rows: "0".into(),
            upload_max_bytes: "ten".into(),
            upload_background_rows: "1,000".into(),
        };
        assert_eq!(validate(&form, &mut errors), None);
        assert!(errors.has("upload_max_rows"));
        assert!(errors.has("upload_max_bytes"));
        assert!(!errors.has("upload_background_rows"));
    }
}
