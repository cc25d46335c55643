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

/// Routing, SLA and scoring settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingSettings {
    /// Business minutes a rep has for first contact.
    pub first_contact_minutes: i64,
    /// Business minutes before the deadline when the rep is reminded.
    pub remind_before_minutes: i64,
    /// Accept without an admin at or above this score; `None` means admins always decide.
    pub auto_accept_score: Option<i64>,
    /// After an escalation, hand the referral to the next rep of the pool.
    pub reassign_after_escalation: bool,
    /// The scoring rules as JSON (`domain::ScoringRules`); empty means the defaults.
    pub scoring_rules: String,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        Self {
            first_contact_minutes: 240,
            remind_before_minutes: 60,
            auto_accept_score: None,
            reassign_after_escalation: false,
            scoring_rules: String::new(),
        }
    }
}

pub fn load_routing(conn: &mut AnyConnection) -> QueryResult<RoutingSettings> {
    let d = RoutingSettings::default();
    let number = |v: Option<String>| v.and_then(|v| v.parse::<i64>().ok());
    Ok(RoutingSettings {
        first_contact_minutes: number(get(conn, "sla_first_contact_minutes")?)
            .unwrap_or(d.first_contact_minutes),
        remind_before_minutes: number(get(conn, "sla_remind_before_minutes")?)
            .unwrap_or(d.remind_before_minutes),
        auto_accept_score: number(get(conn, "auto_accept_score")?),
        reassign_after_escalation: get(conn, "reassign_after_escalation")?.as_deref()
            == Some("true"),
        scoring_rules: get(conn, "scoring_rules")?.unwrap_or_default(),
    })
}

pub fn save_routing(conn: &mut AnyConnection, s: &RoutingSettings) -> QueryResult<()> {
    put(
        conn,
        "sla_first_contact_minutes",
        &s.first_contact_minutes.to_string(),
    )?;
    put(
        conn,
        "sla_remind_before_minutes",
        &s.remind_before_minutes.to_string(),
    )?;
    match s.auto_accept_score {
        Some(score) => put(conn, "auto_accept_score", &score.to_string())?,
        None => {
            diesel::delete(settings::table.find("auto_accept_score")).execute(conn)?;
        }
    }
    put(
        conn,
        "reassign_after_escalation",
        if s.reassign_after_escalation {
            "true"
        } else {
            "false"
        },
    )?;
    put(conn, "scoring_rules", &s.scoring_rules)
}
