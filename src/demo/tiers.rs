//! TODO(#6)

use chrono::{DateTime, Utc};

use super::SetupError;
use crate::db::AnyConnection;

pub(super) fn seed(
    _conn: &mut AnyConnection,
    _now: DateTime<Utc>,
    _admin_id: i64,
) -> Result<(), SetupError> {
    Ok(())
}
