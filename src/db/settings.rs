//! Program settings that admins edit in the portal, stored as key/value rows with documented
//! defaults.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::settings;

/// The program's settings as the rest of the code sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramSettings {
    /// ISO 4217 code of the program currency.
    pub currency: String,
    /// IANA zone in which periods are counted.
    pub time_zone: String,
    /// Days an uncontacted referral protects its prospect.
    pub protection_days: i64,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        Self {
            currency: "EUR".into(),
            time_zone: "UTC".into(),
            protection_days: 90,
        }
    }
}

fn get(conn: &mut AnyConnection, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Writes one setting (delete then insert: the multi-engine connection has no upsert).
pub fn put(conn: &mut AnyConnection, key: &str, value: &str) -> QueryResult<()> {
    diesel::delete(settings::table.find(key)).execute(conn)?;
    diesel::insert_into(settings::table)
        .values((settings::key.eq(key), settings::value.eq(value)))
        .execute(conn)
        .map(|_| ())
}

pub fn load(conn: &mut AnyConnection) -> QueryResult<ProgramSettings> {
    let defaults = ProgramSettings::default();
    Ok(ProgramSettings {
        currency: get(conn, "currency")?.unwrap_or(defaults.currency),
        time_zone: get(conn, "time_zone")?.unwrap_or(defaults.time_zone),
        protection_days: get(conn, "protection_days")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(defaults.protection_days),
    })
}

pub fn save(conn: &mut AnyConnection, s: &ProgramSettings) -> QueryResult<()> {
    put(conn, "currency", &s.currency)?;
    put(conn, "time_zone", &s.time_zone)?;
    put(conn, "protection_days", &s.protection_days.to_string())
}
