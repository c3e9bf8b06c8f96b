-- The dashboard of BENCHMARKS.md in plain SQL, run by the two peers of the
-- benchmark on the same raw rows: DuckDB (bench/duckdb) and the store's own
-- engine (SQLite or PostgreSQL) on its raw tables. Both expose the raw rows
-- as the relations d (deals), l (leads), a (activities, time t), s (surveys),
-- q (inquiries) and c (campaigns), with owner, market, campaign and
-- customer names, times as Unix seconds and money in minor units; w holds
-- the 13 weeks of the series (i, ws, we).
-- Parameters, by name: :qs and :qe bound the current quarter, :now is the
-- clock, :off the organisation's UTC offset in seconds (SQL engines here
-- have no time zone database: calendar days use this fixed offset).
-- Each statement starts with "-- name:".

-- name: deals_quarter
SELECT SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) AS won,
       SUM(CASE WHEN status = 'won' THEN COALESCE(amount, 0) ELSE 0 END) AS revenue,
       SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) AS lost,
       AVG(CASE WHEN status = 'won' THEN amount END) AS avg_deal
FROM d WHERE closed_at >= :qs AND closed_at < :qe;

-- name: deals_weeks
SELECT w.i, SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) AS won,
       SUM(CASE WHEN status = 'won' THEN COALESCE(amount, 0) ELSE 0 END) AS revenue,
       SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) AS lost,
       AVG(CASE WHEN status = 'won' THEN amount END) AS avg_deal
FROM w JOIN d ON d.closed_at >= w.ws AND d.closed_at < w.we GROUP BY w.i ORDER BY w.i;

-- name: deals_owner
SELECT owner, SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) AS won,
       SUM(CASE WHEN status = 'won' THEN COALESCE(amount, 0) ELSE 0 END) AS revenue,
       SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) AS lost,
       AVG(CASE WHEN status = 'won' THEN amount END) AS avg_deal
FROM d WHERE closed_at >= :qs AND closed_at < :qe GROUP BY owner ORDER BY owner;

-- name: cycle_quarter
SELECT COUNT(*), AVG((d.closed_at + :off) / 86400 - (COALESCE(l.created_at, d.created_at) + :off) / 86400)
FROM d LEFT JOIN l ON l.external_id = d.lead_xid
WHERE d.status = 'won' AND d.closed_at >= :qs AND d.closed_at < :qe AND COALESCE(l.created_at, d.created_at) IS NOT NULL;

-- name: cycle_weeks
SELECT w.i, COUNT(*), AVG((d.closed_at + :off) / 86400 - (COALESCE(l.created_at, d.created_at) + :off) / 86400)
FROM w JOIN d ON d.closed_at >= w.ws AND d.closed_at < w.we LEFT JOIN l ON l.external_id = d.lead_xid
WHERE d.status = 'won' AND COALESCE(l.created_at, d.created_at) IS NOT NULL GROUP BY w.i ORDER BY w.i;

-- name: cycle_owner
SELECT d.owner, COUNT(*), AVG((d.closed_at + :off) / 86400 - (COALESCE(l.created_at, d.created_at) + :off) / 86400)
FROM d LEFT JOIN l ON l.external_id = d.lead_xid
WHERE d.status = 'won' AND d.closed_at >= :qs AND d.closed_at < :qe AND COALESCE(l.created_at, d.created_at) IS NOT NULL
GROUP BY d.owner ORDER BY d.owner;

-- name: recurring_quarter
SELECT COUNT(*), SUM(COALESCE(d.amount, 0)) FROM d
JOIN (SELECT customer, MIN(closed_at) AS f FROM d WHERE status = 'won' AND customer IS NOT NULL GROUP BY customer) fw
  ON fw.customer = d.customer
WHERE d.status = 'won' AND d.closed_at >= :qs AND d.closed_at < :qe AND d.closed_at > fw.f;

-- name: open_now
SELECT COUNT(*), SUM(amount) FROM d
WHERE COALESCE(created_at, first_seen_at) <= :now AND (status = 'open' OR closed_at > :now);

-- name: open_weeks
SELECT w.i, COUNT(*), SUM(amount) FROM w JOIN d
  ON COALESCE(d.created_at, d.first_seen_at) < w.we AND (d.status = 'open' OR d.closed_at >= w.we)
GROUP BY w.i ORDER BY w.i;

-- name: open_owner
SELECT owner, COUNT(*), SUM(amount) FROM d
WHERE COALESCE(created_at, first_seen_at) <= :now AND (status = 'open' OR closed_at > :now)
GROUP BY owner ORDER BY owner;

-- name: leads_quarter
SELECT COUNT(*) FROM l WHERE created_at >= :qs AND created_at < :qe;

-- name: leads_weeks
SELECT w.i, COUNT(*) FROM w JOIN l ON l.created_at >= w.ws AND l.created_at < w.we GROUP BY w.i ORDER BY w.i;

-- name: leads_owner
SELECT owner, COUNT(*) FROM l WHERE created_at >= :qs AND created_at < :qe GROUP BY owner ORDER BY owner;

-- name: conversion_quarter
SELECT COUNT(*) FROM l JOIN (SELECT lead_xid, MIN(closed_at) AS f FROM d WHERE status = 'won' GROUP BY lead_xid) fw
  ON fw.lead_xid = l.external_id WHERE fw.f >= :qs AND fw.f < :qe;

-- name: conversion_owner
SELECT l.owner, COUNT(*) FROM l JOIN (SELECT lead_xid, MIN(closed_at) AS f FROM d WHERE status = 'won' GROUP BY lead_xid) fw
  ON fw.lead_xid = l.external_id WHERE fw.f >= :qs AND fw.f < :qe GROUP BY l.owner ORDER BY l.owner;

-- name: activities_quarter
SELECT COUNT(*) FROM a WHERE t >= :qs AND t < :qe;

-- name: activities_weeks
SELECT w.i, COUNT(*) FROM w JOIN a ON a.t >= w.ws AND a.t < w.we GROUP BY w.i ORDER BY w.i;

-- name: activities_owner
SELECT owner, COUNT(*) FROM a WHERE t >= :qs AND t < :qe GROUP BY owner ORDER BY owner;

-- name: surveys_quarter
SELECT (SELECT COUNT(*) FROM s WHERE sent_at >= :qs AND sent_at < :qe),
       (SELECT AVG(score) FROM s WHERE answered_at >= :qs AND answered_at < :qe AND score IS NOT NULL);

-- name: surveys_weeks
SELECT w.i, COUNT(*), AVG(score) FROM w JOIN s ON s.answered_at >= w.ws AND s.answered_at < w.we GROUP BY w.i ORDER BY w.i;

-- name: response_quarter
SELECT COUNT(*), AVG(first_response_at - received_at) FROM q
WHERE received_at >= :qs AND received_at < :qe AND first_response_at IS NOT NULL;

-- name: response_weeks
SELECT w.i, COUNT(*), AVG(first_response_at - received_at) FROM w JOIN q
  ON q.received_at >= w.ws AND q.received_at < w.we WHERE first_response_at IS NOT NULL GROUP BY w.i ORDER BY w.i;

-- name: spend_quarter
SELECT COUNT(*), SUM(spend) FROM c WHERE start_at < :qe AND (end_at IS NULL OR end_at >= :qs);
