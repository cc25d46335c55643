//! Accepting a file: the limits, the encoding and delimiter, the header, and the first guess
//! of the column mapping (our names, CRM export names, and what the organisation chose before).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::UploadError;
use crate::db::settings::UploadLimits;
use crate::db::uploads::{self, NewUpload, Upload, UploadStatus};
use crate::db::{AnyConnection, db_time, write_tx};
use crate::domain::upload::{
    Column, DecodeError, Delimiter, FileEncoding, Mapping, Records, decode_file, detect_delimiter,
    header_key, match_header,
};

/// Why a file is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("The file is larger than the limit of {limit} bytes. Split it into smaller files.")]
    TooBig { limit: i64 },
    #[error("{0}")]
    NotText(DecodeError),
    #[error("0 referrals found: the file has a header row but no rows below it.")]
    NoRows,
    #[error("The file is empty.")]
    Empty,
    #[error(
        "The file has {found} rows, more than the limit of {limit}. Nothing was imported: \
         split it into files of at most {limit} rows."
    )]
    TooManyRows { limit: i64, found: u64 },
    #[error("Row starting on line {line} could not be read: {message}")]
    Unreadable { line: u64, message: String },
}

/// A file that passed the checks, as text.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub text: String,
    pub encoding: FileEncoding,
    pub delimiter: Delimiter,
    pub headers: Vec<String>,
    pub total_rows: u64,
}

/// Decodes the file, finds its delimiter and header, and counts its rows against the limit.
pub fn check_file(bytes: &[u8], limits: &UploadLimits) -> Result<CheckedFile, FileProblem> {
    if i64::try_from(bytes.len()).unwrap_or(i64::MAX) > limits.max_bytes {
        return Err(FileProblem::TooBig {
            limit: limits.max_bytes,
        });
    }
    let decoded = decode_file(bytes).map_err(FileProblem::NotText)?;
    let delimiter = detect_delimiter(&decoded.text);
    let mut records = Records::new(&decoded.text, delimiter);
    let headers = match records.next() {
        None => return Err(FileProblem::Empty),
        Some(Err(e)) => {
            return Err(FileProblem::Unreadable {
                line: e.line,
                message: e.message,
            });
        }
        Some(Ok(header)) => header
            .cells
            .iter()
            .map(|h| crate::domain::text::clean_single_line(h))
            .collect(),
    };
    let mut total_rows = 0u64;
    for record in records {
        if let Err(e) = record {
            return Err(FileProblem::Unreadable {
                line: e.line,
                message: e.message,
            });
        }
        total_rows += 1;
    }
    if total_rows == 0 {
        return Err(FileProblem::NoRows);
    }
    if i64::try_from(total_rows).unwrap_or(i64::MAX) > limits.max_rows {
        return Err(FileProblem::TooManyRows {
            limit: limits.max_rows,
            found: total_rows,
        });
    }
    Ok(CheckedFile {
        encoding: decoded.encoding,
        text: decoded.text,
        delimiter,
        headers,
        total_rows,
    })
}

/// Who uploads what, for which organisation and month.
#[derive(Debug, Clone)]
pub struct NewUploadRequest {
    pub organisation_id: i64,
    pub uploaded_by: i64,
    /// An admin uploading for the partner.
    pub on_behalf: bool,
    /// `YYYY-MM`.
    pub reporting_month: String,
    pub file_name: String,
    pub file_bytes: i64,
}

/// The first mapping: what the organisation chose before for a header, else the header's
/// known meaning. Returns the mapping and whether every column is decided.
fn guess_mapping(headers: &[String], remembered: &HashMap<String, String>) -> (Mapping, bool) {
    let mut mapping = Vec::with_capacity(headers.len());
    let mut decided = true;
    for header in headers {
        let key = header_key(header);
        let guess = match remembered.get(&key) {
            Some(target) => Column::parse(target),
            None => {
                let known = match_header(header);
                if known.is_none() && !key.is_empty() {
                    decided = false;
                }
                known
            }
        };
        // A second column with the same meaning waits for the user.
        if guess.is_some() && mapping.contains(&guess) {
            decided = false;
            mapping.push(None);
        } else {
            mapping.push(guess);
        }
    }
    let mapping = Mapping(mapping);
    let decided = decided && mapping.problems().is_empty();
    (mapping, decided)
}

/// Stores the upload with its file. It waits on the mapping step when a column is unknown,
/// else it goes straight to staging.
pub fn create(
    conn: &mut AnyConnection,
    request: &NewUploadRequest,
    file: &CheckedFile,
    now: DateTime<Utc>,
) -> Result<Upload, UploadError> {
    let remembered: HashMap<String, String> =
        uploads::remembered_mappings(conn, request.organisation_id)?
            .into_iter()
            .collect();
    let (mapping, decided) = guess_mapping(&file.headers, &remembered);
    let status = if decided {
        UploadStatus::Staging
    } else {
        UploadStatus::Mapping
    };
    let now_db = db_time(now);
    let new = NewUpload {
        organisation_id: request.organisation_id,
        uploaded_by: request.uploaded_by,
        on_behalf: request.on_behalf,
        reporting_month: request.reporting_month.clone(),
        file_name: request.file_name.clone(),
        file_bytes: request.file_bytes,
        encoding: file.encoding.label().to_owned(),
        delimiter: file.delimiter.label().to_owned(),
        headers: serde_json::to_string(&file.headers)?,
        mapping: serde_json::to_string(&mapping.to_names())?,
        status: status.as_str().to_owned(),
        total_rows: i32::try_from(file.total_rows).unwrap_or(i32::MAX),
        staged_rows: 0,
        count_new: 0,
        count_customer: 0,
        count_already: 0,
        count_repeat: 0,
        count_invalid: 0,
        count_warning: 0,
        created_at: now_db,
        updated_at: now_db,
    };
    write_tx(conn, |conn| Ok(uploads::insert(conn, &new, &file.text)?))
}

/// Saves the user's mapping, remembers it for the organisation's next files, and moves the
/// upload on to staging. Returns the mapping's problems instead when it cannot be used.
pub fn save_mapping(
    conn: &mut AnyConnection,
    upload: &Upload,
    mapping: &Mapping,
    now: DateTime<Utc>,
) -> Result<Vec<String>, UploadError> {
    let problems = mapping.problems();
    if !problems.is_empty() {
        return Ok(problems);
    }
    let headers: Vec<String> = serde_json::from_str(&upload.headers)?;
    let names = mapping.to_names();
    write_tx(conn, |conn| {
        let moved = uploads::transition(
            conn,
            upload.id,
            &[UploadStatus::Mapping],
            UploadStatus::Staging,
            None,
            now,
        )?;
        if !moved {
            return Ok(vec![
                "This upload is no longer waiting for its columns".to_owned(),
            ]);
        }
        uploads::set_mapping(conn, upload.id, &serde_json::to_string(&names)?)?;
        for (header, target) in headers.iter().zip(&names) {
            let key = header_key(header);
            if !key.is_empty() {
                uploads::remember_mapping(conn, upload.organisation_id, &key, target, now)?;
            }
        }
        Ok(Vec::new())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rows: i64, bytes: i64) -> UploadLimits {
        UploadLimits {
            max_rows: rows,
            max_bytes: bytes,
            background_rows: 1000,
        }
    }

    #[test]
    fn the_row_limit_names_the_limit_and_the_count_found() {
        let file = b"company,email\nA,a@x.example\nB,b@x.example\nC,c@x.example\n";
        let problem = check_file(file, &limits(2, 1000)).err();
        assert_eq!(
            problem,
            Some(FileProblem::TooManyRows { limit: 2, found: 3 })
        );
        let message = problem.map(|p| p.to_string()).unwrap_or_default();
        assert!(message.contains("3 rows") && message.contains("limit of 2"));
        assert!(check_file(file, &limits(3, 1000)).is_ok());
    }

    #[test]
    fn a_header_only_file_says_no_referrals_were_found() {
        let problem = check_file(b"company,email\r\n", &limits(10, 1000)).err();
        assert_eq!(problem, Some(FileProblem::NoRows));
        assert!(
            problem
                .map(|p| p.to_string())
                .unwrap_or_default()
                .starts_with("0 referrals found")
        );
    }

    #[test]
    fn a_file_over_the_byte_limit_is_refused_before_it_is_read() {
        let problem = check_file(&[b'x'; 101], &limits(10, 100)).err();
        assert_eq!(problem, Some(FileProblem::TooBig { limit: 100 }));
    }

    #[test]
    fn remembered_choices_win_and_unknown_headers_wait_for_the_user() {
        let headers: Vec<String> = ["Company", "E-mail Address", "Full Name", "Lead Source"]
            .map(String::from)
            .to_vec();
        let (mapping, decided) = guess_mapping(&headers, &HashMap::new());
        assert!(!decided);
        assert_eq!(mapping.0[3], None);
        let remembered = HashMap::from([("leadsource".to_owned(), String::new())]);
        let (mapping, decided) = guess_mapping(&headers, &remembered);
        assert!(decided, "{mapping:?}");
    }
}
