//! The background job runner every portal process runs. It claims due jobs under a lease
//! (see `db::jobs`), hands each to the handler of its kind, and records success or schedules
//! a retry with backoff. Several processes on one database never hold the same job at once;
//! a job whose process died is taken over when its lease runs out, so delivery is at least
//! once, and handlers make repeats harmless.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::future::BoxFuture;
use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::db::DbPool;
use crate::db::jobs::{self, Claimed, Job};

/// Why a job attempt failed; the message goes to the log and the job row.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct JobError(pub String);

impl JobError {
    pub fn from_error(e: &(dyn std::error::Error + 'static)) -> Self {
        Self(crate::error::error_chain(e))
    }
}

/// What the runner gives a handler.
#[derive(Clone)]
pub struct JobContext {
    pub pool: DbPool,
    pub clock: SharedClock,
}

impl JobContext {
    /// Runs database work on the blocking pool.
    pub async fn db<T, F>(&self, work: F) -> Result<T, JobError>
    where
        T: Send + 'static,
        F: FnOnce(&mut crate::db::AnyConnection) -> Result<T, JobError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| JobError::from_error(&e))?;
            work(&mut conn)
        })
        .await
        .map_err(|e| JobError(e.to_string()))?
    }
}

/// Does the work of one kind of job. It must tolerate running twice for the same job.
pub trait JobHandler: Send + Sync {
    fn run<'a>(&'a self, ctx: &'a JobContext, job: &'a Job) -> BoxFuture<'a, Result<(), JobError>>;

    /// Called when the last attempt failed, to record the failure where users see it.
    fn gave_up<'a>(
        &'a self,
        _ctx: &'a JobContext,
        _job: &'a Job,
        _error: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// The runner's settings.
pub struct RunnerSettings {
    pub worker_id: String,
    /// How long a claimed job stays ours; an attempt is cut off before it runs out.
    pub lease: TimeDelta,
    /// How often to look for due jobs when nothing wakes the runner.
    pub interval: Duration,
    pub batch: i64,
}

/// Claims and runs jobs until the task is dropped.
pub struct JobRunner {
    ctx: JobContext,
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
    periodic: Vec<(&'static str, TimeDelta)>,
    settings: RunnerSettings,
    wake: Arc<Notify>,
}

impl JobRunner {
    pub fn new(ctx: JobContext, settings: RunnerSettings, wake: Arc<Notify>) -> Self {
        Self {
            ctx,
            handlers: HashMap::new(),
            periodic: Vec::new(),
            settings,
            wake,
        }
    }

    pub fn handle(mut self, kind: &'static str, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.insert(kind, handler);
        self
    }

    /// Also runs `kind` once in every slot of `period` of the app clock (e.g. every hour),
    /// whichever process gets there first. The handler finds out itself what is due, so a
    /// slot that no process was up for is simply caught up by the next one.
    pub fn every(
        mut self,
        kind: &'static str,
        period: TimeDelta,
        handler: Arc<dyn JobHandler>,
    ) -> Self {
        self.periodic.push((kind, period));
        self.handle(kind, handler)
    }

    pub async fn run(self) {
        let mut scheduled: HashMap<&'static str, i64> = HashMap::new();
        loop {
            if let Err(e) = self.schedule_periodic(&mut scheduled).await {
                tracing::warn!(error = %e, "could not schedule periodic jobs; retrying");
            }
            match self.run_once().await {
                Ok(0) => {
                    let _ =
                        tokio::time::timeout(self.settings.interval, self.wake.notified()).await;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "job runner pass failed; retrying");
                    tokio::time::sleep(self.settings.interval).await;
                }
            }
        }
    }

    /// Enqueues each periodic kind once per slot; the slot's unique key keeps several processes
    /// from enqueuing it twice.
    async fn schedule_periodic(
        &self,
        scheduled: &mut HashMap<&'static str, i64>,
    ) -> Result<(), JobError> {
        let now = self.ctx.clock.now();
        for &(kind, period) in &self.periodic {
            let slot = now.timestamp().div_euclid(period.num_seconds().max(1));
            if scheduled.get(kind) == Some(&slot) {
                continue;
            }
            let job = jobs::NewJob {
                kind,
                payload: String::new(),
                run_at: now,
                unique_key: Some(format!("{kind}@{slot}")),
                max_attempts: 3,
            };
            self.ctx
                .db(move |conn| {
                    use diesel::result::{DatabaseErrorKind, Error};
                    match crate::db::pool::write_tx(conn, |conn| jobs::enqueue(conn, &job, now)) {
                        // Another process enqueued the same slot between our check and insert.
                        Ok(_)
                        | Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                            Ok(())
                        }
                        Err(e) => Err(JobError::from_error(&e)),
                    }
                })
                .await?;
            scheduled.insert(kind, slot);
        }
        Ok(())
    }

    /// Claims one batch and runs it; returns how many jobs it ran.
    pub async fn run_once(&self) -> Result<usize, JobError> {
        let worker = self.settings.worker_id.clone();
        let (lease, batch) = (self.settings.lease, self.settings.batch);
        let now = self.ctx.clock.now();
        let claimed = self
            .ctx
            .db(move |conn| {
                jobs::claim(conn, &worker, now, lease, batch).map_err(|e| JobError::from_error(&e))
            })
            .await?;
        let count = claimed.len();
        for claim in claimed {
            self.run_claimed(claim).await?;
        }
        Ok(count)
    }

    async fn run_claimed(&self, claim: Claimed) -> Result<(), JobError> {
        let job = &claim.job;
        let outcome = match self.handlers.get(job.kind.as_str()) {
            None => Err(JobError(format!("no handler for job kind {}", job.kind))),
            Some(handler) => {
                // Stop well inside the lease, so no other process can take the job meanwhile.
                let limit = (self.settings.lease * 4 / 5)
                    .to_std()
                    .unwrap_or(Duration::from_secs(60));
                match tokio::time::timeout(limit, handler.run(&self.ctx, job)).await {
                    Ok(result) => result,
                    Err(_) => Err(JobError("attempt timed out".into())),
                }
            }
        };
        let worker = self.settings.worker_id.clone();
        let now = self.ctx.clock.now();
        match &outcome {
            Ok(()) => tracing::debug!(job.id = job.id, job.kind = %job.kind, "job done"),
            Err(e) => {
                tracing::warn!(job.id = job.id, job.kind = %job.kind, attempt = job.attempts, error = %e, "job failed; will retry")
            }
        }
        let error = outcome.as_ref().err().map(|e| e.0.clone());
        let claim_for_db = claim.clone();
        self.ctx
            .db(move |conn| {
                match &error {
                    None => jobs::complete(conn, &claim_for_db, &worker, now).map(|_| ()),
                    Some(error) => jobs::retry_later(conn, &claim_for_db, &worker, error, now),
                }
                .map_err(|e| JobError::from_error(&e))
            })
            .await?;
        if let (Err(e), Some(handler)) = (&outcome, self.handlers.get(job.kind.as_str()))
            && job.attempts >= job.max_attempts
        {
            tracing::error!(job.id = job.id, job.kind = %job.kind, "job gave up after its last attempt");
            handler.gave_up(&self.ctx, job, &e.0).await;
        }
        Ok(())
    }
}
