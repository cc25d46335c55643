//! Tests for program months and quarters.

use chrono_tz::America::{Asuncion, Havana, Los_Angeles};
use chrono_tz::Europe::Berlin;

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn month(text: &str) -> ProgramMonth {
    text.parse().unwrap()
}

fn quarter(text: &str) -> ProgramQuarter {
    text.parse().unwrap()
}

#[test]
fn case_c08_deals_fall_in_the_statement_month_of_the_fixture() {
    let fixture = include_str!("../../../tests/fixtures/C08_month_boundary.csv");
    let mut lines = fixture.lines();
    assert_eq!(
        lines.next().unwrap(),
        "deal_id,closed_at_utc,closed_at_program_local,expected_statement_month"
    );
    let mut rows = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        let [deal, closed_utc, closed_local, expected] = cols[..] else {
            panic!("row with {} columns: {line}", cols.len());
        };
        let closed_at = utc(closed_utc);
        let shown = closed_at
            .with_timezone(&Los_Angeles)
            .format("%Y-%m-%d %H:%M:%S %Z");
        assert_eq!(shown.to_string(), closed_local, "deal {deal} local time");

        let got = ProgramMonth::containing(closed_at, Los_Angeles);

        assert_eq!(got, month(expected), "deal {deal}");
        assert!(
            got.contains(closed_at, Los_Angeles),
            "deal {deal} within bounds"
        );
        assert!(!got.next().contains(closed_at, Los_Angeles), "deal {deal}");
        assert!(
            !got.previous().contains(closed_at, Los_Angeles),
            "deal {deal}"
        );
        rows += 1;
    }
    assert_eq!(rows, 5);
}

#[test]
fn case_c08_october_holds_deals_a_b_and_d_only() {
    let fixture = include_str!("../../../tests/fixtures/C08_month_boundary.csv");
    let october = month("2026-10");
    let mut deals: Vec<&str> = fixture
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .filter(|(_, rest)| {
            let closed_at = rest.split(',').next().unwrap();
            october.contains(utc(closed_at), Los_Angeles)
        })
        .map(|(deal, _)| deal)
        .collect();
    deals.sort_unstable();

    assert_eq!(deals, ["A", "B", "D"]);
}

#[test]
fn case_c08_october_is_closed_only_once_it_has_ended_in_los_angeles() {
    let cases = [
        ("2026-11-01T00:05:00Z", "2026-09"),
        ("2026-11-01T06:59:59Z", "2026-09"),
        ("2026-11-01T07:00:00Z", "2026-10"),
        ("2026-11-01T08:00:00Z", "2026-10"),
        ("2026-12-01T07:59:59Z", "2026-10"),
        ("2026-12-01T08:00:00Z", "2026-11"),
    ];
    for (now, expected) in cases {
        assert_eq!(
            ProgramMonth::last_closed(utc(now), Los_Angeles),
            month(expected),
            "at {now}"
        );
    }
}

#[test]
fn month_bounds_follow_the_local_offset_of_each_first_day() {
    let cases = [
        // October starts in summer time and November still does: the change is at 02:00.
        (
            Los_Angeles,
            "2026-10",
            "2026-10-01T07:00:00Z",
            "2026-11-01T07:00:00Z",
        ),
        // November 2026 spans the fall-back change, so it lasts one hour longer.
        (
            Los_Angeles,
            "2026-11",
            "2026-11-01T07:00:00Z",
            "2026-12-01T08:00:00Z",
        ),
        (
            Berlin,
            "2026-03",
            "2026-02-28T23:00:00Z",
            "2026-03-31T22:00:00Z",
        ),
        (
            Berlin,
            "2026-12",
            "2026-11-30T23:00:00Z",
            "2026-12-31T23:00:00Z",
        ),
        // Paraguay skipped from 00:00 to 01:00 on 1 October 2023: the month starts at 01:00.
        (
            Asuncion,
            "2023-10",
            "2023-10-01T04:00:00Z",
            "2023-11-01T03:00:00Z",
        ),
        // Cuba repeats 00:00-01:00 on 1 November 2026: the month starts at the first midnight.
        (
            Havana,
            "2026-11",
            "2026-11-01T04:00:00Z",
            "2026-12-01T05:00:00Z",
        ),
    ];
    for (zone, text, start, end) in cases {
        assert_eq!(
            month(text).bounds(zone),
            (utc(start), utc(end)),
            "{text} in {zone}"
        );
    }
}

#[test]
fn instants_around_a_clock_change_at_midnight_keep_their_month() {
    let cases = [
        (Asuncion, "2023-10-01T03:59:59Z", "2023-09"),
        (Asuncion, "2023-10-01T04:00:00Z", "2023-10"),
        (Havana, "2026-11-01T03:59:59Z", "2026-10"),
        (Havana, "2026-11-01T04:30:00Z", "2026-11"),
        (Havana, "2026-11-01T05:30:00Z", "2026-11"),
    ];
    for (zone, instant, expected) in cases {
        assert_eq!(
            ProgramMonth::containing(utc(instant), zone),
            month(expected),
            "{instant} in {zone}"
        );
    }
}

#[test]
fn months_step_across_year_ends() {
    assert_eq!(month("2026-12").next(), month("2027-01"));
    assert_eq!(month("2027-01").previous(), month("2026-12"));
    assert_eq!(month("2026-05").next(), month("2026-06"));
    assert_eq!(month("2026-05").previous(), month("2026-04"));
}

#[test]
fn months_and_quarters_read_and_print_the_same_text() {
    for text in ["2026-01", "2026-10", "0999-12"] {
        assert_eq!(month(text).to_string(), text);
    }
    for text in ["2026-Q1", "2026-Q4"] {
        assert_eq!(quarter(text).to_string(), text);
    }
    assert_eq!(quarter("2026-q2"), quarter("2026-Q2"));
}

#[test]
fn malformed_periods_are_refused() {
    let months = [
        ("2026-13", PeriodError::MonthOutOfRange),
        ("2026-00", PeriodError::MonthOutOfRange),
        ("2026-1", PeriodError::NotAPeriod),
        ("2026/10", PeriodError::NotAPeriod),
        ("26-10", PeriodError::NotAPeriod),
        ("", PeriodError::NotAPeriod),
    ];
    for (text, error) in months {
        assert_eq!(text.parse::<ProgramMonth>(), Err(error), "{text:?}");
    }
    let quarters = [
        ("2026-Q5", PeriodError::QuarterOutOfRange),
        ("2026-Q0", PeriodError::QuarterOutOfRange),
        ("2026-4", PeriodError::NotAPeriod),
        ("2026-Q12", PeriodError::NotAPeriod),
    ];
    for (text, error) in quarters {
        assert_eq!(text.parse::<ProgramQuarter>(), Err(error), "{text:?}");
    }
    assert_eq!(
        ProgramMonth::new(2026, 13),
        Err(PeriodError::MonthOutOfRange)
    );
    assert_eq!(
        ProgramQuarter::new(2026, 0),
        Err(PeriodError::QuarterOutOfRange)
    );
}

#[test]
fn quarters_are_cut_in_the_program_zone() {
    let cases = [
        ("2026-09-30T23:00:00Z", "2026-Q3"),
        ("2026-10-01T06:59:59Z", "2026-Q3"),
        ("2026-10-01T07:00:00Z", "2026-Q4"),
        ("2027-01-01T07:59:59Z", "2026-Q4"),
        ("2027-01-01T08:00:00Z", "2027-Q1"),
    ];
    for (instant, expected) in cases {
        assert_eq!(
            ProgramQuarter::containing(utc(instant), Los_Angeles),
            quarter(expected),
            "{instant}"
        );
    }
    assert_eq!(
        quarter("2026-Q4").bounds(Los_Angeles),
        (utc("2026-10-01T07:00:00Z"), utc("2027-01-01T08:00:00Z"))
    );
    assert!(quarter("2026-Q4").contains(utc("2026-12-31T12:00:00Z"), Los_Angeles));
}

#[test]
fn quarters_step_and_close_like_months() {
    assert_eq!(quarter("2026-Q4").next(), quarter("2027-Q1"));
    assert_eq!(quarter("2027-Q1").previous(), quarter("2026-Q4"));
    assert_eq!(quarter("2026-Q2").first_month(), month("2026-04"));
    assert_eq!(month("2026-12").quarter(), quarter("2026-Q4"));
    assert_eq!(month("2026-01").quarter(), quarter("2026-Q1"));
    let cases = [
        ("2027-01-01T00:05:00Z", "2026-Q3"),
        ("2027-01-01T08:00:00Z", "2026-Q4"),
    ];
    for (now, expected) in cases {
        assert_eq!(
            ProgramQuarter::last_closed(utc(now), Los_Angeles),
            quarter(expected),
            "at {now}"
        );
    }
}
