//! Running the program: partners, users, existing customers, settings and the audit log.
//! Mounted inside the `/admin` scope, which only admins may enter.

mod audit_log;
mod customers;
mod import_csv;
mod partners;
mod settings;
mod settings_uploads;
mod users;

use actix_web::{HttpRequest, web};
use actix_web_flash_messages::FlashMessage;

use crate::db::accounts::{self, Role, User};
use crate::db::admin::{AccountState, Member};
use crate::db::audit::{self, AuditEntry};
use crate::db::{sessions, write_tx};
use crate::error::AppError;
use crate::invites::InviteError;
use crate::web::AppState;
use crate::web::forms::Errors;
use crate::web::guard::CurrentUser;
use crate::web::time::local;

/// Largest pasted customer list accepted, in bytes.
const IMPORT_FORM_LIMIT: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/partners")
            .route(web::get().to(partners::list_partners))
            .route(web::post().to(partners::create_partner)),
    )
    .service(web::resource("/partners/{id}").route(web::get().to(partners::show_partner)))
    .service(
        web::resource("/partners/{id}/users").route(web::post().to(partners::invite_partner_user)),
    )
    .service(
        web::resource("/partners/{id}/users/{user_id}/deactivate")
            .route(web::post().to(partners::deactivate_partner_user)),
    )
    .service(
        web::resource("/users")
            .route(web::get().to(users::list_staff))
            .route(web::post().to(users::invite_staff)),
    )
    .service(web::resource("/users/{id}/deactivate").route(web::post().to(users::deactivate_staff)))
    .service(
        web::resource("/customers")
            .route(web::get().to(customers::list_customers))
            .route(web::post().to(customers::add_customer)),
    )
    .service(
        web::resource("/customers/import")
            // A pasted list may be longer than an ordinary form; the CSRF check reads the body
            // first with actix's default payload limit (256 KiB), so this goes no further.
            .app_data(web::FormConfig::default().limit(IMPORT_FORM_LIMIT))
            .route(web::post().to(customers::import_customers)),
    )
    .service(
        web::resource("/settings")
            .route(web::get().to(settings::show_settings))
            .route(web::post().to(settings::save_settings)),
    )
    .service(web::resource("/settings/providers").route(web::post().to(settings::add_provider)))
    .service(
        web::resource("/settings/providers/remove")
            .route(web::post().to(settings::remove_provider)),
    )
    .service(web::resource("/audit").route(web::get().to(audit_log::show_audit)));
}

/// One `<option>` of a select list.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Builds select options from `(value, label)` pairs, marking `selected`.
fn options<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<SelectOption> {
    pairs
        .into_iter()
        .map(|(value, label)| SelectOption {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == selected,
        })
        .collect()
}

/// Country options with an empty first entry labelled `none`.
fn country_options(none: &str, selected: &str) -> Vec<SelectOption> {
    let mut all = vec![SelectOption {
        value: String::new(),
        label: none.to_owned(),
        selected: selected.is_empty(),
    }];
    let wanted = selected.trim().to_uppercase();
    all.extend(
        crate::domain::Country::all()
            .iter()
            .map(|(code, name)| SelectOption {
                value: (*code).to_owned(),
                label: format!("{name} ({code})"),
                selected: *code == wanted,
            }),
    );
    all
}

/// A numeric id from the path; anything else is a page that does not exist.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// A person as the tables of the partner and users pages show them.
pub struct MemberView {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub role: &'static str,
    pub state: String,
    pub state_class: &'static str,
    pub active: bool,
    pub since: String,
}

impl MemberView {
    fn new(member: Member, zone: &str) -> Self {
        let (state, state_class) = match member.state {
            AccountState::Active => ("Active".to_owned(), "accepted"),
            AccountState::InvitationPending(until) => (
                format!("Invitation pending until {}", local(until, zone)),
                "submitted",
            ),
            AccountState::InvitationExpired => ("Invitation expired".to_owned(), "duplicate"),
            AccountState::Deactivated => ("Deactivated".to_owned(), "rejected"),
        };
        Self {
            id: member.id,
            active: member.is_active(),
            role: Role::parse(&member.role).map_or("Unknown role", Role::label),
            display_name: member.display_name,
            email: member.email,
            state,
            state_class,
            since: local(member.created_at, zone),
        }
    }
}

/// What an admin typed into an invitation form.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
}

/// Turns a refused invitation into messages next to its fields; other failures end the request.
fn invite_errors(error: InviteError) -> Result<Errors, AppError> {
    let mut errors = Errors::new();
    match error.field() {
        Some(field) => errors.add(field, error.to_string()),
        None => return Err(AppError::internal(error)),
    }
    Ok(errors)
}

/// What a deactivation request came to.
enum Deactivation {
    /// The account was active and now is not; carries the person's name.
    Done(String),
    /// Nothing to do: the account was already deactivated.
    AlreadyInactive(String),
}

/// Deactivates `user_id` and ends every session of theirs, in one transaction with its audit
/// entry. `belongs` decides whether the account is one this page manages; an account that is
/// not looks missing.
async fn deactivate_member(
    state: &AppState,
    req: &HttpRequest,
    actor: &CurrentUser,
    user_id: i64,
    belongs: impl FnOnce(&User) -> bool + Send + 'static,
) -> Result<Deactivation, AppError> {
    let now = state.now();
    let addr = state.client_addr(req);
    let actor_id = actor.id;
    state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let user = accounts::user(conn, user_id)?;
                if !belongs(&user) {
                    return Err(AppError::NotFound);
                }
                if accounts::deactivate_user(conn, user_id)? == 0 {
                    return Ok(Deactivation::AlreadyInactive(user.display_name));
                }
                let ended = sessions::revoke_user_sessions(conn, user_id)?;
                let entry = AuditEntry {
                    actor_user_id: Some(actor_id),
                    action: "user_deactivated",
                    object_type: "user",
                    object_id: Some(user_id.to_string()),
                    client_addr: Some(&addr),
                    detail: Some(format!("role {}; {ended} session(s) ended", user.role)),
                };
                audit::record(conn, &entry, now)?;
                tracing::info!(user.id = user_id, "user deactivated");
                Ok(Deactivation::Done(user.display_name))
            })
        })
        .await
}

/// Tells the admin how a deactivation went, through a flash message.
fn flash_deactivation(outcome: Deactivation) {
    match outcome {
        Deactivation::Done(name) => {
            FlashMessage::success(format!("{name} is deactivated and was signed out.")).send()
        }
        Deactivation::AlreadyInactive(name) => {
            FlashMessage::info(format!("{name} was already deactivated.")).send()
        }
    }
}
