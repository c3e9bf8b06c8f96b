package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// Aggregates returns the aggregate rows the query selects; ok is always
// true: AggregateSpans tells whether the aggregates were built.
func (db *DB) Aggregates(ctx context.Context, orgID int64, q agg.Query) ([]agg.Row, bool, error) {
	if len(q.Measures) == 0 {
		return nil, true, nil
	}
	hist := "hist"
	if q.NoHist {
		hist = "NULL"
	}
	query := "SELECT measure, start, dim, n, s, m, " + hist + " FROM agg WHERE org_id = ? AND grain = ? AND kind = ? AND measure IN (" +
		placeholders(len(q.Measures)) + ")"
	args := []any{orgID, string(q.Grain), q.Kind}
	for _, m := range q.Measures {
		args = append(args, m)
	}
	if q.Starts != nil {
		if len(q.Starts) == 0 {
			return nil, true, nil
		}
		query += " AND start IN (" + placeholders(len(q.Starts)) + ")"
		for _, s := range q.Starts {
			args = append(args, s)
		}
	} else {
		query += " AND start >= ? AND start < ?"
		args = append(args, q.From, q.To)
	}
	rows, err := db.query(ctx, db.db, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("read aggregates: %w", err)
	}
	defer rows.Close()
	var out []agg.Row
	for rows.Next() {
		r := agg.Row{Key: agg.Key{Grain: q.Grain, Kind: q.Kind}}
		var hist []byte
		if err := rows.Scan(&r.Measure, &r.Start, &r.Dim, &r.N, &r.S, &r.M, &hist); err != nil {
			return nil, false, fmt.Errorf("read aggregates: %w", err)
		}
		if len(hist) > 0 {
			r.Hist = map[int64]int64{}
			if err := agg.DecodeHist(hist, r.Hist); err != nil {
				return nil, false, err
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read aggregates: %w", err)
	}
	return out, true, nil
}

// builtFamilies returns the families whose aggregates exist.
func (db *DB) builtFamilies(ctx context.Context, q querier, orgID int64) (map[string]bool, error) {
	rows, err := db.query(ctx, q, "SELECT family FROM agg_spans WHERE org_id = ?", orgID)
	if err != nil {
		return nil, fmt.Errorf("read aggregate state: %w", err)
	}
	defer rows.Close()
	built := map[string]bool{}
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		built[f] = true
	}
	return built, rows.Err()
}

// OpenEvents returns, for the dimension kind, the open-deal events (agg
// OpenIn and OpenOut, one row per measure and dimension, Grain year) that
// happen at instants in [from, to], read from the raw deals: the engine
// adds them to the aggregates of the days before from to know the deals
// open at an instant inside a day.
func (db *DB) OpenEvents(ctx context.Context, orgID int64, kind string, from, to time.Time) ([]agg.Row, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	loc, err := db.aggLocation(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	f, t := from.Unix(), to.Unix()
	if to.Before(time.Unix(t, 0)) {
		t-- // to lies before its whole second
	}
	// The ids come from the organisation's rows: the outer query reads them
	// by id (filtering it on org_id would make SQLite scan the org's index).
	query := dealSelect + ` WHERE d.id IN (
		SELECT id FROM deals WHERE org_id = ? AND created_at >= ? AND created_at <= ?
		UNION SELECT id FROM deals WHERE org_id = ? AND created_at IS NULL AND first_seen_at >= ? AND first_seen_at <= ?
		UNION SELECT id FROM deals WHERE org_id = ? AND status IN ('won', 'lost') AND closed_at >= ? AND closed_at <= ?)`
	rows, err := db.query(ctx, tx, query, orgID, f, t, orgID, f, t, orgID, f, t)
	if err != nil {
		return nil, fmt.Errorf("read open deals: %w", err)
	}
	defer rows.Close()
	b := agg.NewBuilder(loc)
	var r dealRow
	lo, hi := time.Unix(f, 0), time.Unix(t, 0)
	for rows.Next() {
		x, l, err := r.scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read open deals: %w", err)
		}
		b.OpenEvents(x, l, lo, hi)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read open deals: %w", err)
	}
	// Events in one day fall in one year per dimension; the year rows sum
	// them.
	var out []agg.Row
	for _, row := range b.Rows() {
		if row.Grain == rumbo.GrainYear && row.Kind == kind {
			out = append(out, row)
		}
	}
	return out, nil
}

// AggregateSpans returns the span of every entity like DataSpans, reading
// the spans kept with the aggregates for the large entities instead of
// scanning their tables. ok is false when they were never built.
func (db *DB) AggregateSpans(ctx context.Context, orgID int64) (map[rumbo.Entity]rumbo.DataSpan, bool, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	spans := make(map[rumbo.Entity]rumbo.DataSpan, len(rumbo.Entities))
	rows, err := db.query(ctx, tx, "SELECT entity, n, first_at, last_at FROM agg_spans WHERE org_id = ?", orgID)
	if err != nil {
		return nil, false, fmt.Errorf("read spans: %w", err)
	}
	for rows.Next() {
		var e string
		var n int
		var first, last sql.NullInt64
		if err := rows.Scan(&e, &n, &first, &last); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("read spans: %w", err)
		}
		spans[rumbo.Entity(e)] = rumbo.DataSpan{Count: n, First: timeOf(first), Last: timeOf(last)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read spans: %w", err)
	}
	for _, e := range familyEntity {
		if _, ok := spans[e]; !ok {
			return nil, false, nil
		}
	}
	for _, e := range []rumbo.Entity{rumbo.EntityTeams, rumbo.EntityPeople, rumbo.EntityMarkets, rumbo.EntityCampaigns} {
		s, err := db.dataSpan(ctx, tx, orgID, tables[e])
		if err != nil {
			return nil, false, err
		}
		spans[e] = s
	}
	imp, err := db.query(ctx, tx, "SELECT entity, imported_at FROM imports WHERE org_id = ?", orgID)
	if err != nil {
		return nil, false, fmt.Errorf("read import times: %w", err)
	}
	defer imp.Close()
	for imp.Next() {
		var e string
		var at sql.NullInt64
		if err := imp.Scan(&e, &at); err != nil {
			return nil, false, fmt.Errorf("read import times: %w", err)
		}
		if s, ok := spans[rumbo.Entity(strings.TrimSpace(e))]; ok {
			s.ImportedAt = timeOf(at)
			spans[rumbo.Entity(e)] = s
		}
	}
	return spans, true, imp.Err()
}
