//! Repeats inside one file: a later row about the same prospect as an earlier valid row (same
//! email, else phone, else name at the same company) is a repeat, not a second referral.

use std::collections::HashMap;

use crate::domain::dedupe::ProspectIdentity;

/// The identities seen so far in a file, each with the row that brought it.
#[derive(Debug, Default, Clone)]
pub struct InFileRepeats {
    emails: HashMap<String, u64>,
    phones: HashMap<String, u64>,
    names: HashMap<String, u64>,
}

impl InFileRepeats {
    pub fn new() -> Self {
        Self::default()
    }

    /// The earlier row this identity repeats, if any.
    pub fn earlier(&self, identity: &ProspectIdentity) -> Option<u64> {
        let find = |map: &HashMap<String, u64>, key: &Option<String>| {
            key.as_ref()
                .filter(|k| !k.is_empty())
                .and_then(|k| map.get(k).copied())
        };
        find(&self.emails, &identity.email_key)
            .or_else(|| find(&self.phones, &identity.phone_key))
            .or_else(|| find(&self.names, &identity.name_key))
    }

    /// Remembers the identity of `row`; earlier rows keep their keys.
    pub fn remember(&mut self, identity: &ProspectIdentity, row: u64) {
        let put = |map: &mut HashMap<String, u64>, key: &Option<String>| {
            if let Some(k) = key.as_ref().filter(|k| !k.is_empty()) {
                map.entry(k.clone()).or_insert(row);
            }
        };
        put(&mut self.emails, &identity.email_key);
        put(&mut self.phones, &identity.phone_key);
        put(&mut self.names, &identity.name_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: Option<&str>, phone: Option<&str>, name: &str) -> ProspectIdentity {
        ProspectIdentity {
            email_key: email.map(str::to_owned),
            phone_key: phone.map(str::to_owned),
            name_key: Some(name.to_owned()),
            ..ProspectIdentity::default()
        }
    }

    #[test]
    fn a_later_row_with_the_same_email_phone_or_name_repeats_the_first() {
        let mut seen = InFileRepeats::new();
        seen.remember(&identity(Some("a@x.example"), None, "ann lee|x.example"), 1);
        seen.remember(&identity(None, Some("+447700900123"), "bo kim|acme"), 2);

        let same_email = identity(Some("a@x.example"), None, "other|y");
        assert_eq!(seen.earlier(&same_email), Some(1));
        let same_phone = identity(Some("new@x.example"), Some("+447700900123"), "z|z");
        assert_eq!(seen.earlier(&same_phone), Some(2));
        let same_name = identity(None, None, "bo kim|acme");
        assert_eq!(seen.earlier(&same_name), Some(2));
        assert_eq!(
            seen.earlier(&identity(Some("b@x.example"), None, "c|d")),
            None
        );
    }

    #[test]
    fn the_first_row_keeps_its_keys_when_a_repeat_is_remembered() {
        let mut seen = InFileRepeats::new();
        seen.remember(&identity(Some("a@x.example"), None, "n|c"), 3);
        seen.remember(&identity(Some("a@x.example"), None, "n|c"), 7);
        assert_eq!(
            seen.earlier(&identity(Some("a@x.example"), None, "q|r")),
            Some(3)
        );
    }
}
