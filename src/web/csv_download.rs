//! What every CSV download shares: the response headers, and defusing cells a spreadsheet
//! would run as a formula.

use actix_web::HttpResponse;
use actix_web::http::header;

/// A CSV attachment named `file_name`.
pub fn csv_response(file_name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body)
}

/// Keeps a spreadsheet from reading a text cell as a formula by prefixing an apostrophe.
/// Only for text: amounts are written by the code and never start like a formula but for a
/// minus sign, which must stay a number.
pub fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}
