-- +goose Up
-- OKRs: objectives, their key results and milestone items, check-ins,
-- snapshots, score overrides and excluded weeks. Numbers that must stay
-- exact (baselines, targets, rates, values) are decimal text ("1234.5", or
-- "a/b" for a fraction with no finite decimal form); scores are decimal
-- text with two decimals. Times are Unix seconds UTC. Check-ins, snapshots
-- and score overrides are insert-only: history is never rewritten.

CREATE TABLE objectives (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs (id),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    owner_kind   TEXT NOT NULL,
    owner        TEXT NOT NULL DEFAULT '',
    period       TEXT NOT NULL,
    period_grain TEXT NOT NULL DEFAULT '',
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    type         TEXT NOT NULL,
    parent_id    BIGINT REFERENCES objectives (id),
    score        TEXT
);
CREATE INDEX objectives_period ON objectives (org_id, period_start);
CREATE INDEX objectives_parent ON objectives (parent_id);

CREATE TABLE key_results (
    id                   INTEGER PRIMARY KEY,
    org_id               BIGINT NOT NULL REFERENCES orgs (id),
    objective_id         BIGINT NOT NULL REFERENCES objectives (id) ON DELETE CASCADE,
    position             BIGINT NOT NULL,
    title                TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    weight               DOUBLE PRECISION NOT NULL DEFAULT 0,
    kpi                  TEXT NOT NULL DEFAULT '',
    scope                TEXT NOT NULL DEFAULT '',
    scope_value          TEXT NOT NULL DEFAULT '',
    filters              TEXT,
    baseline             TEXT NOT NULL DEFAULT '',
    change_kind          TEXT NOT NULL DEFAULT '',
    change_value         TEXT,
    direction            TEXT NOT NULL DEFAULT '',
    baseline_value       TEXT,
    baseline_resolved_at BIGINT,
    start_value          TEXT,
    target_value         TEXT,
    rate                 TEXT,
    per_rep              BIGINT NOT NULL DEFAULT 0,
    rate_mode            TEXT NOT NULL DEFAULT '',
    segment_by           TEXT NOT NULL DEFAULT '',
    segments             TEXT,
    segment_source       TEXT NOT NULL DEFAULT '',
    segment_target       TEXT,
    unit                 TEXT NOT NULL DEFAULT '',
    milestone_source     TEXT NOT NULL DEFAULT '',
    milestone_target     BIGINT NOT NULL DEFAULT 0,
    op                   TEXT NOT NULL DEFAULT '',
    min_value            TEXT,
    max_value            TEXT,
    score                TEXT
);
CREATE INDEX key_results_objective ON key_results (objective_id, position);
CREATE INDEX key_results_org ON key_results (org_id);

CREATE TABLE kr_items (
    id       INTEGER PRIMARY KEY,
    org_id   BIGINT NOT NULL REFERENCES orgs (id),
    kr_id    BIGINT NOT NULL REFERENCES key_results (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title    TEXT NOT NULL,
    done     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX kr_items_kr ON kr_items (kr_id, position);

CREATE TABLE check_ins (
    id         INTEGER PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs (id),
    kr_id      BIGINT NOT NULL REFERENCES key_results (id) ON DELETE CASCADE,
    value      TEXT,
    confidence BIGINT,
    comment    TEXT NOT NULL DEFAULT '',
    author     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX check_ins_kr ON check_ins (kr_id, at);

CREATE TABLE kr_snapshots (
    id     INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    kr_id  BIGINT NOT NULL REFERENCES key_results (id) ON DELETE CASCADE,
    at     BIGINT NOT NULL,
    value  TEXT NOT NULL
);
CREATE INDEX kr_snapshots_kr ON kr_snapshots (kr_id, at);

CREATE TABLE score_overrides (
    id           INTEGER PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES orgs (id),
    objective_id BIGINT REFERENCES objectives (id) ON DELETE CASCADE,
    kr_id        BIGINT REFERENCES key_results (id) ON DELETE CASCADE,
    score        TEXT NOT NULL,
    note         TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX score_overrides_objective ON score_overrides (objective_id);
CREATE INDEX score_overrides_kr ON score_overrides (kr_id);

CREATE TABLE excluded_weeks (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    week   TEXT NOT NULL,
    PRIMARY KEY (org_id, week)
);
