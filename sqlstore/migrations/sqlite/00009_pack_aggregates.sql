-- +goose Up
-- The deal measures won, won_amt, lost, cycle, recur and attr, and the lead
-- measures leads, cohort and conv, are now stored in packs: one row per
-- period and dimension value holding the cell of each (agg.EncodePack),
-- five times fewer rows to write at each import and to read at each
-- dashboard. The aggregates of the families that have records are dropped
-- and rebuilt in the new form when the database is opened right after
-- migrating (sqlstore.DB.rebuildUnbuilt), before any read.
DELETE FROM agg;
DELETE FROM agg_spans WHERE n > 0;
