package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// table describes the SQL table of one entity.
type table struct {
	entity rumbo.Entity
	name   string   // SQL table name
	noun   string   // singular, for messages: "deal"
	cols   []string // columns Put writes and compares, after org_id and external_id
	times  []string // time columns, for DataSpans
}

var tables = map[rumbo.Entity]*table{
	rumbo.EntityTeams: {name: "teams", noun: "team",
		cols: []string{"name", "name_key", "parent_id", "fields"}},
	rumbo.EntityPeople: {name: "people", noun: "person",
		cols:  []string{"name", "name_key", "email", "email_key", "team_id", "active_from", "active_to", "fields"},
		times: []string{"active_from", "active_to"}},
	rumbo.EntityMarkets: {name: "markets", noun: "market",
		cols:  []string{"name", "name_key", "region", "status", "identified_at", "analysed_at", "entered_at", "is_new", "fields"},
		times: []string{"identified_at", "analysed_at", "entered_at"}},
	rumbo.EntityCampaigns: {name: "campaigns", noun: "campaign",
		cols:  []string{"name", "name_key", "channel", "start_at", "end_at", "spend", "fields"},
		times: []string{"start_at", "end_at"}},
	rumbo.EntityLeads: {name: "leads", noun: "lead",
		cols:  []string{"created_at", "owner_id", "channel", "campaign_id", "market_id", "customer_id", "status", "fields"},
		times: []string{"created_at"}},
	rumbo.EntityDeals: {name: "deals", noun: "deal",
		cols:  []string{"lead_xid", "customer_id", "owner_id", "market_id", "amount", "created_at", "closed_at", "stage", "status", "lost_reason", "fields"},
		times: []string{"created_at", "closed_at"}},
	rumbo.EntityActivities: {name: "activities", noun: "activity",
		cols:  []string{"type", "owner_id", "at", "lead_xid", "deal_xid", "fields"},
		times: []string{"at"}},
	rumbo.EntitySurveys: {name: "surveys", noun: "survey",
		cols:  []string{"customer_id", "sent_at", "answered_at", "score", "scale", "fields"},
		times: []string{"sent_at", "answered_at"}},
	rumbo.EntityInquiries: {name: "inquiries", noun: "inquiry",
		cols:  []string{"customer_id", "channel", "received_at", "first_response_at", "resolved_at", "fields"},
		times: []string{"received_at", "first_response_at", "resolved_at"}},
}

func init() {
	for e, t := range tables {
		t.entity = e
	}
}

// tableOf returns the table of entity e, or an EINVALID error.
func tableOf(e rumbo.Entity) (*table, error) {
	t, ok := tables[e]
	if !ok {
		_, err := rumbo.ParseEntity(string(e))
		return nil, err
	}
	return t, nil
}

// Write runs fn in one transaction on the organisation's records; if fn
// returns an error nothing it wrote is kept. For every entity Put, the
// import time becomes opts.Now (the clock's time when zero).
func (db *DB) Write(ctx context.Context, orgID int64, opts rumbo.WriteOptions, fn func(rumbo.Writer) error) error {
	if opts.Now.IsZero() {
		opts.Now = db.now()
	}
	// The transaction's connection is kept for PostgreSQL's COPY (copyRows).
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	if db.d.name == DialectSQLite && opts.Expect >= bulkMin {
		if err := foreignKeys(ctx, conn, false); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		// Deferred before the rollback below, so it runs after it: the
		// pragma does nothing inside a transaction.
		defer foreignKeys(context.WithoutCancel(ctx), conn, true)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := db.checkOrg(ctx, tx, orgID); err != nil {
		return err
	}
	if err := db.d.lockWrites(ctx, tx, orgID); err != nil {
		return err
	}
	w := newWriter(db, tx, orgID, opts)
	w.conn = conn
	if err := fn(w); err != nil {
		return err
	}
	if err := w.restoreIndexes(ctx); err != nil {
		return err
	}
	if err := w.commitAggregates(ctx); err != nil {
		return err
	}
	for _, e := range rumbo.Entities {
		if w.touched[e] {
			if err := db.touchImport(ctx, tx, orgID, e, opts.Now.Unix()); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if opts.Expect >= bulkMin || w.rebuilt {
		names := []string{"agg", "agg_spans"}
		for _, e := range rumbo.Entities {
			if w.touched[e] {
				names = append(names, tables[e].name)
			}
		}
		db.analyze(ctx, names...)
	}
	return nil
}

// analyze has PostgreSQL gather the statistics of tables a large write has
// just filled or rewritten: until autovacuum gets to them (a minute or
// more later) the planner guessed their sizes and chose sequential scans
// for the dashboard's reads of aggregates (27 against 1 ms at M). A failure
// is logged: the write is committed. SQLite plans without statistics.
func (db *DB) analyze(ctx context.Context, tables ...string) {
	if db.d.name != DialectPostgres || ctx.Err() != nil {
		return
	}
	start := time.Now()
	if _, err := db.db.ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", ")); err != nil {
		db.log.Warn("analyze after a large write", "tables", tables, "error", err)
		return
	}
	db.log.Debug("analyzed", "tables", tables, "duration", time.Since(start))
}

// checkOrg returns ENOTFOUND unless the organisation exists.
func (db *DB) checkOrg(ctx context.Context, q querier, orgID int64) error {
	var one int
	err := db.queryRow(ctx, q, "SELECT 1 FROM orgs WHERE id = ?", orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return rumbo.Errorf(rumbo.ENOTFOUND, "organisation %d not found", orgID)
	} else if err != nil {
		return fmt.Errorf("find organisation %d: %w", orgID, err)
	}
	return nil
}

// touchImport records that the entity's data changed at unix time at.
func (db *DB) touchImport(ctx context.Context, q querier, orgID int64, e rumbo.Entity, at int64) error {
	query := db.d.upsert("imports", []string{"org_id", "entity", "imported_at"},
		[]string{"org_id", "entity"}, []string{"imported_at"}, false)
	if _, err := db.exec(ctx, q, query, orgID, string(e), at); err != nil {
		return fmt.Errorf("record import time of %s: %w", e, err)
	}
	return nil
}

// writer is the rumbo.Writer of one Write transaction.
type writer struct {
	db    *DB
	tx    *sql.Tx
	conn  *sql.Conn // tx's connection, for COPY; nil when the writer deletes
	org   int64
	opts  rumbo.WriteOptions
	now   int64
	stmts map[string]*sql.Stmt
	cache map[refKind]map[string]int64
	// complete marks the kinds whose cache holds every record (see
	// preload); preloaded the kinds preload ran for.
	complete, preloaded [refDeal + 1]bool
	touched             map[rumbo.Entity]bool
	rebuilt             bool                  // families were rebuilt at commit
	changed             map[rumbo.Entity]bool // entities with a record inserted or updated
	agg                 *aggDelta             // the aggregates' pending change
	bulkSeen            map[string]bool       // tables bulkIndexes has looked at
	dropped             []string              // definitions of the indexes it dropped
}

func newWriter(db *DB, tx *sql.Tx, orgID int64, opts rumbo.WriteOptions) *writer {
	return &writer{
		db: db, tx: tx, org: orgID, opts: opts, now: opts.Now.Unix(),
		stmts:    make(map[string]*sql.Stmt),
		cache:    make(map[refKind]map[string]int64),
		touched:  make(map[rumbo.Entity]bool),
		changed:  make(map[rumbo.Entity]bool),
		bulkSeen: make(map[string]bool),
	}
}

// stmt returns the statement for query (written with ? placeholders),
// prepared once per transaction.
func (w *writer) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := w.stmts[query]; ok {
		return s, nil
	}
	s, err := w.tx.PrepareContext(ctx, w.db.d.rebind(query))
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	w.stmts[query] = s
	return s, nil
}

// Put inserts or updates the record and reports which; see rumbo.Writer.
func (w *writer) Put(ctx context.Context, r rumbo.Record) (rumbo.Outcome, error) {
	var out rumbo.Outcome
	var err error
	switch r := r.(type) {
	case *rumbo.Team:
		out, err = w.putTeam(ctx, r)
	case *rumbo.Person:
		out, err = w.putPerson(ctx, r)
	case *rumbo.Market:
		out, err = w.putMarket(ctx, r)
	case *rumbo.Campaign:
		out, err = w.putCampaign(ctx, r)
	case *rumbo.Lead, *rumbo.Deal, *rumbo.Activity, *rumbo.Survey, *rumbo.Inquiry:
		var outs [1]rumbo.Outcome
		var errs [1]error
		if err := w.putRun(ctx, r.Entity(), []rumbo.Record{r}, outs[:], errs[:]); err != nil {
			return 0, err
		}
		return outs[0], errs[0]
	default:
		return 0, fmt.Errorf("put: unsupported record type %T", r)
	}
	if err != nil {
		return 0, err
	}
	w.touched[r.Entity()] = true
	return out, nil
}

// upsert writes vals (in t.cols order) to the row with the external id of a
// named record: nothing when the stored row holds the same values, an update
// when it differs, an insert when there is none. It returns the stored values.
func (w *writer) upsert(ctx context.Context, t *table, xid string, vals []any) (rumbo.Outcome, []any, error) {
	sel, err := w.stmt(ctx, "SELECT id, "+strings.Join(t.cols, ", ")+" FROM "+t.name+" WHERE org_id = ? AND external_id = ?")
	if err != nil {
		return 0, nil, err
	}
	var id int64
	stored := make([]any, len(t.cols))
	dest := make([]any, len(t.cols)+1)
	dest[0] = &id
	for i := range stored {
		dest[i+1] = &stored[i]
	}
	err = sel.QueryRowContext(ctx, w.org, xid).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		cols := append([]string{"org_id", "external_id"}, t.cols...)
		ins, err := w.stmt(ctx, w.db.d.insertReturningID(t.name, cols))
		if err != nil {
			return 0, nil, err
		}
		args := append([]any{w.org, xid}, vals...)
		if err := ins.QueryRowContext(ctx, args...).Scan(&id); err != nil {
			return 0, nil, fmt.Errorf("insert %s %q: %w", t.noun, xid, err)
		}
		return rumbo.Inserted, nil, nil
	} else if err != nil {
		return 0, nil, fmt.Errorf("find %s %q: %w", t.noun, xid, err)
	}
	if sameValues(stored, vals) {
		return rumbo.Unchanged, stored, nil
	}
	upd, err := w.stmt(ctx, "UPDATE "+t.name+" SET "+strings.Join(t.cols, " = ?, ")+" = ? WHERE id = ?")
	if err != nil {
		return 0, nil, err
	}
	if _, err := upd.ExecContext(ctx, append(vals, id)...); err != nil {
		return 0, nil, fmt.Errorf("update %s %q: %w", t.noun, xid, err)
	}
	return rumbo.Updated, stored, nil
}

// Delete removes the records with these external ids, all or none:
// ENOTFOUND naming the first one missing, ECONFLICT when another record
// refers to one of them. The entity's import time becomes now.
func (db *DB) Delete(ctx context.Context, orgID int64, e rumbo.Entity, externalIDs []string) error {
	t, err := tableOf(e)
	if err != nil {
		return err
	}
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := db.d.lockWrites(ctx, tx, orgID); err != nil {
		return err
	}
	w := newWriter(db, tx, orgID, rumbo.WriteOptions{Now: db.now()})
	xids := make([]string, 0, len(externalIDs))
	for _, xid := range externalIDs {
		xids = append(xids, strings.TrimSpace(xid))
	}
	if err := w.delete(ctx, t, xids); err != nil {
		return err
	}
	if len(xids) > 0 {
		if err := db.touchImport(ctx, tx, orgID, e, w.now); err != nil {
			return err
		}
		if err := w.commitAggregates(ctx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// delete removes the records of table t with these external ids, in
// batches, keeping the aggregates up to date.
func (w *writer) delete(ctx context.Context, t *table, xids []string) error {
	del, err := w.stmt(ctx, "DELETE FROM "+t.name+" WHERE org_id = ? AND external_id = ?")
	if err != nil {
		return fmt.Errorf("delete %s: %w", t.entity, err)
	}
	for len(xids) > 0 {
		batch := xids[:min(maxBatch, len(xids))]
		xids = xids[len(batch):]
		var ch *change
		if batched(t.entity) {
			if ch, err = w.aggBefore(ctx, t.entity, batch); err != nil {
				return err
			}
		}
		for _, xid := range batch {
			res, err := del.ExecContext(ctx, w.org, xid)
			if isForeignKeyViolation(err) {
				return rumbo.Errorf(rumbo.ECONFLICT, "cannot delete %s %q: other records refer to it", t.noun, xid)
			} else if err != nil {
				return fmt.Errorf("delete %s %q: %w", t.noun, xid, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("delete %s %q: %w", t.noun, xid, err)
			} else if n == 0 {
				return rumbo.Errorf(rumbo.ENOTFOUND, "%s %q not found", t.noun, xid)
			}
		}
		w.changed[t.entity] = true
		if err := w.aggAfter(ctx, ch); err != nil {
			return err
		}
	}
	return nil
}

// Count returns how many records of the entity the organisation holds.
func (db *DB) Count(ctx context.Context, orgID int64, e rumbo.Entity) (int, error) {
	t, err := tableOf(e)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.queryRow(ctx, db.db, "SELECT COUNT(*) FROM "+t.name+" WHERE org_id = ?", orgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", e, err)
	}
	return n, nil
}

// Get returns one record (a *rumbo.Deal, *rumbo.Lead…), or ENOTFOUND.
func (db *DB) Get(ctx context.Context, orgID int64, e rumbo.Entity, externalID string) (rumbo.Record, error) {
	t, err := tableOf(e)
	if err != nil {
		return nil, err
	}
	f := filter{org: orgID, xid: strings.TrimSpace(externalID), one: true}
	var recs []rumbo.Record
	switch e {
	case rumbo.EntityTeams:
		recs, err = collect(db.teams(ctx, db.db, f))
	case rumbo.EntityPeople:
		recs, err = collect(db.people(ctx, db.db, f))
	case rumbo.EntityMarkets:
		recs, err = collect(db.markets(ctx, db.db, f))
	case rumbo.EntityCampaigns:
		recs, err = collect(db.campaigns(ctx, db.db, f))
	case rumbo.EntityLeads:
		recs, err = collect(db.leads(ctx, db.db, f))
	case rumbo.EntityDeals:
		recs, err = collect(db.deals(ctx, db.db, f))
	case rumbo.EntityActivities:
		recs, err = collect(db.activities(ctx, db.db, f))
	case rumbo.EntitySurveys:
		recs, err = collect(db.surveys(ctx, db.db, f))
	case rumbo.EntityInquiries:
		recs, err = collect(db.inquiries(ctx, db.db, f))
	}
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "%s %q not found", t.noun, f.xid)
	}
	return recs[0], nil
}

// collect turns a slice of records into a slice of rumbo.Record pointers.
func collect[T any, P interface {
	*T
	rumbo.Record
}](list []T, err error) ([]rumbo.Record, error) {
	if err != nil {
		return nil, err
	}
	out := make([]rumbo.Record, len(list))
	for i := range list {
		out[i] = P(&list[i])
	}
	return out, nil
}
