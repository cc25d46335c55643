CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT,
    default_phone_country TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organisations_name ON organisations (name);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    created_at TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT REFERENCES users (id),
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE account_tokens (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    superseded_at TIMESTAMP
);
CREATE UNIQUE INDEX account_tokens_hash ON account_tokens (token_hash);
CREATE INDEX account_tokens_user ON account_tokens (user_id, kind);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    client_addr TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_addr ON login_failures (client_addr, created_at);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    title TEXT,
    seniority TEXT NOT NULL,
    company TEXT NOT NULL,
    company_normalised TEXT NOT NULL,
    website TEXT,
    company_domain TEXT,
    country TEXT,
    relationship TEXT,
    strength INTEGER,
    pain TEXT,
    urgency TEXT,
    deal_size_minor BIGINT,
    currency TEXT NOT NULL,
    email_key TEXT,
    phone_key TEXT,
    name_key TEXT,
    possible_duplicate BOOLEAN NOT NULL DEFAULT FALSE,
    existing_customer BOOLEAN NOT NULL DEFAULT FALSE,
    protected_until TIMESTAMP,
    warnings TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX referrals_org_id ON referrals (organisation_id, id);
CREATE INDEX referrals_org_status_id ON referrals (organisation_id, status, id);
CREATE INDEX referrals_status_id ON referrals (status, id);
CREATE INDEX referrals_email_key ON referrals (email_key);
CREATE INDEX referrals_phone_key ON referrals (phone_key);
CREATE INDEX referrals_name_key ON referrals (name_key);
CREATE INDEX referrals_company_domain ON referrals (company_domain);
CREATE INDEX referrals_company_normalised ON referrals (company_normalised);

CREATE TABLE referral_events (
    id INTEGER PRIMARY KEY,
    referral_id BIGINT NOT NULL REFERENCES referrals (id),
    actor_user_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, created_at);

CREATE TABLE conflicts (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    matched_referral_id BIGINT NOT NULL REFERENCES referrals (id),
    reason TEXT NOT NULL,
    prospect_name TEXT NOT NULL,
    prospect_email TEXT,
    prospect_phone TEXT,
    company TEXT NOT NULL,
    company_domain TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    resolved_by BIGINT REFERENCES users (id),
    resolution_note TEXT,
    resolved_at TIMESTAMP,
    created_referral_id BIGINT REFERENCES referrals (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX conflicts_status_id ON conflicts (status, id);

CREATE TABLE existing_customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_normalised TEXT NOT NULL,
    domain TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX existing_customers_domain ON existing_customers (domain);
CREATE INDEX existing_customers_name ON existing_customers (name_normalised);

CREATE TABLE email_providers (
    domain TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    actor_user_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    client_addr TEXT,
    detail TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_client ON audit_log (client_addr, created_at);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_status ON outbox (status, id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
