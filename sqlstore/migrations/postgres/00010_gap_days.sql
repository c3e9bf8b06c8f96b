-- +goose Up
-- A sales cycle now counts the calendar days of the days that hold its
-- dates as periods cut them (rumbo.CalendarDays): where a midnight falls in
-- a daylight-saving gap (Chile, Cuba, Paraguay…), the day begins at 23:00
-- the evening before, and a deal created or closed in that hour was a day
-- off. The deal aggregates that have records are dropped and rebuilt when
-- the database is opened right after migrating, before any read, so that
-- later deltas subtract what was added.
DELETE FROM agg WHERE family = 'deals';
DELETE FROM agg_spans WHERE family = 'deals' AND n > 0;
