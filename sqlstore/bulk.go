package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// A write that brings more records of an entity than its table holds (an
// initial import: rumbo.WriteOptions.Expect) loads it on SQLite without the
// table's secondary indexes, and builds them again before the aggregates
// are rebuilt and the transaction commits: inserting a million deals into
// six indexes at random places cost more than twice as much as sorting
// each index once (BENCHMARKS.md). The unique (org_id, external_id) index
// stays, since every batch looks its stored rows up by it.
//
// Dropping and creating indexes is transactional on SQLite: a write that
// fails rolls back to the indexes it found, and readers, which see the last
// commit, keep theirs meanwhile. PostgreSQL would lock the table against
// readers for the whole import, and loads with COPY: it keeps its indexes.

// Such a large write (from bulkMin expected records, whatever the table
// holds) also runs on SQLite with its connection's foreign-key checks off,
// as the bare driver of the benchmark does: each inserted deal otherwise
// looks up its organisation, owner, market and customer (a tenth of an M
// import's time). Every reference the writer stores is an id it read or
// created itself in the same transaction, and PostgreSQL, which runs the
// same store tests, keeps checking them. The checks are back on before the
// connection returns to the pool.

// bulkMin is the fewest expected records for which a write drops indexes
// and foreign-key checks.
var bulkMin = 20_000

// foreignKeys turns the foreign-key checks of a SQLite connection on or
// off (outside a transaction: the pragma does nothing inside one). A
// connection whose setting is in doubt after an error is closed rather
// than returned to the pool. Turning them on reads the setting back: when the write's
// context was canceled, database/sql rolls the transaction back on a
// goroutine of its own, and the pragma may run before that rollback,
// inside the transaction, where SQLite ignores it without an error.
func foreignKeys(ctx context.Context, conn *sql.Conn, on bool) error {
	v := "OFF"
	if on {
		v = "ON"
	}
	_, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = "+v)
	if err == nil && on {
		var got int
		if err = conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&got); err == nil && got != 1 {
			err = errors.New("foreign-key checks still off")
		}
	}
	if err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}

// onBulkIndexes, when set (tests), is told of the indexes a write drops.
var onBulkIndexes func(table string, dropped []string)

// bulkIndexes drops t's secondary indexes the first time the write changes
// records of its entity, if the write expects more records than the table
// holds and rebuilds the entity's aggregate families at commit (a write
// keeping deltas reads related rows through those indexes at each batch);
// restoreIndexes builds them again.
func (w *writer) bulkIndexes(ctx context.Context, t *table) error {
	if w.bulkSeen[t.name] {
		return nil
	}
	w.bulkSeen[t.name] = true
	if w.db.d.name != DialectSQLite || w.opts.Expect < bulkMin || w.agg == nil {
		return nil
	}
	for _, f := range familiesOf(t.entity) {
		if !w.agg.rebuild[f] {
			return nil
		}
	}
	// The largest id bounds the rows of every organisation: rebuilding the
	// indexes sorts at most twice what the write brings.
	var top int64
	if err := w.db.queryRow(ctx, w.tx, "SELECT COALESCE(MAX(id), 0) FROM "+t.name).Scan(&top); err != nil {
		return fmt.Errorf("size of %s: %w", t.name, err)
	}
	if top > int64(w.opts.Expect) {
		return nil
	}
	rows, err := w.db.query(ctx, w.tx, "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", t.name)
	if err != nil {
		return fmt.Errorf("indexes of %s: %w", t.name, err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return fmt.Errorf("indexes of %s: %w", t.name, err)
		}
		if strings.HasPrefix(strings.ToUpper(def), "CREATE UNIQUE") {
			continue
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("indexes of %s: %w", t.name, err)
	}
	for _, name := range names {
		if _, err := w.tx.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	w.dropped = append(w.dropped, defs...)
	if onBulkIndexes != nil {
		onBulkIndexes(t.name, names)
	}
	return nil
}

// restoreIndexes creates the indexes bulkIndexes dropped.
func (w *writer) restoreIndexes(ctx context.Context) error {
	// The write's prepared statements stay: SQLite prepares them again
	// against the new schema when they next run (sqlite3_prepare_v2).
	for _, def := range w.dropped {
		if _, err := w.tx.ExecContext(ctx, def); err != nil {
			return fmt.Errorf("rebuild index: %s: %w", def, err)
		}
	}
	w.dropped = nil
	return nil
}
