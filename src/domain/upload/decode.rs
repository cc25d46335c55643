//! Turns the uploaded bytes into text: UTF-8 with or without a byte-order mark, UTF-16 with a
//! mark (Excel's "Unicode text"), and otherwise the legacy encoding `chardetng` recognises
//! (Windows-1252 for western European Excel). A file that decodes only with replacement
//! characters is refused instead of being stored as mojibake.

use encoding_rs::{Encoding, UTF_8};

/// How the file was read, to tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileEncoding {
    Utf8,
    Utf8WithBom,
    Utf16,
    /// A legacy single- or multi-byte encoding, named as the WHATWG Encoding Standard does.
    Legacy(&'static Encoding),
}

impl FileEncoding {
    /// The name shown to the user and stored with the upload, e.g. `windows-1252`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8WithBom => "UTF-8 (with byte-order mark)",
            Self::Utf16 => "UTF-16",
            Self::Legacy(e) => e.name(),
        }
    }

    /// Whether the user should be told the file was not UTF-8.
    pub fn is_legacy(&self) -> bool {
        matches!(self, Self::Legacy(_))
    }
}

/// The file as text, without any byte-order mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: FileEncoding,
}

/// Why the bytes could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(
        "The file is not UTF-8 and its encoding could not be recognised: save it as \
         \"CSV UTF-8\" and upload it again"
    )]
    Unrecognised,
    #[error("This looks like a binary file (such as .xlsx), not CSV or TSV text")]
    Binary,
}

/// Decodes an uploaded file. Never returns text containing U+FFFD that was not in the file.
pub fn decode_file(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        if had_errors {
            return Err(DecodeError::Unrecognised);
        }
        let kind = if encoding == UTF_8 {
            FileEncoding::Utf8WithBom
        } else {
            FileEncoding::Utf16
        };
        return finish(text.into_owned(), kind);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return finish(text.to_owned(), FileEncoding::Utf8);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(None, false);
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors || encoding == UTF_8 {
        return Err(DecodeError::Unrecognised);
    }
    finish(text.into_owned(), FileEncoding::Legacy(encoding))
}

fn finish(text: String, encoding: FileEncoding) -> Result<Decoded, DecodeError> {
    if text.contains('\0') {
        return Err(DecodeError::Binary);
    }
    Ok(Decoded { text, encoding })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utf8_byte_order_mark_is_removed_and_reported() {
        let decoded = decode_file(b"\xEF\xBB\xBFreferrer_email;name\r\n").ok();
        let decoded = decoded.as_ref().map(|d| (d.text.as_str(), d.encoding));
        assert_eq!(
            decoded,
            Some(("referrer_email;name\r\n", FileEncoding::Utf8WithBom))
        );
    }

    #[test]
    fn windows_1252_text_is_recognised_and_decoded_without_replacement_characters() {
        let bytes =
            b"name,pain\r\n\xC9mile Faure,Budget approx. \x8025.000 \x93quoted\x94 \x96 \xB110\r\n\
                      \xDCnal Kaya,Gesch\xE4ftsf\xFChrer Au\xDFenhandel Cr\xE8me op\xE9rations\r\n";
        let decoded = decode_file(bytes).ok();
        let Some(decoded) = decoded else {
            panic!("the file should decode");
        };
        assert_eq!(decoded.encoding.label(), "windows-1252");
        assert!(decoded.text.contains("Émile Faure"));
        assert!(decoded.text.contains("€25.000 “quoted” – ±10"));
        assert!(
            decoded
                .text
                .contains("Ünal Kaya,Geschäftsführer Außenhandel Crème opérations")
        );
        assert!(!decoded.text.contains('\u{FFFD}'));
        assert!(
            !decoded
                .text
                .chars()
                .any(|c| ('\u{80}'..='\u{9F}').contains(&c))
        );
    }

    #[test]
    fn utf16_with_a_mark_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "a\tb\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode_file(&bytes).ok();
        assert_eq!(decoded.map(|d| d.text), Some("a\tb\r\n".to_owned()));
    }

    #[test]
    fn a_spreadsheet_archive_is_refused_as_binary() {
        assert_eq!(
            decode_file(b"PK\x03\x04\x00\x00\x08\x00").err(),
            Some(DecodeError::Binary)
        );
    }
}
