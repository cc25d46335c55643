//! The scoring rules: one number field per weight and the target countries as a list, stored
//! as the JSON of `ScoringRules`, with a sample referral scored by the saved rules.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;

use super::Actor;
use crate::db::settings::{self as program};
use crate::db::write_tx;
use crate::domain::{
    DomainClass, ScoreInput, ScoringRules, ScoringRulesError, Seniority, Urgency, score,
};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, html, see_other};

/// The form field of the target countries; every weight's field is its JSON path with `_`
/// for `.`.
const COUNTRIES_FIELD: &str = "target_countries";

/// A group of weights as the form shows it: legend, hint and `(JSON path, label)` pairs.
type Group = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const GROUPS: &[Group] = &[
    (
        "Country",
        "Points when the prospect's country is one of the target countries above.",
        &[("target_country", "Target country")],
    ),
    (
        "Title seniority",
        "Read from the prospect's job title.",
        &[
            ("seniority.executive", "Executive (C-level, founder)"),
            ("seniority.vice_president", "Vice president"),
            ("seniority.director", "Director or head of"),
            ("seniority.manager", "Manager or team lead"),
            ("seniority.individual_contributor", "Individual contributor"),
            ("seniority.unknown", "No title, or not recognised"),
        ],
    ),
    (
        "Relationship strength",
        "How well the partner knows the prospect, as the partner rated it from 1 to 5.",
        &[
            ("strength.1", "Strength 1"),
            ("strength.2", "Strength 2"),
            ("strength.3", "Strength 3"),
            ("strength.4", "Strength 4"),
            ("strength.5", "Strength 5"),
        ],
    ),
    (
        "Urgency",
        "When the prospect needs a solution.",
        &[
            ("urgency.now", "Now"),
            ("urgency.this_quarter", "This quarter"),
            ("urgency.later", "Later"),
        ],
    ),
    (
        "Completeness",
        "Points for each contact detail given, and a bonus when all four are there.",
        &[
            ("completeness.email", "E-mail address"),
            ("completeness.phone", "Phone number"),
            ("completeness.title", "Job title"),
            ("completeness.website", "Website"),
            ("completeness.all_four", "All four given"),
        ],
    ),
    (
        "E-mail address",
        "What the domain of the prospect's address says about them.",
        &[
            ("email.business", "Company domain"),
            ("email.free_mail", "Free-mail service"),
            ("email.disposable", "Throw-away address"),
            ("email.reserved", "Example or test domain"),
        ],
    ),
    (
        "Existing customer",
        "Zero or negative: a referral of a company that already buys from us is worth less.",
        &[("existing_customer", "Already a customer")],
    ),
];

/// The weight at `path` (the JSON path `validate()` names it by).
fn weight_mut<'a>(r: &'a mut ScoringRules, path: &str) -> Option<&'a mut i32> {
    let [s1, s2, s3, s4, s5] = &mut r.strength;
    let (s, u, c, e) = (
        &mut r.seniority,
        &mut r.urgency,
        &mut r.completeness,
        &mut r.email,
    );
    Some(match path {
        "target_country" => &mut r.target_country,
        "seniority.executive" => &mut s.executive,
        "seniority.vice_president" => &mut s.vice_president,
        "seniority.director" => &mut s.director,
        "seniority.manager" => &mut s.manager,
        "seniority.individual_contributor" => &mut s.individual_contributor,
        "seniority.unknown" => &mut s.unknown,
        "strength.1" => s1,
        "strength.2" => s2,
        "strength.3" => s3,
        "strength.4" => s4,
        "strength.5" => s5,
        "urgency.now" => &mut u.now,
        "urgency.this_quarter" => &mut u.this_quarter,
        "urgency.later" => &mut u.later,
        "completeness.email" => &mut c.email,
        "completeness.phone" => &mut c.phone,
        "completeness.title" => &mut c.title,
        "completeness.website" => &mut c.website,
        "completeness.all_four" => &mut c.all_four,
        "email.business" => &mut e.business,
        "email.free_mail" => &mut e.free_mail,
        "email.disposable" => &mut e.disposable,
        "email.reserved" => &mut e.reserved,
        "existing_customer" => &mut r.existing_customer,
        _ => return None,
    })
}

fn weight(rules: &ScoringRules, path: &str) -> Option<i32> {
    weight_mut(&mut rules.clone(), path).map(|w| *w)
}

/// The form field that shows the weight at a JSON path.
fn field_name(path: &str) -> String {
    path.replace('.', "_")
}

fn all_paths() -> impl Iterator<Item = &'static str> {
    GROUPS
        .iter()
        .flat_map(|(_, _, fields)| fields.iter().map(|(path, _)| *path))
}

/// The stored rules; empty means the documented defaults. `None` when the stored JSON cannot be
/// read.
fn stored_rules(json: &str) -> Option<ScoringRules> {
    if json.trim().is_empty() {
        return Some(ScoringRules::default());
    }
    serde_json::from_str(json).ok()
}

/// The form's values by field name, as typed or as stored.
fn form_values(rules: &ScoringRules) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = all_paths()
        .map(|path| {
            let value = weight(rules, path)
                .map(|w| w.to_string())
                .unwrap_or_default();
            (field_name(path), value)
        })
        .collect();
    values.insert(
        COUNTRIES_FIELD.to_owned(),
        rules.target_countries.join(", "),
    );
    values
}

/// The message shown next to a field for a refused rule.
fn message(error: &ScoringRulesError) -> String {
    match error {
        ScoringRulesError::WeightOutOfRange { .. } => "Enter points from -100 to 100".to_owned(),
        ScoringRulesError::MustNotBePositive { .. } => {
            "Use zero or a negative number: being a customer must not raise the score".to_owned()
        }
        ScoringRulesError::UnknownCountry { value, .. } => {
            format!("\"{value}\" is not an ISO country code like DE or GB")
        }
    }
}

fn parse_scoring(values: &HashMap<String, String>) -> Result<ScoringRules, Errors> {
    let mut errors = Errors::new();
    let mut rules = ScoringRules {
        target_countries: values
            .get(COUNTRIES_FIELD)
            .map(String::as_str)
            .unwrap_or_default()
            .split(',')
            .map(|c| c.trim().to_uppercase())
            .filter(|c| !c.is_empty())
            .collect(),
        ..ScoringRules::default()
    };
    for path in all_paths() {
        let name = field_name(path);
        let raw = values.get(&name).map(|v| v.trim()).unwrap_or_default();
        match (raw.parse::<i32>(), weight_mut(&mut rules, path)) {
            (Ok(points), Some(slot)) => *slot = points,
            _ => errors.add(&name, "Enter a whole number of points from -100 to 100"),
        }
    }
    if let Err(problems) = rules.validate() {
        for problem in &problems {
            errors.add(&field_name(problem.field()), message(problem));
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// What changed, for the audit log; empty when nothing did.
fn describe_changes(old: &ScoringRules, new: &ScoringRules) -> Vec<String> {
    let mut changes = Vec::new();
    if old.target_countries != new.target_countries {
        changes.push(format!(
            "target countries [{}] → [{}]",
            old.target_countries.join(", "),
            new.target_countries.join(", ")
        ));
    }
    for path in all_paths() {
        let (was, now) = (weight(old, path), weight(new, path));
        if was != now {
            changes.push(format!(
                "{path} {} → {}",
                was.unwrap_or_default(),
                now.unwrap_or_default()
            ));
        }
    }
    changes
}

pub struct FieldView {
    pub name: String,
    pub label: &'static str,
    pub value: String,
    pub error: String,
}

pub struct GroupView {
    pub legend: &'static str,
    pub hint: &'static str,
    pub fields: Vec<FieldView>,
}

/// A sample referral scored by the saved rules.
pub struct Preview {
    pub value: u8,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/routing/scoring.html")]
pub struct ScoringPage {
    ctx: PageCtx,
    groups: Vec<GroupView>,
    target_countries: String,
    errors: Errors,
    unreadable: bool,
    preview: Preview,
}

/// A VP at a German company with a company address, well known to the partner, needing a
/// solution this quarter, with every contact detail given.
fn sample_referral() -> ScoreInput {
    ScoreInput {
        country: Some("DE".to_owned()),
        seniority: Seniority::VicePresident,
        strength: Some(4),
        urgency: Some(Urgency::ThisQuarter),
        has_email: true,
        has_phone: true,
        has_title: true,
        has_website: true,
        email_class: Some(DomainClass::Business),
        existing_customer: false,
    }
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    typed: Option<(HashMap<String, String>, Errors)>,
) -> Result<HttpResponse, AppError> {
    let json = state
        .db(|conn| Ok(program::load_routing(conn)?.scoring_rules))
        .await?;
    let saved = stored_rules(&json);
    let unreadable = saved.is_none();
    let saved = saved.unwrap_or_default();
    let (values, errors) = typed.unwrap_or_else(|| (form_values(&saved), Errors::new()));

    let value_of = |name: &str| values.get(name).cloned().unwrap_or_default();
    let groups = GROUPS
        .iter()
        .map(|(legend, hint, fields)| GroupView {
            legend,
            hint,
            fields: fields
                .iter()
                .map(|(path, label)| {
                    let name = field_name(path);
                    FieldView {
                        value: value_of(&name),
                        error: errors.get(&name).to_owned(),
                        label,
                        name,
                    }
                })
                .collect(),
        })
        .collect();
    let sample = score(&saved, &sample_referral());

    html(&ScoringPage {
        ctx,
        groups,
        target_countries: value_of(COUNTRIES_FIELD),
        errors,
        unreadable,
        preview: Preview {
            value: sample.value,
            reasons: sample.reasons.iter().map(ToString::to_string).collect(),
        },
    })
}

pub async fn show_scoring(
    state: web::Data<AppState>,
    ctx: PageCtx,
) -> Result<HttpResponse, AppError> {
    render(&state, ctx, None).await
}

pub async fn save_scoring(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let values = form.into_inner();
    let rules = match parse_scoring(&values) {
        Ok(rules) => rules,
        Err(errors) => return render(&state, ctx, Some((values, errors))).await,
    };
    let json = serde_json::to_string(&rules).map_err(AppError::internal)?;

    let actor = Actor {
        user_id: user.id,
        addr: state.client_addr(&req),
        now: state.now(),
    };
    let changed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let settings = program::load_routing(conn)?;
                let old = stored_rules(&settings.scoring_rules).unwrap_or_default();
                let changes = describe_changes(&old, &rules);
                if changes.is_empty() && !settings.scoring_rules.trim().is_empty() {
                    return Ok(false);
                }
                let detail = if changes.is_empty() {
                    "defaults saved".to_owned()
                } else {
                    changes.join("; ")
                };
                program::save_routing(
                    conn,
                    &program::RoutingSettings {
                        scoring_rules: json,
                        ..settings
                    },
                )?;
                actor.record(conn, "scoring_rules_changed", "settings", None, detail)?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;

    if changed {
        tracing::info!("scoring rules changed");
        FlashMessage::success("Scoring rules saved. New referrals are scored with them.").send();
    } else {
        FlashMessage::info("Nothing changed.").send();
    }
    Ok(see_other("/admin/scoring"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_weight_has_a_field_and_the_defaults_read_back_unchanged() {
        let defaults = ScoringRules::default();
        assert_eq!(all_paths().count(), 25);
        assert!(all_paths().all(|path| weight(&defaults, path).is_some()));
        assert_eq!(parse_scoring(&form_values(&defaults)).ok(), Some(defaults));
    }

    #[test]
    fn a_refused_weight_is_named_by_its_form_field() {
        let mut values = form_values(&ScoringRules::default());
        values.insert("seniority_manager".into(), "150".into());
        values.insert("strength_2".into(), "five".into());
        values.insert("existing_customer".into(), "5".into());
        values.insert(COUNTRIES_FIELD.into(), "de, Narnia".into());
        let errors = parse_scoring(&values).expect_err("refused");
        assert!(errors.get("seniority_manager").contains("-100 to 100"));
        assert!(errors.has("strength_2"));
        assert!(errors.has("existing_customer"));
        assert!(errors.get(COUNTRIES_FIELD).contains("NARNIA"));
        assert_eq!(errors.len(), 4);
    }
}
