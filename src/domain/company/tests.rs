//! Tests for websites, registrable domains and company names.

use super::*;

#[test]
fn registrable_domain_follows_the_public_suffix_list() {
    let cases: &[(&str, Option<&str>)] = &[
        (
            "https://www.northwind-traders-example.co.uk/contact",
            Some("northwind-traders-example.co.uk"),
        ),
        (
            "northwind-traders-example.co.uk",
            Some("northwind-traders-example.co.uk"),
        ),
        (
            "http://shop.northwind-traders-example.co.uk:8080/path?q=1",
            Some("northwind-traders-example.co.uk"),
        ),
        (
            "HTTPS://User:pw@WWW.Northwind-Traders-Example.CO.UK./",
            Some("northwind-traders-example.co.uk"),
        ),
        (
            "northwind-traders-example.com",
            Some("northwind-traders-example.com"),
        ),
        (
            "other-traders-example.co.uk",
            Some("other-traders-example.co.uk"),
        ),
        (
            "www.acme-widgets-example.ltd.uk",
            Some("acme-widgets-example.ltd.uk"),
        ),
        (
            "mail.northwind-traders-example.co.uk",
            Some("northwind-traders-example.co.uk"),
        ),
        ("co.uk", None),
        ("ltd.uk", None),
        ("police.uk", None),
        ("CO.UK.", None),
        ("com", None),
        ("", None),
        ("http://192.0.2.1/", None),
        ("a..b.com", None),
        ("not a host", None),
    ];
    for (input, expected) in cases {
        assert_eq!(registrable_domain(input).as_deref(), *expected, "{input:?}");
    }
}

#[test]
fn website_without_scheme_becomes_https() {
    let site = parse_website(" www.Northwind-Traders-Example.co.uk/contact\u{a0}").unwrap();
    assert_eq!(
        site.as_str(),
        "https://www.northwind-traders-example.co.uk/contact"
    );
    assert_eq!(site.host(), "www.northwind-traders-example.co.uk");
}

#[test]
fn website_keeps_http_and_port_but_drops_credentials() {
    let site = parse_website("HTTP://user:pw@Shop.Example-Shop.com.:8080/a?b=1").unwrap();
    assert_eq!(site.as_str(), "http://shop.example-shop.com:8080/a?b=1");
    assert_eq!(site.host(), "shop.example-shop.com");
    let site = parse_website("example-shop.com:8443").unwrap();
    assert_eq!(site.as_str(), "https://example-shop.com:8443/");
}

#[test]
fn website_with_other_scheme_is_refused() {
    for raw in [
        "javascript:alert(3)",
        "JavaScript:alert(3)",
        "ftp://x",
        "mailto:",
        "mailto:dana@example.com",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
    ] {
        assert_eq!(
            parse_website(raw),
            Err(WebsiteError::UnsupportedScheme),
            "{raw:?}"
        );
    }
}

#[test]
fn website_without_a_proper_host_is_refused() {
    let cases: &[(&str, WebsiteError)] = &[
        ("", WebsiteError::Empty),
        ("  ", WebsiteError::Empty),
        ("localhost", WebsiteError::Invalid),
        ("https://", WebsiteError::Invalid),
        ("http://192.0.2.1/", WebsiteError::Invalid),
        ("exa mple.com", WebsiteError::Invalid),
        ("\"><img src=x onerror=alert(1)>", WebsiteError::Invalid),
    ];
    for (raw, expected) in cases {
        assert_eq!(parse_website(raw).as_ref(), Err(expected), "{raw:?}");
    }
    let long = format!("example.com/{}", "a".repeat(3000));
    assert_eq!(parse_website(&long), Err(WebsiteError::TooLong));
}

#[test]
fn company_domain_prefers_website_then_business_email() {
    let lists = ProviderLists::default();
    let site = parse_website("https://www.northwind-traders-example.co.uk").unwrap();
    let work = EmailAddress::parse("dana@mail.other-traders-example.com").unwrap();
    let gmail = EmailAddress::parse("dana@gmail.com").unwrap();
    let reserved = parse_website("www.example.com").unwrap();
    let linkedin = parse_website("linkedin.com/company/northwind").unwrap();
    let staff = EmailAddress::parse("recruiter@linkedin.com").unwrap();
    let cases: &[(Option<&Website>, Option<&EmailAddress>, Option<&str>)] = &[
        (
            Some(&site),
            Some(&work),
            Some("northwind-traders-example.co.uk"),
        ),
        (None, Some(&work), Some("other-traders-example.com")),
        (None, Some(&gmail), None),
        (Some(&reserved), Some(&gmail), None),
        (
            Some(&reserved),
            Some(&work),
            Some("other-traders-example.com"),
        ),
        (Some(&linkedin), None, None),
        (
            Some(&linkedin),
            Some(&work),
            Some("other-traders-example.com"),
        ),
        (None, Some(&staff), Some("linkedin.com")),
        (None, None, None),
    ];
    for (website, email, expected) in cases {
        assert_eq!(
            company_domain(*website, *email, &lists).as_deref(),
            *expected,
            "{website:?} {email:?}"
        );
    }
}

#[test]
fn legal_forms_and_punctuation_are_removed_from_names() {
    let cases: &[(&str, &str)] = &[
        ("Northwind Traders Ltd", "northwind traders"),
        ("Northwind Traders, Ltd.", "northwind traders"),
        ("NORTHWIND TRADERS LIMITED", "northwind traders"),
        ("  Northwind   Traders  ", "northwind traders"),
        ("Müller Maschinenbau GmbH & Co. KG", "muller maschinenbau"),
        ("Smith & Co", "smith"),
        ("Café Olé S.L.", "cafe ole"),
        ("Acme S.A.R.L.", "acme"),
        ("Acme Pty Ltd", "acme"),
        ("O'Brien Consulting LLC", "obrien consulting"),
        ("Ｆｕｌｌｗｉｄｔｈ Inc.", "fullwidth"),
        ("Co", "co"),
        ("Ltd", "ltd"),
        ("", ""),
        ("!!!", ""),
    ];
    for (raw, expected) in cases {
        assert_eq!(normalise_company_name(raw), *expected, "{raw:?}");
    }
}

#[test]
fn similar_names_are_detected() {
    let n = normalise_company_name;
    let cases: &[(&str, &str, bool)] = &[
        ("Northwind Traders Ltd", "Northwind Traders", true),
        ("Northwind Traders", "Northwind Trader", true),
        ("Other Traders", "Northwind Traders", false),
        ("Acme", "Globex", false),
        ("", "", false),
    ];
    for (a, b, expected) in cases {
        assert_eq!(names_similar(&n(a), &n(b)), *expected, "{a:?} vs {b:?}");
    }
}
