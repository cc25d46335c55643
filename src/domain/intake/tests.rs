//! Tests for referral intake in form and upload mode.

use super::*;

fn ctx(providers: &ProviderLists) -> IntakeContext<'_> {
    IntakeContext {
        default_phone_country: "GB",
        currency: Currency::EUR,
        providers,
    }
}

fn good() -> RawReferral {
    RawReferral {
        first_name: " Dana ".into(),
        last_name: "Kowalski\u{a0}".into(),
        email: " Dana.Kowalski@Northwind-Traders-Example.CO.UK".into(),
        phone: "07700 900123".into(),
        title: "Head of Procurement".into(),
        company: "Northwind Traders, Ltd.".into(),
        website: "www.northwind-traders-example.co.uk".into(),
        country: "gb".into(),
        relationship: "Former colleague.\r\nWorked together 3 years.\u{7}".into(),
        strength: "4".into(),
        pain: "Manual invoicing".into(),
        urgency: "This Quarter".into(),
        deal_size: "12,000.50".into(),
        consent: true,
    }
}

#[test]
fn complete_form_referral_is_normalised() {
    let providers = ProviderLists::default();
    let v = validate_referral(&good(), IntakeMode::Form, &ctx(&providers)).unwrap();
    assert_eq!(v.first_name, "Dana");
    assert_eq!(v.last_name, "Kowalski");
    assert_eq!(
        v.email.as_ref().map(EmailAddress::as_str),
        Some("Dana.Kowalski@northwind-traders-example.co.uk")
    );
    assert_eq!(v.phone_e164.as_deref(), Some("+447700900123"));
    assert_eq!(v.title.as_deref(), Some("Head of Procurement"));
    assert_eq!(v.seniority, Seniority::Director);
    assert_eq!(v.company, "Northwind Traders, Ltd.");
    assert_eq!(v.company_normalised, "northwind traders");
    assert_eq!(
        v.website.as_deref(),
        Some("https://www.northwind-traders-example.co.uk/")
    );
    assert_eq!(
        v.company_domain.as_deref(),
        Some("northwind-traders-example.co.uk")
    );
    assert_eq!(v.country.map(|c| c.code()), Some("GB"));
    assert_eq!(
        v.relationship.as_deref(),
        Some("Former colleague.\nWorked together 3 years.")
    );
    assert_eq!(v.strength, Some(4));
    assert_eq!(v.pain.as_deref(), Some("Manual invoicing"));
    assert_eq!(v.urgency, Some(Urgency::ThisQuarter));
    assert_eq!(v.deal_size, Some(Money::new(1_200_050, Currency::EUR)));
    assert!(v.warnings.is_empty());
}

#[test]
fn minimal_referral_needs_only_names_company_and_one_contact() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        first_name: "New".into(),
        last_name: "Prospect".into(),
        email: "new.prospect@example.com ".into(),
        company: "Acme".into(),
        consent: true,
        ..RawReferral::default()
    };
    let v = validate_referral(&raw, IntakeMode::Form, &ctx(&providers)).unwrap();
    assert_eq!(
        v.email.as_ref().map(EmailAddress::as_str),
        Some("new.prospect@example.com")
    );
    assert_eq!(v.company_domain, None);
    assert_eq!(v.seniority, Seniority::Unknown);
    assert_eq!(
        (v.title, v.strength, v.urgency, v.deal_size),
        (None, None, None, None)
    );
}

#[test]
fn missing_required_fields_are_errors_in_both_modes() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        first_name: " \u{200b}".into(),
        last_name: "\t".into(),
        company: "\u{a0}".into(),
        ..RawReferral::default()
    };
    for mode in [IntakeMode::Form, IntakeMode::Upload] {
        let errors = validate_referral(&raw, mode, &ctx(&providers)).unwrap_err();
        assert_eq!(errors.get("first_name"), Some("Enter the first name"));
        assert_eq!(errors.get("last_name"), Some("Enter the last name"));
        assert_eq!(errors.get("company"), Some("Enter the company name"));
        assert_eq!(errors.get("email"), Some(NEED_CONTACT));
        assert_eq!(errors.get("phone"), Some(NEED_CONTACT));
        let consent = errors.get("consent");
        match mode {
            IntakeMode::Form => assert_eq!(consent, Some(NEED_CONSENT)),
            IntakeMode::Upload => assert_eq!(consent, None),
        }
    }
}

#[test]
fn overlong_required_fields_are_errors() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        first_name: "a".repeat(101),
        last_name: "é".repeat(100),
        company: "c".repeat(201),
        ..good()
    };
    let errors = validate_referral(&raw, IntakeMode::Upload, &ctx(&providers)).unwrap_err();
    assert_eq!(
        errors.get("first_name"),
        Some("First name must be 100 characters or fewer")
    );
    assert_eq!(errors.get("last_name"), None);
    assert_eq!(
        errors.get("company"),
        Some("Company name must be 200 characters or fewer")
    );
}

#[test]
fn malformed_email_is_an_error_in_both_modes() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        email: "dana@@example.com".into(),
        ..good()
    };
    for mode in [IntakeMode::Form, IntakeMode::Upload] {
        let errors = validate_referral(&raw, mode, &ctx(&providers)).unwrap_err();
        assert!(errors.get("email").is_some(), "{mode:?}");
    }
}

/// Bad optional values: (field, setter, raw value).
fn bad_optional_values() -> Vec<(&'static str, RawReferral)> {
    let base = good;
    vec![
        (
            "phone",
            RawReferral {
                phone: "4.47701E+11".into(),
                ..base()
            },
        ),
        (
            "phone",
            RawReferral {
                phone: "call me".into(),
                ..base()
            },
        ),
        (
            "website",
            RawReferral {
                website: "javascript:alert(3)".into(),
                ..base()
            },
        ),
        (
            "website",
            RawReferral {
                website: "ftp://x".into(),
                ..base()
            },
        ),
        (
            "country",
            RawReferral {
                country: "Narnia".into(),
                ..base()
            },
        ),
        (
            "strength",
            RawReferral {
                strength: "6".into(),
                ..base()
            },
        ),
        (
            "strength",
            RawReferral {
                strength: "3.5".into(),
                ..base()
            },
        ),
        (
            "urgency",
            RawReferral {
                urgency: "asap".into(),
                ..base()
            },
        ),
        (
            "deal_size",
            RawReferral {
                deal_size: "-5".into(),
                ..base()
            },
        ),
        (
            "deal_size",
            RawReferral {
                deal_size: "12.345".into(),
                ..base()
            },
        ),
        (
            "title",
            RawReferral {
                title: "t".repeat(201),
                ..base()
            },
        ),
        (
            "pain",
            RawReferral {
                pain: "p".repeat(4001),
                ..base()
            },
        ),
    ]
}

#[test]
fn bad_optional_field_is_an_error_on_the_form() {
    let providers = ProviderLists::default();
    for (field, raw) in bad_optional_values() {
        let errors = validate_referral(&raw, IntakeMode::Form, &ctx(&providers)).unwrap_err();
        assert!(errors.get(field).is_some(), "{field}: {errors}");
        assert_eq!(errors.0.len(), 1, "{field}: {errors}");
    }
}

#[test]
fn bad_optional_field_is_cleared_with_a_warning_in_an_upload() {
    let providers = ProviderLists::default();
    for (field, raw) in bad_optional_values() {
        let v = validate_referral(&raw, IntakeMode::Upload, &ctx(&providers))
            .unwrap_or_else(|e| panic!("{field}: {e}"));
        assert_eq!(v.warnings.len(), 1, "{field}");
        assert_eq!(v.warnings[0].field, field);
        assert!(!v.warnings[0].raw_value.is_empty());
        assert!(!v.warnings[0].message.is_empty());
    }
    let raw = RawReferral {
        phone: " 4,47701E+11 ".into(),
        ..good()
    };
    let v = validate_referral(&raw, IntakeMode::Upload, &ctx(&providers)).unwrap();
    assert_eq!(v.phone_e164, None);
    assert_eq!(v.warnings[0].raw_value, "4,47701E+11");
}

#[test]
fn upload_row_whose_only_contact_is_unusable_is_invalid() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        email: String::new(),
        phone: "4.47701E+11".into(),
        ..good()
    };
    let errors = validate_referral(&raw, IntakeMode::Upload, &ctx(&providers)).unwrap_err();
    assert_eq!(errors.get("email"), Some(NEED_CONTACT));
    assert!(errors.get("phone").is_some());
}

#[test]
fn upload_ignores_the_consent_field() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        consent: false,
        ..good()
    };
    assert!(validate_referral(&raw, IntakeMode::Upload, &ctx(&providers)).is_ok());
    let errors = validate_referral(&raw, IntakeMode::Form, &ctx(&providers)).unwrap_err();
    assert_eq!(errors.0, vec![("consent", NEED_CONSENT.to_string())]);
}

#[test]
fn phone_uses_referral_country_before_organisation_default() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        email: String::new(),
        phone: "030 1234567".into(),
        country: "DE".into(),
        ..good()
    };
    let v = validate_referral(&raw, IntakeMode::Form, &ctx(&providers)).unwrap();
    assert_eq!(v.phone_e164.as_deref(), Some("+49301234567"));
}

#[test]
fn urgency_spellings_are_accepted() {
    for (raw, expected) in [
        ("now", Urgency::Now),
        ("NOW", Urgency::Now),
        ("this quarter", Urgency::ThisQuarter),
        ("this_quarter", Urgency::ThisQuarter),
        ("This  Quarter", Urgency::ThisQuarter),
        ("Later", Urgency::Later),
    ] {
        assert_eq!(raw.parse::<Urgency>(), Ok(expected), "{raw:?}");
    }
    assert_eq!(Urgency::ThisQuarter.as_str(), "this_quarter");
}

#[test]
fn disposable_email_is_kept_with_a_warning() {
    let providers = ProviderLists::default();
    let raw = RawReferral {
        email: "dana@mailinator.com".into(),
        website: String::new(),
        ..good()
    };
    let v = validate_referral(&raw, IntakeMode::Form, &ctx(&providers)).unwrap();
    assert!(v.email.is_some());
    assert_eq!(v.company_domain, None);
    assert_eq!(v.warnings[0].field, "email");
}

#[test]
fn markup_is_kept_literally() {
    let providers = ProviderLists::default();
    let markup = "\"><img src=x onerror=alert(1)>";
    let raw = RawReferral {
        first_name: markup.into(),
        last_name: "<script>alert(2)</script>".into(),
        company: markup.into(),
        title: markup.into(),
        pain: markup.into(),
        ..good()
    };
    let v = validate_referral(&raw, IntakeMode::Form, &ctx(&providers)).unwrap();
    assert_eq!(v.first_name, markup);
    assert_eq!(v.last_name, "<script>alert(2)</script>");
    assert_eq!(v.company, markup);
    assert_eq!(v.title.as_deref(), Some(markup));
    assert_eq!(v.pain.as_deref(), Some(markup));
}

#[test]
fn odd_input_never_panics() {
    let providers = ProviderLists::default();
    let long = "x".repeat(10_000);
    let odd = [
        long.as_str(),
        "\u{0}\u{1}\u{7f}",
        "🦀🦀🦀",
        "\u{202e}gnp.exe",
        "e\u{301}\u{301}\u{301}",
        "\u{fdfd}\u{fdfd}",
        "𝕳𝖊𝖑𝖑𝖔",
        "İIıi",
        "@",
        "+",
        "٣٫٥",
        "\"><img src=x onerror=alert(1)>",
        "",
    ];
    for value in odd {
        let raw = RawReferral {
            first_name: value.into(),
            last_name: value.into(),
            email: value.into(),
            phone: value.into(),
            title: value.into(),
            company: value.into(),
            website: value.into(),
            country: value.into(),
            relationship: value.into(),
            strength: value.into(),
            pain: value.into(),
            urgency: value.into(),
            deal_size: value.into(),
            consent: true,
        };
        for mode in [IntakeMode::Form, IntakeMode::Upload] {
            let _ = validate_referral(&raw, mode, &ctx(&providers));
        }
    }
}
