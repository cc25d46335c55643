//! A rep's working week, holidays and time zone, with a short text form for storage and forms.
//!
//! Weekly hours are written as groups separated by `;`, each a list of days and one interval:
//! `Mon-Thu 09:00-17:00; Fri 09:00-15:00`. Days are `Mon`..`Sun` (any case); a range may wrap
//! around the weekend (`Sun-Thu`). Each day has at most one interval and it ends on the same day:
//! overnight shifts and `24:00` are not supported. Holidays are ISO dates (`2026-12-24`) in the
//! calendar's own zone, written as a comma-separated list.

use chrono::{Datelike, NaiveDate, NaiveTime};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// Short day names, Monday first, as used in the text form.
const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Working hours per weekday, Monday first: `None` is a day off, `Some((start, end))` local times.
pub type WeeklyHours = [Option<(NaiveTime, NaiveTime)>; 7];

/// Why a working calendar could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The zone is not an IANA time zone name.
    #[error("\"{0}\" is not a known time zone, use a name like Europe/Berlin")]
    UnknownZone(String),
    /// A day name is not Mon, Tue, Wed, Thu, Fri, Sat or Sun.
    #[error("\"{0}\" is not a day, use Mon, Tue, Wed, Thu, Fri, Sat or Sun")]
    UnknownDay(String),
    /// A time is not written as HH:MM.
    #[error("\"{0}\" is not a time, use HH:MM such as 09:00")]
    BadTime(String),
    /// A group is not `<days> <HH:MM>-<HH:MM>`.
    #[error("\"{0}\" should look like Mon-Fri 09:00-17:00")]
    BadGroup(String),
    /// A day's working hours end before they start (or both are equal).
    #[error("On {0} the working hours must end after they start")]
    EndNotAfterStart(&'static str),
    /// A day appears in more than one group.
    #[error("{0} is listed more than once")]
    DayListedTwice(&'static str),
    /// The calendar has no working hours at all, so no deadline could ever fall due.
    #[error("Choose at least one working day")]
    NoWorkingDays,
    /// A holiday is not an ISO date.
    #[error("\"{0}\" is not a date, use YYYY-MM-DD such as 2026-12-24")]
    BadHoliday(String),
}

/// When a rep works: a zone, hours per weekday and holidays (dates in that zone).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "CalendarSpec", into = "CalendarSpec")]
pub struct WorkingCalendar {
    zone: Tz,
    days: WeeklyHours,
    holidays: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// Builds a calendar, checking that each working day ends after it starts and that at
    /// least one day is a working day.
    pub fn new(
        zone: Tz,
        days: WeeklyHours,
        holidays: BTreeSet<NaiveDate>,
    ) -> Result<WorkingCalendar, CalendarError> {
        for (name, hours) in DAY_NAMES.iter().zip(days.iter()) {
            if let Some((start, end)) = hours
                && start >= end
            {
                return Err(CalendarError::EndNotAfterStart(name));
            }
        }
        if days.iter().all(Option::is_none) {
            return Err(CalendarError::NoWorkingDays);
        }
        Ok(WorkingCalendar {
            zone,
            days,
            holidays,
        })
    }

    /// Monday to Friday from `start` to `end`, no holidays.
    pub fn weekdays(
        zone: Tz,
        start: NaiveTime,
        end: NaiveTime,
    ) -> Result<WorkingCalendar, CalendarError> {
        let mut days: WeeklyHours = [None; 7];
        for day in days.iter_mut().take(5) {
            *day = Some((start, end));
        }
        WorkingCalendar::new(zone, days, BTreeSet::new())
    }

    /// The same calendar with these holidays (replacing any earlier ones).
    pub fn with_holidays(mut self, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays = holidays.into_iter().collect();
        self
    }

    /// Reads the stored text form: an IANA zone name, weekly hours and holidays.
    pub fn parse(zone: &str, hours: &str, holidays: &str) -> Result<Self, CalendarError> {
        let zone = parse_zone(zone)?;
        WorkingCalendar::new(zone, parse_hours(hours)?, parse_holidays(holidays)?)
    }

    /// The calendar's time zone.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Working hours per weekday, Monday first.
    pub fn days(&self) -> &WeeklyHours {
        &self.days
    }

    /// Days off in the calendar's zone.
    pub fn holidays(&self) -> &BTreeSet<NaiveDate> {
        &self.holidays
    }

    /// The local working interval on `date`, unless it is a day off or a holiday.
    pub fn hours_on(&self, date: NaiveDate) -> Option<(NaiveTime, NaiveTime)> {
        if self.holidays.contains(&date) {
            return None;
        }
        self.days
            .get(date.weekday().num_days_from_monday() as usize)
            .copied()
            .flatten()
    }

    /// Weekly hours in the text form, e.g. `Mon-Fri 09:00-17:00`.
    pub fn hours_text(&self) -> String {
        format_hours(&self.days)
    }

    /// Holidays in the text form, e.g. `2026-12-24, 2026-12-25`.
    pub fn holidays_text(&self) -> String {
        format_holidays(&self.holidays)
    }
}

/// The storage shape of a [`WorkingCalendar`]: plain strings and dates, readable in JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CalendarSpec {
    /// IANA zone name such as `Europe/Berlin`.
    pub zone: String,
    /// Weekly hours such as `Mon-Fri 09:00-17:00`.
    pub hours: String,
    /// Holidays in the calendar's zone.
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
}

impl TryFrom<CalendarSpec> for WorkingCalendar {
    type Error = CalendarError;

    fn try_from(spec: CalendarSpec) -> Result<Self, Self::Error> {
        let zone = parse_zone(&spec.zone)?;
        WorkingCalendar::new(
            zone,
            parse_hours(&spec.hours)?,
            spec.holidays.into_iter().collect(),
        )
    }
}

impl From<WorkingCalendar> for CalendarSpec {
    fn from(calendar: WorkingCalendar) -> Self {
        CalendarSpec {
            zone: calendar.zone.name().to_string(),
            hours: calendar.hours_text(),
            holidays: calendar.holidays.into_iter().collect(),
        }
    }
}

fn parse_zone(raw: &str) -> Result<Tz, CalendarError> {
    raw.trim()
        .parse::<Tz>()
        .map_err(|_| CalendarError::UnknownZone(raw.trim().to_string()))
}

/// Reads weekly hours such as `Mon-Thu 09:00-17:00; Fri 09:00-15:00`; unnamed days are off.
pub fn parse_hours(text: &str) -> Result<WeeklyHours, CalendarError> {
    let mut days: WeeklyHours = [None; 7];
    for group in text.split(';').map(str::trim).filter(|g| !g.is_empty()) {
        // Day names hold no digits, so the interval starts at the first digit.
        let split = group.find(|c: char| c.is_ascii_digit());
        let Some((day_list, interval)) = split.map(|at| group.split_at(at)) else {
            return Err(CalendarError::BadGroup(group.to_string()));
        };
        let Some((start, end)) = interval.split_once('-') else {
            return Err(CalendarError::BadGroup(group.to_string()));
        };
        if day_list.trim().is_empty() {
            return Err(CalendarError::BadGroup(group.to_string()));
        }
        let hours = Some((parse_time(start)?, parse_time(end)?));
        for index in parse_day_list(day_list)? {
            if days[index].is_some() {
                return Err(CalendarError::DayListedTwice(DAY_NAMES[index]));
            }
            days[index] = hours;
        }
    }
    Ok(days)
}

/// Writes weekly hours in the form [`parse_hours`] reads, Monday first, one group per interval.
pub fn format_hours(days: &WeeklyHours) -> String {
    let mut intervals: Vec<(NaiveTime, NaiveTime)> = Vec::new();
    for hours in days.iter().flatten() {
        if !intervals.contains(hours) {
            intervals.push(*hours);
        }
    }
    let mut groups = Vec::new();
    for interval in intervals {
        let mut runs: Vec<String> = Vec::new();
        let mut index = 0;
        while index < 7 {
            if days[index] != Some(interval) {
                index += 1;
                continue;
            }
            let first = index;
            while index + 1 < 7 && days[index + 1] == Some(interval) {
                index += 1;
            }
            runs.push(match index - first {
                0 => DAY_NAMES[first].to_string(),
                _ => format!("{}-{}", DAY_NAMES[first], DAY_NAMES[index]),
            });
            index += 1;
        }
        let (start, end) = interval;
        groups.push(format!(
            "{} {}-{}",
            runs.join(", "),
            start.format("%H:%M"),
            end.format("%H:%M")
        ));
    }
    groups.join("; ")
}

/// Reads a comma- or line-separated list of ISO dates; blank entries are ignored.
pub fn parse_holidays(text: &str) -> Result<BTreeSet<NaiveDate>, CalendarError> {
    text.split([',', '\n', ';'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            NaiveDate::parse_from_str(entry, "%Y-%m-%d")
                .map_err(|_| CalendarError::BadHoliday(entry.to_string()))
        })
        .collect()
}

/// Writes holidays as `2026-12-24, 2026-12-25`, earliest first.
pub fn format_holidays(holidays: &BTreeSet<NaiveDate>) -> String {
    let dates: Vec<String> = holidays.iter().map(NaiveDate::to_string).collect();
    dates.join(", ")
}

fn parse_time(raw: &str) -> Result<NaiveTime, CalendarError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map_err(|_| CalendarError::BadTime(raw.trim().to_string()))
}

fn parse_day(raw: &str) -> Result<usize, CalendarError> {
    let raw = raw.trim();
    DAY_NAMES
        .iter()
        .position(|name| name.eq_ignore_ascii_case(raw))
        .ok_or_else(|| CalendarError::UnknownDay(raw.to_string()))
}

/// Day indexes (Monday = 0) named by `Mon, Wed-Fri`; a range may wrap past Sunday.
fn parse_day_list(list: &str) -> Result<Vec<usize>, CalendarError> {
    let mut indexes = Vec::new();
    for item in list.split(',').map(str::trim) {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (parse_day(from)?, parse_day(to)?);
                let span = (to + 7 - from) % 7;
                indexes.extend((0..=span).map(|step| (from + step) % 7));
            }
            None => indexes.push(parse_day(item)?),
        }
    }
    Ok(indexes)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
