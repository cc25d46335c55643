//! Database access: the pool, the hand-kept schema, and one module of queries per area.
//! Errors here are `thiserror` enums; handlers see them through `AppError`.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod conflicts;
pub mod intake_bulk;
pub mod jobs;
pub mod ledger;
pub mod outbox;
pub mod payouts;
pub mod pool;
pub mod referrals;
pub mod routing;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod standings;
pub mod tiers;
pub mod upload_staging;
pub mod uploads;

pub use pool::{AnyConnection, DbConn, DbPool, write_tx};

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL has an unsupported scheme {0:?}: use postgres://, sqlite:// or a path")]
    UnsupportedScheme(String),
    #[error("could not connect to the database named by DATABASE_URL: {0}")]
    Connect(#[source] diesel::ConnectionError),
    #[error("could not create the database folder: {0}")]
    DataDir(#[source] std::io::Error),
    #[error("connection pool: {0}")]
    Pool(#[source] diesel::r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

/// Truncates an instant to whole microseconds: PostgreSQL keeps no more, so values written on
/// either engine then compare equal.
pub fn db_time(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    t.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(t)
        .naive_utc()
}
