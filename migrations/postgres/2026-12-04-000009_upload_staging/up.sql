-- A big upload commits in short transactions: its referrals are written hidden
-- (upload_pending) chunk by chunk and become visible together when the batch is published.
-- Hidden rows already protect their prospects. Conflicts its rows raised wait with the
-- upload (status 'upload_pending', upload_id set) and open on publish. committed_rows is how
-- far the commit got, so a restarted commit resumes after it.
ALTER TABLE referrals ADD COLUMN upload_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX referrals_upload_pending ON referrals (upload_id, upload_pending);
ALTER TABLE conflicts ADD COLUMN upload_id BIGINT;
CREATE INDEX conflicts_upload ON conflicts (upload_id);
ALTER TABLE uploads ADD COLUMN committed_rows INTEGER NOT NULL DEFAULT 0;
