-- Incentives: tiers with their reward rules, each partner's standing, the append-only rewards
-- ledger with its statements, and payouts.
CREATE TABLE tiers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    rank INTEGER NOT NULL,
    min_won_value_minor BIGINT,
    min_qualified INTEGER,
    perks TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tiers_rank ON tiers (rank);
CREATE UNIQUE INDEX tiers_name ON tiers (name);

CREATE TABLE reward_rules (
    id INTEGER PRIMARY KEY,
    tier_id BIGINT NOT NULL REFERENCES tiers (id),
    event TEXT NOT NULL,
    flat_minor BIGINT,
    percent TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX reward_rules_tier_event ON reward_rules (tier_id, event);

CREATE TABLE partner_standings (
    organisation_id BIGINT PRIMARY KEY NOT NULL REFERENCES organisations (id),
    tier_id BIGINT NOT NULL REFERENCES tiers (id),
    below_since TIMESTAMP,
    demotion_review_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE tier_changes (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    from_tier_id BIGINT REFERENCES tiers (id),
    to_tier_id BIGINT NOT NULL REFERENCES tiers (id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX tier_changes_org ON tier_changes (organisation_id, created_at);

ALTER TABLE referrals ADD COLUMN qualified_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN meeting_booked_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN won_at TIMESTAMP;
ALTER TABLE referrals ADD COLUMN refunded_minor BIGINT NOT NULL DEFAULT 0;
CREATE INDEX referrals_org_qualified ON referrals (organisation_id, qualified_at);
CREATE INDEX referrals_org_won ON referrals (organisation_id, won_at);

CREATE TABLE referral_shares (
    id INTEGER PRIMARY KEY,
    referral_id BIGINT NOT NULL REFERENCES referrals (id),
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    position INTEGER NOT NULL,
    share TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX referral_shares_unique ON referral_shares (referral_id, organisation_id);

CREATE TABLE statements (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    period TEXT NOT NULL,
    period_start TIMESTAMP NOT NULL,
    period_end TIMESTAMP NOT NULL,
    currency TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    line_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX statements_org_period ON statements (organisation_id, period);

CREATE TABLE reward_lines (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    referral_id BIGINT NOT NULL REFERENCES referrals (id),
    event TEXT NOT NULL,
    rule_id BIGINT REFERENCES reward_rules (id),
    tier_id BIGINT REFERENCES tiers (id),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    corrects_line_id BIGINT REFERENCES reward_lines (id),
    earned_at TIMESTAMP NOT NULL,
    approvable_at TIMESTAMP NOT NULL,
    statement_id BIGINT REFERENCES statements (id),
    unique_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX reward_lines_unique_key ON reward_lines (unique_key);
CREATE INDEX reward_lines_org ON reward_lines (organisation_id, id);
CREATE INDEX reward_lines_org_status ON reward_lines (organisation_id, status, id);
CREATE INDEX reward_lines_status_approvable ON reward_lines (status, approvable_at);
CREATE INDEX reward_lines_org_earned ON reward_lines (organisation_id, earned_at);
CREATE INDEX reward_lines_referral ON reward_lines (referral_id);
CREATE INDEX reward_lines_statement ON reward_lines (statement_id);

CREATE TABLE reward_line_moves (
    id INTEGER PRIMARY KEY,
    line_id BIGINT NOT NULL REFERENCES reward_lines (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reward_line_moves_line ON reward_line_moves (line_id, id);

CREATE TABLE payouts (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    approved_by BIGINT REFERENCES users (id),
    approved_at TIMESTAMP,
    second_approved_by BIGINT REFERENCES users (id),
    second_approved_at TIMESTAMP,
    reference TEXT,
    failure_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX payouts_org ON payouts (organisation_id, id);
CREATE INDEX payouts_status ON payouts (status, id);

CREATE TABLE payout_lines (
    id INTEGER PRIMARY KEY,
    payout_id BIGINT NOT NULL REFERENCES payouts (id),
    line_id BIGINT NOT NULL REFERENCES reward_lines (id),
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX payout_lines_payout ON payout_lines (payout_id);
-- A ledger line is in at most one payout that has not failed.
CREATE UNIQUE INDEX payout_lines_one_active ON payout_lines (line_id) WHERE active;

CREATE TABLE payout_events (
    id INTEGER PRIMARY KEY,
    payout_id BIGINT NOT NULL REFERENCES payouts (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payout_events_payout ON payout_events (payout_id, id);
