package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// The aggregates of package agg are kept in the agg table, a pure function
// of the raw rows. Writes keep them up to date incrementally (aggdelta.go);
// the functions below rebuild a family from the raw rows, when a name the
// aggregates keep changes, for records that predate the aggregates, and for
// a new time zone. The local day of every fact is computed in Go in the
// organisation's zone.

// familiesOf lists the aggregate families a change to entity e affects:
// deals and leads depend on each other (a deal's market, channel, campaign,
// cycle start and customer come from its lead; a lead's conversion from its
// deals), and owner, market and campaign names are kept in the aggregates.
func familiesOf(e rumbo.Entity) []string {
	switch e {
	case rumbo.EntityDeals, rumbo.EntityLeads, rumbo.EntityMarkets, rumbo.EntityCampaigns:
		return []string{agg.FamilyDeals, agg.FamilyLeads}
	case rumbo.EntityPeople:
		return []string{agg.FamilyDeals, agg.FamilyLeads, agg.FamilyActivities}
	case rumbo.EntityActivities:
		return []string{agg.FamilyActivities}
	case rumbo.EntitySurveys:
		return []string{agg.FamilySurveys}
	case rumbo.EntityInquiries:
		return []string{agg.FamilyInquiries}
	}
	return nil
}

// familyEntity is the entity whose span each family keeps.
var familyEntity = map[string]rumbo.Entity{
	agg.FamilyDeals: rumbo.EntityDeals, agg.FamilyLeads: rumbo.EntityLeads,
	agg.FamilyActivities: rumbo.EntityActivities, agg.FamilySurveys: rumbo.EntitySurveys,
	agg.FamilyInquiries: rumbo.EntityInquiries,
}

// RebuildAggregates rebuilds every aggregate of the organisation from its
// raw records, in one transaction. Writes keep them up to date; this is for
// a database whose records predate the aggregates.
func (db *DB) RebuildAggregates(ctx context.Context, orgID int64) error {
	err := db.inLockedTx(ctx, orgID, func(tx *sql.Tx) error { return db.rebuild(ctx, tx, nil, orgID, agg.Families) })
	if err == nil {
		db.analyze(ctx, "agg", "agg_spans")
	}
	return err
}

// rebuildMissing rebuilds, in one transaction, the organisation's families
// that were never built (or were dropped by a migration) although their
// entity has records.
func (db *DB) rebuildMissing(ctx context.Context, orgID int64) error {
	rebuilt := false
	err := db.inLockedTx(ctx, orgID, func(tx *sql.Tx) error {
		built, err := db.builtFamilies(ctx, tx, orgID)
		if err != nil {
			return err
		}
		fams, err := db.unbuilt(ctx, tx, orgID, built)
		if err != nil || len(fams) == 0 {
			return err
		}
		start := time.Now()
		if err := db.rebuild(ctx, tx, nil, orgID, fams); err != nil {
			return err
		}
		db.log.Info("aggregates rebuilt", "org", orgID, "families", strings.Join(fams, ","), "duration", time.Since(start))
		rebuilt = true
		return nil
	})
	if err == nil && rebuilt {
		db.analyze(ctx, "agg", "agg_spans")
	}
	return err
}

// inLockedTx runs fn in a transaction holding the organisation's write
// lock, and commits unless fn fails.
func (db *DB) inLockedTx(ctx context.Context, orgID int64, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := db.d.lockWrites(ctx, tx, orgID); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// unbuilt returns the families not built whose entity has records: those
// must be built from the raw rows (a family whose entity is empty starts
// from empty aggregates instead).
func (db *DB) unbuilt(ctx context.Context, q querier, orgID int64, built map[string]bool) ([]string, error) {
	var fams []string
	for _, f := range agg.Families {
		if built[f] {
			continue
		}
		var one int
		err := db.queryRow(ctx, q, "SELECT 1 FROM "+tables[familyEntity[f]].name+" WHERE org_id = ? LIMIT 1", orgID).Scan(&one)
		switch {
		case err == nil:
			fams = append(fams, f)
		case err != sql.ErrNoRows:
			return nil, fmt.Errorf("aggregates of %s: %w", f, err)
		}
	}
	return fams, nil
}

// rebuild recomputes the families' aggregates and spans from the raw rows;
// conn, when not nil, is tx's connection (see storeFamily). The deal and
// lead families are built together, from one pass over the leads and deals
// (buildDealsLeads).
func (db *DB) rebuild(ctx context.Context, tx *sql.Tx, conn *sql.Conn, orgID int64, fams []string) error {
	if len(fams) == 0 {
		return nil
	}
	loc, err := db.aggLocation(ctx, tx, orgID)
	if err != nil {
		return err
	}
	bs := make(map[string]*agg.Builder, len(fams))
	sps := make(map[string]*span, len(fams))
	for _, f := range fams {
		bs[f], sps[f] = agg.NewBuilder(loc), &span{}
	}
	// Rows counted ahead by other goroutines: a family's rows are sorted
	// and counted while the one before is written.
	// A family whose writing fails before reading its rows (a failed
	// DELETE, a COPY refused at once) leaves its counting goroutine to the
	// stops, as do the families never reached.
	ahead := map[string]iter.Seq[agg.EncodedRow]{}
	var stops []func()
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	if bs[agg.FamilyDeals] != nil || bs[agg.FamilyLeads] != nil {
		if err := db.buildDealsLeads(ctx, tx, orgID, bs[agg.FamilyDeals], bs[agg.FamilyLeads], sps[agg.FamilyDeals], sps[agg.FamilyLeads]); err != nil {
			return fmt.Errorf("aggregates of deals and leads: %w", err)
		}
		for _, f := range []string{agg.FamilyDeals, agg.FamilyLeads} {
			if b := bs[f]; b != nil {
				rows, stop := countAhead(b.StoredRows())
				ahead[f], stops = rows, append(stops, stop)
			}
		}
	}
	// The deals, which have the most rows, are written last: the other
	// families' writing hides their sorting.
	order := slices.DeleteFunc(slices.Clone(fams), func(f string) bool { return f == agg.FamilyDeals })
	if len(order) < len(fams) {
		order = append(order, agg.FamilyDeals)
	}
	for _, f := range order {
		b, sp := bs[f], sps[f]
		switch f {
		case agg.FamilyActivities:
			err = db.buildActivities(ctx, tx, orgID, b, sp)
		case agg.FamilySurveys:
			err = db.buildSurveys(ctx, tx, orgID, b, sp)
		case agg.FamilyInquiries:
			err = db.buildInquiries(ctx, tx, orgID, b, sp)
		}
		if err != nil {
			return fmt.Errorf("aggregates of %s: %w", f, err)
		}
		rows, ok := ahead[f]
		if !ok {
			rows = b.StoredRows()
		}
		delete(ahead, f)
		delete(bs, f) // its memory goes to the rows' writing and the next family
		if err := db.storeFamily(ctx, tx, conn, orgID, f, rows, *sp); err != nil {
			return fmt.Errorf("store aggregates of %s: %w", f, err)
		}
		// Its rows have all been counted (the sequence ran to its end).
		if err := b.Err(); err != nil {
			return fmt.Errorf("aggregates of %s: %w", f, err)
		}
	}
	return nil
}

// countAhead starts counting rows on another goroutine, which keeps a few
// chunks of them ready for the returned sequence; it stops when the
// sequence is iterated to its end or broken off, or when stop is called (a
// sequence never iterated leaves its goroutine blocked until then). stop
// may be called more than once, and after the sequence.
func countAhead(rows iter.Seq[agg.EncodedRow]) (seq iter.Seq[agg.EncodedRow], stop func()) {
	const chunk = 256
	full := make(chan []agg.EncodedRow, 4)
	stopped := make(chan struct{})
	var once sync.Once
	stop = func() { once.Do(func() { close(stopped) }) }
	go func() {
		defer close(full)
		buf := make([]agg.EncodedRow, 0, chunk)
		for r := range rows {
			if buf = append(buf, r); len(buf) == chunk {
				select {
				case full <- buf:
				case <-stopped:
					return
				}
				buf = make([]agg.EncodedRow, 0, chunk)
			}
		}
		if len(buf) > 0 {
			select {
			case full <- buf:
			case <-stopped:
			}
		}
	}()
	return func(yield func(agg.EncodedRow) bool) {
		defer stop()
		for buf := range full {
			for _, r := range buf {
				if !yield(r) {
					return
				}
			}
		}
	}, stop
}

// aggLocation returns the organisation's time zone.
func (db *DB) aggLocation(ctx context.Context, q querier, orgID int64) (*time.Location, error) {
	o := rumbo.Org{ID: orgID}
	if err := db.queryRow(ctx, q, "SELECT slug, time_zone FROM orgs WHERE id = ?", orgID).Scan(&o.Slug, &o.TimeZone); err != nil {
		return nil, fmt.Errorf("find organisation %d: %w", orgID, err)
	}
	return o.Location()
}

// span accumulates an entity's count and time extremes.
type span struct {
	n           int64
	first, last sql.NullInt64
}

func (s *span) see(vs ...sql.NullInt64) {
	for _, v := range vs {
		if !v.Valid {
			continue
		}
		if !s.first.Valid || v.Int64 < s.first.Int64 {
			s.first = v
		}
		if !s.last.Valid || v.Int64 > s.last.Int64 {
			s.last = v
		}
	}
}

// storeFamily replaces the family's aggregate rows and span. On PostgreSQL,
// with tx's connection, the rows are written with COPY.
func (db *DB) storeFamily(ctx context.Context, tx *sql.Tx, conn *sql.Conn, orgID int64, fam string, rows iter.Seq[agg.EncodedRow], sp span) error {
	ms := agg.StoredNames(fam)
	args := []any{orgID}
	for _, m := range ms {
		args = append(args, m)
	}
	if _, err := db.exec(ctx, tx, "DELETE FROM agg WHERE org_id = ? AND measure IN ("+placeholders(len(ms))+")", args...); err != nil {
		return err
	}
	var err error
	if conn != nil && db.d.copies() {
		src := &aggSource{org: orgID, fam: fam}
		src.next, src.stop = iter.Pull(rows)
		err = copyRows(ctx, conn, "agg", aggCols, src)
		src.stop()
	} else {
		err = db.storeAggRows(ctx, tx, orgID, fam, rows, false)
	}
	if err != nil {
		return err
	}
	e := familyEntity[fam]
	q := db.d.upsert("agg_spans", []string{"org_id", "family", "entity", "n", "first_at", "last_at"},
		[]string{"org_id", "family", "entity"}, []string{"n", "first_at", "last_at"}, false)
	_, err = db.exec(ctx, tx, q, orgID, fam, string(e), sp.n, sp.first, sp.last)
	return err
}

// aggCols are the columns of the agg table, in aggValues order.
var aggCols = []string{"org_id", "family", "measure", "grain", "kind", "start", "dim", "n", "s", "m", "hist"}

// aggValues appends the values of an aggregate row in aggCols order.
func aggValues(vals []any, orgID int64, fam string, r *agg.EncodedRow) []any {
	var hist any
	if r.Hist != nil {
		hist = r.Hist
	}
	return append(vals, orgID, fam, r.Measure, string(r.Grain), r.Kind, r.Start, r.Dim, r.N, r.S, r.M, hist)
}

// aggSource hands aggregate rows to COPY one at a time.
type aggSource struct {
	org  int64
	fam  string
	next func() (agg.EncodedRow, bool)
	stop func()
	row  agg.EncodedRow
	vals []any
}

func (s *aggSource) Next() bool {
	var ok bool
	s.row, ok = s.next()
	return ok
}
func (s *aggSource) Err() error { return nil }
func (s *aggSource) Values() ([]any, error) {
	s.vals = aggValues(s.vals[:0], s.org, s.fam, &s.row)
	return s.vals, nil
}

// storeAggRows writes aggregate rows with multi-row INSERTs of 200 rows (one
// statement prepared once for them all); with replace, a row that exists is
// overwritten. Another goroutine takes the next rows (a rebuild's are
// counted as they come: agg.Builder.StoredRows) and lays out their
// arguments while a statement runs.
func (db *DB) storeAggRows(ctx context.Context, tx *sql.Tx, orgID int64, fam string, rows iter.Seq[agg.EncodedRow], replace bool) error {
	const per = 200
	cols := aggCols
	query := func(n int) string {
		q := "INSERT INTO agg (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat("("+placeholders(len(cols))+"), ", n), ", ")
		if replace {
			q += " ON CONFLICT (org_id, measure, grain, kind, start, dim) DO UPDATE SET " +
				"n = excluded.n, s = excluded.s, m = excluded.m, hist = excluded.hist"
		}
		return db.d.rebind(q)
	}
	// Three argument slices circulate between the goroutines.
	ready := make(chan []any, 2)
	free := make(chan []any, 3)
	for range 3 {
		free <- make([]any, 0, len(cols)*per)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(ready)
		var args []any
		send := func() bool {
			select {
			case ready <- args:
				args = nil
				return true
			case <-stop:
				return false
			}
		}
		for r := range rows {
			if args == nil {
				select {
				case args = <-free:
				case <-stop:
					return
				}
			}
			args = aggValues(args, orgID, fam, &r)
			if len(args) == len(cols)*per && !send() {
				return
			}
		}
		if len(args) > 0 {
			send()
		}
	}()
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for args := range ready {
		var err error
		if n := len(args) / len(cols); n < per {
			_, err = tx.ExecContext(ctx, query(n), args...)
		} else {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, query(per)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return err
		}
		clear(args)
		free <- args[:0]
	}
	return nil
}

// dealJoins joins deals d to what their facts need: customer c, owner p,
// market m, and their lead l with its campaign lcp, market lm and customer lc.
const dealJoins = `
	LEFT JOIN customers c ON c.id = d.customer_id
	LEFT JOIN people p ON p.id = d.owner_id
	LEFT JOIN markets m ON m.id = d.market_id
	LEFT JOIN leads l ON l.org_id = d.org_id AND l.external_id = d.lead_xid
	LEFT JOIN campaigns lcp ON lcp.id = l.campaign_id
	LEFT JOIN markets lm ON lm.id = l.market_id
	LEFT JOIN customers lc ON lc.id = l.customer_id`

// dealSelect reads deals with their lead's fields, in dealRow order.
const dealSelect = `SELECT d.lead_xid, c.name, ` + ownerName + `, m.name, d.amount, d.created_at, d.closed_at,
	d.status, d.first_seen_at, l.id, l.created_at, l.channel, lcp.name, lm.name, lc.name
	FROM deals d` + dealJoins

// dealRow holds one dealSelect row; finish makes it a deal and its lead.
type dealRow struct {
	lead, customer, owner, market, status       sql.NullString
	amount, created, closed, firstSeen          sql.NullInt64
	leadID, leadCreated                         sql.NullInt64
	leadChannel, leadCamp, leadMarket, leadComp sql.NullString
	x                                           rumbo.Deal
	l                                           agg.DealLead
	money                                       rumbo.Money
}

// dests returns the scan destinations of a dealSelect row.
func (r *dealRow) dests() []any {
	return []any{&r.lead, &r.customer, &r.owner, &r.market, &r.amount, &r.created, &r.closed,
		&r.status, &r.firstSeen, &r.leadID, &r.leadCreated, &r.leadChannel, &r.leadCamp, &r.leadMarket, &r.leadComp}
}

// finish builds the deal and its lead from the scanned columns.
func (r *dealRow) finish() (*rumbo.Deal, *agg.DealLead) {
	r.x = rumbo.Deal{Lead: r.lead.String, Customer: r.customer.String, Owner: r.owner.String, Market: r.market.String,
		CreatedAt: timeOf(r.created), ClosedAt: timeOf(r.closed), Status: r.status.String, FirstSeenAt: timeOf(r.firstSeen)}
	if r.amount.Valid {
		r.money = rumbo.Money(r.amount.Int64)
		r.x.Amount = &r.money
	}
	if !r.leadID.Valid {
		return &r.x, nil
	}
	r.l = agg.DealLead{CreatedAt: timeOf(r.leadCreated), Channel: r.leadChannel.String, Campaign: r.leadCamp.String,
		Market: r.leadMarket.String, Company: r.leadComp.String}
	return &r.x, &r.l
}

// refNames holds the names the facts keep of an organisation's people
// (ownerName), markets and campaigns, by id.
type refNames struct {
	people, markets, campaigns map[int64]string
}

// loadRefNames reads the organisation's people, markets and campaigns
// names: a few hundred rows that the rebuild resolves in memory instead of
// joining them to every deal and lead.
func (db *DB) loadRefNames(ctx context.Context, tx *sql.Tx, orgID int64) (*refNames, error) {
	n := &refNames{}
	for _, t := range []struct {
		m     *map[int64]string
		query string
	}{
		{&n.people, "SELECT p.id, " + ownerName + " FROM people p WHERE p.org_id = ?"},
		{&n.markets, "SELECT id, name FROM markets WHERE org_id = ?"},
		{&n.campaigns, "SELECT id, name FROM campaigns WHERE org_id = ?"},
	} {
		*t.m = map[int64]string{}
		rows, err := db.query(ctx, tx, t.query, orgID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var name sql.NullString
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, err
			}
			(*t.m)[id] = name.String
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// name returns the name of the row id refers to, "" for none.
func name(m map[int64]string, id sql.NullInt64) string {
	if !id.Valid {
		return ""
	}
	return m[id.Int64]
}

// customerKey is how the rebuild tells customers apart: by id, as a
// non-empty string (the facts use a deal's customer only to find its first
// win, never its name).
func customerKey(id sql.NullInt64) string {
	if !id.Valid {
		return ""
	}
	return strconv.FormatInt(id.Int64, 10)
}

// customerFirstWins returns, per customer id, the closed_at of the
// customer's first won deal (agg.DealCustomer: the deal's customer, else
// its lead's company). The conditions are written so that SQLite scans the
// deals in table order (an index on status or closed_at would visit them in
// random order) and looks a lead up only for a deal without a customer.
func (db *DB) customerFirstWins(ctx context.Context, tx *sql.Tx, orgID int64) (map[int64]int64, error) {
	rows, err := db.query(ctx, tx, `SELECT COALESCE(d.customer_id, l.customer_id), d.closed_at FROM deals d
		LEFT JOIN leads l ON d.customer_id IS NULL AND l.org_id = d.org_id AND l.external_id = d.lead_xid
		WHERE d.org_id + 0 = ? AND d.status || '' = 'won' AND d.closed_at IS NOT NULL`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	first := map[int64]int64{}
	for rows.Next() {
		var c sql.NullInt64
		var at int64
		if err := rows.Scan(&c, &at); err != nil {
			return nil, err
		}
		if f, ok := first[c.Int64]; c.Valid && (!ok || at < f) {
			first[c.Int64] = at
		}
	}
	return first, rows.Err()
}

// dealsLeadsSelect reads the organisation's leads (src 0) and its deals
// that name a lead (src 1) in one stream ordered by the lead's external id,
// so that each lead comes with its deals (SQLite merges two index scans).
// Keys are only compared for equality, so the engine's collation does not
// matter; a lead may come after its deals.
const dealsLeadsSelect = `SELECT external_id, 0, owner_id, market_id, customer_id, created_at, NULL, NULL, channel, campaign_id
	FROM leads WHERE org_id = ?
	UNION ALL
	SELECT lead_xid, 1, owner_id, market_id, customer_id, created_at, amount, closed_at, status, first_seen_at
	FROM deals WHERE org_id = ? AND lead_xid IS NOT NULL
	ORDER BY 1`

// mergedRow is one dealsLeadsSelect row: a lead (channel in text, campaign
// in extra) or a deal (status in text, first_seen_at in extra).
type mergedRow struct {
	key                              sql.NullString
	src                              int64
	owner, market, customer, created sql.NullInt64
	amount, closed, extra            sql.NullInt64
	text                             sql.NullString
}

func (r *mergedRow) dests() []any {
	return []any{&r.key, &r.src, &r.owner, &r.market, &r.customer, &r.created, &r.amount, &r.closed, &r.text, &r.extra}
}

// buildDealsLeads feeds the facts of every deal to bd and of every lead to
// bl (either may be nil) and fills their spans, reading each table once
// (dealsLeadsSelect, then the deals without a lead): a lead's first win is
// the earliest won deal of its group, and the customers' first wins are
// read first (customerFirstWins).
func (db *DB) buildDealsLeads(ctx context.Context, tx *sql.Tx, orgID int64, bd, bl *agg.Builder, sd, sl *span) error {
	// A rebuild of one of the two families (a migration dropped it) still
	// reads both tables: the other's span is counted and dropped.
	if sd == nil {
		sd = &span{}
	}
	if sl == nil {
		sl = &span{}
	}
	names, err := db.loadRefNames(ctx, tx, orgID)
	if err != nil {
		return err
	}
	var custWon map[int64]int64
	if bd != nil {
		if custWon, err = db.customerFirstWins(ctx, tx, orgID); err != nil {
			return fmt.Errorf("read first wins: %w", err)
		}
	}
	// deal adds the facts of the deal in r, whose lead is l (nil: not
	// stored), and returns its won closed_at (0: none).
	var x rumbo.Deal
	var money rumbo.Money
	deal := func(r *mergedRow, l *agg.DealLead, leadCust sql.NullInt64) int64 {
		sd.n++
		sd.see(r.created, r.closed)
		var won int64
		if r.text.String == rumbo.DealWon && r.closed.Valid {
			won = r.closed.Int64
		}
		if bd == nil {
			return won
		}
		x = rumbo.Deal{Lead: r.key.String, Customer: customerKey(r.customer), Owner: name(names.people, r.owner),
			Market: name(names.markets, r.market), CreatedAt: timeOf(r.created), ClosedAt: timeOf(r.closed),
			Status: r.text.String, FirstSeenAt: timeOf(r.extra)}
		if r.amount.Valid {
			money = rumbo.Money(r.amount.Int64)
			x.Amount = &money
		}
		cust := r.customer
		if !cust.Valid && l != nil {
			cust = leadCust
		}
		var fw time.Time
		if f, ok := custWon[cust.Int64]; ok && cust.Valid {
			fw = time.Unix(f, 0)
		}
		bd.Deal(&x, l, fw)
		return won
	}

	var (
		group    sql.NullString // the key of the lead group being read
		hasLead  bool
		lead     rumbo.Lead
		dl       agg.DealLead
		leadCust sql.NullInt64
		won      int64       // the group's first win
		pending  []mergedRow // deals of the group read before its lead
	)
	// end finishes the group: its lead's facts, or its deals without a lead.
	end := func() {
		if hasLead {
			if bl != nil {
				var fw time.Time
				if won != 0 {
					fw = time.Unix(won, 0)
				}
				bl.Lead(&lead, fw)
			}
		} else {
			for i := range pending {
				deal(&pending[i], nil, sql.NullInt64{})
			}
		}
		hasLead, won, pending = false, 0, pending[:0]
	}
	err = db.streamRows(ctx, tx, func(r *mergedRow) {
		if r.key != group {
			end()
			group = r.key
		}
		switch {
		case r.src == 0:
			sl.n++
			sl.see(r.created)
			hasLead, leadCust = true, r.customer
			lead = rumbo.Lead{ExternalID: r.key.String, CreatedAt: timeOf(r.created), Owner: name(names.people, r.owner),
				Channel: r.text.String, Campaign: name(names.campaigns, r.extra), Market: name(names.markets, r.market)}
			dl = agg.DealLead{CreatedAt: lead.CreatedAt, Channel: lead.Channel, Campaign: lead.Campaign, Market: lead.Market,
				Company: customerKey(r.customer)}
			for i := range pending {
				won = earliest(won, deal(&pending[i], &dl, leadCust))
			}
			pending = pending[:0]
		case hasLead:
			won = earliest(won, deal(r, &dl, leadCust))
		default:
			pending = append(pending, *r)
		}
	}, dealsLeadsSelect, orgID, orgID)
	if err != nil {
		return err
	}
	end()
	// Deals without a lead.
	return db.streamRows(ctx, tx, func(r *mergedRow) { deal(r, nil, sql.NullInt64{}) },
		`SELECT NULL, 1, owner_id, market_id, customer_id, created_at, amount, closed_at, status, first_seen_at
		FROM deals WHERE org_id = ? AND lead_xid IS NULL`, orgID)
}

// streamRows calls fn with each row of the query, in order. Another
// goroutine reads the rows, in chunks, so that reading and building the
// facts overlap; fn must not use tx.
func (db *DB) streamRows(ctx context.Context, tx *sql.Tx, fn func(*mergedRow), query string, args ...any) error {
	const chunk, chunks = 512, 4
	full := make(chan []mergedRow, chunks)
	free := make(chan []mergedRow, chunks)
	for range chunks {
		free <- make([]mergedRow, 0, chunk)
	}
	errc := make(chan error, 1)
	go func() {
		defer close(full)
		errc <- func() error {
			rows, err := db.query(ctx, tx, query, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			var r mergedRow
			dests := r.dests()
			buf := <-free
			for rows.Next() {
				if err := rows.Scan(dests...); err != nil {
					return err
				}
				if buf = append(buf, r); len(buf) == chunk {
					full <- buf
					buf = <-free
				}
			}
			if len(buf) > 0 {
				full <- buf
			}
			return rows.Err()
		}()
	}()
	for buf := range full {
		for i := range buf {
			fn(&buf[i])
		}
		free <- buf[:0]
	}
	return <-errc
}

func (db *DB) buildActivities(ctx context.Context, tx *sql.Tx, orgID int64, b *agg.Builder, sp *span) error {
	rows, err := db.query(ctx, tx, `SELECT x.at, `+ownerName+`, x.type FROM activities x
		LEFT JOIN people p ON p.id = x.owner_id WHERE x.org_id = ?`, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var a rumbo.Activity
	var at sql.NullInt64
	var owner, typ sql.NullString
	for rows.Next() {
		if err := rows.Scan(&at, &owner, &typ); err != nil {
			return err
		}
		sp.n++
		sp.see(at)
		a.At, a.Owner, a.Type = timeOf(at), owner.String, typ.String
		b.Activity(&a)
	}
	return rows.Err()
}

func (db *DB) buildSurveys(ctx context.Context, tx *sql.Tx, orgID int64, b *agg.Builder, sp *span) error {
	rows, err := db.query(ctx, tx, `SELECT sent_at, answered_at, score, scale FROM surveys WHERE org_id = ?`, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var s rumbo.Survey
	var sent, answered, score sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&sent, &answered, &score, &s.Scale); err != nil {
			return err
		}
		sp.n++
		sp.see(sent, answered)
		s.SentAt, s.AnsweredAt, s.Score = timeOf(sent), timeOf(answered), nil
		if score.Valid {
			v := int(score.Int64)
			s.Score = &v
		}
		b.Survey(&s)
	}
	return rows.Err()
}

func (db *DB) buildInquiries(ctx context.Context, tx *sql.Tx, orgID int64, b *agg.Builder, sp *span) error {
	rows, err := db.query(ctx, tx, `SELECT received_at, first_response_at, resolved_at FROM inquiries WHERE org_id = ?`, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var q rumbo.Inquiry
	var received, responded, resolved sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&received, &responded, &resolved); err != nil {
			return err
		}
		sp.n++
		sp.see(received, responded, resolved)
		q.ReceivedAt, q.FirstResponseAt = timeOf(received), timeOf(responded)
		b.Inquiry(&q)
	}
	return rows.Err()
}
