ALTER TABLE uploads DROP COLUMN committed_rows;
DROP INDEX conflicts_upload;
ALTER TABLE conflicts DROP COLUMN upload_id;
DROP INDEX referrals_upload_pending;
ALTER TABLE referrals DROP COLUMN upload_pending;
