package sqlstore

import (
	"context"
	"iter"

	"github.com/rumbo-app/rumbo/metric/agg"
)

// SetRebuildMin sets the number of changed records above which a write may
// rebuild a family instead of keeping a delta, until the returned function
// restores it.
func SetRebuildMin(n int) (restore func()) {
	old := rebuildMin
	rebuildMin = n
	return func() { rebuildMin = old }
}

// Exec runs a statement on the database, outside any write: tests use it to
// put a database back in an older state.
func (db *DB) Exec(query string, args ...any) error {
	_, err := db.db.Exec(db.d.rebind(query), args...)
	return err
}

// SetBulkMin sets the fewest expected records for which a write drops its
// table's secondary indexes, until the returned function restores it.
func SetBulkMin(n int) (restore func()) {
	old := bulkMin
	bulkMin = n
	return func() { bulkMin = old }
}

// OnBulkIndexes has f told of the indexes each write drops, until the
// returned function removes it.
func OnBulkIndexes(f func(table string, dropped []string)) (restore func()) {
	onBulkIndexes = f
	return func() { onBulkIndexes = nil }
}

// Strings returns the first column of the query's rows, as text.
func (db *DB) Strings(query string, args ...any) ([]string, error) {
	rows, err := db.db.Query(db.d.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ForeignKeys returns PRAGMA foreign_keys of n connections of the pool,
// held at once: the idle ones first, so every connection a test's writes
// used is among them when n exceeds the pool's size.
func (db *DB) ForeignKeys(n int) ([]string, error) {
	ctx := context.Background()
	var out []string
	for range n {
		c, err := db.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		var v string
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CountAhead is countAhead, for its test.
func CountAhead(rows iter.Seq[agg.EncodedRow]) iter.Seq[agg.EncodedRow] {
	seq, _ := countAhead(rows)
	return seq
}
