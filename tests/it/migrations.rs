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
