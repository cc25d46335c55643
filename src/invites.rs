//! Inviting people: creates the account without a password, stores a single-use link and
//! queues the invitation email, all in one transaction.

use chrono::{DateTime, Utc};

use crate::db::accounts::{self, NewUser, Role, TokenKind};
use crate::db::audit::{self, AuditEntry};
use crate::db::{AnyConnection, db_time, outbox, write_tx};
use crate::domain::EmailAddress;
use crate::mail::messages;

/// Who is invited, to what.
pub struct Invite<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    /// Required for partner roles, absent for staff.
    pub organisation_id: Option<i64>,
}

/// Who invites, for the email and the audit log.
pub struct Inviter<'a> {
    pub user_id: i64,
    pub display_name: &'a str,
    pub client_addr: &'a str,
}

/// Why an invitation was refused; each names the form field it concerns.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("{0}")]
    BadEmail(String),
    #[error("Enter the person's name")]
    MissingName,
    #[error("An account with this email address already exists")]
    EmailTaken,
    #[error("Partner users need an organisation, staff must not have one")]
    OrganisationMismatch,
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl InviteError {
    /// The form field the message belongs next to, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::BadEmail(_) | Self::EmailTaken => Some("email"),
            Self::MissingName => Some("display_name"),
            Self::OrganisationMismatch => Some("organisation_id"),
            _ => None,
        }
    }
}

/// Creates the invited user and queues their invitation. `link_base` is the absolute URL of
/// `/invitation/`.
pub fn invite_user(
    conn: &mut AnyConnection,
    invite: &Invite,
    inviter: &Inviter,
    link_base: &str,
    now: DateTime<Utc>,
) -> Result<accounts::User, InviteError> {
    let email = EmailAddress::parse(invite.email)
        .map_err(|e| InviteError::BadEmail(e.to_string()))?
        .dedupe_key();
    let name = invite.display_name.trim();
    if name.is_empty() {
        return Err(InviteError::MissingName);
    }
    if invite.role.is_partner() != invite.organisation_id.is_some() {
        return Err(InviteError::OrganisationMismatch);
    }
    let organisation = match invite.organisation_id {
        Some(id) => Some(accounts::organisation(conn, id)?.name),
        None => None,
    };
    let (secret, hash) = {
        let raw = crate::web::security::new_token();
        let hash = crate::web::auth::hash_link_secret(&raw);
        (raw, hash)
    };
    let mail = messages::invitation(
        &email,
        &messages::Invitation {
            invitee_name: name.to_owned(),
            inviter_name: inviter.display_name.to_owned(),
            organisation,
            role: invite.role.label().to_owned(),
            link: format!("{link_base}{secret}"),
        },
    )?;
    write_tx(conn, |conn| {
        if accounts::user_by_email(conn, &email)?.is_some() {
            return Err(InviteError::EmailTaken);
        }
        let user = accounts::insert_user(
            conn,
            &NewUser {
                email: &email,
                display_name: name,
                role: invite.role.as_str(),
                organisation_id: invite.organisation_id,
                password_hash: None,
                active: true,
                time_zone: "UTC",
                created_at: db_time(now),
            },
        )?;
        accounts::issue_token(conn, TokenKind::Invitation, user.id, &hash, now)?;
        outbox::enqueue(conn, &mail, now)?;
        audit::record(
            conn,
            &AuditEntry {
                actor_user_id: Some(inviter.user_id),
                action: "user_invited",
                object_type: "user",
                object_id: Some(user.id.to_string()),
                client_addr: Some(inviter.client_addr),
                detail: Some(format!("role {}", invite.role.as_str())),
            },
            now,
        )?;
        Ok(user)
    })
}
