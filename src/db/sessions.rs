//! Server-side sessions for actix-session: the cookie carries only a random key, whose SHA-256
//! names a row here. Deleting rows signs people out for real, everywhere if need be.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use super::schema::sessions;
use super::{AnyConnection, DbPool, db_time};
use crate::clock::SharedClock;

/// A session ends after this long without a request.
pub const IDLE_LIMIT: TimeDelta = TimeDelta::minutes(30);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_LIMIT: TimeDelta = TimeDelta::hours(12);
/// The session entry that holds the signed-in user's id.
pub const USER_KEY: &str = "user_id";
/// Refresh `last_seen_at` at most this often, to spare a write per request.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

fn key_hash(key: &SessionKey) -> String {
    hex::encode(Sha256::digest(key.as_ref().as_bytes()))
}

fn user_of(state: &HashMap<String, String>) -> Option<i64> {
    state
        .get(USER_KEY)
        .and_then(|v| v.trim_matches('"').parse().ok())
}

/// The actix-session store over our database.
#[derive(Clone)]
pub struct DbSessionStore {
    pool: DbPool,
    clock: SharedClock,
}

impl DbSessionStore {
    pub fn new(pool: DbPool, clock: SharedClock) -> Self {
        Self { pool, clock }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut AnyConnection) -> QueryResult<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let pool = self.pool.clone();
        let result = actix_web::rt::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            Ok::<_, anyhow::Error>(work(&mut conn)?)
        })
        .await??;
        Ok(result)
    }
}

#[derive(Queryable)]
struct SessionRow {
    _id: String,
    _user_id: Option<i64>,
    state: String,
    created_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
    _expires_at: NaiveDateTime,
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let id = key_hash(session_key);
        let now = db_time(self.clock.now());
        let row: Option<SessionRow> = self
            .run(move |conn| sessions::table.find(id).first(conn).optional())
            .await
            .map_err(LoadError::Other)?;
        let Some(row) = row else { return Ok(None) };
        if row.last_seen_at + IDLE_LIMIT <= now || row.created_at + ABSOLUTE_LIMIT <= now {
            return Ok(None);
        }
        serde_json::from_str(&row.state)
            .map(Some)
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let key: SessionKey = Alphanumeric
            .sample_string(&mut rand::rng(), 64)
            .try_into()
            .map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))?;
        let id = key_hash(&key);
        let user_id = user_of(&state);
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let now = db_time(self.clock.now());
        // Anonymous visits create sessions too; now and then sweep out the expired ones.
        let sweep = rand::random_range(0..50) == 0;
        self.run(move |conn| {
            if sweep {
                diesel::delete(
                    sessions::table.filter(
                        sessions::expires_at
                            .le(now)
                            .or(sessions::last_seen_at.le(now - IDLE_LIMIT)),
                    ),
                )
                .execute(conn)?;
            }
            diesel::insert_into(sessions::table)
                .values((
                    sessions::id.eq(id),
                    sessions::user_id.eq(user_id),
                    sessions::state.eq(json),
                    sessions::created_at.eq(now),
                    sessions::last_seen_at.eq(now),
                    sessions::expires_at.eq(now + ABSOLUTE_LIMIT),
                ))
                .execute(conn)
        })
        .await
        .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let id = key_hash(&session_key);
        let user_id = user_of(&state);
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let now = db_time(self.clock.now());
        let changed = self
            .run(move |conn| {
                diesel::update(sessions::table.find(id))
                    .set((
                        sessions::user_id.eq(user_id),
                        sessions::state.eq(json),
                        sessions::last_seen_at.eq(now),
                    ))
                    .execute(conn)
            })
            .await
            .map_err(UpdateError::Other)?;
        if changed == 0 {
            // The row was revoked meanwhile: start afresh rather than resurrect it.
            return self
                .save(state, ttl)
                .await
                .map_err(|e| UpdateError::Other(anyhow::anyhow!("{e}")));
        }
        Ok(session_key)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        _ttl: &CookieDuration,
    ) -> anyhow::Result<()> {
        let id = key_hash(session_key);
        let now = db_time(self.clock.now());
        self.run(move |conn| {
            diesel::update(
                sessions::table
                    .find(id)
                    .filter(sessions::last_seen_at.lt(now - TOUCH_EVERY)),
            )
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)
        })
        .await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> anyhow::Result<()> {
        let id = key_hash(session_key);
        self.run(move |conn| diesel::delete(sessions::table.find(id)).execute(conn))
            .await?;
        Ok(())
    }
}

/// Ends every session of `user_id`. A handler that wants to keep the current one renews it:
/// actix-session then stores its state again under a fresh key.
pub fn revoke_user_sessions(conn: &mut AnyConnection, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Removes sessions past their absolute limit.
pub fn purge_expired(
    conn: &mut AnyConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(db_time(now)))).execute(conn)
}
