//! Partner organisations: the list with user counts, creating one, and a partner's page where
//! admins invite its owners and members and deactivate them.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_web_flash_messages::FlashMessage;
use askama::Template;
use serde::Deserialize;

use super::{
    InviteForm, MemberView, SelectOption, country_options, deactivate_member, flash_deactivation,
    invite_errors, options, parse_id,
};
use crate::db::accounts::{self, NewOrganisation, Role};
use crate::db::admin::{self, CreatePartnerError, MemberScope};
use crate::db::audit::{self, AuditEntry};
use crate::db::{db_time, write_tx};
use crate::domain::text::clean_single_line;
use crate::domain::{Country, CountryError};
use crate::error::AppError;
use crate::invites::{self, Invite, Inviter};
use crate::web::context::PageCtx;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;
use crate::web::{AppState, html, see_other};

/// Longest partner name accepted, in characters.
const MAX_NAME_CHARS: usize = 200;

/// A partner as the list shows it.
pub struct PartnerView {
    pub id: i64,
    pub name: String,
    pub country: String,
    pub phone_country: String,
    pub users: i64,
    pub active_users: i64,
    pub since: String,
}

fn country_label(code: Option<&str>) -> String {
    match code.map(Country::parse) {
        Some(Ok(country)) => format!("{} ({})", country.name(), country.code()),
        Some(Err(_)) => code.unwrap_or_default().to_owned(),
        None => "—".to_owned(),
    }
}

#[derive(Template)]
#[template(path = "admin/manage/partners.html")]
pub struct PartnerListPage {
    ctx: PageCtx,
    partners: Vec<PartnerView>,
    form: CreatePartnerForm,
    errors: Errors,
    countries: Vec<SelectOption>,
    phone_countries: Vec<SelectOption>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CreatePartnerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    default_phone_country: String,
}

async fn render_list(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    form: CreatePartnerForm,
    errors: Errors,
) -> Result<HttpResponse, AppError> {
    let rows = state.db(|conn| Ok(admin::partner_rows(conn)?)).await?;
    let zone = &user.time_zone;
    let partners = rows
        .into_iter()
        .map(|p| PartnerView {
            id: p.id,
            country: country_label(p.country.as_deref()),
            phone_country: country_label(Some(&p.default_phone_country)),
            name: p.name,
            users: p.users,
            active_users: p.active_users,
            since: local(p.created_at, zone),
        })
        .collect();
    let page = PartnerListPage {
        countries: country_options("No country", &form.country),
        phone_countries: country_options("Choose a country", &form.default_phone_country),
        ctx,
        partners,
        form,
        errors,
    };
    html(&page)
}

pub async fn list_partners(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    render_list(
        &state,
        ctx,
        &user,
        CreatePartnerForm::default(),
        Errors::new(),
    )
    .await
}

/// A partner's fields once checked.
struct ValidPartner {
    name: String,
    country: Option<&'static str>,
    phone_country: &'static str,
}

fn validate_partner(form: &CreatePartnerForm) -> Result<ValidPartner, Errors> {
    let mut errors = Errors::new();
    let name = clean_single_line(&form.name);
    if name.is_empty() {
        errors.add("name", "Enter the partner's name");
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.add(
            "name",
            format!("Use at most {MAX_NAME_CHARS} characters for the name"),
        );
    }
    let country = match Country::parse(&form.country) {
        Ok(country) => Some(country.code()),
        Err(CountryError::Empty) => None,
        Err(e) => {
            errors.add("country", e.to_string());
            None
        }
    };
    let phone_country = match Country::parse(&form.default_phone_country) {
        Ok(country) => Some(country.code()),
        Err(CountryError::Empty) => {
            errors.add(
                "default_phone_country",
                "Choose the country whose phone numbers this partner's referrals usually have",
            );
            None
        }
        Err(e) => {
            errors.add("default_phone_country", e.to_string());
            None
        }
    };
    match phone_country {
        Some(phone_country) if errors.is_empty() => Ok(ValidPartner {
            name,
            country,
            phone_country,
        }),
        _ => Err(errors),
    }
}

pub async fn create_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: web::Form<CreatePartnerForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let valid = match validate_partner(&form) {
        Ok(valid) => valid,
        Err(errors) => return render_list(&state, ctx, &user, form, errors).await,
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let actor = user.id;
    let created = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let new = NewOrganisation {
                    name: &valid.name,
                    country: valid.country,
                    default_phone_country: valid.phone_country,
                    created_at: db_time(now),
                };
                let organisation = match admin::create_partner(conn, &new) {
                    Ok(organisation) => organisation,
                    Err(CreatePartnerError::NameTaken) => return Ok(None),
                    Err(CreatePartnerError::Query(e)) => return Err(AppError::from(e)),
                };
                let entry = AuditEntry {
                    actor_user_id: Some(actor),
                    action: "partner_created",
                    object_type: "organisation",
                    object_id: Some(organisation.id.to_string()),
                    client_addr: Some(&addr),
                    detail: Some(organisation.name.clone()),
                };
                audit::record(conn, &entry, now)?;
                Ok(Some(organisation))
            })
        })
        .await?;
    let Some(organisation) = created else {
        let mut errors = Errors::new();
        errors.add("name", CreatePartnerError::NameTaken.to_string());
        return render_list(&state, ctx, &user, form, errors).await;
    };

    tracing::info!(partner.id = organisation.id, "partner created");
    FlashMessage::success(format!(
        "{} created. Invite its first owner below.",
        organisation.name
    ))
    .send();
    Ok(see_other(&format!("/admin/partners/{}", organisation.id)))
}

/// A partner's own facts, for its page.
pub struct PartnerFacts {
    pub id: i64,
    pub name: String,
    pub country: String,
    pub phone_country: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "admin/manage/partner.html")]
pub struct PartnerPage {
    ctx: PageCtx,
    partner: PartnerFacts,
    members: Vec<MemberView>,
    form: InviteForm,
    roles: Vec<SelectOption>,
    errors: Errors,
}

const PARTNER_ROLES: [Role; 2] = [Role::PartnerOwner, Role::PartnerMember];

async fn render_partner(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    form: InviteForm,
    errors: Errors,
) -> Result<HttpResponse, AppError> {
    let now = state.now();
    let (organisation, members) = state
        .db(move |conn| {
            let organisation = accounts::organisation(conn, id)?;
            let members = admin::members(conn, MemberScope::Organisation(id), now)?;
            Ok((organisation, members))
        })
        .await?;
    let zone = &user.time_zone;
    let role = if form.role.is_empty() {
        Role::PartnerMember.as_str()
    } else {
        form.role.as_str()
    };
    let page = PartnerPage {
        partner: PartnerFacts {
            id: organisation.id,
            country: country_label(organisation.country.as_deref()),
            phone_country: country_label(Some(&organisation.default_phone_country)),
            since: local(organisation.created_at, zone),
            name: organisation.name,
        },
        members: members
            .into_iter()
            .map(|m| MemberView::new(m, zone))
            .collect(),
        roles: options(PARTNER_ROLES.map(|r| (r.as_str(), r.label())), role),
        ctx,
        form,
        errors,
    };
    html(&page)
}

pub async fn show_partner(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    render_partner(&state, ctx, &user, id, InviteForm::default(), Errors::new()).await
}

pub async fn invite_partner_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let form = form.into_inner();
    let Some(role) = Role::parse(&form.role).filter(|r| PARTNER_ROLES.contains(r)) else {
        let mut errors = Errors::new();
        errors.add("role", "Choose owner or member");
        return render_partner(&state, ctx, &user, id, form, errors).await;
    };

    let now = state.now();
    let addr = state.client_addr(&req);
    let link_base = state.config.link("/invitation/");
    let (email, name) = (form.email.clone(), form.display_name.clone());
    let (actor_id, actor_name) = (user.id, user.display_name.clone());
    let outcome = state
        .db(move |conn| {
            // A missing partner is a missing page, not a form error.
            accounts::organisation(conn, id)?;
            Ok(invites::invite_user(
                conn,
                &Invite {
                    email: &email,
                    display_name: &name,
                    role,
                    organisation_id: Some(id),
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
            return render_partner(&state, ctx, &user, id, form, errors).await;
        }
    };

    state.mail_wake.notify_one();
    tracing::info!(
        partner.id = id,
        user.id = invited.id,
        "partner user invited"
    );
    FlashMessage::success(format!(
        "Invitation sent to {} as {}.",
        invited.email,
        role.label().to_lowercase()
    ))
    .send();
    Ok(see_other(&format!("/admin/partners/{id}")))
}

pub async fn deactivate_partner_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, user_id) = path.into_inner();
    let (id, user_id) = (parse_id(&id)?, parse_id(&user_id)?);

    let outcome = deactivate_member(&state, &req, &user, user_id, move |u| {
        u.organisation_id == Some(id)
    })
    .await?;

    flash_deactivation(outcome);
    Ok(see_other(&format!("/admin/partners/{id}")))
}
