//! Showing stored UTC instants in the viewer's time zone.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Formats a stored UTC instant in `zone`, e.g. "4 Dec 2026, 13:00 CET".
pub fn local(instant: NaiveDateTime, zone: &str) -> String {
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    tz.from_utc_datetime(&instant)
        .format("%-d %b %Y, %H:%M %Z")
        .to_string()
}

/// Formats only the date part, in `zone`.
pub fn local_date(instant: NaiveDateTime, zone: &str) -> String {
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    tz.from_utc_datetime(&instant)
        .format("%-d %b %Y")
        .to_string()
}
