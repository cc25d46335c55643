//! The rewards ledger: lines booked when a pipeline event earns a reward (split between
//! co-referring partners), clawbacks when a won deal is refunded, the holding period, and
//! admin approval. Every change is a conditional update inside a transaction, with its move
//! row, audit entry and mail; a line's amount and reason are never edited, no line deleted.

mod approval;
mod earn;
mod notify;
mod refund;

pub use approval::{
    ApproveScope, HOLDING_JOB, RejectOutcome, ReleaseHeld, approve, reject, release_held,
};
pub use earn::{SplitOutcome, book_event, set_split};
pub(crate) use notify::{money, recipients};
pub use refund::{RefundActor, RefundOutcome, record_refund};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::db::AnyConnection;
use crate::db::settings;
use crate::domain::Currency;

/// The program's currency and time zone, and the holding period, as the ledger needs them.
pub(crate) struct Program {
    pub currency: Currency,
    pub zone: Tz,
    pub holding_days: u32,
}

impl Program {
    pub fn load(conn: &mut AnyConnection) -> diesel::QueryResult<Program> {
        let program = settings::load(conn)?;
        let incentives = settings::load_incentives(conn)?;
        Ok(Program {
            currency: Currency::parse(&program.currency).unwrap_or(Currency::EUR),
            zone: program.time_zone.parse().unwrap_or(Tz::UTC),
            holding_days: u32::try_from(incentives.holding_days.max(0)).unwrap_or(u32::MAX),
        })
    }

    /// A date as partners read it: `3 Jan 2027`, in the program time zone.
    pub fn date(&self, instant: DateTime<Utc>) -> String {
        instant
            .with_timezone(&self.zone)
            .format("%-d %b %Y")
            .to_string()
    }
}
