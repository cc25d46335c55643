//! Deployment settings, read once from the environment at start-up. Each has a default; an
//! invalid value stops start-up and names the variable. `.env.example` lists them all.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Everything the portal needs to know about where it runs.
#[derive(Clone)]
pub struct Config {
    pub database_url: SecretString,
    pub smtp_url: Option<SecretString>,
    pub bind: SocketAddr,
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub secret_key: SecretKey,
    pub mail_from: String,
    pub trusted_proxies: Vec<IpAddr>,
    /// How often the background worker looks for due work.
    pub worker_interval: Duration,
    /// How long a claimed background job stays with its process before others may take it.
    pub job_lease: chrono::TimeDelta,
    /// Most database connections this process opens.
    pub db_pool_size: u32,
}

/// The key that signs cookies; at least 64 bytes, shared by every instance.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn generate() -> Self {
        let mut bytes = vec![0u8; 64];
        rand::fill(&mut bytes[..]);
        Self(bytes)
    }

    pub fn from_hex(raw: &str) -> Option<Self> {
        let bytes = hex::decode(raw.trim()).ok()?;
        (bytes.len() >= 64).then_some(Self(bytes))
    }
}

/// A setting that stops start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("could not read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

impl Config {
    /// Reads every setting from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// Reads every setting through `lookup`, so tests can pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(lookup("PORTAL_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = lookup("DATABASE_URL")
            .unwrap_or_else(|| data_dir.join("portal.db").to_string_lossy().into_owned());
        crate::db::pool::parse_database_url(&database_url)
            .map_err(|e| invalid("DATABASE_URL", e.to_string()))?;

        let bind: SocketAddr = lookup("PORTAL_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e| invalid("PORTAL_BIND", format!("{e}")))?;
        let base_url = lookup("PORTAL_BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        let base_url =
            Url::parse(&base_url).map_err(|e| invalid("PORTAL_BASE_URL", e.to_string()))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(invalid(
                "PORTAL_BASE_URL",
                "must start with http:// or https://",
            ));
        }

        let smtp_url = lookup("SMTP_URL");
        if let Some(url) = &smtp_url {
            let parsed = Url::parse(url).map_err(|e| invalid("SMTP_URL", e.to_string()))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(invalid("SMTP_URL", "must start with smtp:// or smtps://"));
            }
        }

        let explicit_key = lookup("PORTAL_SECRET_KEY");
        let production = base_url.scheme() == "https";
        if production && smtp_url.is_none() {
            return Err(invalid(
                "SMTP_URL",
                "is required when PORTAL_BASE_URL is https",
            ));
        }
        if production && explicit_key.is_none() {
            return Err(invalid(
                "PORTAL_SECRET_KEY",
                "is required when PORTAL_BASE_URL is https (every instance must share it)",
            ));
        }
        let secret_key = match explicit_key {
            Some(raw) => SecretKey::from_hex(&raw)
                .ok_or_else(|| invalid("PORTAL_SECRET_KEY", "must be at least 64 bytes in hex"))?,
            None => load_or_create_key(&data_dir)?,
        };

        let mail_from = lookup("PORTAL_MAIL_FROM")
            .unwrap_or_else(|| "Referral Portal <portal@localhost>".into());
        mail_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| invalid("PORTAL_MAIL_FROM", e.to_string()))?;

        let trusted_proxies = lookup("PORTAL_TRUSTED_PROXIES")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<IpAddr>())
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|e| invalid("PORTAL_TRUSTED_PROXIES", e.to_string()))?
            .unwrap_or_default();

        let worker_ms: u64 = lookup("PORTAL_WORKER_INTERVAL_MS")
            .map(|raw| raw.parse())
            .transpose()
            .map_err(|e| invalid("PORTAL_WORKER_INTERVAL_MS", format!("{e}")))?
            .unwrap_or(1000);

        let lease_seconds: i64 = lookup("PORTAL_JOB_LEASE_SECONDS")
            .map(|raw| raw.parse())
            .transpose()
            .map_err(|e| invalid("PORTAL_JOB_LEASE_SECONDS", format!("{e}")))?
            .unwrap_or(300);
        if !(2..=86_400).contains(&lease_seconds) {
            return Err(invalid(
                "PORTAL_JOB_LEASE_SECONDS",
                "must be between 2 and 86400",
            ));
        }

        let db_pool_size: u32 = lookup("PORTAL_DB_POOL_SIZE")
            .map(|raw| raw.parse())
            .transpose()
            .map_err(|e| invalid("PORTAL_DB_POOL_SIZE", format!("{e}")))?
            .unwrap_or(8);
        if !(1..=200).contains(&db_pool_size) {
            return Err(invalid("PORTAL_DB_POOL_SIZE", "must be between 1 and 200"));
        }

        Ok(Self {
            database_url: database_url.into(),
            smtp_url: smtp_url.map(Into::into),
            bind,
            base_url,
            data_dir,
            secret_key,
            mail_from,
            trusted_proxies,
            worker_interval: Duration::from_millis(worker_ms.max(10)),
            job_lease: chrono::TimeDelta::seconds(lease_seconds),
            db_pool_size,
        })
    }

    /// Production means an https base URL: Secure cookies and no development shortcuts.
    pub fn is_production(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// Where the file mail transport writes `.eml` files.
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// An absolute link to a path of the portal, for emails.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }

    /// The `scheme://host:port` that a browser sends as `Origin`.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }
}

fn load_or_create_key(data_dir: &Path) -> Result<SecretKey, ConfigError> {
    let path = data_dir.join("secret.key");
    let io = |source| ConfigError::Io {
        path: path.clone(),
        source,
    };
    if let Ok(raw) = std::fs::read_to_string(&path) {
        return SecretKey::from_hex(&raw).ok_or_else(|| {
            invalid(
                "PORTAL_SECRET_KEY",
                format!("{} is damaged", path.display()),
            )
        });
    }
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let key = SecretKey::generate();
    write_private(&path, &hex::encode(key.bytes())).map_err(io)?;
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
