//! Migrations: both engines hold the same migration names, and every migration reverts.

use std::collections::BTreeSet;

use referral_portal::db::pool::{revert_all_migrations, run_migrations};

fn names(engine: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!(
        "{}/migrations/{engine}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("migration folder")
    .filter_map(Result::ok)
    .filter(|e| e.path().is_dir())
    .map(|e| e.file_name().to_string_lossy().into_owned())
    .collect()
}

#[test]
fn both_engines_have_the_same_migrations_each_with_up_and_down() {
    let sqlite = names("sqlite");
    let postgres = names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migration folders differ between engines");
    for engine in ["sqlite", "postgres"] {
        for name in &sqlite {
            for file in ["up.sql", "down.sql"] {
                let path = format!(
                    "{}/migrations/{engine}/{name}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&path).is_file(), "{path} is missing");
            }
        }
    }
}

#[tokio::test]
async fn migrations_go_down_and_up_again() {
    let app = crate::common::spawn_app().await;
    let mut conn = app.conn();
    revert_all_migrations(&mut conn).expect("down");
    run_migrations(&mut conn).expect("up again");
    revert_all_migrations(&mut conn).expect("down again");
    run_migrations(&mut conn).expect("up a last time");
}

#[test]
fn an_unknown_scheme_stops_start_up_naming_the_setting() {
    let err = referral_portal::config::Config::from_lookup(|name| match name {
        "DATABASE_URL" => Some("mysql://root@127.0.0.1/portal".into()),
        "PORTAL_DATA_DIR" => Some(std::env::temp_dir().to_string_lossy().into_owned()),
        _ => None,
    })
    .err()
    .expect("refused");
    assert!(err.to_string().contains("DATABASE_URL"), "{err}");
}

#[test]
fn an_unreachable_postgres_reports_the_engine_error_and_the_setting() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let Err(err) = referral_portal::db::pool::connect(
        &format!("postgres://nobody:secret@127.0.0.1:{port}/portal"),
        1,
    ) else {
        panic!("no server listens there");
    };
    let message = err.to_string();
    assert!(message.contains("DATABASE_URL"), "{message}");
    assert!(!message.contains("invalid connection url"), "{message}");
    assert!(
        message.to_lowercase().contains("refused") || message.contains("connect"),
        "{message}"
    );
}

#[tokio::test]
async fn every_table_of_the_schema_matches_the_migrated_database() {
    use diesel::RunQueryDsl;
    use diesel::query_dsl::methods::LimitDsl;
    use referral_portal::db::schema::*;
    let app = crate::common::spawn_app().await;
    let mut conn = app.conn();
    let conn = &mut *conn;
    // Selecting every declared column fails if a table or column is missing or misnamed.
    organisations::table
        .limit(0)
        .execute(conn)
        .expect("organisations");
    users::table.limit(0).execute(conn).expect("users");
    sessions::table.limit(0).execute(conn).expect("sessions");
    account_tokens::table
        .limit(0)
        .execute(conn)
        .expect("account_tokens");
    login_failures::table
        .limit(0)
        .execute(conn)
        .expect("login_failures");
    referrals::table.limit(0).execute(conn).expect("referrals");
    referral_events::table
        .limit(0)
        .execute(conn)
        .expect("referral_events");
    conflicts::table.limit(0).execute(conn).expect("conflicts");
    // 000009_upload_staging: the hidden batch, its held conflicts, the commit's progress.
    {
        use diesel::{ExpressionMethods, QueryDsl};
        referrals::table
            .select(referrals::upload_pending)
            .filter(referrals::upload_pending.eq(true))
            .execute(conn)
            .expect("referrals.upload_pending");
        conflicts::table
            .select(conflicts::upload_id)
            .filter(conflicts::id.eq(-1))
            .execute(conn)
            .expect("conflicts.upload_id");
    }
    existing_customers::table
        .limit(0)
        .execute(conn)
        .expect("existing_customers");
    email_providers::table
        .limit(0)
        .execute(conn)
        .expect("email_providers");
    audit_log::table.limit(0).execute(conn).expect("audit_log");
    outbox::table.limit(0).execute(conn).expect("outbox");
    settings::table.limit(0).execute(conn).expect("settings");
    jobs::table.limit(0).execute(conn).expect("jobs");
    job_attempts::table
        .limit(0)
        .execute(conn)
        .expect("job_attempts");
    macro_rules! check {
        ($($table:ident),+) => {
            $($table::table.limit(0).execute(conn).expect(stringify!($table));)+
        };
    }
    check!(
        rep_profiles,
        rep_pools,
        rep_pool_members,
        routing_rules,
        uploads,
        upload_files,
        upload_rows,
        upload_mappings,
        tiers,
        reward_rules,
        partner_standings,
        tier_changes,
        referral_shares,
        statements,
        reward_lines,
        reward_line_moves,
        payouts,
        payout_lines,
        payout_events
    );
}

#[tokio::test]
async fn instants_read_back_identically_on_either_engine() {
    use chrono::TimeZone;
    use diesel::prelude::*;
    let app = crate::common::spawn_app().await;
    let mut conn = app.conn();
    let precise = chrono::Utc
        .timestamp_opt(1_796_400_000, 123_456_789)
        .single()
        .expect("instant");
    let stored = referral_portal::db::db_time(precise);
    referral_portal::db::audit::record(
        &mut conn,
        &referral_portal::db::audit::AuditEntry {
            actor_user_id: None,
            action: "clock_check",
            object_type: "test",
            object_id: None,
            client_addr: None,
            detail: None,
        },
        precise,
    )
    .expect("insert");
    let read: chrono::NaiveDateTime = referral_portal::db::schema::audit_log::table
        .select(referral_portal::db::schema::audit_log::created_at)
        .first(&mut conn)
        .expect("read back");
    assert_eq!(read, stored);
    assert_eq!(read.and_utc().timestamp_subsec_nanos(), 123_456_000);
}
