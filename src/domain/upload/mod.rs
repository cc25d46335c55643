//! Rules for the monthly referral upload, without I/O: reading the bytes a spreadsheet or CRM
//! wrote (encoding, delimiter, records), matching its headers to our fields, turning a row into
//! a [`RawReferral`](super::RawReferral), and spotting repeats inside one file.

mod columns;
mod decode;
mod records;
mod repeats;

pub use columns::{Column, MappedRow, Mapping, header_key, match_header, split_name};
pub use decode::{DecodeError, Decoded, FileEncoding, decode_file};
pub use records::{Delimiter, Record, RecordError, Records, detect_delimiter};
pub use repeats::InFileRepeats;

/// The headers of the template partners can download, in the order the cases use.
pub const TEMPLATE_HEADERS: [&str; 9] = [
    "referrer_email",
    "prospect_name",
    "prospect_email",
    "prospect_phone",
    "company",
    "company_website",
    "title",
    "relationship_context",
    "pain_opportunity",
];
