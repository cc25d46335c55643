//! E-mail addresses as typed by partners: trimmed, checked and given a case-insensitive key.

use std::fmt;

use super::text::trim_field;

/// Longest address accepted, in bytes (the SMTP path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest local part (before the `@`) accepted, in bytes.
pub const MAX_LOCAL_LEN: usize = 64;

/// Why an e-mail address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was entered.
    #[error("Enter an email address")]
    Empty,
    /// The address is longer than 254 bytes.
    #[error("Email address is too long")]
    TooLong,
    /// The address has no `@` or more than one.
    #[error("Enter a valid email address, like name@example.com")]
    BadAt,
    /// The address contains a space or an invisible control character.
    #[error("Email address must not contain spaces")]
    ContainsSpace,
    /// The part before the `@` is empty, too long or uses forbidden characters.
    #[error("Enter a valid email address, like name@example.com")]
    BadLocalPart,
    /// The part after the `@` is not a domain name with a dot.
    #[error("Enter a valid email address domain, like example.com")]
    BadDomain,
}

/// A syntactically valid e-mail address.
///
/// The local part keeps the case it was typed in; the domain is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    value: String,
    at: usize,
}

impl EmailAddress {
    /// Trims and checks `raw`, returning the address with its domain lower-cased.
    pub fn parse(raw: &str) -> Result<EmailAddress, EmailError> {
        let trimmed = trim_field(raw);
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        if trimmed
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_invisible(c))
        {
            return Err(EmailError::ContainsSpace);
        }
        let Some((local, domain)) = trimmed.split_once('@') else {
            return Err(EmailError::BadAt);
        };
        if domain.contains('@') {
            return Err(EmailError::BadAt);
        }
        check_local(local)?;
        let domain = domain.to_lowercase();
        check_domain(&domain)?;
        let value = format!("{local}@{domain}");
        if value.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        Ok(EmailAddress {
            at: local.len(),
            value,
        })
    }

    /// The address as stored: local part as typed, domain lower-cased.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        &self.value[..self.at]
    }

    /// The lower-case domain after the `@`.
    pub fn domain(&self) -> &str {
        &self.value[self.at + 1..]
    }

    /// The whole address lower-cased, used to spot the same person twice.
    pub fn dedupe_key(&self) -> String {
        self.value.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{180E}'
    )
}

fn check_local(local: &str) -> Result<(), EmailError> {
    let allowed =
        |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c) || !c.is_ascii();
    if local.is_empty()
        || local.len() > MAX_LOCAL_LEN
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.chars().all(allowed)
    {
        return Err(EmailError::BadLocalPart);
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), EmailError> {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return Err(EmailError::BadDomain);
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !labels.iter().all(|l| label_ok(l)) {
        return Err(EmailError::BadDomain);
    }
    let tld = labels.last().copied().unwrap_or_default();
    if tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(EmailError::BadDomain);
    }
    Ok(())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests {
    use super::*;

    #[test]
    fn messy_variants_share_one_dedupe_key() {
        for raw in [
            " Dana.Kowalski@Example.COM",
            "dana.kowalski@EXAMPLE.com\t",
            "dana.kowalski@example.com\u{a0}",
            "\u{feff}dana.kowalski@example.com\u{200b}",
            "\u{2007}dana.kowalski@example.com\u{202f}",
        ] {
            let email = EmailAddress::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
            assert_eq!(email.dedupe_key(), "dana.kowalski@example.com", "{raw:?}");
        }
    }

    #[test]
    fn local_part_case_is_kept_and_domain_lower_cased() {
        let email = EmailAddress::parse(" Dana.Kowalski@Example.COM").unwrap();
        assert_eq!(email.as_str(), "Dana.Kowalski@example.com");
        assert_eq!(email.domain(), "example.com");
        assert_eq!(email.local_part(), "Dana.Kowalski");
    }

    #[test]
    fn trailing_space_is_trimmed() {
        let email = EmailAddress::parse("new.prospect@example.com ").unwrap();
        assert_eq!(email.as_str(), "new.prospect@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        let cases: &[(&str, EmailError)] = &[
            ("", EmailError::Empty),
            (" \u{a0} ", EmailError::Empty),
            ("dana.example.com", EmailError::BadAt),
            ("dana@@example.com", EmailError::BadAt),
            ("a@b@example.com", EmailError::BadAt),
            ("@example.com", EmailError::BadLocalPart),
            ("dana..k@example.com", EmailError::BadLocalPart),
            (".dana@example.com", EmailError::BadLocalPart),
            ("da<na>@example.com", EmailError::BadLocalPart),
            ("dana@example", EmailError::BadDomain),
            ("dana@", EmailError::BadDomain),
            ("dana@example..com", EmailError::BadDomain),
            ("dana@-example.com", EmailError::BadDomain),
            ("dana@example.com.", EmailError::BadDomain),
            ("dana@127.0.0.1", EmailError::BadDomain),
            ("dana k@example.com", EmailError::ContainsSpace),
            ("dana@exa\u{a0}mple.com", EmailError::ContainsSpace),
            ("dana@exa\u{200b}mple.com", EmailError::ContainsSpace),
            (long.as_str(), EmailError::TooLong),
        ];
        for (raw, expected) in cases {
            assert_eq!(EmailAddress::parse(raw).as_ref(), Err(expected), "{raw:?}");
        }
    }

    #[test]
    fn plus_tags_and_unicode_domains_are_accepted() {
        for raw in ["dana+referrals@example.com", "dana@bücher-example.de"] {
            assert!(EmailAddress::parse(raw).is_ok(), "{raw:?}");
        }
    }
}
