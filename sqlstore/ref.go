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
	var missing []*ref
	for _, r := range refs {
		r.value = strings.TrimSpace(r.value)
		if r.value == "" {
			continue
		}
		id, err := w.lookup(ctx, r.kind, r.value)
		if err != nil {
			return err
		}
		if id != 0 {
			r.id = id
			continue
		}
		switch {
		case r.kind == refCustomer:
			missing = append(missing, r)
		case w.opts.StrictRefs:
			return &rumbo.FieldError{Field: r.field, Message: fmt.Sprintf("unknown %s %q", refNouns[r.kind], r.value)}
		case r.kind == refLead || r.kind == refDeal:
			// Kept as a soft reference: the lead or deal may come later.
		default:
			missing = append(missing, r)
		}
	}
	for _, r := range missing {
		id, err := w.create(ctx, r.kind, r.value)
		if err != nil {
			return err
		}
		r.id = id
	}
	return nil
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
// million deals, each naming its own lead or customer, keeps memory bounded.
const maxCached = 1 << 16

// remember caches the id of a reference key.
func (w *writer) remember(kind refKind, key string, id int64) {
	m := w.cache[kind]
	if m == nil {
		m = make(map[string]int64)
		w.cache[kind] = m
	}
	if len(m) >= maxCached {
		clear(m)
	}
	m[key] = id
}

// forget drops the cached references of a kind, after a record of that kind
// was written and may have changed name.
func (w *writer) forget(kind refKind) {
	delete(w.cache, kind)
}

// create stores the record a missing reference names, on first sight: a
// customer by name, or a person, team, market or campaign with a generated
// external id "auto:<noun>:<value>".
func (w *writer) create(ctx context.Context, kind refKind, value string) (int64, error) {
	key := nameKey(value)
	var id int64
	if kind == refCustomer {
		s, err := w.stmt(ctx, w.db.d.insertReturningID("customers", []string{"org_id", "name", "name_key"}))
		if err != nil {
			return 0, err
		}
		if err := s.QueryRowContext(ctx, w.org, value, key).Scan(&id); err != nil {
			return 0, fmt.Errorf("create customer %q: %w", value, err)
		}
		w.remember(kind, key, id)
		return id, nil
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
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		err := s.QueryRowContext(ctx, w.org, "auto:"+refNouns[kind]+":"+v).Scan(&id)
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
