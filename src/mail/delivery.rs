//! Delivers one outbox message: the handler of the `deliver_mail` job. Delivery is at least
//! once; the Message-ID fixed at queueing makes a resend after a crash recognisable.

use futures_util::future::BoxFuture;
use lettre::Message;
use lettre::message::MultiPart;

use super::MailError;
use super::transport::MailTransport;
use crate::db::jobs::Job;
use crate::db::outbox::{self, OutboxRow};
use crate::jobs::{JobContext, JobError, JobHandler};

/// Sends outbox messages through the configured transport.
pub struct DeliverMail {
    pub transport: MailTransport,
    pub from: String,
    pub message_id_domain: String,
}

impl DeliverMail {
    fn build(&self, row: &OutboxRow) -> Result<Message, MailError> {
        let to = row
            .recipient
            .parse()
            .map_err(|_| MailError::Address(row.recipient.clone()))?;
        let from = self
            .from
            .parse()
            .map_err(|_| MailError::Address(self.from.clone()))?;
        Message::builder()
            .from(from)
            .to(to)
            .subject(super::header_safe(&row.subject))
            .message_id(Some(format!(
                "<{}@{}>",
                row.message_id, self.message_id_domain
            )))
            .multipart(MultiPart::alternative_plain_html(
                row.body_text.clone(),
                row.body_html.clone(),
            ))
            .map_err(MailError::Build)
    }

    async fn deliver(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let id: i64 = job
            .payload
            .parse()
            .map_err(|_| JobError(format!("bad outbox id {:?}", job.payload)))?;
        let row = ctx
            .db(move |conn| outbox::find(conn, id).map_err(|e| JobError::from_error(&e)))
            .await?;
        let Some(row) = row.filter(|r| r.status != outbox::SENT) else {
            return Ok(());
        };
        let sent = match self.build(&row) {
            Ok(message) => self.transport.send(message).await,
            Err(e) => Err(e),
        };
        let now = ctx.clock.now();
        let final_attempt = job.attempts >= job.max_attempts;
        match sent {
            Ok(()) => {
                tracing::info!(outbox.id = id, mail.kind = %row.kind, "mail sent");
                ctx.db(move |conn| {
                    outbox::mark_sent(conn, id, now)
                        .map(|_| ())
                        .map_err(|e| JobError::from_error(&e))
                })
                .await
            }
            Err(e) => {
                let error = crate::error::error_chain(&e);
                let recorded = error.clone();
                ctx.db(move |conn| {
                    outbox::record_failure(conn, id, &recorded, final_attempt)
                        .map_err(|e| JobError::from_error(&e))
                })
                .await?;
                Err(JobError(error))
            }
        }
    }
}

impl JobHandler for DeliverMail {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a Job) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(self.deliver(ctx, job))
    }
}
