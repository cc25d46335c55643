//! Tests for tier thresholds, progress and promotion and demotion decisions.

use chrono_tz::America::Los_Angeles;

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn eur(major: i64) -> Money {
    Money::new(major * 100, Currency::EUR)
}

fn tier(name: &str, rank: u8, won: Option<i64>, qualified: Option<u32>) -> Tier {
    Tier {
        name: name.to_owned(),
        rank,
        min_won_value: won.map(eur),
        min_qualified: qualified,
    }
}

/// Registered (entry), Silver (10,000.00 won or 5 qualified), Gold (50,000.00 or 10).
fn ladder() -> TierLadder {
    TierLadder::new(
        Currency::EUR,
        vec![
            tier("Gold", 2, Some(50_000), Some(10)),
            tier("Registered", 0, None, None),
            tier("Silver", 1, Some(10_000), Some(5)),
        ],
    )
    .unwrap()
}

fn standing(won: i64, qualified: u32) -> TierStanding {
    TierStanding {
        won_value: eur(won),
        qualified,
    }
}

fn named<'a>(ladder: &'a TierLadder, name: &str) -> &'a Tier {
    ladder.tiers().iter().find(|t| t.name == name).unwrap()
}

fn quarterly() -> DemotionPolicy {
    DemotionPolicy {
        grace: Months::new(3),
        zone: Los_Angeles,
    }
}

#[test]
fn the_highest_tier_with_any_threshold_met_applies() {
    let ladder = ladder();
    let cases = [
        (standing(0, 0), "Registered"),
        (standing(9_999, 4), "Registered"),
        (standing(10_000, 4), "Silver"),
        (standing(0, 5), "Silver"),
        (standing(49_999, 9), "Silver"),
        (standing(9_999, 50), "Gold"),
        (standing(200_000, 0), "Gold"),
        (standing(50_000, 10), "Gold"),
    ];
    for (standing, expected) in cases {
        assert_eq!(tier_for(&ladder, &standing).name, expected, "{standing:?}");
    }
    // Won value in another currency meets nothing; the referrals still count.
    let dollars = |qualified| TierStanding {
        won_value: Money::new(100_000_000, Currency::USD),
        qualified,
    };
    assert_eq!(tier_for(&ladder, &dollars(3)).name, "Registered");
    assert_eq!(tier_for(&ladder, &dollars(5)).name, "Silver");
}

#[test]
fn a_tier_with_one_threshold_is_reached_by_that_one_alone() {
    let ladder = TierLadder::new(
        Currency::EUR,
        vec![
            tier("Registered", 0, None, None),
            tier("Silver", 1, None, Some(3)),
            tier("Gold", 2, Some(20_000), None),
        ],
    )
    .unwrap();
    let cases = [
        (standing(19_999, 2), "Registered"),
        (standing(19_999, 3), "Silver"),
        (standing(20_000, 0), "Gold"),
    ];
    for (standing, expected) in cases {
        assert_eq!(tier_for(&ladder, &standing).name, expected, "{standing:?}");
    }
    let silver = named(&ladder, "Silver");
    let progress = progress_to_next(&ladder, silver, &standing(1_000, 40)).unwrap();
    assert_eq!(progress.next.name, "Gold");
    assert_eq!(progress.missing_won_value, Some(eur(19_000)));
    assert_eq!(progress.missing_qualified, None);
}

#[test]
fn progress_names_each_way_still_open_to_the_next_tier() {
    let ladder = ladder();
    // (current, standing, expected (next, won still needed, referrals still needed))
    let cases = [
        (
            "Registered",
            standing(1_600, 2),
            Some(("Silver", Some(8_400), Some(3))),
        ),
        (
            "Registered",
            standing(0, 0),
            Some(("Silver", Some(10_000), Some(5))),
        ),
        // One threshold met is enough: nothing is missing and a promotion is due.
        (
            "Registered",
            standing(12_000, 2),
            Some(("Silver", None, None)),
        ),
        (
            "Silver",
            standing(12_000, 8),
            Some(("Gold", Some(38_000), Some(2))),
        ),
        ("Silver", standing(60_000, 2), Some(("Gold", None, None))),
        ("Gold", standing(60_000, 12), None),
    ];
    for (current, standing, expected) in cases {
        let got = progress_to_next(&ladder, named(&ladder, current), &standing).map(|p| {
            (
                p.next.name.as_str(),
                p.missing_won_value.map(|m| m.minor / 100),
                p.missing_qualified,
            )
        });
        assert_eq!(got, expected, "{current} with {standing:?}");
    }
    let due = progress_to_next(&ladder, named(&ladder, "Silver"), &standing(0, 10)).unwrap();
    assert!(due.is_reached());
}

#[test]
fn tier_decisions_promote_at_once_and_demote_only_at_a_period_end_after_the_grace() {
    let ladder = ladder();
    let policy = quarterly();
    let fell = "2026-05-14T10:00:00Z";
    // (why, current, standing, at, period end, below since, expected)
    let cases = [
        (
            "a higher tier reached mid-period promotes at once",
            "Registered",
            standing(12_000, 6),
            "2026-05-14T10:00:00Z",
            false,
            None,
            TierDecision::Promote(named(&ladder, "Silver")),
        ),
        (
            "tiers can be skipped on the way up",
            "Registered",
            standing(60_000, 12),
            "2026-05-14T10:00:00Z",
            false,
            None,
            TierDecision::Promote(named(&ladder, "Gold")),
        ),
        (
            "falling below mid-period only starts the grace",
            "Gold",
            standing(20_000, 6),
            fell,
            false,
            None,
            TierDecision::StartGrace(utc(fell)),
        ),
        (
            "still below mid-period while the grace runs",
            "Gold",
            standing(20_000, 6),
            "2026-06-20T00:00:00Z",
            false,
            Some(fell),
            TierDecision::Keep,
        ),
        (
            "a period end inside the grace keeps the tier",
            "Gold",
            standing(20_000, 6),
            "2026-07-01T07:00:00Z",
            true,
            Some(fell),
            TierDecision::Keep,
        ),
        (
            "the grace ran out mid-period: wait for the period end",
            "Gold",
            standing(20_000, 6),
            "2026-09-01T00:00:00Z",
            false,
            Some(fell),
            TierDecision::Keep,
        ),
        (
            "the first period end after the grace demotes",
            "Gold",
            standing(20_000, 6),
            "2026-10-01T07:00:00Z",
            true,
            Some(fell),
            TierDecision::Demote(named(&ladder, "Silver")),
        ),
        (
            "a demotion goes down to the highest tier still reached",
            "Gold",
            standing(0, 1),
            "2026-10-01T07:00:00Z",
            true,
            Some(fell),
            TierDecision::Demote(named(&ladder, "Registered")),
        ),
        (
            "the grace is counted in the program zone: local midnight plus three months",
            "Gold",
            standing(20_000, 6),
            "2026-10-01T07:00:00Z",
            true,
            Some("2026-07-01T07:00:00Z"),
            TierDecision::Demote(named(&ladder, "Silver")),
        ),
        (
            "falling below at a period end starts the grace too",
            "Gold",
            standing(20_000, 6),
            "2026-10-01T07:00:00Z",
            true,
            None,
            TierDecision::StartGrace(utc("2026-10-01T07:00:00Z")),
        ),
        (
            "recovering during the grace cancels it",
            "Gold",
            standing(55_000, 6),
            "2026-08-01T00:00:00Z",
            false,
            Some(fell),
            TierDecision::CancelGrace,
        ),
        (
            "recovering is checked before demoting at a period end",
            "Gold",
            standing(55_000, 6),
            "2026-10-01T07:00:00Z",
            true,
            Some(fell),
            TierDecision::CancelGrace,
        ),
        (
            "climbing above the current tier during a grace promotes",
            "Silver",
            standing(55_000, 6),
            "2026-08-01T00:00:00Z",
            false,
            Some(fell),
            TierDecision::Promote(named(&ladder, "Gold")),
        ),
        (
            "a partner at their tier keeps it",
            "Silver",
            standing(12_000, 6),
            "2026-10-01T07:00:00Z",
            true,
            None,
            TierDecision::Keep,
        ),
    ];
    for (why, current, standing, at, period_end, below_since, expected) in cases {
        let got = evaluate(
            &ladder,
            named(&ladder, current),
            &standing,
            utc(at),
            period_end,
            below_since.map(utc),
            &policy,
        );
        assert_eq!(got, expected, "{why}");
    }
}

#[test]
fn grace_ends_at_the_same_local_time_months_later() {
    let policy = quarterly();
    let cases = [
        // 10:00 PST in January, 10:00 PDT in April.
        ("2026-01-15T18:00:00Z", 3, "2026-04-15T17:00:00Z"),
        // 31 January plus one month is the last day of February.
        ("2026-01-31T20:00:00Z", 1, "2026-02-28T20:00:00Z"),
        ("2026-05-14T10:00:00Z", 0, "2026-05-14T10:00:00Z"),
    ];
    for (since, months, expected) in cases {
        let policy = DemotionPolicy {
            grace: Months::new(months),
            ..policy
        };
        assert_eq!(policy.grace_ends_at(utc(since)), utc(expected), "{since}");
    }
}

#[test]
fn the_pending_review_is_the_first_quarter_end_after_the_grace() {
    let policy = quarterly();
    let cases = [
        ("2026-05-14T10:00:00Z", "2026-10-01T07:00:00Z"),
        ("2026-07-01T07:00:00Z", "2026-10-01T07:00:00Z"),
        ("2026-07-01T07:00:01Z", "2027-01-01T08:00:00Z"),
        ("2026-12-31T12:00:00Z", "2027-04-01T07:00:00Z"),
    ];
    for (since, expected) in cases {
        assert_eq!(policy.review_at(utc(since)), utc(expected), "{since}");
    }
}

#[test]
fn ladders_that_leave_partners_without_a_tier_are_refused() {
    let entry = || tier("Registered", 0, None, None);
    let cases = [
        (vec![], TierLadderError::NoTiers),
        (
            vec![tier("Silver", 1, Some(10), None)],
            TierLadderError::EntryTierHasThreshold("Silver".into()),
        ),
        (
            vec![entry(), tier("Silver", 1, None, None)],
            TierLadderError::NoThreshold("Silver".into()),
        ),
        (
            vec![entry(), tier("Silver", 0, None, Some(3))],
            TierLadderError::DuplicateRank(0),
        ),
        (
            vec![entry(), tier(" Registered ", 1, None, Some(3))],
            TierLadderError::DuplicateName("Registered".into()),
        ),
        (
            vec![entry(), tier("  ", 1, None, Some(3))],
            TierLadderError::EmptyName,
        ),
        (
            vec![
                entry(),
                tier("Silver", 1, Some(10_000), Some(5)),
                tier("Gold", 2, Some(50_000), Some(5)),
            ],
            TierLadderError::NotIncreasing {
                name: "Gold".into(),
                below: "Silver".into(),
            },
        ),
        (
            vec![entry(), tier("Silver", 1, Some(-1), None)],
            TierLadderError::NegativeThreshold("Silver".into()),
        ),
        (
            vec![entry(), tier("Silver", 1, Some(0), None)],
            TierLadderError::NegativeThreshold("Silver".into()),
        ),
        (
            vec![
                entry(),
                Tier {
                    min_won_value: Some(Money::new(100, Currency::JPY)),
                    ..tier("Silver", 1, None, None)
                },
            ],
            TierLadderError::WrongCurrency {
                name: "Silver".into(),
                expected: Currency::EUR,
            },
        ),
    ];
    for (tiers, error) in cases {
        assert_eq!(
            TierLadder::new(Currency::EUR, tiers),
            Err(error.clone()),
            "{error}"
        );
    }
}

#[test]
fn a_ladder_is_ordered_from_the_entry_tier_up() {
    let ladder = ladder();
    let names: Vec<&str> = ladder.tiers().iter().map(|t| t.name.as_str()).collect();

    assert_eq!(names, ["Registered", "Silver", "Gold"]);
    assert_eq!(ladder.entry().name, "Registered");
    assert_eq!(ladder.above(named(&ladder, "Gold")), None);
}

#[test]
fn the_trailing_window_counts_calendar_months_in_the_program_zone() {
    let cases = [
        // 10:00 PDT on 14 May back to 10:00 PST on 14 November.
        ("2026-05-14T17:00:00Z", 6, "2025-11-14T18:00:00Z"),
        ("2026-12-04T12:00:00Z", 12, "2025-12-04T12:00:00Z"),
        // 31 March local minus one month is the last day of February.
        ("2026-03-31T19:00:00Z", 1, "2026-02-28T20:00:00Z"),
    ];
    for (now, months, start) in cases {
        let (from, to) = trailing_window(utc(now), Months::new(months), Los_Angeles);
        assert_eq!((from, to), (utc(start), utc(now)), "{now} minus {months}");
    }
}
