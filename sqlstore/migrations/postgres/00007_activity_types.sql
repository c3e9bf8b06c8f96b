-- +goose Up
-- The activity aggregates gain a dimension kind 'type' (the activity's
-- type, by day, ISO week, month, quarter and year). The rows kept so far
-- lack it: drop the family's aggregates and span, so that it counts as
-- never built. Opening the database rebuilds it from the raw activities
-- right after migrating (sqlstore.DB.rebuildUnbuilt), before any read.
DELETE FROM agg WHERE family = 'activities';
DELETE FROM agg_spans WHERE family = 'activities';
