//! Partner owners invite and remove colleagues of their own organisation.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::organisation_of;
use crate::db::accounts::{self, Role};
use crate::db::audit::{self, AuditEntry};
use crate::db::{sessions, write_tx};
use crate::error::AppError;
use crate::invites::{self, Invite, InviteError, Inviter};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, form_page, html, see_other};

const NOT_INVITABLE: &str = "This address cannot be invited here. If the person should join \
    your team, ask the partner team.";

pub struct Member {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub state: &'static str,
    pub is_me: bool,
    pub active: bool,
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "partner/team.html")]
pub struct TeamPage {
    ctx: PageCtx,
    members: Vec<Member>,
    f: InviteColleagueForm,
    errors: Errors,
}

#[derive(Deserialize, Default)]
pub struct InviteColleagueForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

async fn members(state: &AppState, org: i64, me: i64) -> Result<Vec<Member>, AppError> {
    let users = state
        .db(move |conn| Ok(accounts::users_of_organisation(conn, org)?))
        .await?;
    Ok(users
        .into_iter()
        .map(|u| Member {
            id: u.id,
            is_me: u.id == me,
            role: u.role().map(Role::label).unwrap_or(""),
            state: match (u.active, u.password_hash.is_some()) {
                (false, _) => "Removed",
                (true, false) => "Invited",
                (true, true) => "Active",
            },
            active: u.active,
            removable: u.role() == Some(Role::PartnerMember),
            name: u.display_name,
            email: u.email,
        })
        .collect())
}

pub async fn show_team(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let members = members(&state, org, user.id).await?;
    html(&TeamPage {
        ctx,
        members,
        f: InviteColleagueForm {
            role: Role::PartnerMember.as_str().into(),
            ..Default::default()
        },
        errors: Errors::new(),
    })
}

pub async fn invite_colleague(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<InviteColleagueForm>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let form = form.into_inner();
    let role = match form.role.as_str() {
        "partner_owner" => Role::PartnerOwner,
        _ => Role::PartnerMember,
    };
    let (email, name) = (form.email.clone(), form.display_name.clone());
    let addr = state.client_addr(&req);
    let link_base = state.config.link("/invitation/");
    let now = state.now();
    let inviter_name = user.display_name.clone();
    let inviter_id = user.id;
    let result = state
        .db(move |conn| {
            Ok(invites::invite_user(
                conn,
                &Invite {
                    email: &email,
                    display_name: &name,
                    role,
                    organisation_id: Some(org),
                },
                &Inviter {
                    user_id: inviter_id,
                    display_name: &inviter_name,
                    client_addr: &addr,
                },
                &link_base,
                now,
            ))
        })
        .await?;
    match result {
        Ok(invited) => {
            state.mail_wake.notify_one();
            FlashMessage::success(format!("Invitation sent to {}.", invited.email)).send();
            Ok(see_other("/partner/team"))
        }
        Err(e) => match e.field() {
            Some(field) => {
                let mut errors = Errors::new();
                // A taken address may belong to another organisation or to staff: a partner
                // learns only that it cannot be invited here.
                let message = match e {
                    InviteError::EmailTaken => NOT_INVITABLE.to_owned(),
                    other => other.to_string(),
                };
                errors.add(field, message);
                let members = members(&state, org, user.id).await?;
                let page = TeamPage {
                    ctx,
                    members,
                    f: form,
                    errors,
                };
                form_page(&page, true)
            }
            None => Err(match e {
                InviteError::Query(q) => q.into(),
                other => AppError::internal(other),
            }),
        },
    }
}

pub async fn remove_colleague(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    target: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let org = organisation_of(&user)?;
    let target = target.into_inner();
    if target == user.id {
        FlashMessage::error("You cannot remove yourself.").send();
        return Ok(see_other("/partner/team"));
    }
    let addr = state.client_addr(&req);
    let now = state.now();
    let actor = user.id;
    let removed = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let colleague = accounts::user(conn, target).ok();
                // Someone outside the organisation is answered like a missing one.
                let Some(colleague) = colleague.filter(|c| c.organisation_id == Some(org)) else {
                    return Err(AppError::NotFound);
                };
                // Owners remove members; changing who owns the account is the partner team's.
                if colleague.role() != Some(Role::PartnerMember) {
                    return Ok(None);
                }
                let changed = accounts::deactivate_user(conn, colleague.id)?;
                sessions::revoke_user_sessions(conn, colleague.id)?;
                audit::record(
                    conn,
                    &AuditEntry {
                        actor_user_id: Some(actor),
                        action: "user_removed",
                        object_type: "user",
                        object_id: Some(colleague.id.to_string()),
                        client_addr: Some(&addr),
                        detail: None,
                    },
                    now,
                )?;
                Ok(Some((changed, colleague.display_name)))
            })
        })
        .await?;
    match removed {
        Some((_, name)) => {
            FlashMessage::success(format!("{name} can no longer sign in.")).send();
        }
        None => {
            FlashMessage::error("Only the partner team can remove an owner.").send();
        }
    }
    Ok(see_other("/partner/team"))
}
