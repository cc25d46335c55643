//! Booking the reward of a pipeline event, and the co-referral split it is divided by.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rust_decimal::Decimal;

use super::Program;
use super::notify;
use crate::db::audit::{self, AuditEntry};
use crate::db::ledger::{self, NewLine, RewardLine};
use crate::db::referrals::{self, Referral};
use crate::db::schema::{reward_rules, tiers};
use crate::db::{AnyConnection, accounts, write_tx};
use crate::domain::{Money, RewardEvent, RewardKind, RewardRule, approvable_at, reward_for};
use crate::incentives::{IncentiveError, tiers as standing};

/// The stored name of an event: `meeting_booked` or `won`.
pub(crate) fn event_name(event: RewardEvent) -> &'static str {
    match event {
        RewardEvent::MeetingBooked => "meeting_booked",
        RewardEvent::Won => "won",
    }
}

/// The rule of `tier_id` for `event`, as stored: (rule id, flat bounty, percentage).
type StoredRule = (i64, Option<i64>, Option<String>);

/// The shares a referral's rewards are divided by: `(organisation, percentage)` in listed
/// order; the referral's own partner alone (100 %) when it is not split.
fn shares(conn: &mut AnyConnection, referral: &Referral) -> QueryResult<Vec<(i64, Decimal)>> {
    let stored = ledger::shares_of(conn, referral.id)?;
    let parsed: Vec<(i64, Decimal)> = stored
        .iter()
        .filter_map(|s| Some((s.organisation_id, Decimal::from_str(&s.share).ok()?)))
        .collect();
    if parsed.is_empty() || parsed.len() != stored.len() {
        return Ok(vec![(referral.organisation_id, Decimal::ONE_HUNDRED)]);
    }
    Ok(parsed)
}

/// Books the reward `event` earns on `referral` at `now` under the rule of its partner's
/// current tier, divided between co-referring partners, and queues each partner's
/// `reward_earned` mail. No tier, no rule or (for a percentage) no deal value books nothing.
///
/// Runs inside the caller's transaction (the pipeline step that caused it). Booking the same
/// event twice books nothing the second time: each line's unique key names the event, the
/// referral and the partner.
pub fn book_event(
    conn: &mut AnyConnection,
    referral: &Referral,
    event: RewardEvent,
    deal_value: Option<Money>,
    actor_user_id: Option<i64>,
    now: DateTime<Utc>,
    rewards_link: &str,
) -> Result<Vec<RewardLine>, IncentiveError> {
    // Waits for a split being saved on this referral, so the lines see it (see `set_split`).
    referrals::lock(conn, referral.id)?;
    let Some(tier_id) = standing::current_tier_id(conn, referral.organisation_id)? else {
        return Ok(Vec::new());
    };
    let name = event_name(event);
    let stored: Option<StoredRule> = reward_rules::table
        .filter(reward_rules::tier_id.eq(tier_id))
        .filter(reward_rules::event.eq(name))
        .select((
            reward_rules::id,
            reward_rules::flat_minor,
            reward_rules::percent,
        ))
        .first(conn)
        .optional()?;
    let Some((rule_id, flat, percent)) = stored else {
        return Ok(Vec::new());
    };
    let program = Program::load(conn)?;
    let kind = match (flat, percent.as_deref().map(Decimal::from_str)) {
        (Some(minor), _) => RewardKind::Flat(Money::new(minor, program.currency)),
        (None, Some(Ok(p))) => RewardKind::Percent(p),
        _ => return Ok(Vec::new()),
    };
    let rule = RewardRule { event, kind };
    let Some(amount) = reward_for(&rule, deal_value) else {
        return Ok(Vec::new());
    };
    let tier_name: String = tiers::table.find(tier_id).select(tiers::name).first(conn)?;
    let base_reason = match (event, kind) {
        (RewardEvent::MeetingBooked, _) => format!("Meeting booked — {tier_name} bounty"),
        (RewardEvent::Won, RewardKind::Percent(p)) => format!(
            "Deal won — {tier_name}: {} % of {}",
            p.normalize(),
            deal_value.map(|v| v.format()).unwrap_or_default()
        ),
        (RewardEvent::Won, RewardKind::Flat(_)) => format!("Deal won — {tier_name} bounty"),
    };
    let shares = shares(conn, referral)?;
    let split = shares.len() > 1;
    let parts =
        crate::domain::split_reward(amount, &shares.iter().map(|(_, s)| *s).collect::<Vec<_>>());
    let mut booked = Vec::new();
    for ((org, share), part) in shares.iter().zip(parts) {
        // A share that rounds to nothing (or a zero rule) is no reward: no line, no mail.
        if part.minor == 0 {
            continue;
        }
        let reason = if split {
            format!("{base_reason} ({} % co-referral share)", share.normalize())
        } else {
            base_reason.clone()
        };
        let key = format!("{name}:{}:{org}", referral.id);
        let line = ledger::insert_line(
            conn,
            &NewLine {
                organisation_id: *org,
                referral_id: referral.id,
                event: name,
                rule_id: Some(rule_id),
                tier_id: Some(tier_id),
                amount_minor: part.minor,
                currency: part.currency.code(),
                reason: &reason,
                corrects_line_id: None,
                earned_at: now,
                approvable_at: approvable_at(now, program.holding_days),
                unique_key: &key,
            },
            actor_user_id,
            now,
        )?;
        if let Some(line) = line {
            let preferred = (*org == referral.organisation_id).then_some(referral.submitted_by);
            notify::earned(
                conn,
                referral,
                &line,
                &program,
                preferred,
                rewards_link,
                now,
            )?;
            booked.push(line);
        }
    }
    Ok(booked)
}

/// What became of a co-referral split.
#[derive(Debug, PartialEq, Eq)]
pub enum SplitOutcome {
    Saved,
    NotFound,
    /// Rewards were booked already; a split only applies before the first one.
    LinesExist,
    /// The second partner is the referral's own, or does not exist.
    BadPartner,
}

/// Splits a referral's future rewards between its own partner (`own_share` %, listed
/// first) and `other_org` (`other_share` %); `other_org = None` removes the split.
///
/// The caller checks that the shares are positive and add up to 100 exactly. Refused once
/// any line of the referral exists: re-dividing booked lines would rewrite what partners were
/// told they earned, so an admin corrects such a case with the lines' approval instead.
pub fn set_split(
    conn: &mut AnyConnection,
    referral_id: i64,
    other: Option<(i64, Decimal, Decimal)>,
    admin_id: i64,
    client_addr: &str,
    now: DateTime<Utc>,
) -> Result<SplitOutcome, IncentiveError> {
    write_tx(conn, |conn| {
        // Booking takes the same lock: a win booked meanwhile is seen below and refuses the
        // split, instead of being booked without it.
        referrals::lock(conn, referral_id)?;
        let Some(referral) = referrals::find(conn, referral_id)? else {
            return Ok(SplitOutcome::NotFound);
        };
        if !ledger::lines_of_referral(conn, referral_id)?.is_empty() {
            return Ok(SplitOutcome::LinesExist);
        }
        let (shares, detail) = match other {
            None => (Vec::new(), "split removed".to_owned()),
            Some((org, own, theirs)) => {
                if org == referral.organisation_id
                    || accounts::organisation(conn, org).optional()?.is_none()
                {
                    return Ok(SplitOutcome::BadPartner);
                }
                (
                    vec![
                        (referral.organisation_id, own.normalize().to_string()),
                        (org, theirs.normalize().to_string()),
                    ],
                    format!(
                        "organisation {}: {} %, organisation {org}: {} %",
                        referral.organisation_id,
                        own.normalize(),
                        theirs.normalize()
                    ),
                )
            }
        };
        ledger::replace_shares(conn, referral_id, &shares, now)?;
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(admin_id),
                action: "reward_split_set",
                object_type: "referral",
                object_id: Some(referral_id.to_string()),
                client_addr: Some(client_addr),
                detail: Some(detail),
            },
            now,
        )?;
        Ok(SplitOutcome::Saved)
    })
}
