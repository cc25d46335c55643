//! Tests for prospect identity, conflicts and the protection window.

use chrono::TimeZone;

use super::*;
use crate::domain::intake::{IntakeContext, IntakeMode, RawReferral, validate_referral};
use crate::domain::money::Currency;
use crate::domain::providers::ProviderLists;

fn id(
    email: Option<&str>,
    phone: Option<&str>,
    name: Option<&str>,
    domain: Option<&str>,
) -> ProspectIdentity {
    ProspectIdentity {
        email_key: email.map(String::from),
        phone_key: phone.map(String::from),
        name_key: name.map(String::from),
        company_domain: domain.map(String::from),
        company_normalised: "northwind traders".into(),
    }
}

#[test]
fn conflicts_follow_the_protection_rule() {
    use MatchReason::*;
    const DANA: &str = "dana.kowalski@northwind-example.com";
    const PHONE: &str = "+447700900123";
    const NAME: &str = "dana kowalski|northwind-example.com";
    const DOMAIN: &str = "northwind-example.com";
    let existing = id(Some(DANA), Some(PHONE), Some(NAME), Some(DOMAIN));
    let cases: &[(&str, ProspectIdentity, i64, Option<MatchReason>)] = &[
        (
            "same email, other org",
            id(Some(DANA), None, None, None),
            2,
            Some(SameEmail),
        ),
        (
            "same email, same org",
            id(Some(DANA), None, None, None),
            1,
            Some(SameEmail),
        ),
        (
            "same phone, same org",
            id(None, Some(PHONE), None, None),
            1,
            Some(SamePhone),
        ),
        (
            "same phone, other email",
            id(Some("d@other-example.com"), Some(PHONE), None, None),
            2,
            Some(SamePhone),
        ),
        (
            "same name at company, same org",
            id(
                Some("dk@northwind-example.com"),
                None,
                Some(NAME),
                Some(DOMAIN),
            ),
            1,
            Some(SameNameAtCompany),
        ),
        (
            "other person same domain, other org",
            id(
                Some("bob@northwind-example.com"),
                None,
                Some("bob lee|northwind-example.com"),
                Some(DOMAIN),
            ),
            2,
            Some(SameCompanyDomain),
        ),
        (
            "other person same domain, same org",
            id(
                Some("bob@northwind-example.com"),
                None,
                Some("bob lee|northwind-example.com"),
                Some(DOMAIN),
            ),
            1,
            None,
        ),
        (
            "other company, other org",
            id(
                Some("x@acme-example.com"),
                None,
                Some("x y|acme-example.com"),
                Some("acme-example.com"),
            ),
            2,
            None,
        ),
        (
            "nothing known, other org",
            id(None, None, None, None),
            2,
            None,
        ),
        (
            "empty keys never match",
            id(Some(""), Some(""), Some(""), Some("")),
            2,
            None,
        ),
    ];
    for (label, new, new_org, expected) in cases {
        assert_eq!(
            conflict_reason(new, *new_org, &existing, 1),
            *expected,
            "{label}"
        );
    }
}

#[test]
fn empty_existing_keys_do_not_match_empty_new_keys() {
    let blank = id(None, None, None, None);
    assert_eq!(conflict_reason(&blank, 1, &blank, 2), None);
}

#[test]
fn identity_is_built_from_a_valid_referral() {
    let providers = ProviderLists::default();
    let ctx = IntakeContext {
        default_phone_country: "GB",
        currency: Currency::EUR,
        providers: &providers,
    };
    let raw = RawReferral {
        first_name: " Zoë ".into(),
        last_name: "MÜLLER".into(),
        email: "Zoe.Mueller@Northwind-Example.com".into(),
        phone: "07700 900123".into(),
        company: "Northwind Traders Ltd".into(),
        consent: true,
        ..RawReferral::default()
    };
    let v = validate_referral(&raw, IntakeMode::Form, &ctx).unwrap();
    let identity = identity_of(&v);
    assert_eq!(
        identity.email_key.as_deref(),
        Some("zoe.mueller@northwind-example.com")
    );
    assert_eq!(identity.phone_key.as_deref(), Some("+447700900123"));
    assert_eq!(
        identity.name_key.as_deref(),
        Some("zoe muller|northwind-example.com")
    );
    assert_eq!(
        identity.company_domain.as_deref(),
        Some("northwind-example.com")
    );
    assert_eq!(identity.company_normalised, "northwind traders");

    let gmail = RawReferral {
        email: "zoe@gmail.com".into(),
        ..raw
    };
    let v = validate_referral(&gmail, IntakeMode::Form, &ctx).unwrap();
    let identity = identity_of(&v);
    assert_eq!(identity.company_domain, None);
    assert_eq!(
        identity.name_key.as_deref(),
        Some("zoe muller|northwind traders")
    );
}

#[test]
fn protection_window_is_counted_from_submission() {
    let submitted = Utc.with_ymd_and_hms(2025, 1, 10, 9, 30, 0).unwrap();
    let cases: &[(i64, DateTime<Utc>)] = &[
        (90, Utc.with_ymd_and_hms(2025, 4, 10, 9, 30, 0).unwrap()),
        (0, submitted),
        (-5, submitted),
        (i64::MAX, DateTime::<Utc>::MAX_UTC),
    ];
    for (days, expected) in cases {
        assert_eq!(protection_ends_at(submitted, *days), *expected, "{days}");
    }
}

#[test]
fn protection_lasts_while_open() {
    let submitted = Utc.with_ymd_and_hms(2025, 1, 10, 0, 0, 0).unwrap();
    let day_89 = submitted + Duration::days(89);
    let day_90 = submitted + Duration::days(90);
    let cases: &[(bool, bool, DateTime<Utc>, bool)] = &[
        (false, false, day_89, true),
        (false, false, day_90, false),
        (false, true, day_90, true),
        (true, true, day_89, false),
        (true, false, submitted, false),
    ];
    for (closed, contacted, now, expected) in cases {
        assert_eq!(
            is_protected(
                *closed,
                *contacted,
                submitted,
                DEFAULT_PROTECTION_DAYS,
                *now
            ),
            *expected,
            "closed={closed} contacted={contacted} now={now}"
        );
    }
}
