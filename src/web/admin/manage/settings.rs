//! Program settings (currency, time zone, protection window) and the admin-kept e-mail
//! provider domains that extend the built-in free-mail and disposable lists.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::settings_uploads::{self as limits, UploadLimitsForm};
use super::{SelectOption, options};
use crate::db::admin::{self, ProviderKind};
use crate::db::audit::{self, AuditEntry};
use crate::db::settings::{self as program, ProgramSettings};
use crate::db::write_tx;
use crate::domain::{Currency, DomainClass, ProviderLists};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html, see_other};

const MIN_PROTECTION_DAYS: i64 = 1;
const MAX_PROTECTION_DAYS: i64 = 365;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    currency: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    protection_days: String,
    #[serde(flatten)]
    uploads: UploadLimitsForm,
}

impl From<&ProgramSettings> for SettingsForm {
    fn from(s: &ProgramSettings) -> Self {
        Self {
            currency: s.currency.clone(),
            time_zone: s.time_zone.clone(),
            protection_days: s.protection_days.to_string(),
            uploads: UploadLimitsForm::from(&s.uploads),
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    kind: String,
}

pub struct ProviderView {
    pub domain: String,
    pub kind: &'static str,
    pub since: String,
}

#[derive(Template)]
#[template(path = "admin/manage/settings.html")]
pub struct SettingsPage {
    ctx: PageCtx,
    form: SettingsForm,
    errors: Errors,
    currencies: Vec<SelectOption>,
    zones: Vec<&'static str>,
    providers: Vec<ProviderView>,
    provider_form: ProviderForm,
    provider_errors: Errors,
    kinds: Vec<SelectOption>,
}

/// What the page shows besides the stored values: the forms as typed, and their errors.
#[derive(Default)]
struct Typed {
    form: Option<SettingsForm>,
    errors: Errors,
    provider_form: ProviderForm,
    provider_errors: Errors,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    typed: Typed,
) -> Result<HttpResponse, AppError> {
    let (stored, entries) = state
        .db(|conn| Ok((program::load(conn)?, admin::list_providers(conn)?)))
        .await?;
    let form = typed.form.unwrap_or_else(|| SettingsForm::from(&stored));
    let currencies = options(
        Currency::all().iter().map(|c| (c.code(), c.code())),
        &form.currency,
    );
    let kind = if typed.provider_form.kind.is_empty() {
        ProviderKind::Free.as_str()
    } else {
        typed.provider_form.kind.as_str()
    };
    let kinds = options(ProviderKind::ALL.map(|k| (k.as_str(), k.label())), kind);
    let providers = entries
        .into_iter()
        .map(|e| ProviderView {
            kind: ProviderKind::parse(&e.kind).map_or("Unknown", ProviderKind::label),
            since: local(e.created_at, &user.time_zone),
            domain: e.domain,
        })
        .collect();
    html(&SettingsPage {
        ctx,
        form,
        errors: typed.errors,
        currencies,
        zones: chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect(),
        providers,
        provider_form: typed.provider_form,
        provider_errors: typed.provider_errors,
        kinds,
    })
}

pub async fn show_settings(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(&state, ctx, &user, Typed::default()).await
}

fn validate_settings(form: &SettingsForm) -> Result<ProgramSettings, Errors> {
    let mut errors = Errors::new();
    let currency = Currency::parse(&form.currency)
        .map(|c| c.code().to_owned())
        .map_err(|_| errors.add("currency", "Choose a currency from the list"))
        .ok();
    let time_zone = form
        .time_zone
        .trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            errors.add(
                "time_zone",
                "Enter a time zone from the IANA database, like Europe/Berlin or UTC",
            )
        })
        .ok();
    let protection_days = form
        .protection_days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (MIN_PROTECTION_DAYS..=MAX_PROTECTION_DAYS).contains(d));
    if protection_days.is_none() {
        errors.add(
            "protection_days",
            format!(
                "Enter a whole number of days from {MIN_PROTECTION_DAYS} to {MAX_PROTECTION_DAYS}"
            ),
        );
    }
    let uploads = limits::validate(&form.uploads, &mut errors);
    match (currency, time_zone, protection_days, uploads) {
        (Some(currency), Some(time_zone), Some(protection_days), Some(uploads)) => {
            Ok(ProgramSettings {
                currency,
                time_zone,
                protection_days,
                uploads,
            })
        }
        _ => Err(errors),
    }
}

/// The changes from `old` to `new`, for the audit log; empty when nothing changed.
fn describe_changes(old: &ProgramSettings, new: &ProgramSettings) -> Vec<String> {
    let mut changes = Vec::new();
    if old.currency != new.currency {
        changes.push(format!("currency {} → {}", old.currency, new.currency));
    }
    if old.time_zone != new.time_zone {
        changes.push(format!("time zone {} → {}", old.time_zone, new.time_zone));
    }
    if old.protection_days != new.protection_days {
        changes.push(format!(
            "protection window {} → {} days",
            old.protection_days, new.protection_days
        ));
    }
    limits::describe(&old.uploads, &new.uploads, &mut changes);
    changes
}

/// What saving the settings did.
enum Saved {
    Changed,
    Unchanged,
    /// The currency change was refused; the current currency.
    CurrencyLocked(String),
}

pub async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let form_again = form.clone();
    let new = match validate_settings(&form) {
        Ok(new) => new,
        Err(errors) => {
            let typed = Typed {
                form: Some(form),
                errors,
                ..Typed::default()
            };
            return render(&state, ctx, &user, typed).await;
        }
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let saved = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let old = program::load(conn)?;
                let changes = describe_changes(&old, &new);
                if changes.is_empty() {
                    return Ok(Saved::Unchanged);
                }
                if old.currency != new.currency && program::program_money_in_use(conn)? {
                    return Ok(Saved::CurrencyLocked(old.currency));
                }
                program::save(conn, &new)?;
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: "settings_changed",
                    object_type: "settings",
                    object_id: None,
                    client_addr: Some(&addr),
                    detail: Some(changes.join("; ")),
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(Saved::Changed)
            })
        })
        .await?;

    match saved {
        Saved::Changed => {
            tracing::info!("program settings changed");
            FlashMessage::success("Settings saved.").send();
        }
        Saved::Unchanged => FlashMessage::info("Nothing changed.").send(),
        Saved::CurrencyLocked(current) => {
            let mut errors = Errors::new();
            errors.add(
                "currency",
                format!(
                    "The currency stays {current}: rewards, payouts or tier amounts are already \
                     kept in it, and changing it would re-read them in another currency"
                ),
            );
            let typed = Typed {
                form: Some(form_again),
                errors,
                ..Typed::default()
            };
            return render(&state, ctx, &user, typed).await;
        }
    }
    Ok(see_other("/admin/settings"))
}

/// Longest domain name the DNS allows.
const MAX_DOMAIN_LEN: usize = 253;

/// Checks a provider domain as typed (`@Mail.Example.` is fine) and returns it in the stored
/// form: lower case, international names in punycode. `name.*` stands for that name under
/// every public suffix, as in the built-in lists.
fn check_provider_domain(raw: &str) -> Result<String, &'static str> {
    let cleaned = raw
        .trim()
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_lowercase();
    if cleaned.is_empty() {
        return Err("Enter a domain, like mail-provider.example");
    }
    let (base, wildcard) = match cleaned.strip_suffix(".*") {
        Some(base) => (base, true),
        None => (cleaned.as_str(), false),
    };
    let Ok(url::Host::Domain(ascii)) = url::Host::parse(base) else {
        return Err("Enter only the domain name, without http://, a path or spaces");
    };
    let labels: Vec<&str> = ascii.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if ascii.len() > MAX_DOMAIN_LEN || !labels.iter().all(label_ok) {
        return Err("Use letters, digits, hyphens and dots only, like mail-provider.example");
    }
    if wildcard {
        return Ok(format!("{ascii}.*"));
    }
    if labels.len() < 2 {
        return Err("Enter the whole domain with its ending, like mail-provider.example");
    }
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("Enter a domain name, not an address");
    }
    Ok(ascii)
}

pub async fn add_provider(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<ProviderForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = Errors::new();
    let kind = ProviderKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("kind", "Choose free mail or disposable");
    }
    let domain = check_provider_domain(&form.domain)
        .map_err(|m| errors.add("domain", m))
        .ok();
    if let Some(domain) = domain.as_deref().filter(|d| !d.ends_with(".*")) {
        match ProviderLists::default().classify(domain) {
            DomainClass::FreeMail => errors.add("domain", "Already on the built-in free-mail list"),
            DomainClass::Disposable => {
                errors.add("domain", "Already on the built-in disposable list")
            }
            DomainClass::Reserved => errors.add(
                "domain",
                "This is a reserved example name: it never identifies a company anyway",
            ),
            DomainClass::Business => {}
        }
    }
    let (Some(domain), Some(kind), true) = (domain, kind, errors.is_empty()) else {
        let typed = Typed {
            provider_form: form,
            provider_errors: errors,
            ..Typed::default()
        };
        return render(&state, ctx, &user, typed).await;
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let stored = domain.clone();
    let existing = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                if let Some(existing) = admin::provider(conn, &stored)? {
                    return Ok(Some(existing.kind));
                }
                admin::add_provider(conn, &stored, kind, now)?;
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: "email_provider_added",
                    object_type: "email_provider",
                    object_id: Some(stored.clone()),
                    client_addr: Some(&addr),
                    detail: Some(kind.as_str().to_owned()),
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(None)
            })
        })
        .await?;
    if let Some(existing) = existing {
        let label = ProviderKind::parse(&existing).map_or("Unknown", ProviderKind::label);
        let mut errors = Errors::new();
        errors.add(
            "domain",
            format!("Already on the list, as {}", label.to_lowercase()),
        );
        let typed = Typed {
            provider_form: form,
            provider_errors: errors,
            ..Typed::default()
        };
        return render(&state, ctx, &user, typed).await;
    }

    FlashMessage::success(format!(
        "{domain} added to the {} domains.",
        kind.label().to_lowercase()
    ))
    .send();
    Ok(see_other("/admin/settings#providers"))
}

#[derive(Debug, Deserialize)]
pub struct RemoveProviderForm {
    #[serde(default)]
    domain: String,
}

pub async fn remove_provider(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<RemoveProviderForm>,
) -> Result<HttpResponse, AppError> {
    let domain = form.into_inner().domain;

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let target = domain.clone();
    let removed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                if admin::remove_provider(conn, &target)? == 0 {
                    return Ok(false);
                }
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: "email_provider_removed",
                    object_type: "email_provider",
                    object_id: Some(target.clone()),
                    client_addr: Some(&addr),
                    detail: None,
                };
                audit::record(conn, &entry, now)?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;

    if removed {
        FlashMessage::success(format!("{domain} removed from the list.")).send();
    } else {
        FlashMessage::info(format!("{domain} was not on the list.")).send();
    }
    Ok(see_other("/admin/settings#providers"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_domains_are_cleaned_or_refused() {
        for (raw, expected) in [
            (
                " @Mail-Provider.Example. ",
                Ok("mail-provider.example".to_owned()),
            ),
            ("bücher-post.de", Ok("xn--bcher-post-9db.de".to_owned())),
            ("freemail.*", Ok("freemail.*".to_owned())),
            ("", Err(())),
            ("localhost", Err(())),
            ("http://mail.example", Err(())),
            ("mail.example/x", Err(())),
            ("-bad.example", Err(())),
            ("under_score.example", Err(())),
            ("10.0.0.1", Err(())),
            ("two words.example", Err(())),
        ] {
            assert_eq!(
                check_provider_domain(raw).map_err(|_| ()),
                expected,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn settings_outside_their_range_are_refused_next_to_their_field() {
        let form = SettingsForm {
            currency: "XXX".into(),
            time_zone: "Mars/Olympus".into(),
            protection_days: "0".into(),
            uploads: UploadLimitsForm::default(),
        };
        let Err(errors) = validate_settings(&form) else {
            panic!("the settings should be refused");
        };
        assert!(errors.has("currency"));
        assert!(errors.has("time_zone"));
        assert!(errors.has("protection_days"));

        let form = SettingsForm {
            currency: "usd".into(),
            time_zone: " Europe/Berlin ".into(),
            protection_days: "365".into(),
            uploads: UploadLimitsForm::default(),
        };
        assert_eq!(
            validate_settings(&form).ok(),
            Some(ProgramSettings {
                currency: "USD".into(),
                time_zone: "Europe/Berlin".into(),
                protection_days: 365,
                uploads: Default::default(),
            })
        );
    }
}
