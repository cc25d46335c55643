-- The admin ledger filtered by status alone pages by id (keyset), newest first.
CREATE INDEX reward_lines_status_id ON reward_lines (status, id);
