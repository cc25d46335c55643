//! Tests for the business-hours clock and SLA schedules.

use chrono::{NaiveTime, TimeZone};
use chrono_tz::{America::New_York, Europe::Berlin, Tz};

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
}

fn nine_to_five(zone: Tz) -> WorkingCalendar {
    WorkingCalendar::weekdays(zone, hm(9, 0), hm(17, 0)).unwrap()
}

/// Reads "Fri 2026-12-04 15:30" in `zone`, checking the weekday written in front.
fn local(zone: Tz, text: &str) -> DateTime<Utc> {
    let (weekday, rest) = text.split_once(' ').unwrap();
    let wall = NaiveDateTime::parse_from_str(rest, "%Y-%m-%d %H:%M").unwrap();
    assert_eq!(wall.format("%a").to_string(), weekday, "weekday of {text}");
    zone.from_local_datetime(&wall)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn case_c09_due_and_reminder_instants_match_the_fixture() {
    let fixture = include_str!("../../../tests/fixtures/C09_sla_business_hours.csv");
    let mut lines = fixture.lines();
    assert_eq!(
        lines.next().unwrap(),
        "case,routed_at_local_Europe_Berlin,routed_at_utc,expected_due_local,\
         expected_due_utc,expected_reminder_local_1h_left"
    );
    let cal = nine_to_five(Berlin);
    let mut rows = 0;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').collect();
        let [
            case,
            routed_local,
            routed_utc,
            due_local,
            due_utc,
            remind_local,
        ] = cols[..]
        else {
            panic!("row with {} columns: {line}", cols.len());
        };
        let routed_at = utc(routed_utc);
        assert_eq!(
            local(Berlin, routed_local),
            routed_at,
            "case {case} routing"
        );
        assert_eq!(
            local(Berlin, due_local),
            utc(due_utc),
            "case {case} fixture"
        );

        let schedule = sla_schedule(&cal, &SlaPolicy::default(), routed_at);

        assert_eq!(schedule.due_at, utc(due_utc), "case {case} due");
        assert_eq!(
            schedule.remind_at,
            local(Berlin, remind_local),
            "case {case} reminder"
        );
        rows += 1;
    }
    assert_eq!(rows, 5);
}

#[test]
fn case_c09_contact_before_the_deadline_counts_as_met() {
    let cal = nine_to_five(Berlin);
    let routed_at = utc("2026-12-04T14:30:00Z");
    let schedule = sla_schedule(&cal, &SlaPolicy::default(), routed_at);
    let contacted_at = utc("2026-12-07T10:00:00Z"); // Mon 11:00 CET

    assert!(contacted_at <= schedule.due_at);
    assert_eq!(
        business_time_between(&cal, routed_at, contacted_at),
        TimeDelta::minutes(210)
    );
}

#[test]
fn deadlines_skip_nights_weekends_and_holidays() {
    let christmas = [
        NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
    ];
    let holidays = nine_to_five(Berlin).with_holidays(christmas);
    let plain = nine_to_five(Berlin);
    let cases: &[(&str, &WorkingCalendar, &str, i64, &str)] = &[
        (
            "inside hours",
            &plain,
            "2026-12-07T09:00:00Z",
            4,
            "2026-12-07T13:00:00Z",
        ),
        (
            "ends at closing time",
            &plain,
            "2026-12-07T12:00:00Z",
            4,
            "2026-12-07T16:00:00Z",
        ),
        (
            "before opening",
            &plain,
            "2026-12-08T05:00:00Z",
            4,
            "2026-12-08T12:00:00Z",
        ),
        (
            "after closing",
            &plain,
            "2026-12-07T17:00:00Z",
            4,
            "2026-12-08T12:00:00Z",
        ),
        (
            "on Sunday",
            &plain,
            "2026-12-06T11:00:00Z",
            4,
            "2026-12-07T12:00:00Z",
        ),
        (
            "several days",
            &plain,
            "2026-12-07T08:00:00Z",
            20,
            "2026-12-09T12:00:00Z",
        ),
        (
            "over a weekend",
            &plain,
            "2026-12-10T08:00:00Z",
            24,
            "2026-12-14T16:00:00Z",
        ),
        (
            "over holidays",
            &holidays,
            "2026-12-23T14:00:00Z",
            4,
            "2026-12-28T10:00:00Z",
        ),
        (
            "from a holiday",
            &holidays,
            "2026-12-24T10:00:00Z",
            1,
            "2026-12-28T09:00:00Z",
        ),
    ];
    for (name, cal, start, hours, expected) in cases {
        let due = add_business_time(cal, utc(start), TimeDelta::hours(*hours));

        assert_eq!(due, utc(expected), "{name}");
        assert_eq!(
            business_time_between(cal, utc(start), due),
            TimeDelta::hours(*hours),
            "{name}: counted back"
        );
    }
}

#[test]
fn weekday_deadlines_keep_local_hours_across_clock_changes() {
    let cases: &[(&str, Tz, &str, &str)] = &[
        (
            "Berlin spring",
            Berlin,
            "2027-03-26T14:30:00Z",
            "2027-03-29T09:30:00Z",
        ),
        (
            "Berlin autumn",
            Berlin,
            "2027-10-29T13:30:00Z",
            "2027-11-01T10:30:00Z",
        ),
        (
            "New York spring",
            New_York,
            "2027-03-12T20:30:00Z",
            "2027-03-15T15:30:00Z",
        ),
        (
            "New York autumn",
            New_York,
            "2027-11-05T19:30:00Z",
            "2027-11-08T16:30:00Z",
        ),
    ];
    for (name, zone, routed, due) in cases {
        let cal = nine_to_five(*zone);

        let schedule = sla_schedule(&cal, &SlaPolicy::default(), utc(routed));

        assert_eq!(schedule.due_at, utc(due), "{name}");
        assert_eq!(schedule.remind_at, utc(due) - TimeDelta::hours(1), "{name}");
    }
}

#[test]
fn days_with_a_clock_change_are_shorter_or_longer() {
    // Wall-clock hours on the changeover Sundays; the clocks jump at 02:00 (01:00 in the
    // autumn for New York's repeated hour).
    let cases: &[(&str, Tz, &str, &str, &str, i64)] = &[
        (
            "Berlin gap inside hours",
            Berlin,
            "Sun 01:00-04:00",
            "2027-03-27T12:00:00Z",
            "2027-03-28T12:00:00Z",
            120,
        ),
        (
            "Berlin gap at opening",
            Berlin,
            "Sun 02:30-05:00",
            "2027-03-27T12:00:00Z",
            "2027-03-28T12:00:00Z",
            120,
        ),
        (
            "Berlin gap at closing",
            Berlin,
            "Sun 00:00-02:30",
            "2027-03-27T12:00:00Z",
            "2027-03-28T12:00:00Z",
            120,
        ),
        (
            "Berlin repeat inside hours",
            Berlin,
            "Sun 01:00-04:00",
            "2027-10-30T12:00:00Z",
            "2027-10-31T12:00:00Z",
            240,
        ),
        (
            "New York gap at opening",
            New_York,
            "Sun 02:15-03:15",
            "2027-03-14T00:00:00Z",
            "2027-03-15T00:00:00Z",
            15,
        ),
        (
            "New York short day",
            New_York,
            "Sun 00:00-23:59",
            "2027-03-14T00:00:00Z",
            "2027-03-16T00:00:00Z",
            22 * 60 + 59,
        ),
        (
            "New York long day",
            New_York,
            "Sun 00:00-23:59",
            "2027-11-07T00:00:00Z",
            "2027-11-09T00:00:00Z",
            24 * 60 + 59,
        ),
        (
            "New York repeat at both ends",
            New_York,
            "Sun 01:30-01:45",
            "2027-11-07T00:00:00Z",
            "2027-11-08T00:00:00Z",
            75,
        ),
    ];
    for (name, zone, hours, from, to, minutes) in cases {
        let cal = WorkingCalendar::parse(zone.name(), hours, "").unwrap();

        let worked = business_time_between(&cal, utc(from), utc(to));

        assert_eq!(worked, TimeDelta::minutes(*minutes), "{name}");
    }
}

#[test]
fn deadlines_across_clock_change_hours_use_each_instant_once() {
    let spring = WorkingCalendar::parse("Europe/Berlin", "Sun 01:00-04:00", "").unwrap();
    let autumn = spring.clone();
    let gap = WorkingCalendar::parse("Europe/Berlin", "Sun 02:30-05:00", "").unwrap();
    let cases: &[(&str, &WorkingCalendar, &str, i64, &str)] = &[
        // 01:00 CET = 00:00Z; the clocks jump to 03:00 CEST = 01:00Z; closing 04:00 CEST = 02:00Z.
        (
            "before the gap",
            &spring,
            "2027-03-27T23:00:00Z",
            50,
            "2027-03-28T00:50:00Z",
        ),
        (
            "after the gap",
            &spring,
            "2027-03-27T23:00:00Z",
            70,
            "2027-03-28T01:10:00Z",
        ),
        (
            "past the short day",
            &spring,
            "2027-03-27T23:00:00Z",
            150,
            "2027-04-03T23:30:00Z",
        ),
        (
            "opening in the gap",
            &gap,
            "2027-03-27T23:00:00Z",
            30,
            "2027-03-28T01:30:00Z",
        ),
        // 01:00 CEST = 23:00Z; 02:00-03:00 happens twice; closing 04:00 CET = 03:00Z.
        (
            "in the first 02:30",
            &autumn,
            "2027-10-30T22:00:00Z",
            90,
            "2027-10-31T00:30:00Z",
        ),
        (
            "in the second 02:30",
            &autumn,
            "2027-10-30T22:00:00Z",
            150,
            "2027-10-31T01:30:00Z",
        ),
        (
            "at the long day's close",
            &autumn,
            "2027-10-30T22:00:00Z",
            240,
            "2027-10-31T03:00:00Z",
        ),
    ];
    for (name, cal, start, minutes, expected) in cases {
        let due = add_business_time(cal, utc(start), TimeDelta::minutes(*minutes));

        assert_eq!(due, utc(expected), "{name}");
    }
}

#[test]
fn business_time_between_counts_only_working_hours() {
    let cal = nine_to_five(Berlin);
    let cases: &[(&str, &str, &str, i64)] = &[
        (
            "same interval",
            "2026-12-07T09:00:00Z",
            "2026-12-07T10:15:00Z",
            75,
        ),
        (
            "overnight",
            "2026-12-07T15:00:00Z",
            "2026-12-08T09:00:00Z",
            120,
        ),
        (
            "over a weekend",
            "2026-12-04T14:30:00Z",
            "2026-12-07T10:30:00Z",
            240,
        ),
        (
            "entirely outside hours",
            "2026-12-05T08:00:00Z",
            "2026-12-06T20:00:00Z",
            0,
        ),
        (
            "end before start",
            "2026-12-07T12:00:00Z",
            "2026-12-07T10:00:00Z",
            0,
        ),
    ];
    for (name, from, to, minutes) in cases {
        let worked = business_time_between(&cal, utc(from), utc(to));

        assert_eq!(worked, TimeDelta::minutes(*minutes), "{name}");
    }
}

#[test]
fn zero_or_negative_amounts_leave_the_start_unchanged() {
    let cal = nine_to_five(Berlin);
    let start = utc("2026-12-05T09:00:00Z");

    assert_eq!(add_business_time(&cal, start, TimeDelta::zero()), start);
    assert_eq!(add_business_time(&cal, start, TimeDelta::hours(-3)), start);
}

#[test]
fn sla_policies_are_checked() {
    let h = TimeDelta::hours;
    assert_eq!(SlaPolicy::default(), SlaPolicy::new(h(4), h(1)).unwrap());
    assert_eq!(SlaPolicy::from_minutes(240, 60), Ok(SlaPolicy::default()));
    let cases: &[(TimeDelta, TimeDelta, SlaPolicyError)] = &[
        (h(0), h(1), SlaPolicyError::FirstContactNotPositive),
        (h(-4), h(1), SlaPolicyError::FirstContactNotPositive),
        (h(721), h(1), SlaPolicyError::FirstContactTooLong),
        (h(4), h(4), SlaPolicyError::ReminderOutOfRange),
        (h(4), h(0), SlaPolicyError::ReminderOutOfRange),
    ];
    for (first, remind, error) in cases {
        assert_eq!(SlaPolicy::new(*first, *remind), Err(error.clone()));
    }
}
