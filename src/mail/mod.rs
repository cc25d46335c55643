//! Email: one typed function per message (`messages`), the lettre transports (`transport`) and
//! the job handler that delivers each outbox message (`delivery`). Handlers never send mail; they queue it.

pub mod delivery;
pub mod messages;
pub mod transport;

/// A failure to build or deliver a message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("could not render the {0} message")]
    Render(&'static str, #[source] askama::Error),
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("could not build the message: {0}")]
    Build(#[source] lettre::error::Error),
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[source] lettre::transport::smtp::Error),
    #[error("writing the mail file failed: {0}")]
    File(#[source] lettre::transport::file::Error),
    #[error("SMTP_URL is not usable: {0}")]
    SmtpUrl(String),
}

/// Makes user-supplied text safe for a header: no line breaks or other control characters.
pub fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
