//! Admin pages of the tiers: the ladder with each tier's thresholds, perks and reward rules,
//! and the form that creates or edits one tier with its rules. Every save checks the whole
//! ladder the change would leave behind.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::db::audit::{self, AuditEntry};
use crate::db::tiers::{self as stored, RuleAmount, RuleChange, TierRow, TierValues};
use crate::db::{AnyConnection, accounts, settings, write_tx};
use crate::domain::rewards::{RewardEvent, RewardKind, RewardRule};
use crate::domain::tiers::{Tier, TierLadder, TierLadderError};
use crate::domain::{Currency, Money};
use crate::error::AppError;
use crate::incentives::tiers::{domain_tier, reevaluate, rule_text};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, form_page, html, see_other};

const MAX_NAME: usize = 80;
const MAX_PERKS: usize = 2_000;
const MAX_QUALIFIED: i32 = 100_000;

pub struct TierView {
    pub id: i64,
    pub name: String,
    pub rank: i32,
    pub thresholds: String,
    pub perks: String,
    pub rules: Vec<String>,
}

#[derive(Template)]
#[template(path = "incentives/tiers/admin_list.html")]
pub struct TierListPage {
    ctx: PageCtx,
    tiers: Vec<TierView>,
    currency: String,
}

fn program_currency(conn: &mut AnyConnection) -> Result<Currency, AppError> {
    let code = settings::load(conn)?.currency;
    Ok(Currency::parse(&code).unwrap_or(Currency::EUR))
}

/// "10,000.00 EUR of won deals or 5 qualified referrals"; the entry tier has none.
pub fn thresholds_text(row: &TierRow, currency: Currency) -> String {
    let mut parts = Vec::new();
    if let Some(minor) = row.min_won_value_minor {
        parts.push(format!(
            "{} of won deals",
            Money::new(minor, currency).format()
        ));
    }
    if let Some(q) = row.min_qualified {
        parts.push(format!("{q} qualified referrals"));
    }
    if parts.is_empty() {
        "None: every partner starts here".into()
    } else {
        parts.join(" or ")
    }
}

pub async fn list_tiers(
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    let (rows, rules, currency) = state
        .db(|conn| {
            Ok((
                stored::list_tiers(conn)?,
                stored::list_rules(conn)?,
                program_currency(conn)?,
            ))
        })
        .await?;
    let tiers = rows
        .into_iter()
        .map(|row| TierView {
            id: row.id,
            thresholds: thresholds_text(&row, currency),
            rules: rules
                .iter()
                .filter(|r| r.tier_id == row.id)
                .map(|r| rule_text(r, currency))
                .collect(),
            name: row.name,
            rank: row.rank,
            perks: row.perks,
        })
        .collect();
    html(&TierListPage {
        ctx,
        tiers,
        currency: currency.code().to_owned(),
    })
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct TierForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    rank: String,
    #[serde(default)]
    min_won_value: String,
    #[serde(default)]
    min_qualified: String,
    #[serde(default)]
    perks: String,
    #[serde(default)]
    meeting_bounty: String,
    #[serde(default)]
    won_percent: String,
}

#[derive(Template)]
#[template(path = "incentives/tiers/tier_form.html")]
pub struct TierFormPage {
    ctx: PageCtx,
    /// `None` for a new tier.
    id: Option<i64>,
    form: TierForm,
    errors: Errors,
    currency: String,
}

impl TierFormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/admin/tiers/{id}"),
            None => "/admin/tiers/new".into(),
        }
    }
}

/// A stored amount as typed: major units without grouping or code.
fn major(minor: i64, currency: Currency) -> String {
    let text = Money::new(minor, currency).format();
    text.trim_end_matches(currency.code())
        .trim_end()
        .replace(',', "")
}

fn render_form(
    ctx: PageCtx,
    id: Option<i64>,
    form: TierForm,
    errors: Errors,
    currency: Currency,
) -> Result<HttpResponse, AppError> {
    let has_errors = !errors.is_empty();
    form_page(
        &TierFormPage {
            ctx,
            id,
            form,
            errors,
            currency: currency.code().to_owned(),
        },
        has_errors,
    )
}

pub async fn new_tier(state: web::Data<AppState>, ctx: PageCtx) -> Result<HttpResponse, AppError> {
    let (rows, currency) = state
        .db(|conn| Ok((stored::list_tiers(conn)?, program_currency(conn)?)))
        .await?;
    let rank = rows.iter().map(|r| r.rank + 1).max().unwrap_or(0);
    let form = TierForm {
        rank: rank.to_string(),
        ..TierForm::default()
    };
    render_form(ctx, None, form, Errors::new(), currency)
}

pub async fn edit_tier(
    state: web::Data<AppState>,
    ctx: PageCtx,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (row, meeting, won, currency) = state
        .db(move |conn| {
            let row = stored::find_tier(conn, id)?.ok_or(AppError::NotFound)?;
            Ok((
                row,
                stored::rule_for(conn, id, "meeting_booked")?,
                stored::rule_for(conn, id, "won")?,
                program_currency(conn)?,
            ))
        })
        .await?;
    let form = TierForm {
        name: row.name,
        rank: row.rank.to_string(),
        min_won_value: row
            .min_won_value_minor
            .map(|m| major(m, currency))
            .unwrap_or_default(),
        min_qualified: row.min_qualified.map(|q| q.to_string()).unwrap_or_default(),
        perks: row.perks,
        meeting_bounty: meeting
            .and_then(|r| r.flat_minor)
            .map(|m| major(m, currency))
            .unwrap_or_default(),
        won_percent: won.and_then(|r| r.percent).unwrap_or_default(),
    };
    render_form(ctx, Some(id), form, Errors::new(), currency)
}

/// A tier and its rules, checked field by field.
struct Checked {
    values: TierValues,
    meeting: Option<RuleAmount>,
    won: Option<RuleAmount>,
}

fn parse_percent(raw: &str) -> Option<Decimal> {
    let cleaned = raw.trim().trim_end_matches('%').trim();
    cleaned.parse::<Decimal>().ok()
}

fn check_fields(form: &TierForm, currency: Currency, errors: &mut Errors) -> Option<Checked> {
    let name = form.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "Enter a name, like Silver");
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", format!("Keep the name to {MAX_NAME} characters"));
    }
    let rank = form.rank.trim().parse::<u8>().ok().map(i32::from);
    if rank.is_none() {
        errors.add(
            "rank",
            "Enter a whole number from 0 to 255; higher ranks are better",
        );
    }
    let won = form.min_won_value.trim();
    let min_won_value_minor = if won.is_empty() {
        None
    } else {
        Money::parse_major(won, currency)
            .map(|m| m.minor)
            .map_err(|e| errors.add("min_won_value", e.to_string()))
            .ok()
    };
    let qualified = form.min_qualified.trim();
    let min_qualified = if qualified.is_empty() {
        None
    } else {
        let parsed = qualified
            .parse::<i32>()
            .ok()
            .filter(|q| (1..=MAX_QUALIFIED).contains(q));
        if parsed.is_none() {
            errors.add(
                "min_qualified",
                format!("Enter a whole number from 1 to {MAX_QUALIFIED}, or leave it blank"),
            );
        }
        parsed
    };
    if form.perks.chars().count() > MAX_PERKS {
        errors.add("perks", format!("Keep the perks to {MAX_PERKS} characters"));
    }
    let meeting = check_rule(
        &form.meeting_bounty,
        "meeting_bounty",
        currency,
        errors,
        |raw| {
            Money::parse_major(raw, currency)
                .map(|m| RewardRule {
                    event: RewardEvent::MeetingBooked,
                    kind: RewardKind::Flat(m),
                })
                .map_err(|e| e.to_string())
        },
    );
    let won_rule = check_rule(&form.won_percent, "won_percent", currency, errors, |raw| {
        parse_percent(raw)
            .map(|p| RewardRule {
                event: RewardEvent::Won,
                kind: RewardKind::Percent(p),
            })
            .ok_or_else(|| "Enter a percentage like 7.5, or leave it blank".to_owned())
    });
    if !errors.is_empty() {
        return None;
    }
    Some(Checked {
        values: TierValues {
            name,
            rank: rank?,
            min_won_value_minor,
            min_qualified,
            perks: form.perks.trim().to_owned(),
        },
        meeting: meeting?,
        won: won_rule?,
    })
}

/// A blank rule field means "no rule"; otherwise the rule must parse and validate.
/// `None` when it was refused, `Some(None)` when blank.
fn check_rule(
    raw: &str,
    field: &str,
    currency: Currency,
    errors: &mut Errors,
    parse: impl FnOnce(&str) -> Result<RewardRule, String>,
) -> Option<Option<RuleAmount>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    let rule = match parse(raw.trim()) {
        Ok(rule) => rule,
        Err(message) => {
            errors.add(field, message);
            return None;
        }
    };
    if let Err(e) = rule.validate(currency) {
        errors.add(field, e.to_string());
        return None;
    }
    Some(Some(match rule.kind {
        RewardKind::Flat(m) => RuleAmount::Flat(m.minor),
        RewardKind::Percent(p) => RuleAmount::Percent(p.normalize().to_string()),
    }))
}

/// Shows a ladder error next to the field of the tier being saved it concerns, or next to its
/// rank when another tier is named (its place in the ladder is what caused it).
fn ladder_error(e: &TierLadderError, this: &TierValues, errors: &mut Errors) {
    let is_this = |name: &str| name.trim() == this.name;
    let threshold_field = if this.min_won_value_minor.is_some() {
        "min_won_value"
    } else {
        "min_qualified"
    };
    let field = match e {
        TierLadderError::NoTiers => "name",
        TierLadderError::EmptyName | TierLadderError::DuplicateName(_) => "name",
        TierLadderError::DuplicateRank(_) => "rank",
        TierLadderError::EntryTierHasThreshold(n) | TierLadderError::NoThreshold(n)
            if is_this(n) =>
        {
            threshold_field
        }
        TierLadderError::NotIncreasing { name, below } if is_this(name) || is_this(below) => {
            threshold_field
        }
        TierLadderError::NegativeThreshold(_) | TierLadderError::WrongCurrency { .. } => {
            "min_won_value"
        }
        _ => "rank",
    };
    errors.add(field, e.to_string());
}

/// Checks the ladder with `values` in place of tier `id` (or added), and saves the tier and its
/// rules; `Err` carries the field errors and nothing is saved.
fn save(
    conn: &mut AnyConnection,
    id: Option<i64>,
    checked: &Checked,
    currency: Currency,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<i64, Errors>, AppError> {
    let rows = stored::list_tiers(conn)?;
    let candidate = TierRow {
        id: id.unwrap_or(0),
        name: checked.values.name.clone(),
        rank: checked.values.rank,
        min_won_value_minor: checked.values.min_won_value_minor,
        min_qualified: checked.values.min_qualified,
        perks: checked.values.perks.clone(),
        created_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
    };
    let tiers: Vec<Tier> = rows
        .iter()
        .filter(|r| Some(r.id) != id)
        .chain(std::iter::once(&candidate))
        .filter_map(|r| domain_tier(r, currency))
        .collect();
    if let Err(e) = TierLadder::new(currency, tiers) {
        let mut errors = Errors::new();
        ladder_error(&e, &checked.values, &mut errors);
        return Ok(Err(errors));
    }
    let tier_id = match id {
        Some(id) => {
            stored::update_tier(conn, id, &checked.values)?;
            id
        }
        None => stored::insert_tier(conn, &checked.values, now)?,
    };
    let mut errors = Errors::new();
    for (event, amount, field) in [
        ("meeting_booked", &checked.meeting, "meeting_bounty"),
        ("won", &checked.won, "won_percent"),
    ] {
        if stored::set_rule(conn, tier_id, event, amount.as_ref(), now)? == RuleChange::InUse {
            errors.add(
                field,
                "This rule has earned rewards already, so it stays; set it to 0 to stop it",
            );
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(tier_id))
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: Option<i64>,
    form: TierForm,
) -> Result<HttpResponse, AppError> {
    let currency = state.db(program_currency).await?;
    if let Some(id) = id {
        state
            .db(move |conn| stored::find_tier(conn, id)?.ok_or(AppError::NotFound))
            .await?;
    }
    let mut errors = Errors::new();
    let Some(checked) = check_fields(&form, currency, &mut errors) else {
        return render_form(ctx, id, form, errors, currency);
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let outcome = state
        .db(move |conn| {
            Ok(write_tx(conn, |conn| {
                let saved = match save(conn, id, &checked, currency, now)? {
                    Ok(saved) => saved,
                    // Roll back whatever was written before the error was found.
                    Err(errors) => return Err(Rollback::Refused(errors)),
                };
                let v = &checked.values;
                let detail = format!(
                    "{} (rank {}): won {}, qualified {}, meeting bounty {}, won percent {}",
                    v.name,
                    v.rank,
                    v.min_won_value_minor
                        .map_or("-".into(), |m| Money::new(m, currency).format()),
                    v.min_qualified.map_or("-".into(), |q| q.to_string()),
                    match &checked.meeting {
                        Some(RuleAmount::Flat(m)) => Money::new(*m, currency).format(),
                        _ => "-".into(),
                    },
                    match &checked.won {
                        Some(RuleAmount::Percent(p)) => p.clone(),
                        _ => "-".into(),
                    },
                );
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: if id.is_some() {
                        "tier_updated"
                    } else {
                        "tier_created"
                    },
                    object_type: "tier",
                    object_id: Some(saved.to_string()),
                    client_addr: Some(&addr),
                    detail: Some(detail),
                };
                audit::record(conn, &entry, now)?;
                // New thresholds apply at once: promote whoever they lift now.
                for org in accounts::list_organisations(conn)? {
                    reevaluate(conn, org.id, now).map_err(AppError::internal)?;
                }
                Ok(saved)
            }))
        })
        .await?;
    match outcome {
        Ok(_) => {}
        Err(Rollback::Refused(errors)) => return render_form(ctx, id, form, errors, currency),
        Err(Rollback::Failed(e)) => return Err(e),
    }

    FlashMessage::success(format!("Tier {} saved.", form.name.trim())).send();
    Ok(see_other("/admin/tiers"))
}

/// Why the save transaction was rolled back.
enum Rollback {
    Refused(Errors),
    Failed(AppError),
}

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Self::Failed(e.into())
    }
}

impl From<AppError> for Rollback {
    fn from(e: AppError) -> Self {
        Self::Failed(e)
    }
}

pub async fn create_tier(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<TierForm>,
) -> Result<HttpResponse, AppError> {
    submit(req, state, ctx, user, None, form.into_inner()).await
}

pub async fn update_tier(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<TierForm>,
) -> Result<HttpResponse, AppError> {
    submit(
        req,
        state,
        ctx,
        user,
        Some(id.into_inner()),
        form.into_inner(),
    )
    .await
}
