//! A pause point for crash tests only. `PORTAL_TEST_PAUSE_IMPORT=<phase>:<rows>` (phase `stage`
//! or `commit`) stops a big import for good once that phase has done `rows` rows — while
//! staging after a chunk is saved, while committing inside the open commit — and prints
//! `PORTAL_TEST_PAUSED <phase> <rows>` to stderr, so a test can kill the process at a known
//! point instead of guessing by timing. Read once, on the first import; unset (as in every
//! real deployment) it does nothing.

use std::sync::OnceLock;
use std::time::Duration;

/// The environment variable; test-only.
pub const PAUSE_VAR: &str = "PORTAL_TEST_PAUSE_IMPORT";

/// Where in an import the pause may hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Stage,
    Commit,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Self::Stage => "stage",
            Self::Commit => "commit",
        }
    }
}

static PAUSE: OnceLock<Option<(Phase, i64)>> = OnceLock::new();

fn parse(raw: &str) -> Option<(Phase, i64)> {
    let (phase, rows) = raw.split_once(':')?;
    let phase = [Phase::Stage, Phase::Commit]
        .into_iter()
        .find(|p| p.name() == phase.trim())?;
    Some((phase, rows.trim().parse().ok()?))
}

/// Called after `done` rows of `phase`; blocks forever when the configured point is reached.
pub(super) fn point(phase: Phase, done: i64) {
    let configured = *PAUSE.get_or_init(|| std::env::var(PAUSE_VAR).ok().and_then(|v| parse(&v)));
    let Some((at_phase, at_rows)) = configured else {
        return;
    };
    if at_phase != phase || done < at_rows {
        return;
    }
    eprintln!("PORTAL_TEST_PAUSED {} {done}", phase.name());
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_points_parse_phase_and_rows() {
        assert_eq!(parse("stage:1000"), Some((Phase::Stage, 1000)));
        assert_eq!(parse("commit: 1500"), Some((Phase::Commit, 1500)));
        assert_eq!(parse("publish:1"), None);
        assert_eq!(parse("commit"), None);
        assert_eq!(parse("stage:many"), None);
    }
}
