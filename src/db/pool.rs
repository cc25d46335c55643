//! The connection pool over both engines, the SQLite connection settings and the helpers that run
//! database work off the async threads.

use diesel::connection::SimpleConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection type for both engines; the variant decides the SQL dialect.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<AnyConnection>>;
pub type DbConn = PooledConnection<ConnectionManager<AnyConnection>>;

/// Which engine a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Decides the engine from a `DATABASE_URL` value and returns the URL diesel expects.
pub fn parse_database_url(raw: &str) -> Result<(Engine, String), DbError> {
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        return Ok((Engine::Postgres, raw.to_owned()));
    }
    if let Some(path) = raw.strip_prefix("sqlite://") {
        return Ok((Engine::Sqlite, path.to_owned()));
    }
    if raw.starts_with("file:") {
        return Ok((Engine::Sqlite, raw.to_owned()));
    }
    if let Some((scheme, _)) = raw.split_once("://") {
        return Err(DbError::UnsupportedScheme(scheme.to_owned()));
    }
    if raw.trim().is_empty() {
        return Err(DbError::UnsupportedScheme(String::new()));
    }
    Ok((Engine::Sqlite, raw.to_owned()))
}

#[derive(Debug)]
struct SqliteSettings;

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for SqliteSettings {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        if let AnyConnection::Sqlite(conn) = conn {
            // WAL is a property of the file, set once in `connect`; switching it here, while
            // the pool opens several connections at once, can fail with "database is locked".
            conn.batch_execute(
                "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Connects once with the concrete type so the user sees the engine's real error, then builds
/// the pool and applies pending migrations.
pub fn connect(database_url: &str, max_size: u32) -> Result<DbPool, DbError> {
    let (engine, url) = parse_database_url(database_url)?;
    match engine {
        Engine::Postgres => {
            PgConnection::establish(&url).map_err(DbError::Connect)?;
        }
        Engine::Sqlite => {
            if let Some(parent) = std::path::Path::new(&url).parent()
                && !parent.as_os_str().is_empty()
                && !url.starts_with("file:")
            {
                std::fs::create_dir_all(parent).map_err(DbError::DataDir)?;
            }
            let mut first = SqliteConnection::establish(&url).map_err(DbError::Connect)?;
            // busy_timeout before WAL, or a second process starting at once sees "locked".
            first
                .batch_execute("PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL;")
                .map_err(DbError::Query)?;
        }
    }
    let manager = ConnectionManager::<AnyConnection>::new(url);
    let pool = Pool::builder()
        .max_size(max_size)
        // Open connections as needed rather than all at start.
        .min_idle(Some(1))
        .connection_customizer(Box::new(SqliteSettings))
        .build(manager)
        .map_err(DbError::Pool)?;
    let mut conn = pool.get().map_err(DbError::Pool)?;
    run_migrations(&mut conn)?;
    Ok(pool)
}

/// Applies every pending migration of the connection's engine.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<(), DbError> {
    let result = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts every migration of the connection's engine (used by the migration tests).
pub fn revert_all_migrations(conn: &mut AnyConnection) -> Result<(), DbError> {
    let result = match conn {
        AnyConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        AnyConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| DbError::Migration(e.to_string()))
}

/// Runs `work` in a writing transaction. On SQLite it starts with `BEGIN IMMEDIATE`, which takes
/// the write lock up front: deferred transactions that read then write lose most races to
/// "database is locked". Nested `transaction()` calls inside become savepoints.
pub fn write_tx<T, E>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        }
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    let outcome = work(conn);
    match (outcome, conn) {
        (Ok(value), AnyConnection::Sqlite(c)) => {
            AnsiTransactionManager::commit_transaction(c)?;
            Ok(value)
        }
        (Ok(value), AnyConnection::Postgresql(c)) => {
            AnsiTransactionManager::commit_transaction(c)?;
            Ok(value)
        }
        (Err(e), AnyConnection::Sqlite(c)) => {
            let _ = AnsiTransactionManager::rollback_transaction(c);
            Err(e)
        }
        (Err(e), AnyConnection::Postgresql(c)) => {
            let _ = AnsiTransactionManager::rollback_transaction(c);
            Err(e)
        }
    }
}
