//! The audit log, newest first: filters in a GET form and "older entries" by keyset.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{SelectOption, options};
use crate::db::audit::{self, AuditFilter};
use crate::error::AppError;
use crate::web::context::PageCtx;
use crate::web::forms::optional;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html};

/// Entries per page.
const PAGE_SIZE: i64 = 50;

/// The filters as they arrive in the query string; every field may be missing or empty.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    object_type: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    before: String,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            action: optional(&self.action),
            object_type: optional(&self.object_type),
            object_id: optional(&self.object_id),
            actor_email: optional(&self.actor),
            before_id: self.before.trim().parse().ok(),
        }
    }

    /// The address of the next, older page under the same filters.
    fn older_than(&self, id: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("action", &self.action),
            ("object_type", &self.object_type),
            ("object_id", &self.object_id),
            ("actor", &self.actor),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(key, value.trim());
            }
        }
        query.append_pair("before", &id.to_string());
        format!("/admin/audit?{}", query.finish())
    }

    fn is_filtered(&self) -> bool {
        [
            &self.action,
            &self.object_type,
            &self.object_id,
            &self.actor,
            &self.before,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub client_addr: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/manage/audit.html")]
pub struct AuditPage {
    ctx: PageCtx,
    query: AuditQuery,
    actions: Vec<SelectOption>,
    entries: Vec<AuditView>,
    older: Option<String>,
    filtered: bool,
}

pub async fn show_audit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let filter = query.filter();

    let (actions, mut rows) = state
        .db(move |conn| {
            Ok((
                audit::distinct_actions(conn)?,
                audit::search(conn, &filter, PAGE_SIZE + 1)?,
            ))
        })
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);

    let older = more
        .then(|| rows.last().map(|r| query.older_than(r.id)))
        .flatten();
    let mut action_options = vec![SelectOption {
        value: String::new(),
        label: "Any action".into(),
        selected: query.action.trim().is_empty(),
    }];
    action_options.extend(options(
        actions.iter().map(|a| (a.as_str(), a.as_str())),
        query.action.trim(),
    ));
    let entries = rows
        .into_iter()
        .map(|r| AuditView {
            id: r.id,
            at: local(r.created_at, &user.time_zone),
            actor: r.actor_email.unwrap_or_else(|| "—".into()),
            object: match r.object_id {
                Some(id) => format!("{} {id}", r.object_type),
                None => r.object_type,
            },
            action: r.action,
            client_addr: r.client_addr.unwrap_or_default(),
            detail: r.detail.unwrap_or_default(),
        })
        .collect();
    html(&AuditPage {
        ctx,
        filtered: query.is_filtered(),
        query,
        actions: action_options,
        entries,
        older,
    })
}
