//! Command-line account set-up and the sample program that `--demo` loads into an empty
//! database: three partner organisations, their users, two reps, an admin, existing
//! customers, and about sixty referrals in every status, put through the real intake
//! pipeline and review so that they look exactly like real ones.

mod payouts;
mod rewards;
mod tiers;

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::Clock;
use crate::db::accounts::{self, NewOrganisation, NewUser, Role};
use crate::db::routing::{self, RepProfile};
use crate::db::{AnyConnection, db_time, referrals};
use crate::domain::{Currency, Money};
use crate::domain::{IntakeMode, RawReferral, normalise_company_name};
use crate::pipeline::{self, IntakeEnv, IntakeSettings, Outcome, Submitter};
use crate::review::{self, Actor, Decision};
use crate::stages::{self, Step, StepContext};

/// The password of every demo account (README.md lists the sign-ins).
pub const DEMO_PASSWORD: &str = "portal-demo-2026";

/// Why set-up could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("a user with the address {0} already exists")]
    UserExists(String),
    #[error("{0} is not a valid email address")]
    BadEmail(String),
    #[error(transparent)]
    Hash(#[from] crate::passwords::HashError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Pipeline(#[from] pipeline::PipelineError),
    #[error(transparent)]
    Review(#[from] review::ReviewError),
    #[error(transparent)]
    Stage(#[from] stages::StepError),
    #[error(transparent)]
    Incentive(#[from] crate::incentives::IncentiveError),
}

/// Creates an active admin with the given password.
pub fn create_admin(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    password: &str,
    clock: &dyn Clock,
) -> Result<accounts::User, SetupError> {
    let hash = crate::passwords::hash(password)?;
    create_user(conn, email, name, Role::Admin, None, &hash, clock.now())
}

fn create_user(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    role: Role,
    organisation_id: Option<i64>,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<accounts::User, SetupError> {
    let email = crate::domain::EmailAddress::parse(email)
        .map_err(|_| SetupError::BadEmail(email.to_owned()))?
        .dedupe_key();
    if accounts::user_by_email(conn, &email)?.is_some() {
        return Err(SetupError::UserExists(email));
    }
    Ok(accounts::insert_user(
        conn,
        &NewUser {
            email: &email,
            display_name: name,
            role: role.as_str(),
            organisation_id,
            password_hash: Some(password_hash),
            active: true,
            time_zone: "Europe/Berlin",
            created_at: db_time(now),
        },
    )?)
}

/// Loads the sample program if the database has no users yet; returns whether it did.
pub fn fill_if_empty(conn: &mut AnyConnection, clock: &dyn Clock) -> Result<bool, SetupError> {
    if !accounts::staff_users(conn)?.is_empty() {
        return Ok(false);
    }
    let now = clock.now();
    let hash = crate::passwords::hash(DEMO_PASSWORD)?;
    let admin = create_user(
        conn,
        "admin@vendor.example",
        "Ada Admin",
        Role::Admin,
        None,
        &hash,
        now,
    )?;
    let north = create_user(
        conn,
        "rep.north@vendor.example",
        "Rafael North",
        Role::Rep,
        None,
        &hash,
        now,
    )?;
    let south = create_user(
        conn,
        "rep.south@vendor.example",
        "Sofia South",
        Role::Rep,
        None,
        &hash,
        now,
    )?;
    for rep in [&north, &south] {
        routing::save_profile(
            conn,
            &RepProfile {
                user_id: rep.id,
                available: true,
                out_of_office_until: None,
                manager_user_id: Some(admin.id),
                calendar: routing::DEFAULT_HOURS.into(),
                holidays: String::new(),
            },
        )?;
    }
    let pool = routing::create_pool(conn, "Everyone", true, now - TimeDelta::days(120))?;
    routing::set_pool_members(conn, pool, &[north.id, south.id])?;
    // The demo vendor counts months in its own zone, the one its users see times in.
    let mut program = crate::db::settings::load(conn)?;
    program.time_zone = "Europe/Berlin".into();
    crate::db::settings::save(conn, &program)?;
    // Tiers and reward rules first, so the pipeline below earns rewards as it would live.
    tiers::seed(conn, now, admin.id)?;

    let mut partners = Vec::new();
    for (name, country, domain, people) in ORGANISATIONS {
        let org = accounts::insert_organisation(
            conn,
            &NewOrganisation {
                name,
                country: Some(country),
                default_phone_country: country,
                created_at: db_time(now - TimeDelta::days(120)),
            },
        )?;
        let mut users = Vec::new();
        for (i, (first, last)) in people.iter().enumerate() {
            let role = if i == 0 {
                Role::PartnerOwner
            } else {
                Role::PartnerMember
            };
            let email = format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase());
            let user = create_user(
                conn,
                &email,
                &format!("{first} {last}"),
                role,
                Some(org.id),
                &hash,
                now,
            )?;
            users.push(user.id);
        }
        partners.push((org.id, users));
    }
    for (name, domain) in CUSTOMERS {
        referrals::insert_customer(conn, name, &normalise_company_name(name), Some(domain), now)?;
    }

    let mut created = Vec::new();
    // Oldest first, so ids grow with time as they do in real use.
    for (i, prospect) in prospects().into_iter().enumerate().rev() {
        let (org, users) = &partners[i % partners.len()];
        let submitter = Submitter {
            user_id: users[i % users.len()],
            organisation_id: *org,
        };
        // About three months of history (inside the 90-day protection window), so the older
        // rewards have finished their 30-day holding period.
        let when = now - TimeDelta::hours(2 + (i as i64) * 36);
        let env = IntakeEnv {
            now: when,
            referral_link_base: "/partner/referrals/".into(),
            client_addr: "demo".into(),
            notify_submitter: false,
        };
        let settings = IntakeSettings::load(conn, *org)?;
        if let Outcome::Created(r) = pipeline::submit(
            conn,
            submitter,
            &prospect,
            IntakeMode::Form,
            &settings,
            &env,
        )? {
            created.push((r.id, when));
        }
    }
    // Decide most of them, oldest first, so every status is represented.
    for (n, (id, when)) in created.iter().enumerate() {
        let (decision, note) = match n % 6 {
            0 | 1 => (
                Some(Decision::Accept),
                Some("Good fit for the mid-market team."),
            ),
            2 => (Some(Decision::Accept), None),
            3 => (
                Some(Decision::Reject),
                Some("Outside our target market for now."),
            ),
            4 if n % 12 == 4 => (
                Some(Decision::MarkDuplicate),
                Some("Already in talks through direct sales."),
            ),
            _ => (None, None),
        };
        if let Some(decision) = decision {
            let decided = *when + (now - *when) / 4;
            let actor = Actor {
                user_id: admin.id,
                client_addr: "demo",
                now: decided,
                partner_link_base: "/partner/referrals/",
                rep_link_base: "/rep/referrals/",
            };
            review::decide(conn, *id, decision, note, None, &actor)?;
            if decision == Decision::Accept {
                work_the_pipeline(conn, *id, n, decided, now)?;
            }
        }
    }
    // A few attempts that first-to-register protection blocks, for the conflicts page.
    for (i, prospect) in prospects().into_iter().take(4).enumerate() {
        let (org, users) = &partners[(i + 1) % partners.len()];
        let env = IntakeEnv {
            now: now - TimeDelta::hours(1),
            referral_link_base: "/partner/referrals/".into(),
            client_addr: "demo".into(),
            notify_submitter: false,
        };
        let settings = IntakeSettings::load(conn, *org)?;
        let submitter = Submitter {
            user_id: users[0],
            organisation_id: *org,
        };
        pipeline::submit(
            conn,
            submitter,
            &prospect,
            IntakeMode::Form,
            &settings,
            &env,
        )?;
    }
    rewards::seed(conn, now, admin.id)?;
    payouts::seed(conn, now, admin.id)?;
    crate::db::outbox::mark_all_sent(conn, now)?;
    Ok(true)
}

/// Moves an accepted demo referral some way down the pipeline, as its rep would.
fn work_the_pipeline(
    conn: &mut AnyConnection,
    id: i64,
    n: usize,
    accepted: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), SetupError> {
    let Some(referral) = referrals::find(conn, id)? else {
        return Ok(());
    };
    let Some(rep) = referral.assigned_rep_id else {
        return Ok(());
    };
    let eur = |major: i64| Money::new(major * 100, Currency::EUR);
    let plan: Vec<Step> = match n % 7 {
        0 => vec![],
        1 => vec![Step::FirstContact {
            channel: "phone".into(),
            at: accepted,
        }],
        2 => vec![
            Step::FirstContact {
                channel: "email".into(),
                at: accepted,
            },
            Step::MeetingBooked,
        ],
        3 => vec![
            Step::FirstContact {
                channel: "phone".into(),
                at: accepted,
            },
            Step::MeetingBooked,
            Step::Opportunity {
                expected_value: eur(24_000),
            },
        ],
        4 | 5 => vec![
            Step::FirstContact {
                channel: "meeting".into(),
                at: accepted,
            },
            Step::MeetingBooked,
            Step::Opportunity {
                expected_value: eur(15_000),
            },
            Step::Won {
                deal_value: eur(12_500 + (n as i64) * 100),
            },
        ],
        _ => vec![
            Step::FirstContact {
                channel: "phone".into(),
                at: accepted,
            },
            Step::Lost {
                reason: "Chose to stay with their current supplier.".into(),
            },
        ],
    };
    // Reps move fast: a step every 36 hours at most, so older deals closed long enough ago
    // for their rewards to be approvable and paid.
    let span = ((now - accepted) / (plan.len() as i32 + 1)).min(TimeDelta::hours(36));
    for (k, step) in plan.into_iter().enumerate() {
        let at = accepted + span * (k as i32 + 1);
        let step = match step {
            Step::FirstContact { channel, .. } => Step::FirstContact { channel, at },
            other => other,
        };
        let ctx = StepContext {
            rep_user_id: rep,
            client_addr: "demo",
            now: at,
            note: Some("Progress logged by the rep."),
            share_note: k % 2 == 0,
            partner_link_base: "/partner/referrals/",
        };
        stages::take_step(conn, id, &step, &ctx)?;
    }
    Ok(())
}

type Person = (&'static str, &'static str);

const ORGANISATIONS: [(&str, &str, &str, &[Person]); 3] = [
    (
        "Brightpath Consulting",
        "GB",
        "brightpath-demo.example",
        &[("Paula", "Weber"), ("Tom", "Hughes")],
    ),
    (
        "Nordlicht IT GmbH",
        "DE",
        "nordlicht-demo.example",
        &[("Jonas", "Lund"), ("Mara", "Keller"), ("Felix", "Brandt")],
    ),
    (
        "Solis Advisory",
        "ES",
        "solis-demo.example",
        &[("Lucia", "Ortega"), ("Diego", "Marin")],
    ),
];

const CUSTOMERS: [(&str, &str); 2] = [
    ("Northwind Traders Ltd", "northwind-traders-example.co.uk"),
    ("Acme Widgets", "acme-widgets-example.ltd.uk"),
];

const FIRST: [&str; 12] = [
    "Lena", "Tomás", "Émile", "Ünal", "Dana", "Noor", "Amir", "Grace", "Hiro", "Ines", "Olek",
    "Priya",
];
const LAST: [&str; 10] = [
    "Vogt", "Ortega", "Faure", "Kaya", "Kowalski", "Haddad", "Rahimi", "Okafor", "Tanaka", "Silva",
];
const COMPANIES: [(&str, &str, &str); 10] = [
    ("Beispiel Logistik GmbH", "beispiel-logistik-demo.de", "DE"),
    ("Crème Logistique SARL", "creme-logistique-demo.fr", "FR"),
    ("Kaya Außenhandel GmbH", "kaya-aussenhandel-demo.de", "DE"),
    ("Harbour Foods Ltd", "harbour-foods-demo.co.uk", "GB"),
    ("Ortega & Hijos S.L.", "ortega-hijos-demo.es", "ES"),
    ("Tanaka Precision", "tanaka-precision-demo.jp", "JP"),
    ("Silva Health Clinics", "silva-health-demo.pt", "PT"),
    ("Okafor Energy", "okafor-energy-demo.ng", "NG"),
    ("Rahimi Textiles", "rahimi-textiles-demo.com", "US"),
    ("Haddad Optics", "haddad-optics-demo.com", "US"),
];
const TITLES: [&str; 5] = [
    "Chief Operating Officer",
    "VP Sales",
    "Head of Finance",
    "IT Manager",
    "Buyer",
];
const PAINS: [&str; 4] = [
    "Orders are typed in by hand from email; errors cost them a day a week.",
    "Their current tool is end-of-life next year.",
    "They are opening two new sites and need one view of stock.",
    "Payment delays of ±10 days; they want automatic reminders.",
];

fn prospects() -> Vec<RawReferral> {
    (0..60)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / 2) % LAST.len()];
            let (company, domain, country) = COMPANIES[i % COMPANIES.len()];
            let local = format!("{}.{}{}", first.to_lowercase(), last.to_lowercase(), i);
            RawReferral {
                first_name: first.into(),
                last_name: last.into(),
                email: format!("{local}@{domain}"),
                phone: if i % 3 == 0 { format!("+44 20 7946 0{i:03}") } else { String::new() },
                title: TITLES[i % TITLES.len()].into(),
                company: format!("{company}{}", if i >= 10 { format!(" {}", i / 10) } else { String::new() }),
                website: format!("https://www.{}", domain.replacen("-demo", &format!("-demo{}", i / 10), 1)),
                country: country.into(),
                relationship: "Worked together on a rollout last year; they asked for an introduction.".into(),
                strength: ((i % 5) + 1).to_string(),
                pain: PAINS[i % PAINS.len()].into(),
                urgency: ["now", "this_quarter", "later"][i % 3].into(),
                deal_size: format!("{}", 5_000 + (i * 1_250)),
                consent: true,
            }
        })
        .collect()
}
