//! The business-hours clock behind first-contact deadlines, reminders and time to first contact.
//!
//! Working hours are wall-clock times in the rep's zone, so each day's interval is converted to
//! instants with that date's own offset: a 09:00-17:00 day stays eight hours long across clock
//! changes, and a day whose hours cover the change is one hour shorter or longer. A wall time
//! that does not exist (skipped by a spring-forward change) means the first instant after the
//! gap; a wall time that happens twice (fall-back) opens an interval at its first occurrence and
//! closes one at its second, so every wall-clock hour worked is counted.

mod calendar;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

pub use calendar::{
    CalendarError, CalendarSpec, WeeklyHours, WorkingCalendar, format_holidays, format_hours,
    parse_holidays, parse_hours,
};

/// How far ahead the clock looks for working time before giving up (about a century).
const MAX_SEARCH_DAYS: u64 = 36_600;

/// The longest first-contact target a policy accepts.
pub const MAX_FIRST_CONTACT: TimeDelta = TimeDelta::hours(30 * 24);

/// The instant when `amount` of working time, counted from `start`, has been spent.
///
/// Time outside working hours (evenings, days off, holidays) does not count. A zero or
/// negative amount gives `start` back. A deadline that lands exactly on closing time is that
/// closing time. If the calendar offers less than `amount` within about a century, the
/// result is `DateTime::<Utc>::MAX_UTC`, meaning "never".
pub fn add_business_time(
    cal: &WorkingCalendar,
    start: DateTime<Utc>,
    amount: TimeDelta,
) -> DateTime<Utc> {
    if amount <= TimeDelta::zero() {
        return start;
    }
    let mut remaining = amount;
    let mut cursor = start;
    for (open, close) in working_intervals(cal, start) {
        if close <= cursor {
            continue;
        }
        let from = open.max(cursor);
        let available = close - from;
        if remaining <= available {
            return from
                .checked_add_signed(remaining)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
        }
        remaining -= available;
        cursor = close;
    }
    DateTime::<Utc>::MAX_UTC
}

/// Working time between `from` and `to`, e.g. time to first contact in business hours.
///
/// Zero when `to` is not after `from`.
pub fn business_time_between(
    cal: &WorkingCalendar,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> TimeDelta {
    let mut total = TimeDelta::zero();
    if to <= from {
        return total;
    }
    let mut cursor = from;
    for (open, close) in working_intervals(cal, from) {
        if open >= to {
            break;
        }
        let start = open.max(cursor);
        let end = close.min(to);
        if end > start {
            total += end - start;
            cursor = end;
        }
    }
    total
}

/// The first-contact target and when to remind the rep, both in business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaPolicy {
    /// Business time from routing to the first-contact deadline (default 4 hours).
    pub first_contact: TimeDelta,
    /// Business time still left when the reminder goes out (default 1 hour).
    pub remind_before: TimeDelta,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            first_contact: TimeDelta::hours(4),
            remind_before: TimeDelta::hours(1),
        }
    }
}

/// Why an SLA policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaPolicyError {
    /// The first-contact target is zero or negative.
    #[error("The first-contact time must be more than zero")]
    FirstContactNotPositive,
    /// The first-contact target is longer than [`MAX_FIRST_CONTACT`].
    #[error("The first-contact time must be 720 business hours or less")]
    FirstContactTooLong,
    /// The reminder would not fall strictly between routing and the deadline.
    #[error("The reminder must come after routing and before the deadline")]
    ReminderOutOfRange,
}

impl SlaPolicy {
    /// A checked policy: `0 < remind_before < first_contact <= MAX_FIRST_CONTACT`.
    pub fn new(first_contact: TimeDelta, remind_before: TimeDelta) -> Result<Self, SlaPolicyError> {
        if first_contact <= TimeDelta::zero() {
            return Err(SlaPolicyError::FirstContactNotPositive);
        }
        if first_contact > MAX_FIRST_CONTACT {
            return Err(SlaPolicyError::FirstContactTooLong);
        }
        if remind_before <= TimeDelta::zero() || remind_before >= first_contact {
            return Err(SlaPolicyError::ReminderOutOfRange);
        }
        Ok(SlaPolicy {
            first_contact,
            remind_before,
        })
    }

    /// A checked policy from whole minutes, the form settings are stored in.
    pub fn from_minutes(first_contact: i64, remind_before: i64) -> Result<Self, SlaPolicyError> {
        let first =
            TimeDelta::try_minutes(first_contact).ok_or(SlaPolicyError::FirstContactTooLong)?;
        let remind =
            TimeDelta::try_minutes(remind_before).ok_or(SlaPolicyError::ReminderOutOfRange)?;
        SlaPolicy::new(first, remind)
    }
}

/// When a routed referral's reminder and first-contact deadline fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaSchedule {
    /// The first-contact deadline; the escalation is due at this instant.
    pub due_at: DateTime<Utc>,
    /// When `remind_before` business time remains.
    pub remind_at: DateTime<Utc>,
}

/// The deadline and reminder for a referral routed at `routed_at` to a rep with calendar `cal`.
///
/// The clock starts at routing (and again at each reassignment, with the new rep's calendar);
/// editing a referral does not move it. An unchecked policy whose reminder lead is outside
/// `0..first_contact` is clamped, so the reminder never comes before routing or after the
/// deadline.
pub fn sla_schedule(
    cal: &WorkingCalendar,
    policy: &SlaPolicy,
    routed_at: DateTime<Utc>,
) -> SlaSchedule {
    let due_at = add_business_time(cal, routed_at, policy.first_contact);
    let until_reminder = (policy.first_contact - policy.remind_before).clamp(
        TimeDelta::zero(),
        policy.first_contact.max(TimeDelta::zero()),
    );
    SlaSchedule {
        due_at,
        remind_at: add_business_time(cal, routed_at, until_reminder),
    }
}

/// Working intervals as instants, one per working local date, from the day before `from`'s
/// local date onward (an interval of that day may still be open at `from`).
fn working_intervals(
    cal: &WorkingCalendar,
    from: DateTime<Utc>,
) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
    let local_date = from.with_timezone(&cal.zone()).date_naive();
    let first = local_date
        .checked_sub_days(Days::new(1))
        .unwrap_or(local_date);
    (0..MAX_SEARCH_DAYS)
        .map_while(move |offset| first.checked_add_days(Days::new(offset)))
        .filter_map(move |date| interval_on(cal, date))
}

fn interval_on(cal: &WorkingCalendar, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (start, end) = cal.hours_on(date)?;
    let open = wall_to_instant(cal.zone(), date.and_time(start), Repeat::First);
    let close = wall_to_instant(cal.zone(), date.and_time(end), Repeat::Second);
    (open < close).then_some((open, close))
}

/// Which occurrence of a wall time that happens twice to use.
#[derive(Clone, Copy)]
enum Repeat {
    First,
    Second,
}

fn wall_to_instant(zone: Tz, wall: NaiveDateTime, repeat: Repeat) -> DateTime<Utc> {
    match zone.from_local_datetime(&wall) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, second) => match repeat {
            Repeat::First => first.with_timezone(&Utc),
            Repeat::Second => second.with_timezone(&Utc),
        },
        chrono::LocalResult::None => first_instant_at_or_after(zone, wall),
    }
}

/// The first instant whose wall time in `zone` is `wall` or later: for a wall time inside a
/// spring-forward gap, the moment the clocks jump.
fn first_instant_at_or_after(zone: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    // Real offsets lie within ±15 hours, so the answer is inside this window, and local time
    // only moves forward across a gap.
    let guess = wall.and_utc().timestamp();
    let (mut before, mut after) = (guess - 15 * 3600, guess + 15 * 3600);
    let local_at =
        |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&zone).naive_local());
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        match local_at(middle) {
            Some(local) if local >= wall => after = middle,
            _ => before = middle,
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a failing unwrap is a failing test")]
mod tests;
