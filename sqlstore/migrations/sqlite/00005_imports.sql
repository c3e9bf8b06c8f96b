-- +goose Up
-- CSV imports run in the background by the server: one row per job, with
-- its options, status, counts and up to 1,000 row errors as a JSON array.
-- Times are Unix seconds UTC; started_at and finished_at are NULL until then.

CREATE TABLE import_jobs (
    id             INTEGER PRIMARY KEY,
    org_id         BIGINT NOT NULL REFERENCES orgs (id),
    user_id        BIGINT NOT NULL REFERENCES users (id),
    entity         TEXT NOT NULL,
    file           TEXT NOT NULL,
    size           BIGINT NOT NULL DEFAULT 0,
    mapping        TEXT NOT NULL DEFAULT '',
    skip_invalid   BIGINT NOT NULL DEFAULT 0,
    strict_refs    BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,
    rows_read      BIGINT NOT NULL DEFAULT 0,
    inserted       BIGINT NOT NULL DEFAULT 0,
    updated        BIGINT NOT NULL DEFAULT 0,
    unchanged      BIGINT NOT NULL DEFAULT 0,
    rejected       BIGINT NOT NULL DEFAULT 0,
    committed      BIGINT NOT NULL DEFAULT 0,
    summary        TEXT NOT NULL DEFAULT '',
    message        TEXT NOT NULL DEFAULT '',
    errors         TEXT NOT NULL DEFAULT '[]',
    errors_omitted BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    started_at     BIGINT,
    finished_at    BIGINT
);
CREATE INDEX import_jobs_org ON import_jobs (org_id, id);
CREATE INDEX import_jobs_status ON import_jobs (status);
