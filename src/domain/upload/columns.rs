//! Which of our fields each column of a file holds. Headers match case-, space- and
//! punctuation-insensitively against our names and the names CRM and spreadsheet exports use
//! ("First Name", "E-mail Address", "Mobile Phone", …). What cannot be matched is mapped by
//! the user, or ignored.

use crate::domain::intake::RawReferral;
use crate::domain::text::trim_field;

/// A field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    ReferrerEmail,
    /// First and last name in one cell, split at the last space.
    FullName,
    FirstName,
    LastName,
    Email,
    Phone,
    Title,
    Company,
    Website,
    Country,
    Relationship,
    Strength,
    Pain,
    Urgency,
    DealSize,
}

impl Column {
    pub const ALL: [Column; 15] = [
        Self::ReferrerEmail,
        Self::FullName,
        Self::FirstName,
        Self::LastName,
        Self::Email,
        Self::Phone,
        Self::Title,
        Self::Company,
        Self::Website,
        Self::Country,
        Self::Relationship,
        Self::Strength,
        Self::Pain,
        Self::Urgency,
        Self::DealSize,
    ];

    /// The stored name, which is also the header of the template.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReferrerEmail => "referrer_email",
            Self::FullName => "prospect_name",
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Email => "prospect_email",
            Self::Phone => "prospect_phone",
            Self::Title => "title",
            Self::Company => "company",
            Self::Website => "company_website",
            Self::Country => "country",
            Self::Relationship => "relationship_context",
            Self::Strength => "strength",
            Self::Pain => "pain_opportunity",
            Self::Urgency => "urgency",
            Self::DealSize => "deal_size",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    /// A label for the mapping step.
    pub fn label(self) -> &'static str {
        match self {
            Self::ReferrerEmail => "Referrer's email (your colleague)",
            Self::FullName => "Prospect's full name",
            Self::FirstName => "Prospect's first name",
            Self::LastName => "Prospect's last name",
            Self::Email => "Prospect's email",
            Self::Phone => "Prospect's phone",
            Self::Title => "Job title",
            Self::Company => "Company",
            Self::Website => "Company website",
            Self::Country => "Country",
            Self::Relationship => "How you know them",
            Self::Strength => "Relationship strength (1–5)",
            Self::Pain => "Pain or opportunity",
            Self::Urgency => "Urgency",
            Self::DealSize => "Estimated deal size",
        }
    }

    /// Header keys (see [`header_key`]) that mean this field.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::ReferrerEmail => &["referreremail", "referrer", "partneremail", "submittedby"],
            Self::FullName => &["prospectname", "name", "fullname", "contactname", "contact"],
            Self::FirstName => &["firstname", "prospectfirstname", "givenname", "forename"],
            Self::LastName => &["lastname", "prospectlastname", "surname", "familyname"],
            Self::Email => &[
                "prospectemail",
                "email",
                "emailaddress",
                "mail",
                "workemail",
                "businessemail",
                "contactemail",
            ],
            Self::Phone => &[
                "prospectphone",
                "phone",
                "phonenumber",
                "mobile",
                "mobilephone",
                "mobilenumber",
                "businessphone",
                "workphone",
                "telephone",
                "tel",
            ],
            Self::Title => &["title", "jobtitle", "position", "role"],
            Self::Company => &[
                "company",
                "companyname",
                "account",
                "accountname",
                "organisation",
                "organization",
                "employer",
            ],
            Self::Website => &[
                "companywebsite",
                "website",
                "web",
                "webpage",
                "url",
                "companyurl",
                "domain",
            ],
            Self::Country => &["country", "countrycode", "countryregion"],
            Self::Relationship => &[
                "relationshipcontext",
                "relationship",
                "context",
                "howyouknowthem",
                "notes",
            ],
            Self::Strength => &["strength", "relationshipstrength"],
            Self::Pain => &[
                "painopportunity",
                "pain",
                "opportunity",
                "painpoint",
                "need",
            ],
            Self::Urgency => &["urgency", "timeline", "timeframe"],
            Self::DealSize => &["dealsize", "estimateddealsize", "dealvalue", "amount"],
        }
    }
}

/// A header reduced for matching: lower case, without spaces, `_`, `-`, `.`, `/` and invisible
/// characters, so "E-mail Address", "email_address" and "EmailAddress" agree.
pub fn header_key(header: &str) -> String {
    trim_field(header)
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-' | '.' | '/' | '\u{FEFF}')))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field a header names, if we know it.
pub fn match_header(header: &str) -> Option<Column> {
    let key = header_key(header);
    Column::ALL
        .into_iter()
        .find(|c| c.aliases().contains(&key.as_str()))
}

/// Splits one name cell into first and last name at the last space.
pub fn split_name(full: &str) -> (String, String) {
    let full = trim_field(full);
    match full.rfind(char::is_whitespace) {
        Some(at) => {
            let (first, last) = full.split_at(at);
            (trim_field(first).to_owned(), trim_field(last).to_owned())
        }
        None => (full.to_owned(), String::new()),
    }
}

/// A row of the file as intake sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MappedRow {
    pub referrer_email: String,
    pub raw: RawReferral,
}

/// For each column of the file, the field it fills (`None`: ignored).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mapping(pub Vec<Option<Column>>);

impl Mapping {
    /// Stored form: the column names, `""` for an ignored column.
    pub fn to_names(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|c| c.map(Column::as_str).unwrap_or("").to_owned())
            .collect()
    }

    pub fn from_names(names: &[String]) -> Self {
        Self(names.iter().map(|n| Column::parse(n)).collect())
    }

    /// What is wrong with the mapping as a whole; empty when rows can be read with it.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for column in Column::ALL {
            if self.0.iter().filter(|c| **c == Some(column)).count() > 1 {
                problems.push(format!("Only one column can hold \"{}\"", column.label()));
            }
        }
        let has = |c: Column| self.0.contains(&Some(c));
        if !has(Column::Company) {
            problems.push("Choose the column that holds the company".into());
        }
        let named = has(Column::FullName) || (has(Column::FirstName) && has(Column::LastName));
        if !named {
            problems.push(
                "Choose the column with the prospect's full name, or both first and last name"
                    .into(),
            );
        }
        if !has(Column::Email) && !has(Column::Phone) {
            problems.push("Choose the column with the prospect's email or phone".into());
        }
        problems
    }

    /// Reads one record with this mapping. Missing cells are empty; explicit first and last
    /// name columns win over a full-name column.
    pub fn apply(&self, cells: &[String]) -> MappedRow {
        let mut row = MappedRow::default();
        let mut full_name = None;
        for (column, cell) in self.0.iter().zip(cells) {
            let Some(column) = column else { continue };
            let value = cell.clone();
            let raw = &mut row.raw;
            match column {
                Column::ReferrerEmail => row.referrer_email = value,
                Column::FullName => full_name = Some(value),
                Column::FirstName => raw.first_name = value,
                Column::LastName => raw.last_name = value,
                Column::Email => raw.email = value,
                Column::Phone => raw.phone = value,
                Column::Title => raw.title = value,
                Column::Company => raw.company = value,
                Column::Website => raw.website = value,
                Column::Country => raw.country = value,
                Column::Relationship => raw.relationship = value,
                Column::Strength => raw.strength = value,
                Column::Pain => raw.pain = value,
                Column::Urgency => raw.urgency = value,
                Column::DealSize => raw.deal_size = value,
            }
        }
        if let Some(full) = full_name
            && trim_field(&row.raw.first_name).is_empty()
            && trim_field(&row.raw.last_name).is_empty()
        {
            let (first, last) = split_name(&full);
            row.raw.first_name = first;
            row.raw.last_name = last;
        }
        // One statement of consent covers the whole file.
        row.raw.consent = true;
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crm_export_headers_match_our_fields() {
        for (header, expected) in [
            ("\u{FEFF}referrer_email", Column::ReferrerEmail),
            ("First Name", Column::FirstName),
            ("LAST_NAME", Column::LastName),
            ("E-mail Address", Column::Email),
            ("Mobile Phone", Column::Phone),
            (" Company ", Column::Company),
            ("Website", Column::Website),
            ("Job Title", Column::Title),
            ("prospect_name", Column::FullName),
            ("Pain / Opportunity", Column::Pain),
        ] {
            assert_eq!(match_header(header), Some(expected), "{header:?}");
        }
        assert_eq!(match_header("Lead Source"), None);
    }

    #[test]
    fn a_full_name_is_split_at_the_last_space() {
        assert_eq!(
            split_name(" Anna Maria  Schmidt "),
            ("Anna Maria".into(), "Schmidt".into())
        );
        assert_eq!(
            split_name("Tomás Ortega"),
            ("Tomás".into(), "Ortega".into())
        );
        assert_eq!(split_name("Cher"), ("Cher".into(), String::new()));
    }

    #[test]
    fn a_mapping_without_company_or_contact_names_what_is_missing() {
        let mapping = Mapping(vec![Some(Column::FullName), None, Some(Column::FullName)]);
        let problems = mapping.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn a_row_is_read_through_the_mapping_with_consent_for_the_file() {
        let mapping = Mapping(vec![
            Some(Column::ReferrerEmail),
            Some(Column::FullName),
            None,
            Some(Column::Company),
        ]);
        let cells: Vec<String> = ["me@partner.example", "Lena Vogt", "ignored", "Beispiel"]
            .map(String::from)
            .to_vec();
        let row = mapping.apply(&cells);
        assert_eq!(row.referrer_email, "me@partner.example");
        assert_eq!(row.raw.first_name, "Lena");
        assert_eq!(row.raw.last_name, "Vogt");
        assert_eq!(row.raw.company, "Beispiel");
        assert!(row.raw.consent);
        let short = mapping.apply(&["x@y.example".to_owned()]);
        assert_eq!(short.raw.company, "");
    }
}
