package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// refKind is the kind of record a reference points at.
type refKind int

// Reference kinds. Leads and deals are referenced by external id and kept as
// soft references; the others by name (people also by e-mail).
const (
	refPerson refKind = iota
	refTeam
	refMarket
	refCampaign
	refCustomer
	refLead
	refDeal
)

// refNouns name each kind in messages; refTables hold the kind's rows.
var (
	refNouns  = [...]string{"person", "team", "market", "campaign", "customer", "lead", "deal"}
	refTables = [...]string{"people", "teams", "markets", "campaigns", "customers", "leads", "deals"}
)

// ref is one reference of a record being written: the canonical field it
// came from, the value as written and, once resolved, the id (0: none).
type ref struct {
	kind  refKind
	field string
	value string
	id    int64
}

// resolve sets the id of every reference. It looks all of them up before
// it creates any missing one, so that a StrictRefs error leaves nothing
// behind, and it runs no statement that can fail on bad input, so that the
// transaction stays usable after a *rumbo.FieldError.
func (w *writer) resolve(ctx context.Context, refs ...*ref) error {
	missing, err := w.find(ctx, nil, refs)
	if err != nil {
		return err
	}
	return w.createMissing(ctx, missing)
}

// find sets the id of every reference to a stored record and appends the
// others that are to be created to missing; with StrictRefs, a reference to
// a missing record other than a customer is a *rumbo.FieldError.
func (w *writer) find(ctx context.Context, missing []*ref, refs []*ref) ([]*ref, error) {
	n := len(missing)
	for _, r := range refs {
		r.value = strings.TrimSpace(r.value)
		if r.value == "" || (r.kind == refLead || r.kind == refDeal) && !w.opts.StrictRefs {
			continue // a soft reference, kept as written: the lead or deal may come later
		}
		id, err := w.lookup(ctx, r.kind, r.value)
		if err != nil {
			return missing, err
		}
		if id != 0 {
			r.id = id
			continue
		}
		if w.opts.StrictRefs && r.kind != refCustomer {
			return missing[:n], &rumbo.FieldError{Field: r.field, Message: fmt.Sprintf("unknown %s %q", refNouns[r.kind], r.value)}
		}
		missing = append(missing, r)
	}
	return missing, nil
}

// createMissing creates the records the references name, on first sight:
// customers in one statement per batch, the others one at a time.
func (w *writer) createMissing(ctx context.Context, missing []*ref) error {
	var names []string // new customers, distinct keys
	seen := map[string]bool{}
	for _, r := range missing {
		if r.kind != refCustomer {
			continue
		}
		if k := nameKey(r.value); !seen[k] {
			if _, ok := w.cache[refCustomer][k]; !ok {
				seen[k] = true
				names = append(names, r.value)
			}
		}
	}
	created, err := w.createCustomers(ctx, names)
	if err != nil {
		return err
	}
	for _, r := range missing {
		if r.kind == refCustomer {
			k := nameKey(r.value)
			if r.id = created[k]; r.id == 0 {
				r.id = w.cache[refCustomer][k]
			}
			if r.id == 0 {
				return fmt.Errorf("create customer %q: no id", r.value)
			}
			continue
		}
		id, err := w.lookup(ctx, r.kind, r.value) // created for an earlier reference?
		if err == nil && id == 0 {
			id, err = w.create(ctx, r.kind, r.value)
		}
		if err != nil {
			return err
		}
		r.id = id
	}
	return nil
}

// createCustomers stores new customers by name and returns (and caches)
// their ids by name key.
func (w *writer) createCustomers(ctx context.Context, names []string) (map[string]int64, error) {
	const per = 250
	ids := make(map[string]int64, len(names))
	for len(names) > 0 {
		chunk := names[:min(per, len(names))]
		names = names[len(chunk):]
		var sb strings.Builder
		args := make([]any, 0, 3*len(chunk))
		sb.WriteString("INSERT INTO customers (org_id, name, name_key) VALUES ")
		for i, name := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?)")
			args = append(args, w.org, name, nameKey(name))
		}
		sb.WriteString(" RETURNING id, name_key")
		rows, err := w.db.query(ctx, w.tx, sb.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("create customers: %w", err)
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, fmt.Errorf("create customers: %w", err)
			}
			ids[key] = id
			w.remember(refCustomer, key, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("create customers: %w", err)
		}
	}
	return ids, nil
}

// lookup returns the id of the record the value names, 0 if none, caching
// what it finds for the rest of the transaction.
func (w *writer) lookup(ctx context.Context, kind refKind, value string) (int64, error) {
	key := value
	if kind != refLead && kind != refDeal {
		key = nameKey(value)
	}
	if id, ok := w.cache[kind][key]; ok {
		return id, nil
	}
	if kind != refLead && kind != refDeal && !w.preloaded[kind] {
		w.preloaded[kind] = true
		if err := w.preload(ctx, kind); err != nil {
			return 0, err
		}
	}
	if w.complete[kind] {
		return w.cache[kind][key], nil
	}
	var query string
	args := []any{w.org, key}
	switch kind {
	case refPerson:
		// A name match wins over an e-mail match; the oldest record wins a tie.
		query = "SELECT id FROM people WHERE org_id = ? AND (name_key = ? OR email_key = ?) " +
			"ORDER BY CASE WHEN name_key = ? THEN 0 ELSE 1 END, id LIMIT 1"
		args = append(args, key, key)
	case refLead, refDeal:
		query = "SELECT id FROM " + refTables[kind] + " WHERE org_id = ? AND external_id = ?"
	default:
		query = "SELECT id FROM " + refTables[kind] + " WHERE org_id = ? AND name_key = ? ORDER BY id LIMIT 1"
	}
	s, err := w.stmt(ctx, query)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.QueryRowContext(ctx, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("find %s %q: %w", refNouns[kind], value, err)
	}
	w.remember(kind, key, id)
	return id, nil
}

// maxCached bounds each kind's reference cache, so that a file of a
// million deals, each naming its own customer, keeps memory bounded.
const maxCached = 1 << 18

// preload caches every record of the kind when there are at most maxCached,
// and marks the cache complete: a name it lacks names no record, so that a
// file naming the same few hundred reps and thousands of customers runs no
// query per row. People are cached by name and by e-mail with lookup's
// precedence: a name match wins, then the oldest record.
func (w *writer) preload(ctx context.Context, kind refKind) error {
	table := refTables[kind]
	var n int
	if err := w.db.queryRow(ctx, w.tx, "SELECT COUNT(*) FROM "+table+" WHERE org_id = ?", w.org).Scan(&n); err != nil {
		return fmt.Errorf("count %s: %w", table, err)
	}
	if n > maxCached {
		return nil
	}
	email := "NULL"
	if kind == refPerson {
		email = "email_key"
	}
	rows, err := w.db.query(ctx, w.tx, "SELECT id, name_key, "+email+" FROM "+table+" WHERE org_id = ? ORDER BY id", w.org)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	m := make(map[string]int64, n)
	var emails map[string]int64
	for rows.Next() {
		var id int64
		var name, mail sql.NullString
		if err := rows.Scan(&id, &name, &mail); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		if _, ok := m[name.String]; name.String != "" && !ok {
			m[name.String] = id
		}
		if mail.String != "" {
			if emails == nil {
				emails = map[string]int64{}
			}
			if _, ok := emails[mail.String]; !ok {
				emails[mail.String] = id
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	for k, id := range emails {
		if _, ok := m[k]; !ok {
			m[k] = id
		}
	}
	w.cache[kind] = m
	w.complete[kind] = true
	return nil
}

// remember caches the id of a reference key.
func (w *writer) remember(kind refKind, key string, id int64) {
	m := w.cache[kind]
	if m == nil {
		m = make(map[string]int64)
		w.cache[kind] = m
	}
	if len(m) >= maxCached {
		clear(m)
		w.complete[kind] = false
	}
	m[key] = id
}

// forget drops the cached references of a kind, after a record of that kind
// was written and may have changed name.
func (w *writer) forget(kind refKind) {
	delete(w.cache, kind)
	w.complete[kind], w.preloaded[kind] = false, false
}

// create stores the record a missing reference names, on first sight: a
// customer by name, or a person, team, market or campaign with a generated
// external id "auto:<noun>:<value>".
func (w *writer) create(ctx context.Context, kind refKind, value string) (int64, error) {
	key := nameKey(value)
	var id int64
	if kind == refCustomer {
		ids, err := w.createCustomers(ctx, []string{value})
		if err != nil {
			return 0, err
		}
		return ids[key], nil
	}
	table := refTables[kind]
	xid := "auto:" + refNouns[kind] + ":" + value
	// A record created on first sight earlier and renamed since keeps its id.
	s, err := w.stmt(ctx, "SELECT id FROM "+table+" WHERE org_id = ? AND external_id = ?")
	if err != nil {
		return 0, err
	}
	err = s.QueryRowContext(ctx, w.org, xid).Scan(&id)
	if err == nil {
		return id, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find %s %q: %w", refNouns[kind], xid, err)
	}
	cols := []string{"org_id", "external_id", "name", "name_key"}
	args := []any{w.org, xid, value, key}
	if kind == refPerson && strings.Contains(value, "@") {
		cols = []string{"org_id", "external_id", "email", "email_key"}
	}
	ins, err := w.stmt(ctx, w.db.d.insertReturningID(table, cols))
	if err != nil {
		return 0, err
	}
	if err := ins.QueryRowContext(ctx, args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("create %s %q: %w", refNouns[kind], value, err)
	}
	w.remember(kind, key, id)
	return id, nil
}

// adopt gives a record created on first sight (external id
// "auto:<noun>:<value>") the real external id xid, when a record with xid
// arrives and names it (by name, or e-mail for people), so that importing
// deals before people does not leave each rep twice.
func (w *writer) adopt(ctx context.Context, kind refKind, xid string, values ...string) error {
	if strings.HasPrefix(xid, "auto:") {
		return nil
	}
	table := refTables[kind]
	s, err := w.stmt(ctx, "SELECT id FROM "+table+" WHERE org_id = ? AND external_id = ?")
	if err != nil {
		return err
	}
	var id int64
	if err := s.QueryRowContext(ctx, w.org, xid).Scan(&id); err == nil {
		return nil // xid exists: a plain update
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("find %s %q: %w", refNouns[kind], xid, err)
	}
	// The record created on first sight is found by its name's key, as
	// references are: "Ana.Garcia@Acme.com" in the deals names the person
	// "ana.garcia@acme.com" of the people file.
	byKey := "SELECT id FROM " + table + " WHERE org_id = ? AND name_key = ? AND substr(external_id, 1, 5) = 'auto:' ORDER BY id LIMIT 1"
	if kind == refPerson {
		byKey = "SELECT id FROM people WHERE org_id = ? AND (name_key = ? OR email_key = ?) AND substr(external_id, 1, 5) = 'auto:' ORDER BY id LIMIT 1"
	}
	find, err := w.stmt(ctx, byKey)
	if err != nil {
		return err
	}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		args := []any{w.org, nameKey(v)}
		if kind == refPerson {
			args = append(args, nameKey(v))
		}
		err := find.QueryRowContext(ctx, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return fmt.Errorf("find %s %q: %w", refNouns[kind], v, err)
		}
		upd, err := w.stmt(ctx, "UPDATE "+table+" SET external_id = ? WHERE id = ?")
		if err != nil {
			return err
		}
		if _, err := upd.ExecContext(ctx, xid, id); err != nil {
			return fmt.Errorf("adopt %s %q as %q: %w", refNouns[kind], v, xid, err)
		}
		return nil
	}
	return nil
}
