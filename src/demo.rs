//! Command-line account set-up and the sample program that `--demo` loads into an empty
//! database.

use crate::clock::Clock;
use crate::db::accounts::{self, NewUser, Role};
use crate::db::{AnyConnection, db_time};

/// Why set-up could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("a user with the address {0} already exists")]
    UserExists(String),
    #[error("{0} is not a valid email address")]
    BadEmail(String),
    #[error(transparent)]
    Hash(#[from] crate::passwords::HashError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Creates an active admin with the given password.
pub fn create_admin(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    password: &str,
    clock: &dyn Clock,
) -> Result<accounts::User, SetupError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.contains(char::is_whitespace) {
        return Err(SetupError::BadEmail(email));
    }
    if accounts::user_by_email(conn, &email)?.is_some() {
        return Err(SetupError::UserExists(email));
    }
    let hash = crate::passwords::hash(password)?;
    Ok(accounts::insert_user(
        conn,
        &NewUser {
            email: &email,
            display_name: name,
            role: Role::Admin.as_str(),
            organisation_id: None,
            password_hash: Some(&hash),
            active: true,
            time_zone: "UTC",
            created_at: db_time(clock.now()),
        },
    )?)
}

/// Loads the sample program if the database has no users yet; returns whether it did.
pub fn fill_if_empty(conn: &mut AnyConnection, clock: &dyn Clock) -> Result<bool, SetupError> {
    if !accounts::staff_users(conn)?.is_empty() {
        return Ok(false);
    }
    create_admin(
        conn,
        "admin@vendor.example",
        "Ada Admin",
        "demo-password",
        clock,
    )?;
    Ok(true)
}
