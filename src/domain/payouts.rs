//! The life of a payout, as a state machine without I/O.
//!
//! ```text
//!                      approve (A)                      approve (B ≠ A)
//! awaiting_approval ──────────────► awaiting_second_approval ─────────────► approved
//!        │  └───────────── approve (A), amount ≤ threshold ──────────────────┘  │
//!        │                                                                     │ mark paid
//!        │ mark failed                                                         ▼
//!        └──────────────────────────────────► failed ◄───── mark failed ───── paid
//!                                               │                              ▲
//!                                               └──── mark paid again ─────────┘
//! ```
//!
//! * A payout above the second-approval threshold needs two different admins; the first
//!   approval moves it to `awaiting_second_approval`, the second to `approved`.
//! * `failed` releases the payout's lines (their `payout_lines` rows become inactive) so they
//!   may join a later batch; lines that were paid return to approved.
//! * A failed payout that had been fully approved may be marked paid again — the same payout
//!   keeps its history — but only while none of its lines has joined another active payout.
//!   The database enforces that part: re-activating the lines trips the unique index.
//! * Every change is one conditional update on the stored status, so a repeated request
//!   changes nothing the second time.

use std::fmt;
use std::str::FromStr;

/// Where a payout is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayoutStatus {
    /// Built from approved lines; waiting for an admin's approval.
    AwaitingApproval,
    /// Approved once; above the threshold, so a second, different admin must approve too.
    AwaitingSecondApproval,
    /// Fully approved; finance can send the money.
    Approved,
    /// Sent, with a reference.
    Paid,
    /// Did not go through (or was withdrawn); its lines are free again.
    Failed,
}

/// Why a stored payout status could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown payout status")]
pub struct PayoutStatusError;

impl PayoutStatus {
    pub const ALL: [PayoutStatus; 5] = [
        PayoutStatus::AwaitingApproval,
        PayoutStatus::AwaitingSecondApproval,
        PayoutStatus::Approved,
        PayoutStatus::Paid,
        PayoutStatus::Failed,
    ];

    /// The stored name, e.g. `awaiting_approval`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PayoutStatus::AwaitingApproval => "awaiting_approval",
            PayoutStatus::AwaitingSecondApproval => "awaiting_second_approval",
            PayoutStatus::Approved => "approved",
            PayoutStatus::Paid => "paid",
            PayoutStatus::Failed => "failed",
        }
    }

    /// How admins read it.
    pub fn label(&self) -> &'static str {
        match self {
            PayoutStatus::AwaitingApproval => "Awaiting approval",
            PayoutStatus::AwaitingSecondApproval => "Awaiting second approval",
            PayoutStatus::Approved => "Approved",
            PayoutStatus::Paid => "Paid",
            PayoutStatus::Failed => "Failed",
        }
    }

    /// How partners read it.
    pub fn partner_label(&self) -> &'static str {
        match self {
            PayoutStatus::AwaitingApproval | PayoutStatus::AwaitingSecondApproval => {
                "Being approved"
            }
            PayoutStatus::Approved => "Approved, about to be sent",
            PayoutStatus::Paid => "Sent",
            PayoutStatus::Failed => "Failed",
        }
    }

    /// Whether an admin may mark it failed from here.
    pub fn can_fail(&self) -> bool {
        !matches!(self, PayoutStatus::Failed)
    }
}

impl fmt::Display for PayoutStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PayoutStatus {
    type Err = PayoutStatusError;

    fn from_str(s: &str) -> Result<PayoutStatus, PayoutStatusError> {
        PayoutStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(PayoutStatusError)
    }
}

/// Whether a payout of `amount_minor` needs a second approver under `threshold_minor`.
pub fn needs_second_approval(amount_minor: i64, threshold_minor: Option<i64>) -> bool {
    threshold_minor.is_some_and(|above| amount_minor > above)
}

/// Why an approval changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalRefused {
    /// Someone (perhaps this admin, a moment ago) approved it already.
    AlreadyApproved,
    /// This admin gave the first approval; the second must come from someone else.
    SameApprover,
    /// The payout failed; it cannot be approved any more.
    Failed,
}

/// The status an approval by `actor` moves a payout to.
///
/// `first_approver` is who approved it first, if anyone; `needs_second` comes from
/// [`needs_second_approval`] on the amount.
pub fn approve(
    from: PayoutStatus,
    needs_second: bool,
    first_approver: Option<i64>,
    actor: i64,
) -> Result<PayoutStatus, ApprovalRefused> {
    match from {
        PayoutStatus::AwaitingApproval if needs_second => Ok(PayoutStatus::AwaitingSecondApproval),
        PayoutStatus::AwaitingApproval => Ok(PayoutStatus::Approved),
        PayoutStatus::AwaitingSecondApproval if first_approver == Some(actor) => {
            Err(ApprovalRefused::SameApprover)
        }
        PayoutStatus::AwaitingSecondApproval => Ok(PayoutStatus::Approved),
        PayoutStatus::Approved | PayoutStatus::Paid => Err(ApprovalRefused::AlreadyApproved),
        PayoutStatus::Failed => Err(ApprovalRefused::Failed),
    }
}

/// Whether a payout may be marked paid: once approved, or again after a failure — but only
/// if it had been fully approved before it failed.
pub fn can_mark_paid(from: PayoutStatus, was_approved: bool) -> bool {
    match from {
        PayoutStatus::Approved => true,
        PayoutStatus::Failed => was_approved,
        _ => false,
    }
}

/// A minor-unit amount as finance software reads it: `1234.50`, `-1.94`, `926` (JPY) — no
/// grouping, no currency, no floating point.
pub fn plain_amount(minor: i64, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let unit = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / unit,
        abs % unit,
        width = exponent as usize
    )
}

#[cfg(test)]
mod tests;
