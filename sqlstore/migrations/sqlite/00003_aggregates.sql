-- +goose Up
-- Aggregates the KPI engine reads instead of raw records: one row per
-- (measure, grain, local period start, dimension kind, dimension value).
-- They are rebuilt from the raw rows inside every write transaction that
-- changes the records of their family, so they are always exact.
-- hist holds value → count pairs (varint-encoded) for exact medians, and for
-- the open-deal events of a month the per-day deltas.
CREATE TABLE agg (
    org_id  BIGINT NOT NULL REFERENCES orgs (id),
    family  TEXT NOT NULL,
    measure TEXT NOT NULL,
    grain   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    start   BIGINT NOT NULL,
    dim     TEXT NOT NULL,
    n       BIGINT NOT NULL,
    s       BIGINT NOT NULL,
    m       BIGINT NOT NULL,
    hist    BLOB,
    PRIMARY KEY (org_id, measure, grain, kind, start, dim)
) WITHOUT ROWID;
CREATE INDEX agg_family ON agg (org_id, family);

-- The span of each big entity (count, earliest and latest time), kept with
-- its aggregates; a row means the family's aggregates are built.
CREATE TABLE agg_spans (
    org_id   BIGINT NOT NULL REFERENCES orgs (id),
    family   TEXT NOT NULL,
    entity   TEXT NOT NULL,
    n        BIGINT NOT NULL,
    first_at BIGINT,
    last_at  BIGINT,
    PRIMARY KEY (org_id, family, entity)
);

-- Deals without created_at open at first_seen_at: the open-deal events of
-- today are read through this index.
CREATE INDEX deals_seen ON deals (org_id, first_seen_at) WHERE created_at IS NULL;
