//! A big upload's hidden batch: its referrals are written chunk by chunk with
//! `upload_pending` set, the conflicts its rows raise wait with status `upload_pending`, and
//! the commit's progress is saved per chunk. Publishing shows the whole batch in one small
//! transaction; discarding removes every trace of it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::schema::{conflicts, referral_events, referrals, upload_rows, uploads};
use super::uploads::{Counts, UploadStatus};
use super::{AnyConnection, db_time};

/// Status of a conflict raised by a row of a batch that is still hidden.
pub const CONFLICT_PENDING: &str = "upload_pending";

/// Holds back conflicts raised by rows of `upload_id` until the batch is published.
pub fn hold_conflicts(conn: &mut AnyConnection, upload_id: i64, ids: &[i64]) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(conflicts::table.filter(conflicts::id.eq_any(ids)))
        .set((
            conflicts::status.eq(CONFLICT_PENDING),
            conflicts::upload_id.eq(upload_id),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records that the commit got from row `from` to row `to`, with the counts so far — only if
/// the upload is still importing and nobody else moved it meanwhile (a second runner of the
/// same commit then rolls its chunk back).
pub fn advance(
    conn: &mut AnyConnection,
    upload_id: i64,
    from: i32,
    to: i32,
    counts: &Counts,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        uploads::table
            .find(upload_id)
            .filter(uploads::status.eq(UploadStatus::Importing.as_str()))
            .filter(uploads::committed_rows.eq(from)),
    )
    .set((
        uploads::committed_rows.eq(to),
        uploads::count_new.eq(counts.new),
        uploads::count_customer.eq(counts.customer),
        uploads::count_already.eq(counts.already),
        uploads::count_repeat.eq(counts.repeat),
        uploads::count_invalid.eq(counts.invalid),
        uploads::count_warning.eq(counts.warning),
        uploads::updated_at.eq(db_time(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The identity keys of the referrals the commit already wrote, with the row that created
/// each: (row_no, email_key, phone_key, name_key, company_domain, company_normalised).
pub type WrittenRow = (
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// The hidden referrals of `upload_id` and the rows that created them, in row order.
pub fn written_rows(conn: &mut AnyConnection, upload_id: i64) -> QueryResult<Vec<WrittenRow>> {
    let by_row: Vec<(i32, Option<i64>)> = upload_rows::table
        .filter(upload_rows::upload_id.eq(upload_id))
        .filter(upload_rows::referral_id.is_not_null())
        .select((upload_rows::row_no, upload_rows::referral_id))
        .load(conn)?;
    type Keys = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
    );
    let keys: Vec<(i64, Keys)> = referrals::table
        .filter(referrals::upload_id.eq(upload_id))
        .filter(referrals::upload_pending.eq(true))
        .select((
            referrals::id,
            (
                referrals::email_key,
                referrals::phone_key,
                referrals::name_key,
                referrals::company_domain,
                referrals::company_normalised,
            ),
        ))
        .load(conn)?;
    let keys: std::collections::HashMap<i64, Keys> = keys.into_iter().collect();
    let mut rows: Vec<WrittenRow> = by_row
        .into_iter()
        .filter_map(|(row_no, id)| {
            let (e, p, n, d, c) = keys.get(&id?)?.clone();
            Some((row_no, e, p, n, d, c))
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    Ok(rows)
}

/// Shows the hidden batch of `upload_id` and opens its held-back conflicts. Returns the ids
/// and scores of the referrals it showed.
pub fn publish(conn: &mut AnyConnection, upload_id: i64) -> QueryResult<Vec<(i64, Option<i32>)>> {
    let shown: Vec<(i64, Option<i32>)> = referrals::table
        .filter(referrals::upload_id.eq(upload_id))
        .filter(referrals::upload_pending.eq(true))
        .select((referrals::id, referrals::score))
        .order(referrals::id.asc())
        .load(conn)?;
    diesel::update(
        referrals::table
            .filter(referrals::upload_id.eq(upload_id))
            .filter(referrals::upload_pending.eq(true)),
    )
    .set(referrals::upload_pending.eq(false))
    .execute(conn)?;
    diesel::update(
        conflicts::table
            .filter(conflicts::upload_id.eq(upload_id))
            .filter(conflicts::status.eq(CONFLICT_PENDING)),
    )
    .set(conflicts::status.eq(super::conflicts::OPEN))
    .execute(conn)?;
    Ok(shown)
}

/// Removes the hidden batch of `upload_id`: its referrals, their timeline, the conflicts its
/// rows raised and the conflicts that matched its referrals. Returns how many referrals went.
pub fn discard(conn: &mut AnyConnection, upload_id: i64) -> QueryResult<usize> {
    let hidden = || {
        referrals::table
            .filter(referrals::upload_id.eq(upload_id))
            .filter(referrals::upload_pending.eq(true))
            .select(referrals::id)
    };
    diesel::delete(
        conflicts::table.filter(
            conflicts::upload_id
                .eq(upload_id)
                .and(conflicts::status.eq(CONFLICT_PENDING))
                .or(conflicts::matched_referral_id.eq_any(hidden()))
                .or(conflicts::created_referral_id.eq_any(
                    referrals::table
                        .filter(referrals::upload_id.eq(upload_id))
                        .filter(referrals::upload_pending.eq(true))
                        .select(referrals::id.nullable()),
                )),
        ),
    )
    .execute(conn)?;
    diesel::delete(referral_events::table.filter(referral_events::referral_id.eq_any(hidden())))
        .execute(conn)?;
    diesel::update(
        upload_rows::table
            .filter(upload_rows::upload_id.eq(upload_id))
            .filter(upload_rows::referral_id.is_not_null()),
    )
    .set(upload_rows::referral_id.eq(None::<i64>))
    .execute(conn)?;
    diesel::delete(
        referrals::table
            .filter(referrals::upload_id.eq(upload_id))
            .filter(referrals::upload_pending.eq(true)),
    )
    .execute(conn)
}
