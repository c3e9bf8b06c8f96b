package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// DataSpans returns, for every entity, how many records the organisation
// holds, the earliest and latest time on any of their time fields, and when
// the entity was last written.
func (db *DB) DataSpans(ctx context.Context, orgID int64) (map[rumbo.Entity]rumbo.DataSpan, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	spans := make(map[rumbo.Entity]rumbo.DataSpan, len(rumbo.Entities))
	for _, e := range rumbo.Entities {
		s, err := db.dataSpan(ctx, tx, orgID, tables[e])
		if err != nil {
			return nil, err
		}
		spans[e] = s
	}
	rows, err := db.query(ctx, tx, "SELECT entity, imported_at FROM imports WHERE org_id = ?", orgID)
	if err != nil {
		return nil, fmt.Errorf("read import times: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var at sql.NullInt64
		if err := rows.Scan(&e, &at); err != nil {
			return nil, fmt.Errorf("read import times: %w", err)
		}
		if s, ok := spans[rumbo.Entity(e)]; ok {
			s.ImportedAt = timeOf(at)
			spans[rumbo.Entity(e)] = s
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read import times: %w", err)
	}
	return spans, nil
}

// dataSpan counts an entity's records and finds the extremes of its time
// columns, one MIN and MAX per column (portable, unlike LEAST and GREATEST).
func (db *DB) dataSpan(ctx context.Context, q querier, orgID int64, t *table) (rumbo.DataSpan, error) {
	sel := []string{"COUNT(*)"}
	for _, c := range t.times {
		sel = append(sel, "MIN("+c+")", "MAX("+c+")")
	}
	vals := make([]sql.NullInt64, 2*len(t.times))
	var s rumbo.DataSpan
	dest := []any{&s.Count}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	query := "SELECT " + strings.Join(sel, ", ") + " FROM " + t.name + " WHERE org_id = ?"
	if err := db.queryRow(ctx, q, query, orgID).Scan(dest...); err != nil {
		return s, fmt.Errorf("span of %s: %w", t.entity, err)
	}
	for i := 0; i < len(vals); i += 2 {
		s.First = earlier(s.First, timeOf(vals[i]))
		s.Last = later(s.Last, timeOf(vals[i+1]))
	}
	return s, nil
}

// earlier returns the earlier non-zero time of a and b.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
