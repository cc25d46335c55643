//! Sales regions as fixed lists of countries, so a routing rule can say "DACH" instead of three codes.
//!
//! These are sales-territory conventions, not political definitions: the EU list is the 27 member
//! states, NA is the United States and Canada (Mexico is in LATAM), UK&I includes the Crown
//! Dependencies, and APAC covers East, South-East and South Asia and Oceania.

use std::fmt;
use std::str::FromStr;

/// A named group of countries a routing rule can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Region {
    /// The 27 member states of the European Union.
    #[serde(rename = "EU")]
    Eu,
    /// Germany, Austria and Switzerland.
    #[serde(rename = "DACH")]
    Dach,
    /// Denmark, Finland, Iceland, Norway and Sweden.
    #[serde(rename = "NORDICS")]
    Nordics,
    /// The United Kingdom, Ireland, the Isle of Man, Jersey and Guernsey.
    #[serde(rename = "UKI")]
    UkAndIreland,
    /// The United States and Canada.
    #[serde(rename = "NA")]
    NorthAmerica,
    /// Mexico, Central and South America and the Spanish-, Portuguese- and French-speaking
    /// Caribbean.
    #[serde(rename = "LATAM")]
    LatinAmerica,
    /// Asia-Pacific.
    #[serde(rename = "APAC")]
    AsiaPacific,
}

/// A region name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose a region: EU, DACH, NORDICS, UK&I, NA, LATAM or APAC")]
pub struct RegionError;

const EU: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];
const DACH: &[&str] = &["AT", "CH", "DE"];
const NORDICS: &[&str] = &["DK", "FI", "IS", "NO", "SE"];
const UKI: &[&str] = &["GB", "GG", "IE", "IM", "JE"];
const NA: &[&str] = &["CA", "US"];
const LATAM: &[&str] = &[
    "AR", "BO", "BR", "CL", "CO", "CR", "CU", "DO", "EC", "GT", "HN", "HT", "MX", "NI", "PA", "PE",
    "PR", "PY", "SV", "UY", "VE",
];
const APAC: &[&str] = &[
    "AU", "BD", "BN", "CN", "FJ", "HK", "ID", "IN", "JP", "KH", "KR", "LA", "LK", "MM", "MN", "MO",
    "MY", "NP", "NZ", "PG", "PH", "PK", "SG", "TH", "TW", "VN",
];

impl Region {
    /// Every region, in the order shown in forms.
    pub const ALL: [Region; 7] = [
        Region::Eu,
        Region::Dach,
        Region::Nordics,
        Region::UkAndIreland,
        Region::NorthAmerica,
        Region::LatinAmerica,
        Region::AsiaPacific,
    ];

    /// Stable storage name, e.g. `UKI`; the same as the JSON form.
    pub fn as_str(&self) -> &'static str {
        match self {
            Region::Eu => "EU",
            Region::Dach => "DACH",
            Region::Nordics => "NORDICS",
            Region::UkAndIreland => "UKI",
            Region::NorthAmerica => "NA",
            Region::LatinAmerica => "LATAM",
            Region::AsiaPacific => "APAC",
        }
    }

    /// Human label, e.g. `UK & Ireland`.
    pub fn label(&self) -> &'static str {
        match self {
            Region::Eu => "European Union",
            Region::Dach => "DACH",
            Region::Nordics => "Nordics",
            Region::UkAndIreland => "UK & Ireland",
            Region::NorthAmerica => "North America",
            Region::LatinAmerica => "Latin America",
            Region::AsiaPacific => "Asia-Pacific",
        }
    }

    /// The region's ISO 3166-1 alpha-2 codes, sorted.
    pub fn countries(&self) -> &'static [&'static str] {
        match self {
            Region::Eu => EU,
            Region::Dach => DACH,
            Region::Nordics => NORDICS,
            Region::UkAndIreland => UKI,
            Region::NorthAmerica => NA,
            Region::LatinAmerica => LATAM,
            Region::AsiaPacific => APAC,
        }
    }

    /// Whether the country code (any case) is in the region.
    pub fn contains(&self, code: &str) -> bool {
        let code = code.trim();
        self.countries()
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
    }
}

impl FromStr for Region {
    type Err = RegionError;

    /// Reads a storage name in any case; `UK&I` is accepted for `UKI`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_uppercase().replace('&', "");
        Region::ALL
            .into_iter()
            .find(|region| region.as_str() == name)
            .ok_or(RegionError)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
