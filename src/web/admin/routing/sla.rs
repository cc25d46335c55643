//! The first-contact SLA settings: how long a rep has, when they are reminded, the score that
//! accepts a referral without an admin, and whether an escalation hands the referral on.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use serde::Deserialize;

use super::overview::{self, Typed};
use super::{Actor, optional_number};
use crate::db::settings::{self as program, RoutingSettings};
use crate::db::write_tx;
use crate::domain::{SlaPolicy, SlaPolicyError};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, see_other};

/// Largest number of hours either field takes; the policy itself allows 720.
const MAX_HOURS: i64 = 100_000;

/// The SLA form as typed: business time as hours plus minutes.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SlaForm {
    #[serde(default)]
    pub first_contact_hours: String,
    #[serde(default)]
    pub first_contact_minutes: String,
    #[serde(default)]
    pub remind_hours: String,
    #[serde(default)]
    pub remind_minutes: String,
    #[serde(default)]
    pub auto_accept_score: String,
    #[serde(default)]
    pub reassign_after_escalation: Option<String>,
}

impl SlaForm {
    pub fn from_settings(s: &RoutingSettings) -> Self {
        Self {
            first_contact_hours: (s.first_contact_minutes / 60).to_string(),
            first_contact_minutes: (s.first_contact_minutes % 60).to_string(),
            remind_hours: (s.remind_before_minutes / 60).to_string(),
            remind_minutes: (s.remind_before_minutes % 60).to_string(),
            auto_accept_score: s
                .auto_accept_score
                .map(|v| v.to_string())
                .unwrap_or_default(),
            reassign_after_escalation: s.reassign_after_escalation.then(|| "yes".to_owned()),
        }
    }
}

/// The SLA part of the routing settings once checked.
#[derive(Debug, PartialEq, Eq)]
struct ValidSla {
    first_contact_minutes: i64,
    remind_before_minutes: i64,
    auto_accept_score: Option<i64>,
    reassign_after_escalation: bool,
}

/// Hours plus minutes in whole minutes; blank fields count as zero.
fn minutes(hours: &str, minutes: &str) -> Option<i64> {
    let h = optional_number(hours, 0..=MAX_HOURS).ok()?.unwrap_or(0);
    let m = optional_number(minutes, 0..=59).ok()?.unwrap_or(0);
    Some(h * 60 + m)
}

fn validate_sla(form: &SlaForm) -> Result<ValidSla, Errors> {
    let mut errors = Errors::new();
    let first = minutes(&form.first_contact_hours, &form.first_contact_minutes);
    if first.is_none() {
        errors.add(
            "first_contact",
            "Enter whole hours, and minutes from 0 to 59",
        );
    }
    let remind = minutes(&form.remind_hours, &form.remind_minutes);
    if remind.is_none() {
        errors.add(
            "remind_before",
            "Enter whole hours, and minutes from 0 to 59",
        );
    }
    let auto_accept = optional_number(&form.auto_accept_score, 0..=100);
    if auto_accept.is_err() {
        errors.add(
            "auto_accept_score",
            "Enter a score from 0 to 100, or leave it empty so that admins decide",
        );
    }
    if let (Some(first), Some(remind)) = (first, remind)
        && let Err(e) = SlaPolicy::from_minutes(first, remind)
    {
        let field = match e {
            SlaPolicyError::FirstContactNotPositive | SlaPolicyError::FirstContactTooLong => {
                "first_contact"
            }
            SlaPolicyError::ReminderOutOfRange => "remind_before",
        };
        let message = match e {
            SlaPolicyError::ReminderOutOfRange => {
                "The reminder must come before the deadline: more than zero and less than the \
                 first-contact time"
                    .to_owned()
            }
            other => other.to_string(),
        };
        errors.add(field, message);
    }

    match (first, remind, auto_accept, errors.is_empty()) {
        (Some(first), Some(remind), Ok(auto_accept_score), true) => Ok(ValidSla {
            first_contact_minutes: first,
            remind_before_minutes: remind,
            auto_accept_score,
            reassign_after_escalation: form.reassign_after_escalation.is_some(),
        }),
        _ => Err(errors),
    }
}

/// What changed, for the audit log; empty when nothing did.
fn describe_changes(old: &RoutingSettings, new: &ValidSla) -> Vec<String> {
    let score = |v: Option<i64>| v.map_or_else(|| "off".to_owned(), |s| s.to_string());
    let mut changes = Vec::new();
    if old.first_contact_minutes != new.first_contact_minutes {
        changes.push(format!(
            "first contact {} → {} business minutes",
            old.first_contact_minutes, new.first_contact_minutes
        ));
    }
    if old.remind_before_minutes != new.remind_before_minutes {
        changes.push(format!(
            "reminder {} → {} business minutes before the deadline",
            old.remind_before_minutes, new.remind_before_minutes
        ));
    }
    if old.auto_accept_score != new.auto_accept_score {
        changes.push(format!(
            "auto-accept score {} → {}",
            score(old.auto_accept_score),
            score(new.auto_accept_score)
        ));
    }
    if old.reassign_after_escalation != new.reassign_after_escalation {
        changes.push(format!(
            "reassign after escalation {} → {}",
            old.reassign_after_escalation, new.reassign_after_escalation
        ));
    }
    changes
}

pub async fn save_sla(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<SlaForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let valid = match validate_sla(&form) {
        Ok(valid) => valid,
        Err(errors) => {
            let typed = Typed {
                sla: Some((form, errors)),
                ..Typed::default()
            };
            return overview::render(&state, ctx, typed).await;
        }
    };

    let actor = Actor {
        user_id: user.id,
        addr: state.client_addr(&req),
        now: state.now(),
    };
    let changed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let old = program::load_routing(conn)?;
                let changes = describe_changes(&old, &valid);
                if changes.is_empty() {
                    return Ok(false);
                }
                let new = RoutingSettings {
                    first_contact_minutes: valid.first_contact_minutes,
                    remind_before_minutes: valid.remind_before_minutes,
                    auto_accept_score: valid.auto_accept_score,
                    reassign_after_escalation: valid.reassign_after_escalation,
                    ..old
                };
                program::save_routing(conn, &new)?;
                actor.record(
                    conn,
                    "sla_settings_changed",
                    "settings",
                    None,
                    changes.join("; "),
                )?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;

    if changed {
        tracing::info!("SLA settings changed");
        FlashMessage::success("SLA settings saved.").send();
    } else {
        FlashMessage::info("Nothing changed.").send();
    }
    Ok(see_other("/admin/routing#sla"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fh: &str, fm: &str, rh: &str, rm: &str, score: &str) -> SlaForm {
        SlaForm {
            first_contact_hours: fh.into(),
            first_contact_minutes: fm.into(),
            remind_hours: rh.into(),
            remind_minutes: rm.into(),
            auto_accept_score: score.into(),
            reassign_after_escalation: None,
        }
    }

    #[test]
    fn hours_and_minutes_become_business_minutes() {
        assert_eq!(
            validate_sla(&form("2", "30", "", "45", "80")).ok(),
            Some(ValidSla {
                first_contact_minutes: 150,
                remind_before_minutes: 45,
                auto_accept_score: Some(80),
                reassign_after_escalation: false,
            })
        );
        let stored = RoutingSettings::default();
        let shown = SlaForm::from_settings(&stored);
        assert_eq!(
            (
                shown.first_contact_hours.as_str(),
                shown.remind_hours.as_str()
            ),
            ("4", "1")
        );
        assert_eq!(shown.auto_accept_score, "");
    }

    #[test]
    fn impossible_policies_are_refused_next_to_the_field_at_fault() {
        let errors = validate_sla(&form("1", "0", "1", "0", "")).expect_err("refused");
        assert!(errors.has("remind_before"));
        let errors = validate_sla(&form("0", "0", "0", "0", "")).expect_err("refused");
        assert!(errors.has("first_contact"));
        let errors = validate_sla(&form("721", "0", "1", "0", "")).expect_err("refused");
        assert!(errors.has("first_contact"));
        let errors = validate_sla(&form("4", "60", "1", "x", "101")).expect_err("refused");
        assert!(errors.has("first_contact"));
        assert!(errors.has("remind_before"));
        assert!(errors.has("auto_accept_score"));
    }
}
