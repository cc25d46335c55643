//! The routing page: SLA settings, pools with their members, and the ordered routing rules.
//! Each form on it posts to its own handler, which renders this page again on a refusal.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use chrono_tz::Tz;

use super::SelectOption;
use super::pools::PoolForm;
use super::rules::RuleForm;
use super::sla::SlaForm;
use crate::db::routing::{self, StoredRule};
use crate::db::settings as program;
use crate::domain::{Region, RepAvailability};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::{AppState, html};

/// The members form of one pool as typed, with its problems.
pub struct MembersTyped {
    pub pool_id: i64,
    pub checked: Vec<i64>,
    pub orders: HashMap<i64, String>,
    pub errors: Errors,
}

/// What the page shows besides the stored values: the one form that was refused, as typed.
#[derive(Default)]
pub struct Typed {
    pub sla: Option<(SlaForm, Errors)>,
    pub pool: Option<(PoolForm, Errors)>,
    pub members: Option<Box<MembersTyped>>,
    pub rule: Option<(RuleForm, Errors)>,
}

/// One rep's line in a pool's members form.
pub struct MemberChoice {
    pub rep_id: i64,
    pub name: String,
    /// Why the rep would be skipped, or "".
    pub note: &'static str,
    pub checked: bool,
    pub order: String,
    pub error: String,
}

/// A pool with its members in turn order and its members form.
pub struct PoolView {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    pub members: Vec<MemberChoice>,
    pub choices: Vec<MemberChoice>,
    pub error: String,
}

/// A stored rule as the list shows it.
pub struct RuleView {
    pub id: i64,
    pub number: usize,
    pub pool: String,
    pub countries: String,
    pub regions: String,
    pub band: String,
}

/// One region checkbox of the add-rule form.
pub struct RegionChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub countries: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin/routing/routing.html")]
pub struct RoutingPage {
    ctx: PageCtx,
    sla: SlaForm,
    sla_errors: Errors,
    pools: Vec<PoolView>,
    has_default: bool,
    has_reps: bool,
    pool_form: PoolForm,
    pool_errors: Errors,
    rules: Vec<RuleView>,
    rule_form: RuleForm,
    rule_errors: Errors,
    pool_options: Vec<SelectOption>,
    regions: Vec<RegionChoice>,
}

fn score_band(min: Option<i32>, max: Option<i32>) -> String {
    match (min, max) {
        (None, None) => "Any score".to_owned(),
        (Some(min), None) => format!("{min} or more"),
        (None, Some(max)) => format!("Up to {max}"),
        (Some(min), Some(max)) => format!("{min} to {max}"),
    }
}

fn region_labels(stored: &str) -> String {
    let labels: Vec<String> = stored
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.parse::<Region>()
                .map_or_else(|_| r.to_owned(), |r| r.label().to_owned())
        })
        .collect();
    labels.join(", ")
}

fn rule_view(number: usize, rule: StoredRule, pool_names: &HashMap<i64, String>) -> RuleView {
    RuleView {
        id: rule.id,
        number,
        pool: pool_names
            .get(&rule.pool_id)
            .cloned()
            .unwrap_or_else(|| format!("Pool {}", rule.pool_id)),
        countries: rule
            .countries
            .split(',')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(", "),
        regions: region_labels(&rule.regions),
        band: score_band(rule.min_score, rule.max_score),
    }
}

pub async fn render(
    state: &AppState,
    ctx: PageCtx,
    typed: Typed,
) -> Result<HttpResponse, AppError> {
    let now = state.now();
    let (settings, pools, memberships, reps, rules) = state
        .db(|conn| {
            Ok((
                program::load_routing(conn)?,
                routing::pools(conn)?,
                routing::all_pool_members(conn)?,
                routing::reps(conn)?,
                routing::rules(conn)?,
            ))
        })
        .await?;

    let note = |rep: &routing::Rep| -> &'static str {
        let availability = RepAvailability {
            rep_id: rep.user.id,
            active: rep.active(),
            out_of_office_until: rep
                .profile
                .out_of_office_until
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            zone: rep.user.time_zone.parse().unwrap_or(Tz::UTC),
        };
        if !availability.active {
            "not available"
        } else if !availability.is_available(now) {
            "out of office"
        } else {
            ""
        }
    };
    let mut members_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (pool_id, rep_id) in memberships {
        members_of.entry(pool_id).or_default().push(rep_id);
    }
    let mut typed_members = typed.members;
    let pool_views: Vec<PoolView> = pools
        .iter()
        .map(|pool| {
            let current = members_of.remove(&pool.id).unwrap_or_default();
            let this_typed = typed_members.take_if(|t| t.pool_id == pool.id);
            let choice = |rep: &routing::Rep| {
                let id = rep.user.id;
                let turn = current.iter().position(|m| *m == id);
                let (checked, order, error) = match &this_typed {
                    Some(t) => (
                        t.checked.contains(&id),
                        t.orders.get(&id).cloned().unwrap_or_default(),
                        t.errors.get(&format!("order_{id}")).to_owned(),
                    ),
                    None => (
                        turn.is_some(),
                        turn.map(|t| (t + 1).to_string()).unwrap_or_default(),
                        String::new(),
                    ),
                };
                MemberChoice {
                    rep_id: id,
                    name: rep.user.display_name.clone(),
                    note: note(rep),
                    checked,
                    order,
                    error,
                }
            };
            let members = current
                .iter()
                .filter_map(|id| reps.iter().find(|r| r.user.id == *id))
                .map(choice)
                .collect();
            PoolView {
                id: pool.id,
                name: pool.name.clone(),
                is_default: pool.is_default,
                members,
                choices: reps.iter().map(choice).collect(),
                error: this_typed
                    .as_ref()
                    .map(|t| t.errors.get("members").to_owned())
                    .unwrap_or_default(),
            }
        })
        .collect();

    let pool_names: HashMap<i64, String> = pools.iter().map(|p| (p.id, p.name.clone())).collect();
    let rule_views = rules
        .into_iter()
        .enumerate()
        .map(|(index, rule)| rule_view(index + 1, rule, &pool_names))
        .collect();
    let (sla, sla_errors) = typed
        .sla
        .unwrap_or_else(|| (SlaForm::from_settings(&settings), Errors::new()));
    let (pool_form, pool_errors) = typed.pool.unwrap_or_default();
    let (rule_form, rule_errors) = typed.rule.unwrap_or_default();
    let mut pool_options = vec![SelectOption {
        value: String::new(),
        label: "Choose a pool".to_owned(),
        selected: rule_form.pool.trim().is_empty(),
    }];
    pool_options.extend(pools.iter().map(|p| SelectOption {
        value: p.id.to_string(),
        label: p.name.clone(),
        selected: rule_form.pool.trim() == p.id.to_string(),
    }));
    let regions = Region::ALL
        .iter()
        .map(|r| RegionChoice {
            code: r.as_str(),
            label: r.label(),
            countries: r.countries().join(", "),
            checked: rule_form.has_region(r.as_str()),
        })
        .collect();

    html(&RoutingPage {
        ctx,
        sla,
        sla_errors,
        has_default: pools.iter().any(|p| p.is_default),
        has_reps: !reps.is_empty(),
        pools: pool_views,
        pool_form,
        pool_errors,
        rules: rule_views,
        rule_form,
        rule_errors,
        pool_options,
        regions,
    })
}

pub async fn show_routing(
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    render(&state, ctx, Typed::default()).await
}
