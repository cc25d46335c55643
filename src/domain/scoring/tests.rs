//! Tests for scoring rules, scores and their explanations.

use super::*;
use crate::domain::intake::{IntakeContext, IntakeMode, RawReferral, validate_referral};
use crate::domain::money::Currency;
use crate::domain::providers::ProviderLists;

fn input() -> ScoreInput {
    ScoreInput {
        country: None,
        seniority: Seniority::Unknown,
        strength: None,
        urgency: None,
        has_email: false,
        has_phone: false,
        has_title: false,
        has_website: false,
        email_class: None,
        existing_customer: false,
    }
}

fn best() -> ScoreInput {
    ScoreInput {
        country: Some("DE".into()),
        seniority: Seniority::Executive,
        strength: Some(5),
        urgency: Some(Urgency::Now),
        has_email: true,
        has_phone: true,
        has_title: true,
        has_website: true,
        email_class: Some(DomainClass::Business),
        existing_customer: false,
    }
}

fn lines(score: &Score) -> Vec<String> {
    score.reasons.iter().map(ToString::to_string).collect()
}

#[test]
fn default_rules_explain_each_point_in_field_order() {
    let vp_in_germany = ScoreInput {
        seniority: Seniority::VicePresident,
        strength: Some(3),
        urgency: Some(Urgency::ThisQuarter),
        email_class: Some(DomainClass::FreeMail),
        has_email: true,
        ..best()
    };
    let cases: &[(&str, ScoreInput, u8, &[&str])] = &[
        ("nothing known", input(), 0, &[]),
        (
            "everything at its best",
            best(),
            100,
            &[
                "+15 target country DE",
                "+25 executive title",
                "+20 relationship strength 5 of 5",
                "+15 urgency: now",
                "+10 complete contact details",
                "+15 business e-mail address",
            ],
        ),
        (
            "a VP in a target country with a free-mail address",
            vp_in_germany,
            53,
            &[
                "+15 target country DE",
                "+20 VP-level title",
                "+10 relationship strength 3 of 5",
                "+8 urgency: this quarter",
                "+10 complete contact details",
                "\u{2212}10 free-mail address",
            ],
        ),
        (
            "lower-case country outside the list, incomplete details",
            ScoreInput {
                country: Some("us".into()),
                has_website: false,
                ..best()
            },
            75,
            &[
                "+25 executive title",
                "+20 relationship strength 5 of 5",
                "+15 urgency: now",
                "+15 business e-mail address",
            ],
        ),
        (
            "an existing customer",
            ScoreInput {
                existing_customer: true,
                ..best()
            },
            85,
            &[
                "+15 target country DE",
                "+25 executive title",
                "+20 relationship strength 5 of 5",
                "+15 urgency: now",
                "+10 complete contact details",
                "+15 business e-mail address",
                "\u{2212}15 existing customer",
            ],
        ),
        (
            "negative totals stop at zero",
            ScoreInput {
                email_class: Some(DomainClass::Disposable),
                existing_customer: true,
                ..input()
            },
            0,
            &[
                "\u{2212}20 disposable e-mail address",
                "\u{2212}15 existing customer",
            ],
        ),
        (
            "strength outside 1-5 scores nothing",
            ScoreInput {
                strength: Some(9),
                ..input()
            },
            0,
            &[],
        ),
    ];
    for (name, input, value, expected) in cases {
        let score = score(&ScoringRules::default(), input);

        assert_eq!(score.value, *value, "{name}");
        assert_eq!(lines(&score), *expected, "{name}");
    }
}

#[test]
fn per_field_completeness_points_are_listed_separately() {
    let rules = ScoringRules {
        completeness: CompletenessPoints {
            email: 2,
            phone: 3,
            title: 0,
            website: 1,
            all_four: 4,
        },
        ..ScoringRules::default()
    };
    let input = ScoreInput {
        has_email: true,
        has_phone: true,
        has_title: true,
        has_website: true,
        ..input()
    };

    let score = score(&rules, &input);

    assert_eq!(
        lines(&score),
        [
            "+2 e-mail address given",
            "+3 phone number given",
            "+1 website given",
            "+4 complete contact details",
        ]
    );
    assert_eq!(score.value, 10);
}

#[test]
fn totals_above_one_hundred_are_clamped() {
    let rules = ScoringRules {
        target_country: 100,
        ..ScoringRules::default()
    };

    assert_eq!(score(&rules, &best()).value, 100);
}

#[test]
fn score_input_is_read_from_a_validated_referral() {
    let raw = RawReferral {
        first_name: "Dana".into(),
        last_name: "Kowalski".into(),
        email: "dana@northwind-example.com".into(),
        title: "VP Sales".into(),
        company: "Northwind".into(),
        country: "de".into(),
        strength: "4".into(),
        urgency: "now".into(),
        consent: true,
        ..RawReferral::default()
    };
    let providers = ProviderLists::default();
    let ctx = IntakeContext {
        default_phone_country: "DE",
        currency: Currency::EUR,
        providers: &providers,
    };
    let referral = validate_referral(&raw, IntakeMode::Form, &ctx).unwrap();

    let input = ScoreInput::from_referral(&referral, Some(DomainClass::Business), true);

    assert_eq!(
        input,
        ScoreInput {
            country: Some("DE".into()),
            seniority: Seniority::VicePresident,
            strength: Some(4),
            urgency: Some(Urgency::Now),
            has_email: true,
            has_title: true,
            email_class: Some(DomainClass::Business),
            existing_customer: true,
            ..self::input()
        }
    );
}

#[test]
fn default_rules_are_valid() {
    assert_eq!(ScoringRules::default().validate(), Ok(()));
}

#[test]
fn invalid_rules_name_each_offending_field() {
    let mut rules = ScoringRules {
        target_countries: vec!["de".into(), "XX".into(), "Germany".into()],
        existing_customer: 5,
        ..ScoringRules::default()
    };
    rules.seniority.manager = 101;
    rules.strength[2] = -101;
    rules.email.reserved = -250;

    let errors = rules.validate().unwrap_err();

    let fields: Vec<&str> = errors.iter().map(ScoringRulesError::field).collect();
    assert_eq!(
        fields,
        [
            "target_countries",
            "target_countries",
            "seniority.manager",
            "strength.3",
            "email.reserved",
            "existing_customer",
        ]
    );
    assert_eq!(
        errors[2].to_string(),
        "seniority.manager must be between -100 and 100 points"
    );
    assert_eq!(
        errors[0].to_string(),
        "target_countries: \"XX\" is not an ISO country code like DE or GB"
    );
}

#[test]
fn rules_round_trip_as_json_and_missing_keys_take_defaults() {
    let rules = ScoringRules::default();

    let json = serde_json::to_string(&rules).unwrap();
    let partial: ScoringRules =
        serde_json::from_str(r#"{"target_countries":["SE"],"seniority":{"manager":12}}"#).unwrap();

    assert_eq!(serde_json::from_str::<ScoringRules>(&json).unwrap(), rules);
    assert_eq!(partial.target_countries, ["SE"]);
    assert_eq!(partial.seniority.manager, 12);
    assert_eq!(partial.seniority.director, 15);
    assert_eq!(partial.strength, [0, 5, 10, 15, 20]);
}

#[test]
fn scores_round_trip_as_json_for_storage() {
    let score = score(&ScoringRules::default(), &best());

    let json = serde_json::to_string(&score).unwrap();

    assert_eq!(serde_json::from_str::<Score>(&json).unwrap(), score);
}
