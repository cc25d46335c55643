//! One referral as its partner sees it: what was handed over, what the portal derived from
//! it, and every status change.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::organisation_of;
use crate::db::accounts;
use crate::db::referrals::{self, Referral, status_label};
use crate::domain::{Money, Seniority};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::guard::{CurrentUser, record_access_denied};
use crate::web::time::local;
use crate::web::{AppState, html};

/// Event kinds a partner sees; internal flags and SLA events stay with the team.
const PARTNER_EVENTS: [&str; 4] = ["submitted", "status_changed", "assigned", "note"];

pub struct TimelineEntry {
    pub when: String,
    pub title: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "partner/detail.html")]
pub struct ReferralPage {
    ctx: PageCtx,
    r: Referral,
    status_label: String,
    seniority: &'static str,
    urgency: Option<&'static str>,
    deal_size: Option<String>,
    submitted: String,
    timeline: Vec<TimelineEntry>,
    rep_name: Option<String>,
    due: Option<String>,
    contacted_after: Option<String>,
    deal_value: Option<String>,
}

/// Formats a stored minor-unit amount in its currency.
pub fn money(minor: Option<i64>, currency: &str) -> Option<String> {
    let currency = crate::domain::Currency::parse(currency).ok()?;
    minor.map(|m| Money::new(m, currency).format())
}

/// The label of a stored urgency ("this_quarter" → "This quarter").
pub fn urgency_label(stored: Option<&str>) -> Option<&'static str> {
    stored
        .and_then(|u| u.parse::<crate::domain::Urgency>().ok())
        .map(|u| u.label())
}

pub fn event_title(kind: &str, to_status: Option<&str>) -> String {
    match (kind, to_status) {
        ("submitted", _) => "Referral submitted".into(),
        ("status_changed", Some(to)) => format!("Status: {}", status_label(to)),
        ("flag", _) => "Flag".into(),
        ("assigned", _) => "Sales rep assigned".into(),
        ("note", _) => "Note".into(),
        ("sla", _) => "First-contact SLA".into(),
        ("refund", _) => "Refund recorded".into(),
        (other, _) => other.replace('_', " "),
    }
}

pub async fn show_referral(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let id = id.into_inner();
    let found = state
        .db(move |conn| {
            let Some(r) = referrals::find_for_org(conn, id, org)? else {
                return Ok(None);
            };
            let events = referrals::events(conn, id)?;
            let rep = r
                .assigned_rep_id
                .map(|rep| accounts::user(conn, rep))
                .transpose()?;
            Ok(Some((r, events, rep)))
        })
        .await?;
    let Some((r, events, rep)) = found else {
        record_access_denied(&state, &req, &user, "referral", id).await?;
        return Err(AppError::NotFound);
    };

    let timeline = events
        .into_iter()
        .filter(|(e, _)| PARTNER_EVENTS.contains(&e.kind.as_str()))
        .filter(|(e, _)| e.kind != "note" || e.shared_with_partner)
        .map(|(e, _)| TimelineEntry {
            when: local(e.created_at, &user.time_zone),
            title: event_title(&e.kind, e.to_status.as_deref()),
            note: e.note.filter(|_| e.shared_with_partner),
        })
        .collect();
    let rep_name = rep.map(|u| u.display_name);
    let due = r
        .first_contact_due_at
        .filter(|_| r.first_contacted_at.is_none())
        .map(|d| local(d, &user.time_zone));
    let contacted_after = match (r.routed_at, r.first_contacted_at) {
        (Some(routed), Some(contacted)) => Some(crate::stages::human_duration(contacted - routed)),
        _ => None,
    };
    html(&ReferralPage {
        ctx,
        status_label: status_label(&r.status).to_owned(),
        seniority: r
            .seniority
            .parse::<Seniority>()
            .map(|s| s.label())
            .unwrap_or(""),
        urgency: urgency_label(r.urgency.as_deref()),
        deal_size: money(r.deal_size_minor, &r.currency),
        submitted: local(r.created_at, &user.time_zone),
        timeline,
        rep_name,
        due,
        contacted_after,
        deal_value: money(r.deal_value_minor, &r.currency),
        r,
    })
}
