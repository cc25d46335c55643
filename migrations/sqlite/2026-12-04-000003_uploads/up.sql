-- Monthly referral uploads: the batch, its file until it is imported, its rows (the staging
-- table the preview and the outcome report read), and the column mapping each organisation
-- chose before. Referrals remember the batch and the reporting month they came with.
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    on_behalf BOOLEAN NOT NULL,
    reporting_month TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_bytes BIGINT NOT NULL,
    encoding TEXT NOT NULL,
    delimiter TEXT NOT NULL,
    headers TEXT NOT NULL,
    mapping TEXT NOT NULL,
    status TEXT NOT NULL,
    total_rows INTEGER NOT NULL,
    staged_rows INTEGER NOT NULL,
    count_new INTEGER NOT NULL,
    count_customer INTEGER NOT NULL,
    count_already INTEGER NOT NULL,
    count_repeat INTEGER NOT NULL,
    count_invalid INTEGER NOT NULL,
    count_warning INTEGER NOT NULL,
    message TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX uploads_org_id ON uploads (organisation_id, id);

CREATE TABLE upload_files (
    upload_id BIGINT PRIMARY KEY REFERENCES uploads (id),
    content TEXT NOT NULL
);

CREATE TABLE upload_rows (
    id INTEGER PRIMARY KEY,
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    row_no INTEGER NOT NULL,
    line_no INTEGER NOT NULL,
    cells TEXT NOT NULL,
    prospect TEXT NOT NULL,
    company TEXT NOT NULL,
    email TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    warnings TEXT NOT NULL,
    referral_id BIGINT
);
CREATE UNIQUE INDEX upload_rows_row ON upload_rows (upload_id, row_no);
CREATE INDEX upload_rows_outcome ON upload_rows (upload_id, outcome, row_no);

CREATE TABLE upload_mappings (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    header_key TEXT NOT NULL,
    target TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX upload_mappings_key ON upload_mappings (organisation_id, header_key);

ALTER TABLE referrals ADD COLUMN upload_id BIGINT;
ALTER TABLE referrals ADD COLUMN reporting_month TEXT;
CREATE INDEX referrals_upload ON referrals (upload_id);
