//! Staff: the admins and reps, inviting one, and deactivating one (never oneself).

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;

use super::{
    InviteForm, MemberView, SelectOption, deactivate_member, flash_deactivation, invite_errors,
    options, parse_id,
};
use crate::db::accounts::Role;
use crate::db::admin::{self, MemberScope};
use crate::error::AppError;
use crate::invites::{self, Invite, Inviter};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::{AppState, html, see_other};

const STAFF_ROLES: [Role; 2] = [Role::Admin, Role::Rep];

#[derive(Template)]
#[template(path = "admin/manage/users.html")]
pub struct StaffListPage {
    ctx: PageCtx,
    me: i64,
    members: Vec<MemberView>,
    form: InviteForm,
    roles: Vec<SelectOption>,
    errors: Errors,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    form: InviteForm,
    errors: Errors,
) -> Result<HttpResponse, AppError> {
    let now = state.now();
    let members = state
        .db(move |conn| Ok(admin::members(conn, MemberScope::Staff, now)?))
        .await?;
    let role = if form.role.is_empty() {
        Role::Rep.as_str()
    } else {
        form.role.as_str()
    };
    let page = StaffListPage {
        me: user.id,
        members: members
            .into_iter()
            .map(|m| MemberView::new(m, &user.time_zone))
            .collect(),
        roles: options(STAFF_ROLES.map(|r| (r.as_str(), r.label())), role),
        ctx,
        form,
        errors,
    };
    html(&page)
}

pub async fn list_staff(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render(&state, ctx, &user, InviteForm::default(), Errors::new()).await
}

pub async fn invite_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let Some(role) = Role::parse(&form.role).filter(|r| STAFF_ROLES.contains(r)) else {
        let mut errors = Errors::new();
        errors.add("role", "Choose admin or sales rep");
        return render(&state, ctx, &user, form, errors).await;
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let link_base = state.config.link("/invitation/");
    let (email, name) = (form.email.clone(), form.display_name.clone());
    let (actor_id, actor_name) = (user.id, user.display_name.clone());
    let outcome = state
        .db(move |conn| {
            Ok(invites::invite_user(
                conn,
                &Invite {
                    email: &email,
                    display_name: &name,
                    role,
                    organisation_id: None,
                },
                &Inviter {
                    user_id: actor_id,
                    display_name: &actor_name,
                    client_addr: &addr,
                },
                &link_base,
                now,
            ))
        })
        .await?;
    let invited = match outcome {
        Ok(invited) => invited,
        Err(e) => {
            let errors = invite_errors(e)?;
            return render(&state, ctx, &user, form, errors).await;
        }
    };

    state.mail_wake.notify_one();
    tracing::info!(user.id = invited.id, "staff user invited");
    FlashMessage::success(format!(
        "Invitation sent to {} as {}.",
        invited.email,
        role.label().to_lowercase()
    ))
    .send();
    Ok(see_other("/admin/users"))
}

pub async fn deactivate_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user_id = parse_id(&path)?;
    if user_id == user.id {
        FlashMessage::error("You cannot deactivate your own account.").send();
        return Ok(see_other("/admin/users"));
    }

    let outcome = deactivate_member(&state, &req, &user, user_id, |u| {
        u.organisation_id.is_none()
            && u.role()
                .is_some_and(|r| matches!(r, Role::Admin | Role::Rep))
    })
    .await?;

    flash_deactivation(outcome);
    Ok(see_other("/admin/users"))
}
