//! Drains the outbox: claims due rows, sends each through the transport, records the outcome.
//! Delivery is at least once; the stable Message-ID makes a resend after a crash recognisable.

use std::sync::Arc;

use chrono::TimeDelta;
use lettre::Message;
use lettre::message::MultiPart;
use tokio::sync::Notify;

use super::MailError;
use super::transport::MailTransport;
use crate::clock::SharedClock;
use crate::db::DbPool;
use crate::db::outbox::{self, OutboxRow};

/// How long a claimed row stays ours before another worker may take it.
const LEASE: TimeDelta = TimeDelta::minutes(5);
const BATCH: i64 = 20;

/// Everything the worker needs.
pub struct MailWorker {
    pub pool: DbPool,
    pub clock: SharedClock,
    pub transport: MailTransport,
    pub from: String,
    pub message_id_domain: String,
    pub worker_id: String,
    pub wake: Arc<Notify>,
    pub interval: std::time::Duration,
}

impl MailWorker {
    /// Runs until the task is dropped.
    pub async fn run(self) {
        loop {
            match self.drain_once().await {
                Ok(0) => {
                    let _ = tokio::time::timeout(self.interval, self.wake.notified()).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %crate::error::error_chain(&*e), "outbox pass failed");
                    tokio::time::sleep(self.interval).await;
                }
            }
        }
    }

    /// Claims and sends one batch; returns how many rows it handled.
    pub async fn drain_once(
        &self,
    ) -> Result<usize, Box<dyn std::error::Error + Send + Sync + 'static>> {
        let pool = self.pool.clone();
        let worker = self.worker_id.clone();
        let now = self.clock.now();
        let rows = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(outbox::claim_due(
                &mut conn, &worker, now, LEASE, BATCH,
            )?)
        })
        .await??;
        let count = rows.len();
        for row in rows {
            let outcome = match self.build(&row) {
                Ok(message) => self.transport.send(message).await,
                Err(e) => Err(e),
            };
            self.record(row, outcome).await?;
        }
        Ok(count)
    }

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

    async fn record(
        &self,
        row: OutboxRow,
        outcome: Result<(), MailError>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        let pool = self.pool.clone();
        let worker = self.worker_id.clone();
        let now = self.clock.now();
        match &outcome {
            Ok(()) => tracing::info!(outbox.id = row.id, mail.kind = %row.kind, "mail sent"),
            Err(e) => tracing::warn!(
                outbox.id = row.id, mail.kind = %row.kind,
                error = %crate::error::error_chain(e), "mail not sent; will retry"
            ),
        }
        let error = outcome.err().map(|e| crate::error::error_chain(&e));
        actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            match error {
                None => {
                    outbox::mark_sent(&mut conn, row.id, &worker, now)?;
                }
                Some(error) => outbox::mark_failed_attempt(&mut conn, &row, &worker, &error, now)?,
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .await??;
        Ok(())
    }
}
