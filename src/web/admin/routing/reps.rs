//! Reps: the list with their availability, calendars and pools, and the form where an admin
//! sets a rep's availability, manager, time zone, working hours and holidays.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Deserialize;

use super::{Actor, SelectOption, parse_id};
use crate::db::accounts::User;
use crate::db::routing::{self, Rep, RepProfile};
use crate::db::write_tx;
use crate::domain::WorkingCalendar;
use crate::domain::sla::{CalendarError, parse_holidays};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, html, see_other};

/// A rep as the list shows them.
pub struct RepRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub account_active: bool,
    pub available: bool,
    pub out_of_office_until: String,
    pub manager: String,
    pub time_zone: String,
    pub hours: String,
    pub holidays: String,
    pub pools: String,
}

#[derive(Template)]
#[template(path = "admin/routing/reps.html")]
pub struct RepListPage {
    ctx: PageCtx,
    reps: Vec<RepRow>,
}

pub async fn list_reps(state: web::Data<AppState>, ctx: PageCtx) -> Result<HttpResponse, AppError> {
    let (reps, staff, pools, members) = state
        .db(|conn| {
            Ok((
                routing::reps(conn)?,
                routing::manager_candidates(conn)?,
                routing::pools(conn)?,
                routing::all_pool_members(conn)?,
            ))
        })
        .await?;

    let names: HashMap<i64, String> = staff.into_iter().map(|u| (u.id, u.display_name)).collect();
    let pool_names: HashMap<i64, String> = pools.into_iter().map(|p| (p.id, p.name)).collect();
    let mut pools_of: HashMap<i64, Vec<String>> = HashMap::new();
    for (pool_id, rep_id) in members {
        if let Some(name) = pool_names.get(&pool_id) {
            pools_of.entry(rep_id).or_default().push(name.clone());
        }
    }
    let rows = reps
        .into_iter()
        .map(|rep| {
            let p = rep.profile;
            RepRow {
                id: rep.user.id,
                account_active: rep.user.active,
                available: p.available,
                out_of_office_until: p.out_of_office_until.unwrap_or_default(),
                manager: p
                    .manager_user_id
                    .and_then(|id| names.get(&id).cloned())
                    .unwrap_or_default(),
                hours: p.calendar,
                holidays: p.holidays,
                pools: pools_of
                    .remove(&rep.user.id)
                    .map(|names| names.join(", "))
                    .unwrap_or_default(),
                name: rep.user.display_name,
                email: rep.user.email,
                time_zone: rep.user.time_zone,
            }
        })
        .collect();

    html(&RepListPage { ctx, reps: rows })
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct RepForm {
    #[serde(default)]
    available: Option<String>,
    #[serde(default)]
    out_of_office_until: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    holidays: String,
}

impl RepForm {
    fn from_rep(rep: &Rep) -> Self {
        let p = &rep.profile;
        Self {
            available: p.available.then(|| "yes".to_owned()),
            out_of_office_until: p.out_of_office_until.clone().unwrap_or_default(),
            manager: p
                .manager_user_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            time_zone: rep.user.time_zone.clone(),
            hours: p.calendar.clone(),
            holidays: p.holidays.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/routing/rep.html")]
pub struct RepEditPage {
    ctx: PageCtx,
    id: i64,
    name: String,
    email: String,
    account_active: bool,
    form: RepForm,
    errors: Errors,
    managers: Vec<SelectOption>,
    zones: Vec<&'static str>,
}

/// The rep and the staff who may manage them (active admins and reps other than the rep, plus
/// whoever manages them now); `NotFound` when the id is not a rep's.
async fn load(state: &AppState, id: i64) -> Result<(Rep, Vec<User>), AppError> {
    state
        .db(move |conn| {
            let rep = routing::rep(conn, id)?.ok_or(AppError::NotFound)?;
            let current = rep.profile.manager_user_id;
            let candidates = routing::manager_candidates(conn)?
                .into_iter()
                .filter(|u| u.id != id && (u.active || Some(u.id) == current))
                .collect();
            Ok((rep, candidates))
        })
        .await
}

fn render(
    ctx: PageCtx,
    rep: Rep,
    candidates: &[User],
    form: RepForm,
    errors: Errors,
) -> Result<HttpResponse, AppError> {
    let mut managers = vec![SelectOption {
        value: String::new(),
        label: "No manager: escalations go to the admins".to_owned(),
        selected: form.manager.trim().is_empty(),
    }];
    managers.extend(candidates.iter().map(|u| {
        let role = u.role().map_or("Unknown role", |r| r.label());
        let away = if u.active { "" } else { ", deactivated" };
        SelectOption {
            value: u.id.to_string(),
            label: format!("{} ({role}{away})", u.display_name),
            selected: form.manager.trim() == u.id.to_string(),
        }
    }));
    html(&RepEditPage {
        ctx,
        id: rep.user.id,
        name: rep.user.display_name,
        email: rep.user.email,
        account_active: rep.user.active,
        form,
        errors,
        managers,
        zones: chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect(),
    })
}

pub async fn edit_rep(
    state: web::Data<AppState>,
    ctx: PageCtx,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let (rep, candidates) = load(&state, id).await?;
    let form = RepForm::from_rep(&rep);
    render(ctx, rep, &candidates, form, Errors::new())
}

/// A rep's settings once checked, in their stored form.
#[derive(Debug)]
struct ValidRep {
    profile: RepProfile,
    time_zone: String,
}

/// Puts a calendar problem next to the field it concerns.
fn calendar_field(error: &CalendarError) -> &'static str {
    match error {
        CalendarError::UnknownZone(_) => "time_zone",
        CalendarError::BadHoliday(_) => "holidays",
        _ => "hours",
    }
}

fn validate_rep(rep_id: i64, form: &RepForm, candidates: &[User]) -> Result<ValidRep, Errors> {
    let mut errors = Errors::new();

    let out_of_office_until = match form.out_of_office_until.trim() {
        "" => None,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(date) => Some(date.format("%Y-%m-%d").to_string()),
            Err(_) => {
                errors.add(
                    "out_of_office_until",
                    "Enter the last day away as YYYY-MM-DD, like 2026-12-31, or leave it empty",
                );
                None
            }
        },
    };

    let manager_user_id = match form.manager.trim() {
        "" => None,
        raw => {
            let found = raw
                .parse::<i64>()
                .ok()
                .filter(|id| candidates.iter().any(|u| u.id == *id));
            if found.is_none() {
                errors.add("manager", "Choose a manager from the list");
            }
            found
        }
    };

    let zone = form.time_zone.trim().parse::<Tz>().ok();
    if zone.is_none() {
        errors.add(
            "time_zone",
            "Enter a time zone from the IANA database, like Europe/Berlin or America/New_York",
        );
    }
    let holidays = parse_holidays(&form.holidays)
        .map_err(|e| errors.add("holidays", e.to_string()))
        .ok();
    // The hours are checked on their own, and against a known zone when the typed one is
    // wrong, so that every field shows its own problem at once.
    let zone_name = zone.map_or("UTC", |z| z.name());
    let calendar = match WorkingCalendar::parse(zone_name, &form.hours, "") {
        Ok(calendar) => holidays.map(|days| calendar.with_holidays(days)),
        Err(e) => {
            errors.add(calendar_field(&e), e.to_string());
            None
        }
    };

    match (calendar, zone, errors.is_empty()) {
        (Some(calendar), Some(zone), true) => Ok(ValidRep {
            profile: RepProfile {
                user_id: rep_id,
                available: form.available.is_some(),
                out_of_office_until,
                manager_user_id,
                calendar: calendar.hours_text(),
                holidays: calendar.holidays_text(),
            },
            time_zone: zone.name().to_owned(),
        }),
        _ => Err(errors),
    }
}

/// What changed on a rep, for the audit log; empty when nothing did.
fn describe_changes(old: &Rep, new: &ValidRep) -> Vec<String> {
    let (was, now) = (&old.profile, &new.profile);
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
    let id = |v: Option<i64>| v.map_or_else(|| "none".to_owned(), |id| format!("user {id}"));
    let mut changes = Vec::new();
    if was.available != now.available {
        changes.push(format!("available {} → {}", was.available, now.available));
    }
    if was.out_of_office_until != now.out_of_office_until {
        changes.push(format!(
            "out of office until {} → {}",
            shown(&was.out_of_office_until),
            shown(&now.out_of_office_until)
        ));
    }
    if was.manager_user_id != now.manager_user_id {
        changes.push(format!(
            "manager {} → {}",
            id(was.manager_user_id),
            id(now.manager_user_id)
        ));
    }
    if old.user.time_zone != new.time_zone {
        changes.push(format!(
            "time zone {} → {}",
            old.user.time_zone, new.time_zone
        ));
    }
    if was.calendar != now.calendar {
        changes.push(format!("hours {} → {}", was.calendar, now.calendar));
    }
    if was.holidays != now.holidays {
        changes.push(format!("holidays [{}] → [{}]", was.holidays, now.holidays));
    }
    changes
}

pub async fn save_rep(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
    form: web::Form<RepForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let form = form.into_inner();
    let (rep, candidates) = load(&state, id).await?;
    let valid = match validate_rep(id, &form, &candidates) {
        Ok(valid) => valid,
        Err(errors) => return render(ctx, rep, &candidates, form, errors),
    };

    let actor = Actor {
        user_id: user.id,
        addr: state.client_addr(&req),
        now: state.now(),
    };
    let name = rep.user.display_name.clone();
    let changed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let old = routing::rep(conn, id)?.ok_or(AppError::NotFound)?;
                let changes = describe_changes(&old, &valid);
                if changes.is_empty() {
                    return Ok(false);
                }
                routing::save_profile(conn, &valid.profile)?;
                routing::set_time_zone(conn, id, &valid.time_zone)?;
                actor.record(conn, "rep_changed", "user", Some(id), changes.join("; "))?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;

    if changed {
        tracing::info!(rep.id = id, "rep settings changed");
        FlashMessage::success(format!("Saved {name}'s settings.")).send();
    } else {
        FlashMessage::info(format!("Nothing changed for {name}.")).send();
    }
    Ok(see_other("/admin/reps"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(zone: &str, hours: &str, holidays: &str) -> RepForm {
        RepForm {
            available: Some("yes".into()),
            time_zone: zone.into(),
            hours: hours.into(),
            holidays: holidays.into(),
            ..RepForm::default()
        }
    }

    #[test]
    fn a_rep_form_is_stored_in_the_calendars_own_text_form() {
        let valid = validate_rep(
            7,
            &form(
                " America/New_York ",
                "mon-thu 08:00-16:00; fri 08:00-12:00",
                "2026-12-25",
            ),
            &[],
        )
        .expect("valid");
        assert_eq!(valid.time_zone, "America/New_York");
        assert_eq!(
            valid.profile.calendar,
            "Mon-Thu 08:00-16:00; Fri 08:00-12:00"
        );
        assert_eq!(valid.profile.holidays, "2026-12-25");
        assert!(valid.profile.available);
    }

    #[test]
    fn each_bad_calendar_field_gets_its_own_message() {
        let errors = validate_rep(
            7,
            &form("Mars/Base", "Mon-Fri 17:00-09:00", "25.12.2026"),
            &[],
        )
        .expect_err("refused");
        assert!(errors.has("time_zone"));
        assert!(errors.has("hours"));
        assert!(errors.has("holidays"));

        let mut typed = form("UTC", "Mon-Fri 09:00-17:00", "");
        typed.manager = "99".into();
        typed.out_of_office_until = "next week".into();
        let errors = validate_rep(7, &typed, &[]).expect_err("refused");
        assert!(errors.has("manager"));
        assert!(errors.has("out_of_office_until"));
        assert_eq!(errors.len(), 2);
    }
}
