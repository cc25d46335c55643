//! Companies: website addresses, registrable domains and name normalisation for matching.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use url::{Host, Url};

use super::email::EmailAddress;
use super::providers::{DomainClass, ProviderLists};
use super::text::{fold_accents_lower, trim_field};

/// Longest website address accepted, in bytes.
pub const MAX_WEBSITE_LEN: usize = 2048;

/// Two normalised company names at least this similar (Jaro-Winkler, 0 to 1)
/// are flagged as possibly the same company.
///
/// 0.92 catches small typos and missing words at the end ("northwind traders"
/// vs "northwind trader") while keeping names that only share a common word
/// ("other traders" vs "northwind traders") apart.
pub const COMPANY_SIMILARITY_THRESHOLD: f64 = 0.92;

/// Why a website address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebsiteError {
    /// Nothing was entered.
    #[error("Enter a website address")]
    Empty,
    /// The address is longer than 2048 bytes.
    #[error("Website address is too long")]
    TooLong,
    /// The address uses a scheme other than http or https (javascript:, ftp:, mailto:, ...).
    #[error("Website address must start with http:// or https://")]
    UnsupportedScheme,
    /// The address could not be read or has no proper domain name.
    #[error("Enter a valid website address, like www.example.com")]
    Invalid,
}

/// A website address using http or https with a domain name host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Website {
    url: String,
    host: String,
}

impl Website {
    /// The normalised address, e.g. `https://www.example.com/contact`.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The lower-case host name, e.g. `www.example.com` (IDNs in punycode).
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Display for Website {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

/// Parses a website address; a missing scheme means https.
///
/// Credentials and a trailing dot in the host are removed.
pub fn parse_website(raw: &str) -> Result<Website, WebsiteError> {
    let trimmed = trim_field(raw);
    if trimmed.is_empty() {
        return Err(WebsiteError::Empty);
    }
    if trimmed.len() > MAX_WEBSITE_LEN {
        return Err(WebsiteError::TooLong);
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(WebsiteError::Invalid);
    }
    let with_scheme = match explicit_scheme(trimmed) {
        Some(scheme)
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            trimmed.to_string()
        }
        Some(_) => return Err(WebsiteError::UnsupportedScheme),
        None => format!("https://{}", trimmed.trim_start_matches('/')),
    };
    let mut url = Url::parse(&with_scheme).map_err(|_| WebsiteError::Invalid)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(WebsiteError::UnsupportedScheme);
    }
    let host = match url.host() {
        Some(Host::Domain(d)) => d.trim_end_matches('.').to_string(),
        _ => return Err(WebsiteError::Invalid),
    };
    if !host.contains('.') || host.starts_with('.') {
        return Err(WebsiteError::Invalid);
    }
    url.set_host(Some(&host))
        .map_err(|_| WebsiteError::Invalid)?;
    url.set_username("").map_err(|()| WebsiteError::Invalid)?;
    url.set_password(None).map_err(|()| WebsiteError::Invalid)?;
    Ok(Website {
        url: url.to_string(),
        host,
    })
}

/// The scheme before the first `:` if the text starts with one (`mailto:`,
/// `javascript:`, `http:`), but not a `host:port` pair.
fn explicit_scheme(s: &str) -> Option<&str> {
    let (scheme, rest) = s.split_once(':')?;
    let looks_like_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let is_port = rest.starts_with(|c: char| c.is_ascii_digit());
    (looks_like_scheme && (!is_port || rest.starts_with("//"))).then_some(scheme)
}

/// Reduces a URL, host or e-mail host to its registrable domain using the Public Suffix List.
///
/// `HTTPS://User:pw@WWW.Example-Shop.CO.UK.:8080/x` → `example-shop.co.uk`.
/// A bare public suffix such as `co.uk` has no registrable domain and gives `None`,
/// as do IP addresses.
pub fn registrable_domain(host: &str) -> Option<String> {
    let trimmed = trim_field(host);
    if trimmed.is_empty() || trimmed.chars().any(char::is_whitespace) {
        return None;
    }
    let url = if trimmed.contains("://") {
        Url::parse(trimmed).ok()?
    } else {
        Url::parse(&format!("http://{}", trimmed.trim_start_matches('/'))).ok()?
    };
    let Some(Host::Domain(domain)) = url.host() else {
        return None;
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() || domain.split('.').any(str::is_empty) {
        return None;
    }
    psl::domain_str(&domain).map(str::to_string)
}

/// The domain that identifies the referral's company, if any.
///
/// Taken from the website when it has a company domain, otherwise from the
/// e-mail address. Free-mail, disposable and reserved domains identify no
/// company; nor does a website on a platform hosting many companies' pages
/// (linkedin.com, facebook.com, ...).
pub fn company_domain(
    website: Option<&Website>,
    email: Option<&EmailAddress>,
    providers: &ProviderLists,
) -> Option<String> {
    let business = |host: &str| {
        let domain = registrable_domain(host)?;
        (providers.classify(&domain) == DomainClass::Business).then_some(domain)
    };
    website
        .filter(|w| !providers.is_shared_platform(w.host()))
        .and_then(|w| business(w.host()))
        .or_else(|| email.and_then(|e| business(e.domain())))
}

/// Legal-form words removed from the end of a company name, as token sequences.
const LEGAL_SUFFIXES: &[&[&str]] = &[
    &["ltd"],
    &["limited"],
    &["llc"],
    &["llp"],
    &["lp"],
    &["inc"],
    &["incorporated"],
    &["corp"],
    &["corporation"],
    &["co"],
    &["gmbh"],
    &["mbh"],
    &["ag"],
    &["sa"],
    &["sas"],
    &["sl"],
    &["sarl"],
    &["bv"],
    &["nv"],
    &["plc"],
    &["srl"],
    &["spa"],
    &["oy"],
    &["oyj"],
    &["ab"],
    &["as"],
    &["asa"],
    &["aps"],
    &["kg"],
    &["ug"],
    &["pty"],
    &["pte"],
    &["sro"],
    &["kft"],
    &["ooo"],
    &["kk"],
    &["ev"],
    &["haftungsbeschrankt"],
    &["and", "co"],
    &["s", "l"],
    &["s", "a"],
    &["s", "a", "s"],
    &["s", "r", "l"],
    &["s", "p", "a"],
    &["s", "a", "r", "l"],
    &["b", "v"],
    &["n", "v"],
    &["a", "g"],
    &["a", "s"],
    &["a", "b"],
    &["l", "l", "c"],
    &["l", "t", "d"],
    &["p", "l", "c"],
    &["e", "v"],
    &["u", "g"],
    &["k", "g"],
    &["s", "r", "o"],
];

/// Normalises a company name for matching: NFKC, lower case, no accents,
/// punctuation as spaces, single spaces, trailing legal forms removed.
///
/// `"Northwind Traders, Ltd."` → `"northwind traders"`.
pub fn normalise_company_name(name: &str) -> String {
    let folded = fold_accents_lower(&name.nfkc().collect::<String>());
    let spaced: String = folded
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '`'))
        .map(|c| match c {
            '&' | '+' => ' ',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    let mut tokens: Vec<&str> = spaced.split_whitespace().collect();
    loop {
        let before = tokens.len();
        for suffix in LEGAL_SUFFIXES {
            if tokens.len() > suffix.len() && tokens.ends_with(suffix) {
                tokens.truncate(tokens.len() - suffix.len());
                break;
            }
        }
        if tokens.len() == before {
            break;
        }
    }
    tokens.join(" ")
}

/// Whether two already-normalised names probably mean the same company.
///
/// Equal names are similar; otherwise the Jaro-Winkler similarity must reach
/// [`COMPANY_SIMILARITY_THRESHOLD`]. Empty names are never similar.
pub fn names_similar(a_normalised: &str, b_normalised: &str) -> bool {
    if a_normalised.is_empty() || b_normalised.is_empty() {
        return false;
    }
    a_normalised == b_normalised
        || strsim::jaro_winkler(a_normalised, b_normalised) >= COMPANY_SIMILARITY_THRESHOLD
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
