//! Tests for pool rules, regions and round-robin turns.

use chrono_tz::{America::Los_Angeles, Asia::Tokyo, Europe::Berlin};

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn date(text: &str) -> Option<NaiveDate> {
    text.parse().ok()
}

/// A round-robin case: name, pool members, last assigned rep, expected next rep.
type Turn<'a> = (&'a str, &'a [RepAvailability], Option<i64>, Option<i64>);

fn rep(rep_id: i64) -> RepAvailability {
    RepAvailability {
        rep_id,
        active: true,
        out_of_office_until: None,
        zone: Berlin,
    }
}

fn rule(
    pool: i64,
    countries: &[&str],
    regions: &[Region],
    band: (Option<u8>, Option<u8>),
) -> RoutingRule {
    RoutingRule {
        pool: PoolId(pool),
        countries: countries.iter().map(|c| (*c).to_string()).collect(),
        regions: regions.to_vec(),
        min_score: band.0,
        max_score: band.1,
    }
}

#[test]
fn the_first_matching_rule_picks_the_pool() {
    let rules = [
        rule(1, &[], &[], (Some(80), None)),
        rule(2, &["US", "ca"], &[], (None, None)),
        rule(3, &["PL"], &[Region::Dach], (Some(20), Some(79))),
        rule(
            4,
            &[],
            &[Region::Nordics, Region::UkAndIreland],
            (None, None),
        ),
    ];
    let default = PoolId(99);
    let cases: &[(&str, Option<&str>, u8, i64)] = &[
        ("high score anywhere", Some("JP"), 80, 1),
        ("high score, no country", None, 95, 1),
        ("listed country", Some("US"), 50, 2),
        ("listed country in lower case", Some("ca"), 50, 2),
        ("region member in the band", Some("AT"), 20, 3),
        ("listed country at the top of the band", Some("PL"), 79, 3),
        ("region member below the band", Some("CH"), 19, 99),
        ("second region", Some("IE"), 10, 4),
        ("Crown Dependency in UK&I", Some("JE"), 10, 4),
        ("unmatched country", Some("BR"), 50, 99),
        ("no country and a low score", None, 10, 99),
    ];
    for (name, country, score, pool) in cases {
        assert_eq!(
            choose_pool(&rules, default, *country, *score),
            PoolId(*pool),
            "{name}"
        );
    }
}

#[test]
fn no_rules_means_the_default_pool() {
    assert_eq!(choose_pool(&[], PoolId(7), Some("DE"), 50), PoolId(7));
}

#[test]
fn routing_rules_are_checked() {
    let cases: &[(RoutingRule, Result<(), RoutingRuleError>)] = &[
        (
            rule(1, &["de", "GB"], &[Region::Eu], (Some(10), Some(90))),
            Ok(()),
        ),
        (rule(1, &[], &[], (Some(50), Some(50))), Ok(())),
        (
            rule(1, &["UK"], &[], (None, None)),
            Err(RoutingRuleError::UnknownCountry("UK".into())),
        ),
        (
            rule(1, &[], &[], (None, Some(101))),
            Err(RoutingRuleError::ScoreAboveHundred),
        ),
        (
            rule(1, &[], &[], (Some(60), Some(40))),
            Err(RoutingRuleError::EmptyScoreBand),
        ),
    ];
    for (rule, expected) in cases {
        assert_eq!(rule.validate(), *expected, "{rule:?}");
    }
}

#[test]
fn regions_read_their_names_and_list_known_countries() {
    assert_eq!("uk&i".parse(), Ok(Region::UkAndIreland));
    assert_eq!(" dach ".parse(), Ok(Region::Dach));
    assert_eq!("Europe".parse::<Region>(), Err(RegionError));
    for region in Region::ALL {
        assert_eq!(region.as_str().parse(), Ok(region));
        for code in region.countries() {
            assert_eq!(
                Country::parse(code).map(|c| c.code()),
                Ok(*code),
                "{region:?}"
            );
        }
    }
    assert!(Region::Eu.contains("de") && !Region::Eu.contains("GB"));
}

#[test]
fn rules_are_stored_as_json_with_region_names() {
    let stored = rule(
        3,
        &["PL"],
        &[Region::Dach, Region::UkAndIreland],
        (Some(20), None),
    );

    let json = serde_json::to_string(&stored).unwrap_or_default();

    assert_eq!(
        json,
        r#"{"pool":3,"countries":["PL"],"regions":["DACH","UKI"],"min_score":20,"max_score":null}"#
    );
    assert_eq!(
        serde_json::from_str::<RoutingRule>(r#"{"pool":3}"#).ok(),
        Some(rule(3, &[], &[], (None, None)))
    );
}

#[test]
fn reps_take_turns_skipping_those_who_are_away() {
    let now = utc("2027-03-10T10:00:00Z");
    let inactive = RepAvailability {
        active: false,
        ..rep(2)
    };
    let away = RepAvailability {
        out_of_office_until: date("2027-03-10"),
        ..rep(3)
    };
    let back_today = RepAvailability {
        out_of_office_until: date("2027-03-09"),
        ..rep(4)
    };
    let pool = [rep(1), inactive, away, back_today, rep(5)];
    let cases: &[Turn] = &[
        ("first turn starts at the top", &pool, None, Some(1)),
        ("skips inactive and out of office", &pool, Some(1), Some(4)),
        ("back after yesterday's last day", &pool, Some(3), Some(4)),
        ("next in order", &pool, Some(4), Some(5)),
        ("wraps around", &pool, Some(5), Some(1)),
        (
            "unknown last rep starts at the top",
            &pool,
            Some(42),
            Some(1),
        ),
        (
            "only the last rep is available",
            &pool[..3],
            Some(1),
            Some(1),
        ),
        ("nobody available", &pool[1..3], Some(2), None),
        ("empty pool", &[], Some(1), None),
    ];
    for (name, members, last, expected) in cases {
        assert_eq!(next_rep(members, *last, now), *expected, "{name}");
    }
}

#[test]
fn out_of_office_dates_are_read_in_the_reps_zone() {
    // 2027-03-10T23:30Z is already 11 March in Tokyo but still 10 March in Los Angeles.
    let now = utc("2027-03-10T23:30:00Z");
    let until_10th = date("2027-03-10");
    let tokyo = RepAvailability {
        out_of_office_until: until_10th,
        zone: Tokyo,
        ..rep(1)
    };
    let los_angeles = RepAvailability {
        out_of_office_until: until_10th,
        zone: Los_Angeles,
        ..rep(2)
    };

    assert!(tokyo.is_available(now));
    assert!(!los_angeles.is_available(now));
    assert_eq!(next_rep(&[los_angeles, tokyo], None, now), Some(1));
}
