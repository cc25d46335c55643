//! Program months and quarters: the periods that statements and demotion reviews are cut by.
//!
//! A period is half-open, [first instant of its first local day, first instant of the next
//! period's first local day), worked out in the program time zone and then compared as UTC
//! instants, so a deal closed late on the last evening of a month in Los Angeles stays in that
//! month even though it is already the 1st in UTC. The bounds are the single source of truth:
//! an instant belongs to the period whose bounds contain it, even on the rare day when a clock
//! change falls at midnight.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Why a period could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The month number is not 1 to 12.
    #[error("Choose a month from 1 to 12")]
    MonthOutOfRange,
    /// The quarter number is not 1 to 4.
    #[error("Choose a quarter from 1 to 4")]
    QuarterOutOfRange,
    /// The text is not a period such as `2026-10` or `2026-Q4`.
    #[error("Enter a month like 2026-10 or a quarter like 2026-Q4")]
    NotAPeriod,
}

/// A calendar month of the program, e.g. October 2026, in the program time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgramMonth {
    year: i32,
    month: u32,
}

impl ProgramMonth {
    /// The month `month` (1 to 12) of `year`.
    pub fn new(year: i32, month: u32) -> Result<ProgramMonth, PeriodError> {
        if (1..=12).contains(&month) {
            Ok(ProgramMonth { year, month })
        } else {
            Err(PeriodError::MonthOutOfRange)
        }
    }

    /// The year, e.g. 2026.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month number, 1 for January to 12 for December.
    pub fn month(&self) -> u32 {
        self.month
    }

    /// The month of the program that `instant` falls in.
    pub fn containing(instant: DateTime<Utc>, zone: Tz) -> ProgramMonth {
        let local = instant.with_timezone(&zone);
        let guess = ProgramMonth {
            year: local.year(),
            month: local.month(),
        };
        // The local date and the bounds only disagree when a clock change falls at midnight.
        let (start, end) = guess.bounds(zone);
        if instant < start {
            guess.previous()
        } else if instant >= end {
            guess.next()
        } else {
            guess
        }
    }

    /// The half-open bounds [start, end) of the month in `zone`, as instants.
    ///
    /// `start` is the first instant whose local date is the 1st of the month (the end of the
    /// jump when a clock change skips midnight), `end` is the next month's `start`.
    pub fn bounds(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let next = self.next();
        (
            month_start(zone, self.year, self.month),
            month_start(zone, next.year, next.month),
        )
    }

    /// Whether `instant` lies within the month in `zone`.
    pub fn contains(&self, instant: DateTime<Utc>, zone: Tz) -> bool {
        let (start, end) = self.bounds(zone);
        start <= instant && instant < end
    }

    /// The month before this one.
    pub fn previous(&self) -> ProgramMonth {
        if self.month == 1 {
            ProgramMonth {
                year: self.year.saturating_sub(1),
                month: 12,
            }
        } else {
            ProgramMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month after this one.
    pub fn next(&self) -> ProgramMonth {
        if self.month == 12 {
            ProgramMonth {
                year: self.year.saturating_add(1),
                month: 1,
            }
        } else {
            ProgramMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The most recent month that has fully ended in `zone` at `now`: the one a statement
    /// job may close. Its end is at or before `now`; the month containing `now` is still open.
    pub fn last_closed(now: DateTime<Utc>, zone: Tz) -> ProgramMonth {
        ProgramMonth::containing(now, zone).previous()
    }

    /// The quarter this month belongs to.
    pub fn quarter(&self) -> ProgramQuarter {
        ProgramQuarter {
            year: self.year,
            quarter: (self.month - 1) / 3 + 1,
        }
    }
}

impl fmt::Display for ProgramMonth {
    /// Formats as `2026-10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for ProgramMonth {
    type Err = PeriodError;

    /// Reads `2026-10`.
    fn from_str(s: &str) -> Result<ProgramMonth, PeriodError> {
        let (year, month) = s.trim().split_once('-').ok_or(PeriodError::NotAPeriod)?;
        let year = parse_number(year, 4)?;
        let month = parse_number(month, 2)?;
        ProgramMonth::new(
            year,
            u32::try_from(month).map_err(|_| PeriodError::NotAPeriod)?,
        )
    }
}

/// A calendar quarter of the program (Q1 is January to March), in the program time zone.
///
/// Tier demotions are reviewed at quarter ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgramQuarter {
    year: i32,
    quarter: u32,
}

impl ProgramQuarter {
    /// The quarter `quarter` (1 to 4) of `year`.
    pub fn new(year: i32, quarter: u32) -> Result<ProgramQuarter, PeriodError> {
        if (1..=4).contains(&quarter) {
            Ok(ProgramQuarter { year, quarter })
        } else {
            Err(PeriodError::QuarterOutOfRange)
        }
    }

    /// The year, e.g. 2026.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The quarter number, 1 to 4.
    pub fn quarter(&self) -> u32 {
        self.quarter
    }

    /// The first month of the quarter.
    pub fn first_month(&self) -> ProgramMonth {
        ProgramMonth {
            year: self.year,
            month: (self.quarter - 1) * 3 + 1,
        }
    }

    /// The quarter of the program that `instant` falls in.
    pub fn containing(instant: DateTime<Utc>, zone: Tz) -> ProgramQuarter {
        ProgramMonth::containing(instant, zone).quarter()
    }

    /// The half-open bounds [start, end) of the quarter in `zone`, as instants.
    pub fn bounds(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let (start, _) = self.first_month().bounds(zone);
        let (end, _) = self.next().first_month().bounds(zone);
        (start, end)
    }

    /// Whether `instant` lies within the quarter in `zone`.
    pub fn contains(&self, instant: DateTime<Utc>, zone: Tz) -> bool {
        let (start, end) = self.bounds(zone);
        start <= instant && instant < end
    }

    /// The quarter before this one.
    pub fn previous(&self) -> ProgramQuarter {
        if self.quarter == 1 {
            ProgramQuarter {
                year: self.year.saturating_sub(1),
                quarter: 4,
            }
        } else {
            ProgramQuarter {
                year: self.year,
                quarter: self.quarter - 1,
            }
        }
    }

    /// The quarter after this one.
    pub fn next(&self) -> ProgramQuarter {
        if self.quarter == 4 {
            ProgramQuarter {
                year: self.year.saturating_add(1),
                quarter: 1,
            }
        } else {
            ProgramQuarter {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }

    /// The most recent quarter that has fully ended in `zone` at `now`.
    pub fn last_closed(now: DateTime<Utc>, zone: Tz) -> ProgramQuarter {
        ProgramQuarter::containing(now, zone).previous()
    }
}

impl fmt::Display for ProgramQuarter {
    /// Formats as `2026-Q4`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

impl FromStr for ProgramQuarter {
    type Err = PeriodError;

    /// Reads `2026-Q4` (the `Q` in either case).
    fn from_str(s: &str) -> Result<ProgramQuarter, PeriodError> {
        let (year, quarter) = s.trim().split_once('-').ok_or(PeriodError::NotAPeriod)?;
        let quarter = quarter
            .strip_prefix(['Q', 'q'])
            .ok_or(PeriodError::NotAPeriod)?;
        let year = parse_number(year, 4)?;
        let quarter = parse_number(quarter, 1)?;
        ProgramQuarter::new(
            year,
            u32::try_from(quarter).map_err(|_| PeriodError::NotAPeriod)?,
        )
    }
}

/// Reads exactly `digits` ASCII digits.
fn parse_number(text: &str, digits: usize) -> Result<i32, PeriodError> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PeriodError::NotAPeriod);
    }
    text.parse().map_err(|_| PeriodError::NotAPeriod)
}

/// The first instant of the 1st of `month` in `zone`; dates outside chrono's range saturate.
fn month_start(zone: Tz, year: i32, month: u32) -> DateTime<Utc> {
    match NaiveDate::from_ymd_opt(year, month, 1) {
        Some(date) => local_to_instant(zone, date.and_time(chrono::NaiveTime::MIN)),
        None if year < 0 => DateTime::<Utc>::MIN_UTC,
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// The first instant at which the wall clock in `zone` shows `wall`, or, when a clock change
/// skips `wall`, the moment the clocks jump past it.
pub(crate) fn local_to_instant(zone: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => end_of_gap(zone, wall),
    }
}

/// Searches for the first second whose local time is at or after `wall`. Offsets stay within
/// 14 hours of UTC, so the answer lies inside the window searched, and no zone changes its
/// clocks twice that close together, so local time only moves forward across it.
fn end_of_gap(zone: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    let naive_secs = wall.and_utc().timestamp();
    let mut low = naive_secs - 26 * 3600;
    let mut high = naive_secs + 26 * 3600;
    let shows_wall_or_later = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .is_some_and(|t| t.with_timezone(&zone).naive_local() >= wall)
    };
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if shows_wall_or_later(middle) {
            high = middle;
        } else {
            low = middle;
        }
    }
    DateTime::from_timestamp(high, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
