//! The `referral-portal` command: serve the portal, or manage it from the command line.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use referral_portal::clock::SystemClock;
use referral_portal::config::Config;

#[derive(Parser)]
#[command(version, about = "Partner referral portal")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Fill an empty database with a sample program before serving.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve {
        #[arg(long)]
        demo: bool,
    },
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Create an admin. The password is read from stdin, or generated and printed once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env().context("configuration")?;
    referral_portal::telemetry::init(config.is_production());

    match cli.command {
        Some(Command::Admin {
            action: AdminAction::Create { email, name },
        }) => create_admin(&config, &email, &name),
        Some(Command::Serve { demo }) => serve(config, demo || cli.demo).await,
        None => serve(config, cli.demo).await,
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    if demo {
        let pool = referral_portal::db::pool::connect(config.database_url(), 2)?;
        let clock = SystemClock;
        let mut conn = pool.get()?;
        let filled = referral_portal::demo::fill_if_empty(&mut conn, &clock)?;
        if filled {
            tracing::info!("demo data loaded; sign-ins are listed in README.md");
        }
    }
    let listener =
        TcpListener::bind(config.bind).with_context(|| format!("bind {}", config.bind))?;
    tracing::info!(address = %config.base_url, "portal listening");
    let app = referral_portal::build(config, listener, Arc::new(SystemClock), 2)?;
    app.server.await?;
    Ok(())
}

fn create_admin(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    let mut password = String::new();
    let generated = if atty_stdin() {
        None
    } else {
        std::io::stdin().read_to_string(&mut password)?;
        let trimmed = password.trim_end_matches(['\r', '\n']).to_owned();
        (!trimmed.is_empty()).then_some(trimmed)
    };
    let (password, print) = match generated {
        Some(p) => (p, false),
        None => (
            referral_portal::web::security::new_token()[..20].to_owned(),
            true,
        ),
    };
    if let Err(message) = referral_portal::passwords::check_new_password(&password, &password) {
        anyhow::bail!("password refused: {message}");
    }
    let pool = referral_portal::db::pool::connect(config.database_url(), 1)?;
    let mut conn = pool.get()?;
    referral_portal::demo::create_admin(&mut conn, email, name, &password, &SystemClock)?;
    if print {
        println!("Admin {email} created. Password (shown once): {password}");
    } else {
        println!("Admin {email} created.");
    }
    Ok(())
}

fn atty_stdin() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}
