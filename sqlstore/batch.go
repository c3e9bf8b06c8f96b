package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rumbo-app/rumbo"
)

// maxBatch is the most records putRun writes at once: one SELECT of the
// stored rows, one multi-row INSERT or COPY, and the aggregates' reads per
// batch. 2,000 rather than 500: PostgreSQL's COPY of a batch costs a few
// round trips whatever its size (100k deals: 3.96 → 3.64 s, three
// alternated runs); SQLite is indifferent. A deal's 14 columns keep a
// batch's INSERT within maxParams.
const maxBatch = 2000

// PutBatch stores the records as successive calls of Put would, with a few
// statements per batch instead of several per record; see rumbo.BatchWriter.
func (w *writer) PutBatch(ctx context.Context, recs []rumbo.Record, outs []rumbo.Outcome, errs []error) error {
	for i := 0; i < len(recs); {
		e := recs[i].Entity()
		if !batched(e) {
			out, err := w.Put(ctx, recs[i])
			var fe *rumbo.FieldError
			if errors.As(err, &fe) {
				errs[i] = err
			} else if err != nil {
				return err
			}
			outs[i] = out
			i++
			continue
		}
		// A run of records of one entity with distinct external ids: a
		// repeated id ends it, so the second write sees the first.
		j := i
		seen := make(map[string]bool, min(maxBatch, len(recs)-i))
		for j < len(recs) && j-i < maxBatch && recs[j].Entity() == e {
			xid := strings.TrimSpace(recs[j].Key())
			if seen[xid] {
				break
			}
			seen[xid] = true
			j++
		}
		if err := w.putRun(ctx, e, recs[i:j], outs[i:j], errs[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// stored is a stored row: its id and column values in table order.
type stored struct {
	id   int64
	vals []any
}

// putRun writes records of one batched entity with distinct external ids:
// it checks them, resolves their references, reads the stored rows in one
// query, inserts the new rows in multi-row INSERTs, updates the changed ones,
// and keeps the aggregates up to date.
func (w *writer) putRun(ctx context.Context, e rumbo.Entity, recs []rumbo.Record, outs []rumbo.Outcome, errs []error) error {
	t := tables[e]
	rows := make([]*row, len(recs))
	var missing []*ref
	for i, r := range recs {
		p, err := newRow(r)
		var fe *rumbo.FieldError
		if errors.As(err, &fe) {
			errs[i] = err
			continue
		} else if err != nil {
			return err
		}
		n := len(missing)
		missing, err = w.find(ctx, missing, p.refs)
		if errors.As(err, &fe) {
			missing = missing[:n]
			errs[i] = err
			continue
		} else if err != nil {
			return err
		}
		rows[i] = p
	}
	if err := w.createMissing(ctx, missing); err != nil {
		return err
	}
	var xids []string
	for _, p := range rows {
		if p != nil {
			xids = append(xids, p.xid)
		}
	}
	if len(xids) == 0 {
		return nil
	}
	old, err := w.storedRows(ctx, t, xids)
	if err != nil {
		return err
	}
	var ins, upd []int // indexes of rows to insert and to update
	vals := make([][]any, len(rows))
	for i, p := range rows {
		if p == nil {
			continue
		}
		vals[i] = p.values()
		s, ok := old[p.xid]
		switch {
		case !ok:
			ins = append(ins, i)
			outs[i] = rumbo.Inserted
		case sameValues(s.vals, vals[i]):
			outs[i] = rumbo.Unchanged
		default:
			upd = append(upd, i)
			outs[i] = rumbo.Updated
		}
	}
	w.touched[e] = true
	if len(ins) == 0 && len(upd) == 0 {
		return nil
	}
	w.changed[e] = true
	changed := make([]string, 0, len(ins)+len(upd))
	for _, i := range upd {
		changed = append(changed, rows[i].xid)
	}
	for _, i := range ins {
		changed = append(changed, rows[i].xid)
	}
	ch, err := w.aggBefore(ctx, e, changed)
	if err != nil {
		return err
	}
	if err := w.bulkIndexes(ctx, t); err != nil {
		return err
	}
	if err := w.insertRows(ctx, t, rows, vals, ins); err != nil {
		return err
	}
	if w.conn != nil && w.db.d.copies() && len(upd) >= minCopy {
		if err := w.copyUpdates(ctx, t, rows, vals, upd, old); err != nil {
			return err
		}
	} else if len(upd) > 0 {
		stmt, err := w.stmt(ctx, "UPDATE "+t.name+" SET "+strings.Join(t.cols, " = ?, ")+" = ? WHERE id = ?")
		if err != nil {
			return err
		}
		for _, i := range upd {
			if _, err := stmt.ExecContext(ctx, append(vals[i], old[rows[i].xid].id)...); err != nil {
				return fmt.Errorf("update %s %q: %w", t.noun, rows[i].xid, err)
			}
		}
	}
	return w.aggAfter(ctx, ch)
}

// copyUpdates writes the changed rows rows[i], i in upd, on PostgreSQL in
// three statements instead of one round trip per row (an import of 10,000
// changed deals spent ~10 s in them): COPY into a temporary table shaped
// like the table's columns, then one UPDATE … FROM it.
func (w *writer) copyUpdates(ctx context.Context, t *table, rows []*row, vals [][]any, upd []int, old map[string]stored) error {
	tmp := "rumbo_upd_" + t.name
	cols := append([]string{"id"}, t.cols...)
	// Dropped at commit; a second batch of the transaction empties it.
	if _, err := w.tx.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS "+tmp+" ON COMMIT DROP AS SELECT "+
		strings.Join(cols, ", ")+" FROM "+t.name+" WITH NO DATA"); err != nil {
		return fmt.Errorf("update %s: %w", t.name, err)
	}
	if _, err := w.tx.ExecContext(ctx, "TRUNCATE "+tmp); err != nil {
		return fmt.Errorf("update %s: %w", t.name, err)
	}
	data := make([][]any, 0, len(upd))
	for _, i := range upd {
		data = append(data, append([]any{old[rows[i].xid].id}, vals[i]...))
	}
	if err := copyRows(ctx, w.conn, tmp, cols, pgx.CopyFromRows(data)); err != nil {
		return fmt.Errorf("update %s: %w", t.name, err)
	}
	set := make([]string, len(t.cols))
	for j, c := range t.cols {
		set[j] = c + " = u." + c
	}
	if _, err := w.tx.ExecContext(ctx, "UPDATE "+t.name+" AS x SET "+strings.Join(set, ", ")+" FROM "+tmp+" AS u WHERE x.id = u.id"); err != nil {
		return fmt.Errorf("update %s: %w", t.name, err)
	}
	return nil
}

// sameValues reports whether a stored row holds the values a write brings.
func sameValues(stored, vals []any) bool {
	for i := range stored {
		if normalize(stored[i]) != vals[i] {
			return false
		}
	}
	return true
}

// storedRows returns the stored rows with these external ids, by id.
func (w *writer) storedRows(ctx context.Context, t *table, xids []string) (map[string]stored, error) {
	query, args := w.db.d.byExternalID(t.name, "id, external_id, "+strings.Join(t.cols, ", "), w.org, xids)
	rs, err := w.db.query(ctx, w.tx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", t.name, err)
	}
	defer rs.Close()
	out := make(map[string]stored, len(xids))
	for rs.Next() {
		var s stored
		var xid string
		s.vals = make([]any, len(t.cols))
		dest := make([]any, len(t.cols)+2)
		dest[0], dest[1] = &s.id, &xid
		for i := range s.vals {
			dest[i+2] = &s.vals[i]
		}
		if err := rs.Scan(dest...); err != nil {
			return nil, fmt.Errorf("find %s: %w", t.name, err)
		}
		out[xid] = s
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("find %s: %w", t.name, err)
	}
	return out, nil
}

// maxParams bounds the parameters of one statement (SQLite allows 32,766,
// PostgreSQL 65,535).
const maxParams = 30000

// minCopy is the fewest new rows insertRows writes with COPY, which costs
// two more statements than an INSERT (see copyRows).
const minCopy = 64

// insertRows inserts rows[i] for i in ins with multi-row INSERTs, or COPY
// where the engine has it; new deals get first_seen_at.
func (w *writer) insertRows(ctx context.Context, t *table, rows []*row, vals [][]any, ins []int) error {
	cols := append([]string{"org_id", "external_id"}, t.cols...)
	if t.entity == rumbo.EntityDeals {
		cols = append(cols, "first_seen_at")
	}
	if w.conn != nil && w.db.d.copies() && len(ins) >= minCopy {
		data := make([][]any, 0, len(ins))
		for _, i := range ins {
			r := make([]any, 0, len(cols))
			r = append(append(r, w.org, rows[i].xid), vals[i]...)
			if t.entity == rumbo.EntityDeals {
				r = append(r, w.now)
			}
			data = append(data, r)
		}
		if err := copyRows(ctx, w.conn, t.name, cols, pgx.CopyFromRows(data)); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
		return nil
	}
	per := max(1, min(len(ins), maxParams/len(cols)))
	one := "(" + placeholders(len(cols)) + ")"
	for len(ins) > 0 {
		chunk := ins[:min(per, len(ins))]
		ins = ins[len(chunk):]
		query := "INSERT INTO " + t.name + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+", ", len(chunk)), ", ")
		args := make([]any, 0, len(chunk)*len(cols))
		for _, i := range chunk {
			args = append(args, w.org, rows[i].xid)
			args = append(args, vals[i]...)
			if t.entity == rumbo.EntityDeals {
				args = append(args, w.now)
			}
		}
		var err error
		if len(chunk) == maxBatch { // the usual statement, prepared once
			var stmt *sql.Stmt
			if stmt, err = w.stmt(ctx, query); err == nil {
				_, err = stmt.ExecContext(ctx, args...)
			}
		} else {
			_, err = w.db.exec(ctx, w.tx, query, args...)
		}
		if err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
	}
	return nil
}
