//! First to register wins, for a whole chunk of upload rows at once: the referrals that could
//! protect any of the chunk's prospects are read in one look-up per kind of key, then each
//! row is matched in memory exactly as the form's check matches one submission (the oldest
//! open referral with a matching key wins).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::QueryResult;

use crate::db::AnyConnection;
use crate::db::intake_bulk::{self, KeySets, Protector};
use crate::domain::{MatchReason, ProspectIdentity, conflict_reason};

/// The open referrals sharing a key with a chunk's rows, indexed by key.
pub(super) struct Protectors {
    rows: Vec<Protector>,
    by_key: [HashMap<String, Vec<usize>>; 4],
}

fn keys_of(identity: &ProspectIdentity) -> impl Iterator<Item = (usize, &String)> {
    [
        (0, &identity.email_key),
        (1, &identity.phone_key),
        (2, &identity.name_key),
        (3, &identity.company_domain),
    ]
    .into_iter()
    .filter_map(|(kind, key)| key.as_ref().filter(|k| !k.is_empty()).map(|k| (kind, k)))
}

impl Protectors {
    /// Loads the protectors of the given (identity, organisation) pairs.
    pub(super) fn load<'a>(
        conn: &mut AnyConnection,
        rows: impl Iterator<Item = (&'a ProspectIdentity, i64)>,
        now: DateTime<Utc>,
    ) -> QueryResult<Self> {
        let mut keys = KeySets::default();
        let mut orgs = Vec::new();
        for (identity, org) in rows {
            if !orgs.contains(&org) {
                orgs.push(org);
            }
            for (kind, key) in keys_of(identity) {
                let list = match kind {
                    0 => &mut keys.emails,
                    1 => &mut keys.phones,
                    2 => &mut keys.names,
                    _ => &mut keys.domains,
                };
                list.push(key.clone());
            }
        }
        for list in [
            &mut keys.emails,
            &mut keys.phones,
            &mut keys.names,
            &mut keys.domains,
        ] {
            list.sort_unstable();
            list.dedup();
        }
        // An upload has one organisation; its own referrals never protect a company domain
        // against it, so they need not be read.
        let domain_org = match orgs.as_slice() {
            [org] => Some(*org),
            _ => None,
        };
        let rows = intake_bulk::protectors(conn, &keys, domain_org, now)?;
        let mut by_key: [HashMap<String, Vec<usize>>; 4] = Default::default();
        for (i, p) in rows.iter().enumerate() {
            for (kind, key) in [
                (0, &p.email_key),
                (1, &p.phone_key),
                (2, &p.name_key),
                (3, &p.company_domain),
            ] {
                if let Some(key) = key.as_ref().filter(|k| !k.is_empty()) {
                    by_key[kind].entry(key.clone()).or_default().push(i);
                }
            }
        }
        Ok(Self { rows, by_key })
    }

    /// The oldest open referral protecting `identity` against organisation `org`, and why.
    pub(super) fn first(
        &self,
        identity: &ProspectIdentity,
        org: i64,
    ) -> Option<(&Protector, MatchReason)> {
        keys_of(identity)
            .filter_map(|(kind, key)| self.by_key[kind].get(key.as_str()))
            .flatten()
            .map(|&i| &self.rows[i])
            .filter_map(|p| {
                let stored = ProspectIdentity {
                    email_key: p.email_key.clone(),
                    phone_key: p.phone_key.clone(),
                    name_key: p.name_key.clone(),
                    company_domain: p.company_domain.clone(),
                    company_normalised: p.company_normalised.clone(),
                };
                conflict_reason(identity, org, &stored, p.organisation_id).map(|r| (p, r))
            })
            .min_by_key(|(p, _)| p.id)
    }
}
