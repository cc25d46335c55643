//! The demo ladder: Registered (every partner starts there), Silver and Gold, each with a
//! meeting bounty and a share of won deals, so the demo pipeline earns rewards and climbs.

use chrono::{DateTime, Utc};

use super::SetupError;
use crate::db::AnyConnection;
use crate::db::audit::{self, AuditEntry};
use crate::db::tiers::{self as stored, RuleAmount, TierValues};

/// (name, rank, won value in whole euros, qualified referrals, perks, bounty in euros, percent)
type DemoTier = (
    &'static str,
    i32,
    Option<i64>,
    Option<i32>,
    &'static str,
    i64,
    &'static str,
);

const TIERS: [DemoTier; 3] = [
    (
        "Registered",
        0,
        None,
        None,
        "Partner portal access and the referral guide.",
        100,
        "5",
    ),
    (
        "Silver",
        1,
        Some(25_000),
        Some(5),
        "A named partner manager and joint account planning once a quarter.",
        150,
        "7.5",
    ),
    (
        "Gold",
        2,
        Some(75_000),
        Some(12),
        "Co-marketing funds, early access to the roadmap and a seat at the partner summit.",
        250,
        "10",
    ),
];

pub(super) fn seed(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    admin_id: i64,
) -> Result<(), SetupError> {
    for (name, rank, won, qualified, perks, bounty, percent) in TIERS {
        let values = TierValues {
            name: name.into(),
            rank,
            min_won_value_minor: won.map(|euros| euros * 100),
            min_qualified: qualified,
            perks: perks.into(),
        };
        let id = stored::insert_tier(conn, &values, now)?;
        let meeting = RuleAmount::Flat(bounty * 100);
        stored::set_rule(conn, id, "meeting_booked", Some(&meeting), now)?;
        let won_rule = RuleAmount::Percent(percent.into());
        stored::set_rule(conn, id, "won", Some(&won_rule), now)?;
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(admin_id),
                action: "tier_created",
                object_type: "tier",
                object_id: Some(id.to_string()),
                client_addr: Some("demo"),
                detail: Some(format!("{name} (rank {rank}), demo data")),
            },
            now,
        )?;
    }
    Ok(())
}
