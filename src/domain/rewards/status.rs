//! The life of a ledger line: pending, approvable once the holding period is over, approved,
//! then paid or rejected.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};

/// Where a ledger line is on its way to being paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineStatus {
    /// Earned, still inside the holding period.
    Pending,
    /// The holding period is over; waiting for an admin.
    Approvable,
    /// Approved by an admin; can join a payout.
    Approved,
    /// Paid out. Final, unless the payout that paid it fails (then back to approved).
    Paid,
    /// Refused by an admin, with a reason. Final.
    Rejected,
}

/// Why a stored status could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown reward line status")]
pub struct LineStatusError;

impl LineStatus {
    /// Every status, in the order a line moves through them.
    pub const ALL: [LineStatus; 5] = [
        LineStatus::Pending,
        LineStatus::Approvable,
        LineStatus::Approved,
        LineStatus::Paid,
        LineStatus::Rejected,
    ];

    /// The stored name, e.g. `approvable`.
    pub fn as_str(&self) -> &'static str {
        match self {
            LineStatus::Pending => "pending",
            LineStatus::Approvable => "approvable",
            LineStatus::Approved => "approved",
            LineStatus::Paid => "paid",
            LineStatus::Rejected => "rejected",
        }
    }

    /// The name partners and admins read, e.g. `Approvable`.
    pub fn label(&self) -> &'static str {
        match self {
            LineStatus::Pending => "Pending",
            LineStatus::Approvable => "Approvable",
            LineStatus::Approved => "Approved",
            LineStatus::Paid => "Paid",
            LineStatus::Rejected => "Rejected",
        }
    }

    /// Whether the line can never move again.
    pub fn is_final(&self) -> bool {
        matches!(self, LineStatus::Paid | LineStatus::Rejected)
    }
}

impl fmt::Display for LineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LineStatus {
    type Err = LineStatusError;

    /// Reads a stored name such as `approved`.
    fn from_str(s: &str) -> Result<LineStatus, LineStatusError> {
        LineStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(LineStatusError)
    }
}

/// Whether a line may move from `from` to `to`.
///
/// Pending becomes approvable (once [`is_past_holding`] says so); approvable becomes approved
/// or rejected; approved becomes paid. Rejected is final, and so is paid for everything but
/// one move: a payout marked failed after it was marked paid (the bank returned the money)
/// sends its lines back from paid to approved, so they may join a later batch. The one move
/// that changes nothing, approved to approved, is allowed: it is what a failed payout does to
/// its lines that were not paid yet. Every other "move" to the same status is refused, so a
/// repeated request cannot record a change that did not happen.
pub fn can_move(from: LineStatus, to: LineStatus) -> bool {
    use LineStatus::{Approvable, Approved, Paid, Pending, Rejected};
    matches!(
        (from, to),
        (Pending, Approvable)
            | (Approvable, Approved | Rejected)
            | (Approved, Paid)
            | (Approved, Approved)
            | (Paid, Approved)
    )
}

/// The instant a line earned at `earned_at` becomes approvable: `holding_days` whole days of
/// 24 hours later, the same instant whatever the time zone or clock changes.
///
/// Saturates at the end of chrono's range.
pub fn approvable_at(earned_at: DateTime<Utc>, holding_days: u32) -> DateTime<Utc> {
    earned_at
        .checked_add_signed(TimeDelta::days(i64::from(holding_days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether, at `now`, the holding period of a line earned at `earned_at` is over.
pub fn is_past_holding(earned_at: DateTime<Utc>, holding_days: u32, now: DateTime<Utc>) -> bool {
    now >= approvable_at(earned_at, holding_days)
}
