-- +goose Up
-- Rumbo's first schema. Times are Unix seconds UTC (NULL when unknown),
-- money is in minor units, custom fields are a JSON object in "fields".
-- name_key and email_key hold the trimmed lower-case value that references
-- by natural key match against.

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    external_id TEXT NOT NULL,
    name        TEXT,
    name_key    TEXT,
    parent_id   BIGINT REFERENCES teams (id),
    fields      TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX teams_name ON teams (org_id, name_key);
CREATE INDEX teams_parent ON teams (parent_id);

CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    external_id TEXT NOT NULL,
    name        TEXT,
    name_key    TEXT,
    email       TEXT,
    email_key   TEXT,
    team_id     BIGINT REFERENCES teams (id),
    active_from BIGINT,
    active_to   BIGINT,
    fields      TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX people_name ON people (org_id, name_key);
CREATE INDEX people_email ON people (org_id, email_key);
CREATE INDEX people_team ON people (team_id);

CREATE TABLE markets (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES orgs (id),
    external_id   TEXT NOT NULL,
    name          TEXT,
    name_key      TEXT,
    region        TEXT,
    status        TEXT,
    identified_at BIGINT,
    analysed_at   BIGINT,
    entered_at    BIGINT,
    is_new        BIGINT NOT NULL DEFAULT 0,
    fields        TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX markets_name ON markets (org_id, name_key);

CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    external_id TEXT NOT NULL,
    name        TEXT,
    name_key    TEXT,
    channel     TEXT,
    start_at    BIGINT,
    end_at      BIGINT,
    spend       BIGINT,
    fields      TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX campaigns_name ON campaigns (org_id, name_key);

CREATE TABLE customers (
    id       INTEGER PRIMARY KEY,
    org_id   BIGINT NOT NULL REFERENCES orgs (id),
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE leads (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    external_id TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    owner_id    BIGINT REFERENCES people (id),
    channel     TEXT,
    campaign_id BIGINT REFERENCES campaigns (id),
    market_id   BIGINT REFERENCES markets (id),
    customer_id BIGINT REFERENCES customers (id),
    status      TEXT,
    fields      TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX leads_created ON leads (org_id, created_at);
CREATE INDEX leads_owner ON leads (owner_id);
CREATE INDEX leads_campaign ON leads (campaign_id);
CREATE INDEX leads_market ON leads (market_id);
CREATE INDEX leads_customer ON leads (customer_id);

CREATE TABLE deals (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES orgs (id),
    external_id   TEXT NOT NULL,
    lead_xid      TEXT,
    customer_id   BIGINT REFERENCES customers (id),
    owner_id      BIGINT REFERENCES people (id),
    market_id     BIGINT REFERENCES markets (id),
    amount        BIGINT,
    created_at    BIGINT,
    closed_at     BIGINT,
    first_seen_at BIGINT NOT NULL,
    stage         TEXT,
    status        TEXT NOT NULL,
    lost_reason   TEXT,
    fields        TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX deals_closed ON deals (org_id, status, closed_at);
CREATE INDEX deals_created ON deals (org_id, created_at);
CREATE INDEX deals_lead ON deals (org_id, lead_xid);
CREATE INDEX deals_owner ON deals (owner_id);
CREATE INDEX deals_customer ON deals (customer_id);
CREATE INDEX deals_market ON deals (market_id);

CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    external_id TEXT NOT NULL,
    type        TEXT,
    owner_id    BIGINT REFERENCES people (id),
    at          BIGINT NOT NULL,
    lead_xid    TEXT,
    deal_xid    TEXT,
    fields      TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX activities_at ON activities (org_id, at);
CREATE INDEX activities_owner ON activities (owner_id);

CREATE TABLE surveys (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    external_id TEXT NOT NULL,
    customer_id BIGINT REFERENCES customers (id),
    sent_at     BIGINT NOT NULL,
    answered_at BIGINT,
    score       BIGINT,
    scale       TEXT NOT NULL,
    fields      TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX surveys_sent ON surveys (org_id, sent_at);
CREATE INDEX surveys_answered ON surveys (org_id, answered_at);
CREATE INDEX surveys_customer ON surveys (customer_id);

CREATE TABLE inquiries (
    id                INTEGER PRIMARY KEY,
    org_id            BIGINT NOT NULL REFERENCES orgs (id),
    external_id       TEXT NOT NULL,
    customer_id       BIGINT REFERENCES customers (id),
    channel           TEXT,
    received_at       BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at       BIGINT,
    fields            TEXT,
    UNIQUE (org_id, external_id)
);
CREATE INDEX inquiries_received ON inquiries (org_id, received_at);
CREATE INDEX inquiries_customer ON inquiries (customer_id);

CREATE TABLE imports (
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    entity      TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, entity)
);

CREATE TABLE targets (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs (id),
    kpi          TEXT NOT NULL,
    period       TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    scope        TEXT NOT NULL DEFAULT '',
    scope_value  TEXT NOT NULL DEFAULT '',
    value        TEXT NOT NULL,
    UNIQUE (org_id, kpi, period_start, period_end, scope, scope_value)
);

CREATE TABLE kpi_defs (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    key    TEXT NOT NULL,
    spec   TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);

CREATE TABLE kpi_bands (
    org_id   BIGINT NOT NULL REFERENCES orgs (id),
    kpi      TEXT NOT NULL,
    green    DOUBLE PRECISION NOT NULL,
    yellow   DOUBLE PRECISION NOT NULL,
    absolute BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, kpi)
);
