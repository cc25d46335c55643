//! Tests for the calendar's text form and storage shape.

use super::*;

#[test]
fn weekly_hours_round_trip_through_their_text_form() {
    let cases: &[(&str, &str)] = &[
        ("Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00"),
        (
            "mon-thu 09:00-17:00; FRI 09:00-15:00",
            "Mon-Thu 09:00-17:00; Fri 09:00-15:00",
        ),
        ("Sun-Thu 08:00-16:00", "Mon-Thu, Sun 08:00-16:00"),
        ("Mon, Wed, Fri 9:00 - 12:30", "Mon, Wed, Fri 09:00-12:30"),
    ];
    for (text, formatted) in cases {
        let days = parse_hours(text).unwrap();

        assert_eq!(format_hours(&days), *formatted, "{text}");
        assert_eq!(parse_hours(formatted).unwrap(), days, "{text}");
    }
}

#[test]
fn bad_calendar_text_is_refused_with_a_reason() {
    let cases: &[(&str, &str, &str, CalendarError)] = &[
        (
            "Mars/Olympus",
            "Mon-Fri 09:00-17:00",
            "",
            CalendarError::UnknownZone("Mars/Olympus".into()),
        ),
        (
            "UTC",
            "Mon-Fri 17:00-09:00",
            "",
            CalendarError::EndNotAfterStart("Mon"),
        ),
        (
            "UTC",
            "Mon 09:00-12:00; Mon 13:00-17:00",
            "",
            CalendarError::DayListedTwice("Mon"),
        ),
        (
            "UTC",
            "Funday 09:00-17:00",
            "",
            CalendarError::UnknownDay("Funday".into()),
        ),
        (
            "UTC",
            "Mon-Fri 9am-5pm",
            "",
            CalendarError::BadTime("9am".into()),
        ),
        (
            "UTC",
            "Mon-Fri",
            "",
            CalendarError::BadGroup("Mon-Fri".into()),
        ),
        (
            "UTC",
            "09:00-17:00",
            "",
            CalendarError::BadGroup("09:00-17:00".into()),
        ),
        ("UTC", "", "", CalendarError::NoWorkingDays),
        (
            "UTC",
            "Mon 09:00-17:00",
            "24.12.2026",
            CalendarError::BadHoliday("24.12.2026".into()),
        ),
    ];
    for (zone, hours, holidays, error) in cases {
        assert_eq!(
            WorkingCalendar::parse(zone, hours, holidays),
            Err(error.clone()),
            "{hours}"
        );
    }
}

#[test]
fn calendars_are_stored_as_readable_json() {
    let cal = WorkingCalendar::parse(
        "Europe/Berlin",
        "Mon-Thu 09:00-17:00; Fri 09:00-15:00",
        "2026-12-25, 2026-12-24",
    )
    .unwrap();

    let json = serde_json::to_string(&cal).unwrap();

    assert_eq!(
        json,
        r#"{"zone":"Europe/Berlin","hours":"Mon-Thu 09:00-17:00; Fri 09:00-15:00","holidays":["2026-12-24","2026-12-25"]}"#
    );
    assert_eq!(serde_json::from_str::<WorkingCalendar>(&json).unwrap(), cal);
    assert_eq!(cal.holidays_text(), "2026-12-24, 2026-12-25");
    let bad = r#"{"zone":"Europe/Berlin","hours":"Mon 17:00-09:00"}"#;
    assert!(serde_json::from_str::<WorkingCalendar>(bad).is_err());
    assert_eq!(
        cal.holidays(),
        &BTreeSet::from([
            NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
        ])
    );
}
