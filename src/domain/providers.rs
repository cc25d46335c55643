//! Lists of free-mail and disposable e-mail providers, and reserved example domains.
//!
//! A domain on these lists says nothing about which company a person works
//! for, so it must never be used to match or protect a company.

use std::collections::HashSet;

use super::company::registrable_domain;

/// Built-in free-mail providers. An entry ending in `.*` matches that name
/// under any public suffix (`yahoo.*` matches `yahoo.co.uk` and `yahoo.fr`).
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.*",
    "hotmail.*",
    "live.*",
    "msn.com",
    "windowslive.com",
    "passport.com",
    "yahoo.*",
    "ymail.com",
    "rocketmail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.*",
    "aim.com",
    "gmx.*",
    "web.de",
    "t-online.de",
    "freenet.de",
    "arcor.de",
    "posteo.de",
    "mailbox.org",
    "proton.me",
    "protonmail.com",
    "protonmail.ch",
    "pm.me",
    "tutanota.com",
    "tuta.io",
    "zoho.com",
    "zohomail.com",
    "mail.com",
    "email.com",
    "fastmail.com",
    "fastmail.fm",
    "hey.com",
    "mail.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "yandex.*",
    "ya.ru",
    "rambler.ru",
    "qq.com",
    "163.com",
    "126.com",
    "yeah.net",
    "sina.com",
    "sohu.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "alice.it",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "talktalk.net",
    "ntlworld.com",
    "blueyonder.co.uk",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "bellsouth.net",
    "cox.net",
    "earthlink.net",
    "shaw.ca",
    "rogers.com",
    "sympatico.ca",
    "bigpond.com",
    "optusnet.com.au",
    "xtra.co.nz",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
    "telenet.be",
    "skynet.be",
    "ziggo.nl",
    "kpnmail.nl",
    "bluewin.ch",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "rediffmail.com",
];

/// Built-in throw-away address providers.
const DISPOSABLE: &[&str] = &[
    "mailinator.com",
    "guerrillamail.com",
    "guerrillamail.net",
    "guerrillamail.org",
    "guerrillamailblock.com",
    "sharklasers.com",
    "grr.la",
    "10minutemail.com",
    "10minutemail.net",
    "yopmail.com",
    "yopmail.fr",
    "yopmail.net",
    "temp-mail.org",
    "tempmail.com",
    "tempmail.net",
    "temp-mail.io",
    "throwawaymail.com",
    "trashmail.com",
    "trashmail.de",
    "trash-mail.com",
    "getnada.com",
    "nada.email",
    "maildrop.cc",
    "dispostable.com",
    "mailnesia.com",
    "mintemail.com",
    "mohmal.com",
    "fakeinbox.com",
    "spamgourmet.com",
    "mytemp.email",
    "tempinbox.com",
    "emailondeck.com",
    "33mail.com",
    "burnermail.io",
    "moakt.com",
    "mailcatch.com",
    "discard.email",
    "spambox.us",
];

/// Platforms that host pages for many unrelated companies; a website there
/// (`linkedin.com/company/...`) does not identify a company by its domain.
const SHARED_PLATFORMS: &[&str] = &[
    "linkedin.com",
    "facebook.com",
    "fb.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "youtube.com",
    "tiktok.com",
    "google.com",
    "goo.gl",
    "bit.ly",
    "wixsite.com",
    "wix.com",
    "squarespace.com",
    "wordpress.com",
    "blogspot.com",
    "medium.com",
    "github.com",
    "github.io",
    "gitlab.io",
    "netlify.app",
    "vercel.app",
    "herokuapp.com",
    "shopify.com",
    "myshopify.com",
    "webflow.io",
    "carrd.co",
    "linktr.ee",
    "xing.com",
    "yelp.com",
    "tripadvisor.com",
    "amazon.com",
    "etsy.com",
    "ebay.com",
];

/// Top-level names reserved for documentation and testing (RFC 2606, RFC 6761).
const RESERVED_TLDS: &[&str] = &["example", "test", "invalid", "localhost"];
/// Second-level names reserved for documentation (RFC 2606).
const RESERVED_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];

/// What an e-mail or website domain tells us about the company behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainClass {
    /// Probably a company's own domain.
    Business,
    /// A free consumer mail service such as gmail.com.
    FreeMail,
    /// A throw-away address service such as mailinator.com.
    Disposable,
    /// A name reserved for examples and tests, such as example.com.
    Reserved,
}

/// Free-mail and disposable provider lists, built-in plus admin additions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderLists {
    free: HashSet<String>,
    disposable: HashSet<String>,
    shared: HashSet<String>,
}

impl Default for ProviderLists {
    fn default() -> Self {
        let set = |items: &[&str]| items.iter().map(|s| (*s).to_string()).collect();
        ProviderLists {
            free: set(FREE_MAIL),
            disposable: set(DISPOSABLE),
            shared: set(SHARED_PLATFORMS),
        }
    }
}

impl ProviderLists {
    /// Adds admin-configured free-mail and disposable domains to the lists.
    ///
    /// Entries are trimmed and lower-cased; a leading `@` and a trailing dot are ignored.
    pub fn with_extra(
        mut self,
        free: impl IntoIterator<Item = String>,
        disposable: impl IntoIterator<Item = String>,
    ) -> Self {
        self.free.extend(free.into_iter().filter_map(clean_entry));
        self.disposable
            .extend(disposable.into_iter().filter_map(clean_entry));
        self
    }

    /// Classifies a domain (or host name) such as `mail.yahoo.co.uk`.
    pub fn classify(&self, domain: &str) -> DomainClass {
        let Some(domain) = clean_entry(domain.to_string()) else {
            return DomainClass::Reserved;
        };
        if is_reserved(&domain) {
            return DomainClass::Reserved;
        }
        let registrable = registrable_domain(&domain);
        if self.matches(&self.disposable, &domain, registrable.as_deref()) {
            DomainClass::Disposable
        } else if self.matches(&self.free, &domain, registrable.as_deref()) {
            DomainClass::FreeMail
        } else {
            DomainClass::Business
        }
    }

    /// Whether the domain belongs to a platform hosting many companies' pages (linkedin.com, ...).
    pub fn is_shared_platform(&self, domain: &str) -> bool {
        let Some(domain) = clean_entry(domain.to_string()) else {
            return false;
        };
        let registrable = registrable_domain(&domain);
        self.matches(&self.shared, &domain, registrable.as_deref())
    }

    fn matches(&self, list: &HashSet<String>, domain: &str, registrable: Option<&str>) -> bool {
        let mut parent = domain;
        loop {
            if list.contains(parent) {
                return true;
            }
            match parent.split_once('.') {
                Some((_, rest)) => parent = rest,
                None => break,
            }
        }
        let Some(registrable) = registrable else {
            return false;
        };
        let suffix_len = psl::suffix_str(registrable).map_or(0, str::len);
        let name_len = registrable.len().saturating_sub(suffix_len + 1);
        registrable
            .get(..name_len)
            .is_some_and(|name| !name.is_empty() && list.contains(&format!("{name}.*")))
    }
}

/// Whether `domain` is an example/test name that can never be a real company.
fn is_reserved(domain: &str) -> bool {
    let tld = domain.rsplit('.').next().unwrap_or(domain);
    RESERVED_TLDS.contains(&tld)
        || RESERVED_DOMAINS
            .iter()
            .any(|r| domain == *r || domain.ends_with(&format!(".{r}")))
}

fn clean_entry(raw: String) -> Option<String> {
    let s = raw.trim().trim_start_matches('@').trim_end_matches('.');
    (!s.is_empty()).then(|| s.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_classified() {
        let lists = ProviderLists::default();
        let cases: &[(&str, DomainClass)] = &[
            ("gmail.com", DomainClass::FreeMail),
            ("GMAIL.COM.", DomainClass::FreeMail),
            ("hotmail.co.uk", DomainClass::FreeMail),
            ("hotmail.fr", DomainClass::FreeMail),
            ("mail.yahoo.co.uk", DomainClass::FreeMail),
            ("yahoo.com.br", DomainClass::FreeMail),
            ("gmx.de", DomainClass::FreeMail),
            ("gmx.net", DomainClass::FreeMail),
            ("mailinator.com", DomainClass::Disposable),
            ("yopmail.com", DomainClass::Disposable),
            ("example.com", DomainClass::Reserved),
            ("mail.example.org", DomainClass::Reserved),
            ("acme.example", DomainClass::Reserved),
            ("test", DomainClass::Reserved),
            ("shop.acme.test", DomainClass::Reserved),
            ("x.invalid", DomainClass::Reserved),
            ("localhost", DomainClass::Reserved),
            ("", DomainClass::Reserved),
            ("northwind-traders-example.co.uk", DomainClass::Business),
            ("example.co.uk", DomainClass::Business),
            ("notgmail.com", DomainClass::Business),
            ("yahoo-partners-example.com", DomainClass::Business),
        ];
        for (domain, expected) in cases {
            assert_eq!(lists.classify(domain), *expected, "{domain:?}");
        }
    }

    #[test]
    fn built_in_lists_are_a_reasonable_size() {
        assert!(FREE_MAIL.len() >= 60);
        assert!(DISPOSABLE.len() >= 30);
    }

    #[test]
    fn admin_entries_extend_the_lists() {
        let lists = ProviderLists::default().with_extra(
            vec![" @Freemail-Example.net ".to_string()],
            vec!["burner-example.org.".to_string(), "  ".to_string()],
        );
        assert_eq!(
            lists.classify("freemail-example.net"),
            DomainClass::FreeMail
        );
        assert_eq!(
            lists.classify("burner-example.org"),
            DomainClass::Disposable
        );
        assert_eq!(lists.classify("gmail.com"), DomainClass::FreeMail);
    }

    #[test]
    fn shared_platforms_are_recognised() {
        let lists = ProviderLists::default();
        assert!(lists.is_shared_platform("www.linkedin.com"));
        assert!(lists.is_shared_platform("northwind.wixsite.com"));
        assert!(!lists.is_shared_platform("northwind-traders-example.co.uk"));
    }
}
