DROP INDEX referrals_upload;
ALTER TABLE referrals DROP COLUMN reporting_month;
ALTER TABLE referrals DROP COLUMN upload_id;
DROP TABLE upload_mappings;
DROP TABLE upload_rows;
DROP TABLE upload_files;
DROP TABLE uploads;
