//! Rep pools: creating one, choosing its members and their turn order, and making one the
//! default pool that takes every referral no rule claims.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use serde::Deserialize;

use super::overview::{self, MembersTyped, Typed};
use super::{Actor, optional_number, parse_id};
use crate::db::routing::{self, Rep};
use crate::db::write_tx;
use crate::domain::text::clean_single_line;
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, see_other};

/// Longest pool name accepted, in characters.
const MAX_NAME_CHARS: usize = 100;
/// Largest turn number a member may be given.
const MAX_ORDER: i64 = 999;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct PoolForm {
    #[serde(default)]
    pub pool_name: String,
    #[serde(default)]
    pub pool_default: Option<String>,
}

pub async fn create_pool(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<PoolForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let name = clean_single_line(&form.pool_name);
    let mut errors = Errors::new();
    if name.is_empty() {
        errors.add("pool_name", "Enter a name for the pool");
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.add(
            "pool_name",
            format!("Use at most {MAX_NAME_CHARS} characters for the name"),
        );
    }
    if !errors.is_empty() {
        let typed = Typed {
            pool: Some((form, errors)),
            ..Typed::default()
        };
        return overview::render(&state, ctx, typed).await;
    }

    let actor = Actor {
        user_id: user.id,
        addr: state.client_addr(&req),
        now: state.now(),
    };
    let is_default = form.pool_default.is_some();
    let stored = name.clone();
    let created = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let taken = routing::pools(conn)?
                    .iter()
                    .any(|p| p.name.to_lowercase() == stored.to_lowercase());
                if taken {
                    return Ok(None);
                }
                let id = routing::create_pool(conn, &stored, is_default, actor.now)?;
                let detail = format!("{stored}{}", if is_default { " (default)" } else { "" });
                actor.record(conn, "pool_created", "pool", Some(id), detail)?;
                Ok::<_, AppError>(Some(id))
            })
        })
        .await?;
    let Some(id) = created else {
        let mut errors = Errors::new();
        errors.add("pool_name", "A pool with this name already exists");
        let typed = Typed {
            pool: Some((form, errors)),
            ..Typed::default()
        };
        return overview::render(&state, ctx, typed).await;
    };

    tracing::info!(pool.id = id, "rep pool created");
    FlashMessage::success(format!("Pool {name} created. Now choose its reps.")).send();
    Ok(see_other(&format!("/admin/routing#pool-{id}")))
}

/// Reads the members form: a `member` checkbox per chosen rep and an optional `order_<id>`
/// turn number. Returns the rep ids in turn order (numbered ones first, by number; the rest in
/// list order), or what was typed with the problems found.
fn parse_members(
    pool_id: i64,
    fields: &[(String, String)],
    reps: &[Rep],
) -> Result<Vec<i64>, Box<MembersTyped>> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let chosen: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "member")
        .map(|(_, v)| v.trim())
        .collect();
    let mut errors = Errors::new();
    if chosen
        .iter()
        .any(|v| !reps.iter().any(|r| r.user.id.to_string() == *v))
    {
        errors.add("members", "Choose reps from the list");
    }

    let mut checked = Vec::new();
    let mut orders = HashMap::new();
    let mut ranked = Vec::new();
    for (index, rep) in reps.iter().enumerate() {
        let id = rep.user.id;
        let key = format!("order_{id}");
        let order = value(&key).unwrap_or_default().to_owned();
        if chosen.contains(&id.to_string().as_str()) {
            checked.push(id);
            match optional_number(&order, 1..=MAX_ORDER) {
                Ok(number) => ranked.push((number.unwrap_or(MAX_ORDER + 1), index, id)),
                Err(()) => errors.add(
                    &key,
                    format!("Enter a turn number from 1 to {MAX_ORDER}, or leave it empty"),
                ),
            }
        }
        orders.insert(id, order);
    }
    if !errors.is_empty() {
        return Err(Box::new(MembersTyped {
            pool_id,
            checked,
            orders,
            errors,
        }));
    }
    ranked.sort_unstable();
    Ok(ranked.into_iter().map(|(_, _, id)| id).collect())
}

pub async fn set_pool_members(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pool_id = parse_id(&path)?;
    let fields = form.into_inner();
    let (pool, reps) = state
        .db(move |conn| {
            let pool = routing::pool(conn, pool_id)?.ok_or(AppError::NotFound)?;
            Ok((pool, routing::reps(conn)?))
        })
        .await?;
    let members = match parse_members(pool_id, &fields, &reps) {
        Ok(members) => members,
        Err(typed) => {
            let typed = Typed {
                members: Some(typed),
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
    let names: HashMap<i64, String> = reps
        .into_iter()
        .map(|r| (r.user.id, r.user.display_name))
        .collect();
    let count = members.len();
    let changed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                if routing::pool_members(conn, pool_id)? == members {
                    return Ok(false);
                }
                routing::set_pool_members(conn, pool_id, &members)?;
                let listed: Vec<&str> = members
                    .iter()
                    .filter_map(|id| names.get(id).map(String::as_str))
                    .collect();
                let detail = format!("members in turn: {}", listed.join(", "));
                actor.record(conn, "pool_members_changed", "pool", Some(pool_id), detail)?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;

    match (changed, count) {
        (false, _) => FlashMessage::info(format!("Nothing changed in {}.", pool.name)).send(),
        (true, 0) => FlashMessage::warning(format!(
            "{} has no reps now: referrals routed to it cannot be assigned.",
            pool.name
        ))
        .send(),
        (true, n) => FlashMessage::success(format!(
            "{} now has {n} rep{}.",
            pool.name,
            if n == 1 { "" } else { "s" }
        ))
        .send(),
    }
    Ok(see_other(&format!("/admin/routing#pool-{pool_id}")))
}

pub async fn make_default_pool(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let pool_id = parse_id(&path)?;

    let actor = Actor {
        user_id: user.id,
        addr: state.client_addr(&req),
        now: state.now(),
    };
    let name = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let pool = routing::pool(conn, pool_id)?.ok_or(AppError::NotFound)?;
                if !pool.is_default {
                    routing::make_default(conn, pool_id)?;
                    actor.record(
                        conn,
                        "pool_made_default",
                        "pool",
                        Some(pool_id),
                        pool.name.clone(),
                    )?;
                }
                Ok::<_, AppError>(pool.name)
            })
        })
        .await?;

    tracing::info!(pool.id = pool_id, "default rep pool set");
    FlashMessage::success(format!("{name} is the default pool.")).send();
    Ok(see_other(&format!("/admin/routing#pool-{pool_id}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::accounts::User;
    use crate::db::routing::RepProfile;

    fn rep(id: i64) -> Rep {
        Rep {
            user: User {
                id,
                email: format!("rep{id}@vendor.example"),
                display_name: format!("Rep {id}"),
                role: "rep".into(),
                organisation_id: None,
                password_hash: None,
                active: true,
                time_zone: "UTC".into(),
                created_at: chrono::NaiveDateTime::default(),
                password_changed_at: None,
            },
            profile: RepProfile {
                user_id: id,
                available: true,
                out_of_office_until: None,
                manager_user_id: None,
                calendar: routing::DEFAULT_HOURS.into(),
                holidays: String::new(),
            },
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn numbered_members_come_first_then_the_rest_in_list_order() {
        let reps = [rep(1), rep(2), rep(3), rep(4)];
        let typed = fields(&[
            ("member", "1"),
            ("member", "3"),
            ("member", "4"),
            ("order_4", "1"),
            ("order_2", "9"),
        ]);
        assert_eq!(parse_members(5, &typed, &reps).ok(), Some(vec![4, 1, 3]));
    }

    #[test]
    fn a_bad_turn_number_or_unknown_rep_is_refused() {
        let reps = [rep(1), rep(2)];
        let Err(typed) = parse_members(5, &fields(&[("member", "1"), ("order_1", "0")]), &reps)
        else {
            panic!("refused");
        };
        assert!(typed.errors.has("order_1"));
        assert_eq!(typed.checked, vec![1]);
        let Err(typed) = parse_members(5, &fields(&[("member", "77")]), &reps) else {
            panic!("refused");
        };
        assert!(typed.errors.has("members"));
    }
}
