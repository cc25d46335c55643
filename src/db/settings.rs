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
    /// Limits of the monthly upload.
    pub uploads: UploadLimits,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        Self {
            currency: "EUR".into(),
            time_zone: "UTC".into(),
            protection_days: 90,
            uploads: UploadLimits::default(),
        }
    }
}

/// How big a monthly upload may be, and from which size it is read in the background.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Most data rows in one file (default 50,000).
    pub max_rows: i64,
    /// Largest file in bytes (default 10 MiB).
    pub max_bytes: i64,
    /// Files with more rows than this are checked and imported by a background job
    /// (default 1,000).
    pub background_rows: i64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_rows: 50_000,
            max_bytes: 10 * 1024 * 1024,
            background_rows: 1_000,
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

fn number(conn: &mut AnyConnection, key: &str, default: i64) -> QueryResult<i64> {
    Ok(get(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(default))
}

pub fn load(conn: &mut AnyConnection) -> QueryResult<ProgramSettings> {
    let defaults = ProgramSettings::default();
    let limits = defaults.uploads;
    let uploads = UploadLimits {
        max_rows: number(conn, "upload_max_rows", limits.max_rows)?,
        max_bytes: number(conn, "upload_max_bytes", limits.max_bytes)?,
        background_rows: number(conn, "upload_background_rows", limits.background_rows)?,
    };
    Ok(ProgramSettings {
        uploads,
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
    put(conn, "protection_days", &s.protection_days.to_string())?;
    put(conn, "upload_max_rows", &s.uploads.max_rows.to_string())?;
    put(conn, "upload_max_bytes", &s.uploads.max_bytes.to_string())?;
    put(
        conn,
        "upload_background_rows",
        &s.uploads.background_rows.to_string(),
    )
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

/// Incentive program settings. The currency and the time zone of periods are the program's
/// (`ProgramSettings`); amounts here are minor units of that currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncentiveSettings {
    /// Days a reward line is held before it can be approved (default 30).
    pub holding_days: i64,
    /// Smallest payout a batch makes for a partner (default 50.00 → 5000 minor units).
    pub min_payout_minor: i64,
    /// Trailing window, in months, over which tiers are evaluated (default 12).
    pub tier_window_months: i64,
    /// Months a partner keeps a tier after falling below it (default 3, one quarter).
    pub demotion_grace_months: i64,
    /// Payouts above this amount need a second, different admin; `None` means never.
    pub second_approval_above_minor: Option<i64>,
}

impl Default for IncentiveSettings {
    fn default() -> Self {
        Self {
            holding_days: 30,
            min_payout_minor: 5_000,
            tier_window_months: 12,
            demotion_grace_months: 3,
            second_approval_above_minor: None,
        }
    }
}

pub fn load_incentives(conn: &mut AnyConnection) -> QueryResult<IncentiveSettings> {
    let d = IncentiveSettings::default();
    let second = get(conn, "second_approval_above_minor")?.and_then(|v| v.parse().ok());
    Ok(IncentiveSettings {
        holding_days: number(conn, "holding_days", d.holding_days)?,
        min_payout_minor: number(conn, "min_payout_minor", d.min_payout_minor)?,
        tier_window_months: number(conn, "tier_window_months", d.tier_window_months)?,
        demotion_grace_months: number(conn, "demotion_grace_months", d.demotion_grace_months)?,
        second_approval_above_minor: second,
    })
}

pub fn save_incentives(conn: &mut AnyConnection, s: &IncentiveSettings) -> QueryResult<()> {
    put(conn, "holding_days", &s.holding_days.to_string())?;
    put(conn, "min_payout_minor", &s.min_payout_minor.to_string())?;
    put(
        conn,
        "tier_window_months",
        &s.tier_window_months.to_string(),
    )?;
    put(
        conn,
        "demotion_grace_months",
        &s.demotion_grace_months.to_string(),
    )?;
    match s.second_approval_above_minor {
        Some(above) => put(conn, "second_approval_above_minor", &above.to_string()),
        None => diesel::delete(settings::table.find("second_approval_above_minor"))
            .execute(conn)
            .map(|_| ()),
    }
}

/// Whether amounts in the program currency are stored anywhere a currency change would
/// silently re-read: ledger lines, payouts, tier thresholds or flat bounties (none of the
/// latter carry a currency of their own).
pub fn program_money_in_use(conn: &mut AnyConnection) -> QueryResult<bool> {
    use super::schema::{payouts, reward_lines, reward_rules, tiers};
    let lines: i64 = reward_lines::table.count().get_result(conn)?;
    let paid: i64 = payouts::table.count().get_result(conn)?;
    let thresholds: i64 = tiers::table
        .filter(tiers::min_won_value_minor.is_not_null())
        .count()
        .get_result(conn)?;
    let bounties: i64 = reward_rules::table
        .filter(reward_rules::flat_minor.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(lines + paid + thresholds + bounties > 0)
}
