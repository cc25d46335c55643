//! Phone numbers normalised to E.164 with the `phonenumber` crate, including spreadsheet damage.
//!
//! A number is accepted when it parses and has a *possible* length for its
//! country. It is deliberately not required to be *valid* (allocated), so
//! fictional ranges such as Ofcom's 07700 900xxx or the US 555-01xx block
//! still work in demos and tests.

use phonenumber::metadata::DATABASE;
use phonenumber::{Metadata, Mode, PhoneNumber, country};

use super::text::trim_field;

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing was entered.
    #[error("Enter a phone number")]
    Empty,
    /// A spreadsheet turned the number into something like `4.47701E+11`; digits are lost.
    #[error("This phone number was damaged by a spreadsheet; enter it again in full")]
    ScientificNotation,
    /// The text does not contain a phone number.
    #[error("Enter a valid phone number")]
    NotANumber,
    /// The number has no country code and no country to assume one from.
    #[error("Add the country code to the phone number, like +44")]
    MissingCountry,
    /// The number has the wrong number of digits for its country.
    #[error("This phone number has the wrong number of digits")]
    WrongLength,
}

/// Normalises `raw` to E.164 (`+447700900123`).
///
/// `country` is the referral's ISO 3166-1 alpha-2 code when known; otherwise
/// `default_country` (the organisation's) is used for numbers written without
/// a `+` country code. Extensions are accepted but not kept.
pub fn normalise_phone(
    raw: &str,
    country: Option<&str>,
    default_country: &str,
) -> Result<String, PhoneError> {
    let trimmed = trim_field(raw);
    if trimmed.is_empty() {
        return Err(PhoneError::Empty);
    }
    if looks_scientific(trimmed) {
        return Err(PhoneError::ScientificNotation);
    }
    let cleaned = prepare(trimmed);
    if !cleaned.chars().any(|c| c.is_ascii_digit()) {
        return Err(PhoneError::NotANumber);
    }
    let region = country
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .or(Some(default_country.trim()))
        .and_then(|c| c.to_ascii_uppercase().parse::<country::Id>().ok());
    if region.is_none() && !cleaned.starts_with('+') {
        return Err(PhoneError::MissingCountry);
    }
    let number = phonenumber::parse(region, &cleaned).map_err(|e| match e {
        phonenumber::ParseError::TooShortNsn
        | phonenumber::ParseError::TooShortAfterIdd
        | phonenumber::ParseError::TooLong => PhoneError::WrongLength,
        _ => PhoneError::NotANumber,
    })?;
    if !is_possible(&number, region) {
        return Err(PhoneError::WrongLength);
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// Whether the national number length is one the country's numbering plan allows.
fn is_possible(number: &PhoneNumber, hint: Option<country::Id>) -> bool {
    let code = number.code().value();
    let Ok(len) = u16::try_from(number.national().to_string().len()) else {
        return false;
    };
    let own_region = number
        .country()
        .id()
        .or(hint)
        .and_then(|id| DATABASE.by_id(id.as_ref()))
        .filter(|m| m.country_code() == code);
    let candidates: Vec<&Metadata> = match own_region {
        Some(meta) => vec![meta],
        None => DATABASE
            .by_code(&code)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.is_main_country_for_code())
            .collect(),
    };
    let candidates = if candidates.is_empty() {
        DATABASE.by_code(&code).unwrap_or_default()
    } else {
        candidates
    };
    candidates.iter().any(|m| region_allows_length(m, len))
}

/// Whether any number type of the region (fixed line, mobile, ...) has this length.
fn region_allows_length(meta: &Metadata, len: u16) -> bool {
    let d = meta.descriptors();
    [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .any(|desc| desc.possible_length().contains(&len))
}

/// Detects `4.47701E+11`, `4,47701E+11` and `4.47701e11`: digits were rounded away.
fn looks_scientific(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let Some((mantissa, exponent)) = compact.split_once(['e', 'E']) else {
        return false;
    };
    let mantissa = mantissa.strip_prefix('+').unwrap_or(mantissa);
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let (whole, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    !whole.is_empty() && digits(whole) && digits(frac) && !exponent.is_empty() && digits(exponent)
}

/// Removes a `tel:` prefix, turns a leading `00` into `+` and drops a `(0)` trunk marker.
fn prepare(s: &str) -> String {
    let mut s = s;
    for prefix in ["tel:", "callto:", "phone:"] {
        if s.len() >= prefix.len()
            && s.is_char_boundary(prefix.len())
            && s[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            s = trim_field(&s[prefix.len()..]);
        }
    }
    // RFC 3966 parameters (";ext=", ";isub=") are not part of the number.
    let s = s.split(';').next().unwrap_or(s);
    let mut out = s.to_string();
    let digits_start = out.trim_start_matches(['(', ' ']);
    if let Some(rest) = digits_start.strip_prefix("00") {
        out = format!("+{rest}");
    }
    if out.starts_with('+') {
        out = out.replacen("(0)", "", 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fictional_and_real_numbers_format_to_e164() {
        let cases: &[(&str, Option<&str>, &str, &str)] = &[
            ("07700 900123", Some("GB"), "US", "+447700900123"),
            ("020 7946 0123", Some("GB"), "US", "+442079460123"),
            ("+1 (202) 555-0143", None, "GB", "+12025550143"),
            ("(202) 555-0143", None, "US", "+12025550143"),
            ("07700 900123", None, "GB", "+447700900123"),
            ("07700 900123", Some("gb"), "DE", "+447700900123"),
            ("7700900123", Some("GB"), "GB", "+447700900123"),
            ("0044 7700 900123", Some("DE"), "DE", "+447700900123"),
            ("+44 (0)20 7946 0123", None, "US", "+442079460123"),
            ("tel:+44-20-7946-0123", None, "US", "+442079460123"),
            ("TEL: 020 7946 0123", Some("GB"), "US", "+442079460123"),
            ("020 7946 0123 ext. 45", Some("GB"), "US", "+442079460123"),
            ("+1 202 555 0143 x12", None, "US", "+12025550143"),
            ("020 7946 0123;ext=99", Some("GB"), "GB", "+442079460123"),
            ("011 44 20 7946 0123", None, "US", "+442079460123"),
            ("+49 (0)30 1234567", None, "GB", "+49301234567"),
            ("+44 7700 900123", Some("US"), "US", "+447700900123"),
            ("\u{a0}030 1234567\t", None, "DE", "+49301234567"),
            ("+33 1 23 45 67 89", None, "GB", "+33123456789"),
        ];
        for (raw, country, default, expected) in cases {
            assert_eq!(
                normalise_phone(raw, *country, default).as_deref(),
                Ok(*expected),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn spreadsheet_scientific_notation_is_reported() {
        for raw in ["4.47701E+11", "4,47701E+11", " 4.47701e11 ", "4E+11"] {
            assert_eq!(
                normalise_phone(raw, Some("GB"), "GB"),
                Err(PhoneError::ScientificNotation),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn garbage_is_refused() {
        let cases: &[(&str, PhoneError)] = &[
            ("", PhoneError::Empty),
            ("\u{200b} ", PhoneError::Empty),
            ("call me", PhoneError::NotANumber),
            ("12", PhoneError::WrongLength),
            ("+44 1", PhoneError::WrongLength),
            ("+44 7700 900123 999 999 999", PhoneError::WrongLength),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                normalise_phone(raw, Some("GB"), "GB").as_ref(),
                Err(expected),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn length_is_checked_against_the_numbers_own_country() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("07700900123", Some("FR"), "GB"),
            ("555-0143", None, "US"),
            ("+1 555 0143", None, "GB"),
        ];
        for (raw, country, default) in cases {
            assert_eq!(
                normalise_phone(raw, *country, default),
                Err(PhoneError::WrongLength),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn unknown_default_country_needs_a_plus() {
        assert_eq!(
            normalise_phone("020 7946 0123", None, "ZZ"),
            Err(PhoneError::MissingCountry)
        );
        assert_eq!(
            normalise_phone("+442079460123", None, "ZZ").as_deref(),
            Ok("+442079460123")
        );
    }

    #[test]
    fn odd_input_never_panics() {
        let long = "9".repeat(10_000);
        for raw in [
            long.as_str(),
            "+",
            "00",
            "tél:",
            "t",
            "+١٢٣٤٥٦٧٨٩٠",
            "e",
            "1e",
            "\u{0}\u{1}",
        ] {
            let _ = normalise_phone(raw, Some("GB"), "GB");
            let _ = normalise_phone(raw, None, "");
        }
    }
}
