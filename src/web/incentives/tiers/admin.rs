//! Admin pages of the tiers: the ladder with each tier's thresholds, perks and reward rules,
//! and the form that creates or edits one tier with its rules. Every save checks the whole
//! ladder the change would leave behind.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;

use super::tier_form::{Checked, TierForm, check_fields, ladder_error, major};
use crate::db::audit::{self, AuditEntry};
use crate::db::tiers::{self as stored, RuleAmount, RuleChange, TierRow};
use crate::db::{AnyConnection, accounts, settings, write_tx};
use crate::domain::tiers::{Tier, TierLadder};
use crate::domain::{Currency, Money};
use crate::error::AppError;
use crate::incentives::tiers::{domain_tier, reevaluate, rule_text};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, form_page, html, see_other};

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
