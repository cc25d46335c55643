//! Incentive program settings: holding period, minimum payout, tier window, demotion grace
//! and the second-approval threshold. Currency and time zone stay on /admin/settings.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use crate::db::audit::{self, AuditEntry};
use crate::db::settings::{self as program, IncentiveSettings};
use crate::db::write_tx;
use crate::domain::{Currency, Money};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, form_page, see_other};

const MAX_HOLDING_DAYS: i64 = 365;
const MAX_WINDOW_MONTHS: i64 = 36;
const MAX_GRACE_MONTHS: i64 = 24;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct IncentiveForm {
    #[serde(default)]
    holding_days: String,
    #[serde(default)]
    min_payout: String,
    #[serde(default)]
    tier_window_months: String,
    #[serde(default)]
    demotion_grace_months: String,
    #[serde(default)]
    second_approval_above: String,
}

/// Amounts typed as major units, without the currency code, so they read back as typed.
fn major(minor: i64, currency: Currency) -> String {
    let text = Money::new(minor, currency).format();
    text.trim_end_matches(currency.code())
        .trim_end()
        .replace(',', "")
}

impl IncentiveForm {
    fn from_settings(s: &IncentiveSettings, currency: Currency) -> Self {
        Self {
            holding_days: s.holding_days.to_string(),
            min_payout: major(s.min_payout_minor, currency),
            tier_window_months: s.tier_window_months.to_string(),
            demotion_grace_months: s.demotion_grace_months.to_string(),
            second_approval_above: s
                .second_approval_above_minor
                .map(|m| major(m, currency))
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "incentives/tiers/settings.html")]
pub struct IncentiveSettingsPage {
    ctx: PageCtx,
    form: IncentiveForm,
    errors: Errors,
    currency: String,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    typed: Option<(IncentiveForm, Errors)>,
) -> Result<HttpResponse, AppError> {
    let (stored, currency) = state
        .db(|conn| {
            Ok((
                program::load_incentives(conn)?,
                program::load(conn)?.currency,
            ))
        })
        .await?;
    let currency = Currency::parse(&currency).unwrap_or(Currency::EUR);
    let (form, errors) = typed.unwrap_or_else(|| {
        (
            IncentiveForm::from_settings(&stored, currency),
            Errors::new(),
        )
    });
    let has_errors = !errors.is_empty();
    form_page(
        &IncentiveSettingsPage {
            ctx,
            form,
            errors,
            currency: currency.code().to_owned(),
        },
        has_errors,
    )
}

pub async fn show_settings(
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    render(&state, ctx, None).await
}

fn whole(raw: &str, field: &str, max: i64, min: i64, unit: &str, errors: &mut Errors) -> i64 {
    match raw.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            errors.add(
                field,
                format!("Enter a whole number of {unit} from {min} to {max}"),
            );
            0
        }
    }
}

fn validate(form: &IncentiveForm, currency: Currency) -> Result<IncentiveSettings, Errors> {
    let mut errors = Errors::new();
    let holding_days = whole(
        &form.holding_days,
        "holding_days",
        MAX_HOLDING_DAYS,
        0,
        "days",
        &mut errors,
    );
    let tier_window_months = whole(
        &form.tier_window_months,
        "tier_window_months",
        MAX_WINDOW_MONTHS,
        1,
        "months",
        &mut errors,
    );
    let demotion_grace_months = whole(
        &form.demotion_grace_months,
        "demotion_grace_months",
        MAX_GRACE_MONTHS,
        0,
        "months",
        &mut errors,
    );
    let min_payout_minor = match Money::parse_major(&form.min_payout, currency) {
        Ok(m) => m.minor,
        Err(e) => {
            errors.add("min_payout", e.to_string());
            0
        }
    };
    let second_approval_above_minor = if form.second_approval_above.trim().is_empty() {
        None
    } else {
        match Money::parse_major(&form.second_approval_above, currency) {
            Ok(m) => Some(m.minor),
            Err(e) => {
                errors.add("second_approval_above", e.to_string());
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(IncentiveSettings {
        holding_days,
        min_payout_minor,
        tier_window_months,
        demotion_grace_months,
        second_approval_above_minor,
    })
}

/// The changes from `old` to `new`, for the audit log.
fn describe(old: &IncentiveSettings, new: &IncentiveSettings, currency: Currency) -> Vec<String> {
    let money = |m: i64| Money::new(m, currency).format();
    let optional = |m: Option<i64>| m.map_or_else(|| "never".to_owned(), money);
    let mut changes = Vec::new();
    if old.holding_days != new.holding_days {
        changes.push(format!(
            "holding period {} → {} days",
            old.holding_days, new.holding_days
        ));
    }
    if old.min_payout_minor != new.min_payout_minor {
        changes.push(format!(
            "minimum payout {} → {}",
            money(old.min_payout_minor),
            money(new.min_payout_minor)
        ));
    }
    if old.tier_window_months != new.tier_window_months {
        changes.push(format!(
            "tier window {} → {} months",
            old.tier_window_months, new.tier_window_months
        ));
    }
    if old.demotion_grace_months != new.demotion_grace_months {
        changes.push(format!(
            "demotion grace {} → {} months",
            old.demotion_grace_months, new.demotion_grace_months
        ));
    }
    if old.second_approval_above_minor != new.second_approval_above_minor {
        changes.push(format!(
            "second approval above {} → {}",
            optional(old.second_approval_above_minor),
            optional(new.second_approval_above_minor)
        ));
    }
    changes
}

pub async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<IncentiveForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let currency = state.db(|conn| Ok(program::load(conn)?.currency)).await?;
    let currency = Currency::parse(&currency).unwrap_or(Currency::EUR);
    let new = match validate(&form, currency) {
        Ok(new) => new,
        Err(errors) => return render(&state, ctx, Some((form, errors))).await,
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let changed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let old = program::load_incentives(conn)?;
                let changes = describe(&old, &new, currency);
                if changes.is_empty() {
                    return Ok(false);
                }
                program::save_incentives(conn, &new)?;
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: "incentive_settings_changed",
                    object_type: "settings",
                    object_id: None,
                    client_addr: Some(&addr),
                    detail: Some(changes.join("; ")),
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;

    if changed {
        tracing::info!("incentive settings changed");
        FlashMessage::success("Incentive settings saved.").send();
    } else {
        FlashMessage::info("Nothing changed.").send();
    }
    Ok(see_other("/admin/tiers/settings"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incentive_settings_outside_their_range_are_refused_next_to_their_field() {
        let form = IncentiveForm {
            holding_days: "-1".into(),
            min_payout: "abc".into(),
            tier_window_months: "0".into(),
            demotion_grace_months: "25".into(),
            second_approval_above: "1.234".into(),
        };
        let Err(errors) = validate(&form, Currency::EUR) else {
            panic!("the settings should be refused");
        };
        for field in [
            "holding_days",
            "min_payout",
            "tier_window_months",
            "demotion_grace_months",
            "second_approval_above",
        ] {
            assert!(errors.has(field), "{field}");
        }

        let form = IncentiveForm {
            holding_days: "30".into(),
            min_payout: "1,250.50".into(),
            tier_window_months: "12".into(),
            demotion_grace_months: "3".into(),
            second_approval_above: " ".into(),
        };
        assert_eq!(
            validate(&form, Currency::EUR).ok(),
            Some(IncentiveSettings {
                holding_days: 30,
                min_payout_minor: 125_050,
                tier_window_months: 12,
                demotion_grace_months: 3,
                second_approval_above_minor: None,
            })
        );
        assert_eq!(major(125_050, Currency::EUR), "1250.50");
        assert_eq!(major(926, Currency::JPY), "926");
    }
}
