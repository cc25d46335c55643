//! The lettre transport chosen by configuration: SMTP when `SMTP_URL` is set, otherwise `.eml`
//! files in the data folder.

use std::path::PathBuf;

use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::MailError;

/// Where messages go.
#[derive(Clone)]
pub enum MailTransport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl MailTransport {
    pub fn smtp(url: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::SmtpUrl(e.to_string()))?
            .build();
        Ok(Self::Smtp(transport))
    }

    pub fn file(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self::File(AsyncFileTransport::new(dir)))
    }

    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        match self {
            Self::Smtp(t) => t.send(message).await.map(|_| ()).map_err(MailError::Smtp),
            Self::File(t) => t.send(message).await.map(|_| ()).map_err(MailError::File),
        }
    }
}
