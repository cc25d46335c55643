//! The incentive program as the web pages and jobs use it: tiers and partner standing
//! (`tiers`), the rewards ledger (`ledger`), monthly statements (`statements`) and payouts
//! (`payouts`). The rules themselves are pure and live in `domain::{tiers, rewards, periods}`.

pub mod ledger;
pub mod payouts;
pub mod statements;
pub mod tiers;

use crate::mail::MailError;

/// A failure of incentive work: the database, or a message that could not be built.
#[derive(Debug, thiserror::Error)]
pub enum IncentiveError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Mail(#[from] MailError),
}
