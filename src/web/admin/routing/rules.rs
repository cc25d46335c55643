//! Routing rules: adding one at the end of the ordered list, and removing one.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;

use super::overview::{self, Typed};
use super::{Actor, optional_number, parse_id};
use crate::db::routing::{self, NewRule};
use crate::db::write_tx;
use crate::domain::{PoolId, Region, RoutingRule, RoutingRuleError};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, see_other};

/// The add-rule form as typed. Regions are checkboxes sharing one name, so the form is read
/// from its raw pairs rather than through a struct.
#[derive(Debug, Default, Clone)]
pub struct RuleForm {
    pub pool: String,
    pub countries: String,
    pub regions: Vec<String>,
    pub min_score: String,
    pub max_score: String,
}

impl RuleForm {
    fn from_pairs(fields: Vec<(String, String)>) -> Self {
        let mut form = RuleForm::default();
        for (key, value) in fields {
            match key.as_str() {
                "rule_pool" => form.pool = value,
                "rule_countries" => form.countries = value,
                "region" => form.regions.push(value),
                "rule_min_score" => form.min_score = value,
                "rule_max_score" => form.max_score = value,
                _ => {}
            }
        }
        form
    }

    /// Whether the region with storage name `code` was ticked.
    pub fn has_region(&self, code: &str) -> bool {
        self.regions.iter().any(|r| r == code)
    }
}

/// Puts a rule problem next to the field it concerns.
fn rule_field(error: &RoutingRuleError) -> &'static str {
    match error {
        RoutingRuleError::UnknownCountry(_) => "rule_countries",
        RoutingRuleError::ScoreAboveHundred | RoutingRuleError::EmptyScoreBand => "rule_max_score",
    }
}

/// Checks the form against the existing pools; returns the rule with its countries written as
/// upper-case codes.
fn validate_rule(form: &RuleForm, pool_ids: &[i64]) -> Result<RoutingRule, Errors> {
    let mut errors = Errors::new();
    let pool = form
        .pool
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| pool_ids.contains(id));
    if pool.is_none() {
        errors.add("rule_pool", "Choose the pool that receives these referrals");
    }
    let countries: Vec<String> = form
        .countries
        .split(',')
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    let mut regions = Vec::new();
    for raw in &form.regions {
        match raw.parse::<Region>() {
            Ok(region) if !regions.contains(&region) => regions.push(region),
            Ok(_) => {}
            Err(e) => errors.add("rule_regions", e.to_string()),
        }
    }
    let score = |raw: &str, field: &str, errors: &mut Errors| match optional_number(raw, 0..=100) {
        Ok(n) => n.and_then(|n| u8::try_from(n).ok()),
        Err(()) => {
            errors.add(field, "Enter a score from 0 to 100, or leave it empty");
            None
        }
    };
    let min_score = score(&form.min_score, "rule_min_score", &mut errors);
    let max_score = score(&form.max_score, "rule_max_score", &mut errors);

    // Checked in two parts, so that a bad country and a bad band are both reported.
    let places = RoutingRule {
        pool: PoolId(pool.unwrap_or_default()),
        countries,
        regions,
        min_score: None,
        max_score: None,
    };
    let band = RoutingRule {
        pool: places.pool,
        countries: Vec::new(),
        regions: Vec::new(),
        min_score,
        max_score,
    };
    for part in [&places, &band] {
        if let Err(e) = part.validate() {
            errors.add(rule_field(&e), e.to_string());
        }
    }
    let rule = RoutingRule {
        min_score,
        max_score,
        ..places
    };
    if rule.countries.is_empty()
        && rule.regions.is_empty()
        && rule.min_score.is_none()
        && rule.max_score.is_none()
        && errors.is_empty()
    {
        errors.add(
            "rule_countries",
            "Name countries, regions or a score band: the default pool already takes \
             everything else",
        );
    }
    if errors.is_empty() {
        Ok(rule)
    } else {
        Err(errors)
    }
}

pub async fn add_rule(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = RuleForm::from_pairs(form.into_inner());
    let pools = state.db(|conn| Ok(routing::pools(conn)?)).await?;
    let pool_ids: Vec<i64> = pools.iter().map(|p| p.id).collect();
    let rule = match validate_rule(&form, &pool_ids) {
        Ok(rule) => rule,
        Err(errors) => {
            let typed = Typed {
                rule: Some((form, errors)),
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
    let countries = rule.countries.join(",");
    let regions: Vec<&str> = rule.regions.iter().map(Region::as_str).collect();
    let regions = regions.join(",");
    let detail = format!(
        "pool {}; countries [{countries}]; regions [{regions}]; score {}–{}",
        rule.pool.0,
        rule.min_score.unwrap_or(0),
        rule.max_score.unwrap_or(100)
    );
    let id = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                // The pool may have gone since the form was checked; the reference keeps it.
                routing::pool(conn, rule.pool.0)?.ok_or(AppError::NotFound)?;
                let id = routing::add_rule(
                    conn,
                    &NewRule {
                        pool_id: rule.pool.0,
                        countries: &countries,
                        regions: &regions,
                        min_score: rule.min_score.map(i32::from),
                        max_score: rule.max_score.map(i32::from),
                    },
                )?;
                actor.record(conn, "routing_rule_added", "routing_rule", Some(id), detail)?;
                Ok::<_, AppError>(id)
            })
        })
        .await?;

    tracing::info!(routing_rule.id = id, "routing rule added");
    FlashMessage::success("Rule added at the end of the list.").send();
    Ok(see_other("/admin/routing#rules"))
}

pub async fn delete_rule(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let rule_id = parse_id(&path)?;

    let actor = Actor {
        user_id: user.id,
        addr: state.client_addr(&req),
        now: state.now(),
    };
    let deleted = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let Some(rule) = routing::rules(conn)?.into_iter().find(|r| r.id == rule_id) else {
                    return Ok(false);
                };
                routing::delete_rule(conn, rule_id)?;
                let detail = format!(
                    "pool {}; countries [{}]; regions [{}]",
                    rule.pool_id, rule.countries, rule.regions
                );
                actor.record(
                    conn,
                    "routing_rule_deleted",
                    "routing_rule",
                    Some(rule_id),
                    detail,
                )?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;

    if deleted {
        tracing::info!(routing_rule.id = rule_id, "routing rule deleted");
        FlashMessage::success("Rule removed.").send();
    } else {
        FlashMessage::info("That rule was already removed.").send();
    }
    Ok(see_other("/admin/routing#rules"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pool: &str, countries: &str, regions: &[&str], min: &str, max: &str) -> RuleForm {
        RuleForm {
            pool: pool.into(),
            countries: countries.into(),
            regions: regions.iter().map(|r| (*r).to_owned()).collect(),
            min_score: min.into(),
            max_score: max.into(),
        }
    }

    #[test]
    fn a_rule_is_read_with_upper_case_codes_and_its_regions() {
        let rule = validate_rule(
            &form("3", " de, at ,", &["DACH", "NORDICS"], "40", ""),
            &[3],
        )
        .expect("valid");
        assert_eq!(rule.pool, PoolId(3));
        assert_eq!(rule.countries, vec!["DE", "AT"]);
        assert_eq!(rule.regions, vec![Region::Dach, Region::Nordics]);
        assert_eq!((rule.min_score, rule.max_score), (Some(40), None));
    }

    #[test]
    fn bad_parts_of_a_rule_are_each_named_next_to_their_field() {
        let errors =
            validate_rule(&form("9", "DE, XX", &["MARS"], "80", "20"), &[3]).expect_err("refused");
        assert!(errors.get("rule_countries").contains("XX"));
        assert!(errors.has("rule_pool"));
        assert!(errors.has("rule_regions"));
        assert!(errors.has("rule_max_score"));

        let errors = validate_rule(&form("3", "", &[], "", ""), &[3]).expect_err("refused");
        assert!(errors.has("rule_countries"));
        let errors = validate_rule(&form("3", "UK", &[], "", "101"), &[3]).expect_err("refused");
        assert!(errors.has("rule_countries"), "aliases are not codes");
        assert!(errors.has("rule_max_score"));
    }
}
