package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// The reads of the KPI engine (metric.AggregateSource): a dashboard makes a
// few dozen of them per request, so their statements are prepared once and
// kept (modernc parses and plans every query text it is given otherwise),
// and their texts take few shapes: lists are padded to a power of two.

// stmtCache keeps prepared statements by query text.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement of query (written with ?
// placeholders), preparing it the first time.
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	s, err := db.db.PrepareContext(ctx, db.d.rebind(query))
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = s
	return s, nil
}

// close closes the kept statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}

// queryStmt runs a kept statement.
func (db *DB) queryStmt(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// padded appends vals to args, repeated up to the next power of two (the
// last value again), and returns the placeholders of the list: a list of 5
// and one of 7 share a statement, and IN ignores the repeats.
func padded[T any](args []any, vals []T) ([]any, string) {
	n := 1
	for n < len(vals) {
		n *= 2
	}
	for i := 0; i < n; i++ {
		args = append(args, vals[min(i, len(vals)-1)])
	}
	return args, placeholders(n)
}

// ReadAggregates calls fn with each aggregate row the query selects: its
// key, its count, sum and count without value, and its histogram encoded as
// by agg.EncodeHist (nil when empty or q.NoHist); k and hist are valid
// during the call only. The rows of measures stored in a pack are read from
// the pack's rows (agg.DecodePack).
func (db *DB) ReadAggregates(ctx context.Context, orgID int64, q agg.Query, fn func(k *agg.Key, n, s, m int64, hist []byte) error) error {
	if len(q.Measures) == 0 || (q.Starts != nil && len(q.Starts) == 0) {
		return nil
	}
	var stored []string
	packed := false
	for _, m := range q.Measures {
		if s := agg.Stored(m); !slices.Contains(stored, s) {
			stored = append(stored, s)
			packed = packed || s != m
		}
	}
	hist := "hist"
	if q.NoHist && !packed {
		hist = "NULL"
	}
	args := []any{orgID, string(q.Grain), q.Kind}
	args, ms := padded(args, stored)
	query := "SELECT measure, start, dim, n, s, m, " + hist + " FROM agg WHERE org_id = ? AND grain = ? AND kind = ? AND measure IN (" + ms + ")"
	if q.Starts != nil {
		var ss string
		args, ss = padded(args, q.Starts)
		query += " AND start IN (" + ss + ")"
	} else {
		query += " AND start >= ? AND start < ?"
		args = append(args, q.From, q.To)
	}
	rows, err := db.queryStmt(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read aggregates: %w", err)
	}
	defer rows.Close()
	k := agg.Key{Grain: q.Grain, Kind: q.Kind}
	var n, s, m int64
	var measure, dim, h sql.RawBytes
	// The names repeat from row to row: one string each.
	names := map[string]string{}
	name := func(b []byte) string {
		v, ok := names[string(b)]
		if !ok {
			v = string(b)
			names[v] = v
		}
		return v
	}
	cell := func(m string, n, s, mm int64, hist []byte) error {
		if !slices.Contains(q.Measures, m) {
			return nil
		}
		if q.NoHist {
			hist = nil
		}
		k.Measure = m
		return fn(&k, n, s, mm, hist)
	}
	for rows.Next() {
		if err := rows.Scan(&measure, &k.Start, &dim, &n, &s, &m, &h); err != nil {
			return fmt.Errorf("read aggregates: %w", err)
		}
		k.Dim = name(dim)
		if err := decodeStored(name(measure), n, s, m, h, cell); err != nil {
			return fmt.Errorf("read aggregates: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read aggregates: %w", err)
	}
	return nil
}

// decodeStored calls fn with each cell of a stored row: the row itself, or
// the cells of a pack row.
func decodeStored(name string, n, s, m int64, hist []byte, fn func(measure string, n, s, m int64, hist []byte) error) error {
	if agg.IsPack(name) {
		return agg.DecodePack(name, hist, fn)
	}
	if len(hist) == 0 {
		hist = nil
	}
	return fn(name, n, s, m, hist)
}

// Aggregates returns the aggregate rows the query selects with their
// histograms decoded; ok is always true: AggregateSpans tells whether the
// aggregates were built.
func (db *DB) Aggregates(ctx context.Context, orgID int64, q agg.Query) ([]agg.Row, bool, error) {
	var out []agg.Row
	err := db.ReadAggregates(ctx, orgID, q, func(k *agg.Key, n, s, m int64, hist []byte) error {
		r := agg.Row{Key: *k, Cell: agg.Cell{N: n, S: s, M: m}}
		if len(hist) > 0 {
			r.Hist = map[int64]int64{}
			if err := agg.DecodeHist(hist, r.Hist); err != nil {
				return err
			}
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// SumAggregatesBefore calls fn with, for each of the measures and each
// dimension value of the kind, the sums of the year rows that start before
// year, the quarter rows that start in [year, quarter) and the month rows
// that start in [quarter, month): with year, quarter and month the starts
// of an instant's periods, everything before the instant's month.
func (db *DB) SumAggregatesBefore(ctx context.Context, orgID int64, kind string, measures []string, year, quarter, month int64, fn func(measure, dim string, n, s, m int64) error) error {
	if len(measures) == 0 {
		return nil
	}
	for _, m := range measures {
		if agg.Stored(m) != m {
			return fmt.Errorf("sum aggregates: %s is stored in a pack", m)
		}
	}
	var parts []string
	var args []any
	for _, p := range []struct {
		g        rumbo.Grain
		from, to any
	}{{rumbo.GrainYear, nil, year}, {rumbo.GrainQuarter, year, quarter}, {rumbo.GrainMonth, quarter, month}} {
		args = append(args, orgID, string(p.g), kind)
		var ms string
		args, ms = padded(args, measures)
		part := "SELECT measure, dim, n, s, m FROM agg WHERE org_id = ? AND grain = ? AND kind = ? AND measure IN (" + ms + ")"
		if p.from != nil {
			part += " AND start >= ?"
			args = append(args, p.from)
		}
		parts = append(parts, part+" AND start < ?")
		args = append(args, p.to)
	}
	query := "SELECT measure, dim, CAST(SUM(n) AS BIGINT), CAST(SUM(s) AS BIGINT), CAST(SUM(m) AS BIGINT) FROM (" +
		strings.Join(parts, " UNION ALL ") + ") t GROUP BY measure, dim"
	rows, err := db.queryStmt(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sum aggregates: %w", err)
	}
	defer rows.Close()
	var measure, dim string
	var n, s, m int64
	for rows.Next() {
		if err := rows.Scan(&measure, &dim, &n, &s, &m); err != nil {
			return fmt.Errorf("sum aggregates: %w", err)
		}
		if err := fn(measure, dim, n, s, m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sum aggregates: %w", err)
	}
	return nil
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

// openEventsSelect reads what a deal's open-deal events need: its times,
// status, amount and dimensions (owner, market, whether its lead is stored,
// the lead's market, channel and campaign), for the deals whose events may
// lie in a range. The ids
// come from the organisation's rows: the outer query reads them by id
// (filtering it on org_id would make SQLite scan the org's index).
const openEventsSelect = `SELECT ` + ownerName + `, m.name, d.amount, d.created_at, d.closed_at, d.status,
	d.first_seen_at, l.id IS NOT NULL, l.channel, lcp.name, lm.name
	FROM deals d
	LEFT JOIN people p ON p.id = d.owner_id
	LEFT JOIN markets m ON m.id = d.market_id
	LEFT JOIN leads l ON l.org_id = d.org_id AND l.external_id = d.lead_xid
	LEFT JOIN campaigns lcp ON lcp.id = l.campaign_id
	LEFT JOIN markets lm ON lm.id = l.market_id
	WHERE d.id IN (
		SELECT id FROM deals WHERE org_id = ? AND created_at >= ? AND created_at <= ?
		UNION SELECT id FROM deals WHERE org_id = ? AND created_at IS NULL AND first_seen_at >= ? AND first_seen_at <= ?
		UNION SELECT id FROM deals WHERE org_id = ? AND status IN ('won', 'lost') AND closed_at >= ? AND closed_at <= ?)`

// OpenEvents returns the open-deal events (agg OpenIn and OpenOut) that
// happen at instants in [from, to], read from the raw deals: one row per
// measure, dimension kind and dimension, of grain year (events in one day
// fall in one year, whose rows sum them). The engine takes them away from
// the aggregates of a day to know the deals open at an instant inside it.
func (db *DB) OpenEvents(ctx context.Context, orgID int64, from, to time.Time) ([]agg.Row, error) {
	loc, err := db.aggLocation(ctx, db.db, orgID)
	if err != nil {
		return nil, err
	}
	f, t := from.Unix(), to.Unix()
	if to.Before(time.Unix(t, 0)) {
		t-- // to lies before its whole second
	}
	rows, err := db.queryStmt(ctx, openEventsSelect, orgID, f, t, orgID, f, t, orgID, f, t)
	if err != nil {
		return nil, fmt.Errorf("read open deals: %w", err)
	}
	defer rows.Close()
	b := agg.NewBuilder(loc)
	var (
		owner, market, status              sql.NullString
		amount, created, closed, firstSeen sql.NullInt64
		hasLead                            bool
		leadChannel, leadCamp, leadMarket  sql.NullString
		money                              rumbo.Money
		lo, hi                             = time.Unix(f, 0), time.Unix(t, 0)
	)
	for rows.Next() {
		if err := rows.Scan(&owner, &market, &amount, &created, &closed, &status, &firstSeen,
			&hasLead, &leadChannel, &leadCamp, &leadMarket); err != nil {
			return nil, fmt.Errorf("read open deals: %w", err)
		}
		// Only what the events and their dimensions read (agg.Builder.OpenEvents).
		x := rumbo.Deal{Owner: owner.String, Market: market.String, CreatedAt: timeOf(created),
			ClosedAt: timeOf(closed), Status: status.String, FirstSeenAt: timeOf(firstSeen)}
		if amount.Valid {
			money = rumbo.Money(amount.Int64)
			x.Amount = &money
		}
		var l *agg.DealLead
		if hasLead {
			l = &agg.DealLead{Channel: leadChannel.String, Campaign: leadCamp.String, Market: leadMarket.String}
		}
		b.OpenEvents(&x, l, lo, hi)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read open deals: %w", err)
	}
	var out []agg.Row
	for _, row := range b.Rows() {
		if row.Grain == rumbo.GrainYear {
			out = append(out, row)
		}
	}
	return out, b.Err()
}

// AggregateSpans returns the span of every entity like DataSpans, reading
// the spans kept with the aggregates for the large entities instead of
// scanning their tables. ok is false when they were never built.
func (db *DB) AggregateSpans(ctx context.Context, orgID int64) (map[rumbo.Entity]rumbo.DataSpan, bool, error) {
	// The statements are prepared before the transaction takes its
	// connection: preparing one needs a connection of the pool.
	spansStmt, err := db.stmt(ctx, "SELECT entity, n, first_at, last_at FROM agg_spans WHERE org_id = ?")
	if err != nil {
		return nil, false, fmt.Errorf("read spans: %w", err)
	}
	importsStmt, err := db.stmt(ctx, "SELECT entity, imported_at FROM imports WHERE org_id = ?")
	if err != nil {
		return nil, false, fmt.Errorf("read import times: %w", err)
	}
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	spans := make(map[rumbo.Entity]rumbo.DataSpan, len(rumbo.Entities))
	rows, err := tx.StmtContext(ctx, spansStmt).QueryContext(ctx, orgID)
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
	imp, err := tx.StmtContext(ctx, importsStmt).QueryContext(ctx, orgID)
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
