//! Job titles mapped to a rough seniority level, with basic German, French, Spanish and Italian.

use std::fmt;
use std::str::FromStr;

use super::text::fold_accents_lower;

/// A stored seniority value that is not one of the known names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown seniority level")]
pub struct SeniorityError;

/// How senior a prospect is, guessed from their job title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seniority {
    /// C-level, founder, owner, president, managing director, Geschäftsführer, directeur général.
    Executive,
    /// Vice president (VP, SVP, EVP).
    VicePresident,
    /// Director, head of a function, directeur, Leiter.
    Director,
    /// Manager, team lead, supervisor.
    Manager,
    /// Engineer, analyst, consultant, account executive and other non-managers.
    IndividualContributor,
    /// No title, or a title we cannot place.
    Unknown,
}

impl Seniority {
    /// Every level, most senior first.
    pub const ALL: [Seniority; 6] = [
        Seniority::Executive,
        Seniority::VicePresident,
        Seniority::Director,
        Seniority::Manager,
        Seniority::IndividualContributor,
        Seniority::Unknown,
    ];

    /// Stable storage name, e.g. `vice_president`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Seniority::Executive => "executive",
            Seniority::VicePresident => "vice_president",
            Seniority::Director => "director",
            Seniority::Manager => "manager",
            Seniority::IndividualContributor => "individual_contributor",
            Seniority::Unknown => "unknown",
        }
    }

    /// Human label, e.g. `Vice president`.
    pub fn label(&self) -> &'static str {
        match self {
            Seniority::Executive => "Executive",
            Seniority::VicePresident => "Vice president",
            Seniority::Director => "Director",
            Seniority::Manager => "Manager",
            Seniority::IndividualContributor => "Individual contributor",
            Seniority::Unknown => "Unknown",
        }
    }
}

impl FromStr for Seniority {
    type Err = SeniorityError;

    /// Reads a storage name written by [`Seniority::as_str`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Seniority::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or(SeniorityError)
    }
}

impl fmt::Display for Seniority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Phrases (space-separated, accent-free) meaning a personal assistant, not the boss.
const ASSISTANT_PHRASES: &[&str] = &[
    "assistant to",
    "assistant of",
    "executive assistant",
    "personal assistant",
    "assistant de direction",
    "assistente di direzione",
];

const EXECUTIVE_PHRASES: &[&str] = &[
    "managing director",
    "managing partner",
    "director general",
    "general director",
    "directeur general",
    "directrice generale",
    "director ejecutivo",
    "directora general",
    "direttore generale",
    "amministratore delegato",
    "consejero delegado",
    "board member",
];

const EXECUTIVE_WORDS: &[&str] = &[
    "ceo",
    "cfo",
    "cto",
    "coo",
    "cmo",
    "cio",
    "ciso",
    "cro",
    "cpo",
    "cso",
    "cdo",
    "cco",
    "chro",
    "cxo",
    "chief",
    "founder",
    "cofounder",
    "owner",
    "president",
    "presidente",
    "chairman",
    "chairwoman",
    "chairperson",
    "chair",
    "proprietor",
    "geschaftsfuhrer",
    "geschaftsfuhrerin",
    "geschaeftsfuehrer",
    "geschaeftsfuehrerin",
    "inhaber",
    "inhaberin",
    "grunder",
    "grunderin",
    "mitgrunder",
    "vorstand",
    "vorstandsvorsitzender",
    "fondateur",
    "fondatrice",
    "pdg",
    "dg",
    "gerant",
    "gerante",
    "proprietaire",
    "fundador",
    "fundadora",
    "propietario",
    "propietaria",
    "titolare",
    "fondatore",
];

const VP_PHRASES: &[&str] = &["vice president", "vice presidente", "vice presidenta"];
const VP_WORDS: &[&str] = &[
    "vp",
    "svp",
    "evp",
    "avp",
    "vicepresident",
    "vizeprasident",
    "vizeprasidentin",
];

const DIRECTOR_PHRASES: &[&str] = &["head of"];
const DIRECTOR_WORDS: &[&str] = &[
    "director",
    "directora",
    "directeur",
    "directrice",
    "direktor",
    "direktorin",
    "direttore",
    "direttrice",
    "head",
    "leiter",
    "leiterin",
    "bereichsleiter",
    "abteilungsleiter",
    "prokurist",
];

const MANAGER_PHRASES: &[&str] = &["team lead", "chef de", "chef d", "jefe de", "jefa de"];
const MANAGER_WORDS: &[&str] = &[
    "manager",
    "mgr",
    "lead",
    "supervisor",
    "gerente",
    "responsable",
    "teamleiter",
    "teamleiterin",
    "gruppenleiter",
    "gruppenleiterin",
    "manageur",
    "foreman",
    "superintendent",
];

const CONTRIBUTOR_WORDS: &[&str] = &[
    "engineer",
    "developer",
    "analyst",
    "specialist",
    "consultant",
    "associate",
    "assistant",
    "representative",
    "rep",
    "coordinator",
    "administrator",
    "accountant",
    "designer",
    "architect",
    "scientist",
    "officer",
    "agent",
    "executive",
    "clerk",
    "intern",
    "trainee",
    "technician",
    "buyer",
    "planner",
    "advisor",
    "adviser",
    "sachbearbeiter",
    "sachbearbeiterin",
    "berater",
    "beraterin",
    "ingenieur",
    "ingenieurin",
    "referent",
    "referentin",
    "mitarbeiter",
    "mitarbeiterin",
    "employee",
    "editor",
    "writer",
    "recruiter",
    "lawyer",
    "attorney",
    "paralegal",
    "programmer",
    "tester",
    "operator",
    "secretary",
    "receptionist",
    "salesperson",
    "ingeniero",
    "ingegnere",
    "tecnico",
    "commercial",
    "charge",
    "chargee",
];

/// Guesses the seniority of a job title such as `VP Sales` or `Geschäftsführer`.
///
/// Matching is on whole words after accents are folded, checked from most to
/// least senior, so "Vice President" is not mistaken for "President" and an
/// "Account Executive" is an individual contributor.
pub fn seniority_of(title: &str) -> Seniority {
    let folded = fold_accents_lower(title);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Seniority::Unknown;
    }
    let joined = format!(" {} ", words.join(" "));
    let has_phrase = |phrases: &[&str]| phrases.iter().any(|p| joined.contains(&format!(" {p} ")));
    let has_word = |list: &[&str]| words.iter().any(|w| list.contains(w));

    if has_phrase(ASSISTANT_PHRASES) {
        Seniority::IndividualContributor
    } else if has_phrase(VP_PHRASES) || has_word(VP_WORDS) {
        Seniority::VicePresident
    } else if has_phrase(EXECUTIVE_PHRASES) || has_word(EXECUTIVE_WORDS) {
        Seniority::Executive
    } else if has_phrase(MANAGER_PHRASES) || has_word(&["teamleiter", "gruppenleiter"]) {
        Seniority::Manager
    } else if has_phrase(DIRECTOR_PHRASES) || has_word(DIRECTOR_WORDS) {
        Seniority::Director
    } else if has_word(MANAGER_WORDS) {
        Seniority::Manager
    } else if has_word(CONTRIBUTOR_WORDS) {
        Seniority::IndividualContributor
    } else {
        Seniority::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_map_to_seniority() {
        use Seniority::*;
        let cases: &[(&str, Seniority)] = &[
            ("CEO", Executive),
            ("Chief Revenue Officer", Executive),
            ("Co-Founder & CTO", Executive),
            ("Owner", Executive),
            ("President", Executive),
            ("Managing Director", Executive),
            ("Geschäftsführer", Executive),
            ("Geschäftsführerin", Executive),
            ("GESCHAEFTSFUEHRER", Executive),
            ("Directeur Général", Executive),
            ("PDG", Executive),
            ("Vice President, Sales", VicePresident),
            ("SVP Engineering", VicePresident),
            ("Vice-President Marketing", VicePresident),
            ("Executive Vice President", VicePresident),
            ("Director of Operations", Director),
            ("Directeur des opérations", Director),
            ("Head of Procurement", Director),
            ("Leiter Vertrieb", Director),
            ("Sales Director EMEA", Director),
            ("Teamleiter IT", Manager),
            ("Chef de projet", Manager),
            ("Product Manager", Manager),
            ("Engineering Lead", Manager),
            ("Account Executive", IndividualContributor),
            ("Executive Assistant to the CEO", IndividualContributor),
            ("Software Engineer", IndividualContributor),
            ("Compliance Officer", IndividualContributor),
            ("Sachbearbeiterin", IndividualContributor),
            ("", Unknown),
            ("  ", Unknown),
            ("Procurement", Unknown),
            ("\"><img src=x onerror=alert(1)>", Unknown),
        ];
        for (title, expected) in cases {
            assert_eq!(seniority_of(title), *expected, "{title:?}");
        }
    }

    #[test]
    fn storage_names_round_trip() {
        for level in Seniority::ALL {
            assert_eq!(level.as_str().parse::<Seniority>(), Ok(level));
        }
        assert_eq!("boss".parse::<Seniority>(), Err(SeniorityError));
        assert_eq!(Seniority::VicePresident.label(), "Vice president");
    }
}
