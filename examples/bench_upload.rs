//! Benchmark of the monthly upload (not a test): imports a generated 50,000-row file into a
//! database already holding 1,000,000 referrals, and prints rows per second and peak memory.
//!
//! ```text
//! cargo run --release --example bench_upload
//! BENCH_ROWS=5000 BENCH_PREFILL=100000 cargo run --release --example bench_upload
//! BENCH_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/bench cargo run --release --example bench_upload
//! ```
//!
//! Without `BENCH_DATABASE_URL` it uses a fresh SQLite file in a temporary folder. The
//! referrals already there are written with one SQL statement per engine in a transaction.

use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use diesel::RunQueryDsl;
use referral_portal::db::accounts::{self, NewOrganisation, NewUser};
use referral_portal::db::settings::UploadLimits;
use referral_portal::db::uploads::UploadStatus;
use referral_portal::db::{AnyConnection, db_time, pool, write_tx};
use referral_portal::pipeline::IntakeEnv;
use referral_portal::uploads::{self, NewUploadRequest};

fn env_number(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .with_context(|| format!("{name} must be a number")),
        Err(_) => Ok(default),
    }
}

/// Peak resident memory of this process (Linux), in MiB.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn prefill(conn: &mut AnyConnection, org: i64, user: i64, count: usize) -> anyhow::Result<()> {
    let columns = "organisation_id, submitted_by, status, first_name, last_name, email, \
        seniority, company, company_normalised, company_domain, currency, email_key, name_key, \
        possible_duplicate, existing_customer, protected_until, warnings, created_at, updated_at";
    let values = |i: &str| {
        format!(
            "{org}, {user}, 'submitted', 'Known', 'Prospect ' || {i}, \
             'known.' || {i} || '@prefill-example.com', 'unknown', 'Company ' || {i}, \
             'company ' || {i}, 'prefill-' || {i} || '.example.org', 'EUR', \
             'known.' || {i} || '@prefill-example.com', 'known prospect ' || {i} || '|company', \
             FALSE, FALSE, '2027-06-01 00:00:00', '', '2026-11-01 00:00:00', \
             '2026-11-01 00:00:00'"
        )
    };
    let sql = match conn {
        AnyConnection::Sqlite(_) => format!(
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {count}) \
             INSERT INTO referrals ({columns}) SELECT {} FROM seq",
            values("i")
        ),
        AnyConnection::Postgresql(_) => format!(
            "INSERT INTO referrals ({columns}) SELECT {} FROM generate_series(1, {count}) AS i",
            values("i::text")
        )
        .replace("'2027-06-01 00:00:00'", "TIMESTAMP '2027-06-01 00:00:00'")
        .replace("'2026-11-01 00:00:00'", "TIMESTAMP '2026-11-01 00:00:00'"),
    };
    write_tx(conn, |conn| diesel::sql_query(&sql).execute(conn))?;
    diesel::sql_query("ANALYZE").execute(conn)?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let rows = env_number("BENCH_ROWS", 50_000)?;
    let prefilled = env_number("BENCH_PREFILL", 1_000_000)?;
    let dir = tempfile_dir()?;
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| dir.join("bench.db").to_string_lossy().into_owned());
    let pool = pool::connect(&url, 2)?;
    let mut conn = pool.get()?;
    let now = Utc::now();

    let make_org = |conn: &mut AnyConnection, name: &str| {
        accounts::insert_organisation(
            conn,
            &NewOrganisation {
                name,
                country: Some("GB"),
                default_phone_country: "GB",
                created_at: db_time(now),
            },
        )
    };
    let make_user = |conn: &mut AnyConnection, email: &str, org: i64| {
        accounts::insert_user(
            conn,
            &NewUser {
                email,
                display_name: email,
                role: "partner_owner",
                organisation_id: Some(org),
                password_hash: None,
                active: true,
                time_zone: "UTC",
                created_at: db_time(now),
            },
        )
    };
    let other = make_org(&mut conn, "Prefill Partner")?;
    let other_user = make_user(&mut conn, "prefill@partner-b.example", other.id)?;
    let org = make_org(&mut conn, "Partner A")?;
    let user = make_user(&mut conn, "p.weber@partner-a.example", org.id)?;

    let started = Instant::now();
    prefill(&mut conn, other.id, other_user.id, prefilled)?;
    println!(
        "prefilled {prefilled} referrals in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut file = String::from(
        "referrer_email,prospect_name,prospect_email,prospect_phone,company,company_website,\
         title,relationship_context,pain_opportunity\r\n",
    );
    for i in 1..=rows {
        file.push_str(&format!(
            "p.weber@partner-a.example,Bulk Prospect {i:06},bulk.{i:06}@example.com,,\
             Bulk Co {i:06},,Buyer,Channel list,Monthly upload\r\n"
        ));
    }
    let bytes = file.into_bytes();
    println!("file: {rows} rows, {} bytes", bytes.len());

    let limits = UploadLimits {
        max_rows: i64::try_from(rows)?,
        max_bytes: i64::try_from(bytes.len())?,
        background_rows: 1_000,
    };
    let started = Instant::now();
    let checked = uploads::check_file(&bytes, &limits)?;
    let request = NewUploadRequest {
        organisation_id: org.id,
        uploaded_by: user.id,
        on_behalf: false,
        reporting_month: "2026-11".into(),
        file_name: "bench.csv".into(),
        file_bytes: i64::try_from(bytes.len())?,
    };
    drop(bytes);
    let upload = uploads::create(&mut conn, &request, &checked, now)?;
    drop(checked);
    let read = started.elapsed().as_secs_f64();
    uploads::stage(&mut conn, upload.id, now)?;
    let staged = started.elapsed().as_secs_f64();
    let env = IntakeEnv {
        now,
        referral_link_base: String::new(),
        client_addr: "bench".into(),
        notify_submitter: false,
    };
    let done = uploads::commit(&mut conn, upload.id, UploadStatus::Preview, &env, "bench")?;
    let total = started.elapsed().as_secs_f64();
    anyhow::ensure!(done, "the upload was not committed");

    let per_second = |seconds: f64| rows as f64 / seconds;
    println!("read and store the file: {read:.2} s");
    println!(
        "check (preview) {:.2} s = {:.0} rows/s; commit {:.2} s = {:.0} rows/s",
        staged - read,
        per_second(staged - read),
        total - staged,
        per_second(total - staged)
    );
    println!(
        "whole upload: {total:.2} s = {:.0} rows/s; peak memory {:.0} MiB",
        per_second(total),
        peak_memory_mib().unwrap_or(f64::NAN)
    );
    drop(conn);
    drop(pool);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh folder under the system temporary directory.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
