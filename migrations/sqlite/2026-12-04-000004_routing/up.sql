-- Routing and the first-contact SLA: rep profiles with calendars, pools, rules, and the
-- referral's score, assignment and pipeline fields.
CREATE TABLE rep_profiles (
    user_id BIGINT PRIMARY KEY NOT NULL REFERENCES users (id),
    available BOOLEAN NOT NULL DEFAULT TRUE,
    out_of_office_until TEXT,
    manager_user_id BIGINT REFERENCES users (id),
    calendar TEXT NOT NULL,
    holidays TEXT NOT NULL DEFAULT ''
);

CREATE TABLE rep_pools (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    last_assigned_rep BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE rep_pool_members (
    id INTEGER PRIMARY KEY,
    pool_id BIGINT NOT NULL REFERENCES rep_pools (id),
    rep_user_id BIGINT NOT NULL REFERENCES users (id),
    position INTEGER NOT NULL
);
CREATE UNIQUE INDEX rep_pool_members_unique ON rep_pool_members (pool_id, rep_user_id);

CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    pool_id BIGINT NOT NULL REFERENCES rep_pools (id),
    countries TEXT NOT NULL DEFAULT '',
    regions TEXT NOT NULL DEFAULT '',
    min_score INTEGER,
    max_score INTEGER
);

ALTER TABLE referrals ADD COLUMN score INTEGER;
ALTER TABLE referrals ADD COLUMN score_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN assigned_rep_id BIGINT;
ALTER TABLE referrals ADD COLUMN sla_round INTEGER NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN routed_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN first_contact_due_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN remind_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN reminded_round INTEGER;
ALTER TABLE referrals ADD COLUMN escalated_round INTEGER;
ALTER TABLE referrals ADD COLUMN first_contacted_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN first_contact_channel TEXT;
ALTER TABLE referrals ADD COLUMN expected_value_minor BIGINT;
ALTER TABLE referrals ADD COLUMN deal_value_minor BIGINT;
ALTER TABLE referrals ADD COLUMN lost_reason TEXT;
CREATE INDEX referrals_rep_due ON referrals (assigned_rep_id, first_contact_due_at, id);

ALTER TABLE referral_events ADD COLUMN shared_with_partner BOOLEAN NOT NULL DEFAULT TRUE;
