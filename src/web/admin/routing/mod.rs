//! Routing administration: reps and their calendars, the first-contact SLA, rep pools, routing
//! rules and the scoring rules. Mounted inside the `/admin` scope, which only admins may enter.

mod overview;
mod pools;
mod reps;
mod rules;
mod scoring;
mod sla;

use std::ops::RangeInclusive;

use actix_web::web;
use chrono::{DateTime, Utc};
use diesel::QueryResult;

use crate::db::AnyConnection;
use crate::db::audit::{self, AuditEntry};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reps").route(web::get().to(reps::list_reps)))
        .service(
            web::resource("/reps/{id}")
                .route(web::get().to(reps::edit_rep))
                .route(web::post().to(reps::save_rep)),
        )
        .service(web::resource("/routing").route(web::get().to(overview::show_routing)))
        .service(web::resource("/routing/sla").route(web::post().to(sla::save_sla)))
        .service(web::resource("/routing/pools").route(web::post().to(pools::create_pool)))
        .service(
            web::resource("/routing/pools/{id}/members")
                .route(web::post().to(pools::set_pool_members)),
        )
        .service(
            web::resource("/routing/pools/{id}/default")
                .route(web::post().to(pools::make_default_pool)),
        )
        .service(web::resource("/routing/rules").route(web::post().to(rules::add_rule)))
        .service(
            web::resource("/routing/rules/{id}/delete").route(web::post().to(rules::delete_rule)),
        )
        .service(
            web::resource("/scoring")
                .route(web::get().to(scoring::show_scoring))
                .route(web::post().to(scoring::save_scoring)),
        );
}

/// One `<option>` of a select list, as the admin field macros expect it.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A numeric id from the path; anything else is a page that does not exist.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// A whole number typed into a form, within `range`; blank is `Ok(None)` and anything else
/// (words, fractions, numbers out of range) is `Err(())`.
fn optional_number(raw: &str, range: RangeInclusive<i64>) -> Result<Option<i64>, ()> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    match trimmed.parse::<i64>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(()),
    }
}

/// Who changed something and from where, for the audit entries of these pages.
struct Actor {
    user_id: i64,
    addr: String,
    now: DateTime<Utc>,
}

impl Actor {
    fn record(
        &self,
        conn: &mut AnyConnection,
        action: &str,
        object_type: &str,
        object_id: Option<i64>,
        detail: String,
    ) -> QueryResult<()> {
        let entry = AuditEntry {
            actor_user_id: Some(self.user_id),
            action,
            object_type,
            object_id: object_id.map(|id| id.to_string()),
            client_addr: Some(&self.addr),
            detail: Some(detail),
        };
        audit::record(conn, &entry, self.now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_numbers_are_blank_in_range_or_refused() {
        assert_eq!(optional_number("  ", 0..=100), Ok(None));
        assert_eq!(optional_number(" 42 ", 0..=100), Ok(Some(42)));
        assert_eq!(optional_number("101", 0..=100), Err(()));
        assert_eq!(optional_number("-1", 0..=100), Err(()));
        assert_eq!(optional_number("4.5", 0..=100), Err(()));
        assert_eq!(optional_number("lots", 0..=100), Err(()));
    }
}
