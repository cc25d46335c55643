//! The partner's tier dashboard: the current tier and what it unlocks, progress to the next
//! one with the numbers behind it, a pending demotion review, and the history of changes.
//! Everything is read for the signed-in user's organisation only.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};

use crate::db::standings::{self, StandingRow, TierChangeRow};
use crate::db::tiers::{self as stored, RuleRow};
use crate::domain::Money;
use crate::domain::tiers::{TierStanding, progress_to_next, tier_for};
use crate::error::AppError;
use crate::incentives::tiers::{Program, rule_text};
use crate::web::context::PageCtx;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html};

/// A progress bar in whole units: no fractions on a money path.
pub struct Bar {
    pub value: i64,
    pub max: i64,
    /// What the bar measures, e.g. "2 of 5 qualified referrals".
    pub label: String,
}

pub struct NextTier {
    pub name: String,
    /// "3 more qualified referrals or 8,400.00 EUR of won deals to Gold".
    pub sentence: String,
    pub bar: Option<Bar>,
}

pub struct ChangeView {
    pub when: String,
    pub from: String,
    pub to: String,
    pub reason: String,
}

pub struct Dashboard {
    pub tier: String,
    pub perks: String,
    pub unlocks: Vec<String>,
    pub qualified: u32,
    pub won_value: String,
    pub window_from: String,
    pub window_to: String,
    pub zone: String,
    pub next: Option<NextTier>,
    /// The pending demotion review and the tier the partner would then hold.
    pub review: Option<(String, String)>,
    pub history: Vec<ChangeView>,
}

#[derive(Template)]
#[template(path = "incentives/tiers/partner.html")]
pub struct TierPage {
    ctx: PageCtx,
    dashboard: Option<Dashboard>,
}

pub async fn show_tier(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let org = user.partner_org().ok_or(AppError::NotFound)?;
    let now = state.now();
    let zone = user.time_zone.clone();
    let dashboard = state
        .db(move |conn| {
            let Some(program) = Program::load(conn)? else {
                return Ok(None);
            };
            let standing = program.standing(conn, org, now)?;
            let row = standings::standing(conn, org)?;
            let rules = stored::list_rules(conn)?;
            let changes = standings::changes_of(conn, org)?;
            Ok(Some(build(
                &program,
                &standing,
                row.as_ref(),
                &rules,
                changes,
                now,
                &zone,
            )))
        })
        .await?;
    html(&TierPage { ctx, dashboard })
}

fn build(
    program: &Program,
    standing: &TierStanding,
    row: Option<&StandingRow>,
    rules: &[RuleRow],
    changes: Vec<TierChangeRow>,
    now: DateTime<Utc>,
    viewer_zone: &str,
) -> Dashboard {
    let entry = program.ladder.entry();
    let current = row.and_then(|r| program.tier(r.tier_id)).unwrap_or(entry);
    let current_row = program.row_of(current);
    let current_id = current_row.map(|r| r.id);
    let unlocks = rules
        .iter()
        .filter(|r| Some(r.tier_id) == current_id)
        .map(|r| rule_text(r, program.currency))
        .collect();
    let next = progress_to_next(&program.ladder, current, standing).map(|p| {
        let mut ways = Vec::new();
        if let Some(q) = p.missing_qualified {
            let noun = if q == 1 { "referral" } else { "referrals" };
            ways.push(format!("{q} more qualified {noun}"));
        }
        if let Some(m) = p.missing_won_value {
            ways.push(format!("{} of won deals", m.format()));
        }
        let sentence = if p.is_reached() {
            format!("You reach {}: the promotion is on its way.", p.next.name)
        } else {
            format!("{} to {}", ways.join(" or "), p.next.name)
        };
        NextTier {
            name: p.next.name.clone(),
            sentence,
            bar: bar(p.next.min_qualified, p.next.min_won_value, standing),
        }
    });
    let review = row.and_then(|r| r.demotion_review_at).map(|at| {
        let projected = tier_for(&program.ladder, standing);
        (program.date(at.and_utc()), projected.name.clone())
    });
    let name_of = |id: Option<i64>| {
        id.and_then(|id| program.rows.iter().find(|r| r.id == id))
            .map_or_else(|| "—".to_owned(), |r| r.name.clone())
    };
    let history = changes
        .into_iter()
        .map(|c| ChangeView {
            when: local(c.created_at, viewer_zone),
            from: name_of(c.from_tier_id),
            to: name_of(Some(c.to_tier_id)),
            reason: c.reason,
        })
        .collect();
    let (from, to) = program.window_at(now);
    Dashboard {
        tier: current.name.clone(),
        perks: current_row.map(|r| r.perks.clone()).unwrap_or_default(),
        unlocks,
        qualified: standing.qualified,
        won_value: standing.won_value.format(),
        window_from: program.date(from),
        window_to: program.date(to),
        zone: program.zone.name().to_owned(),
        next,
        review,
        history,
    }
}

/// The bar of whichever threshold of the next tier is closest to being met, compared as
/// exact fractions.
fn bar(min_qualified: Option<u32>, min_won: Option<Money>, standing: &TierStanding) -> Option<Bar> {
    let qualified = min_qualified.filter(|t| *t > 0).map(|target| {
        let have = i64::from(standing.qualified.min(target));
        Bar {
            value: have,
            max: i64::from(target),
            label: format!("{} of {} qualified referrals", standing.qualified, target),
        }
    });
    let won = min_won.filter(|t| t.minor > 0).map(|target| {
        let have = standing.won_value.minor.clamp(0, target.minor);
        Bar {
            value: have,
            max: target.minor,
            label: format!(
                "{} of {} of won deals",
                standing.won_value.format(),
                target.format()
            ),
        }
    });
    match (qualified, won) {
        (Some(q), Some(w)) => {
            let q_ahead =
                i128::from(q.value) * i128::from(w.max) >= i128::from(w.value) * i128::from(q.max);
            Some(if q_ahead { q } else { w })
        }
        (q, w) => q.or(w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    #[test]
    fn the_bar_follows_the_threshold_closest_to_being_met() {
        let eur = |major: i64| Money::new(major * 100, Currency::EUR);
        let standing = TierStanding {
            won_value: eur(1_600),
            qualified: 2,
        };
        let b = bar(Some(5), Some(eur(10_000)), &standing).expect("a bar");
        assert_eq!((b.value, b.max), (2, 5));
        let standing = TierStanding {
            won_value: eur(9_000),
            qualified: 2,
        };
        let b = bar(Some(5), Some(eur(10_000)), &standing).expect("a bar");
        assert_eq!((b.value, b.max), (900_000, 1_000_000));
        assert!(bar(None, None, &standing).is_none());
    }
}
