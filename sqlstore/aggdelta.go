package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// Incremental aggregates. Each batch a write transaction stores removes,
// from a signed agg.Builder per family, the facts of the rows it replaces
// or deletes and of the records whose facts depend on them, and adds the
// facts of the rows as they are after the batch; at commit the builder's
// non-zero cells are added to the stored rows. Facts are a pure function of
// a record, its lead, the names it refers to and two "first won" instants:
//
//   - a deal's recurring revenue depends on the first won deal of its
//     customer (the deal's own, else its lead's company): when a batch moves
//     a customer's first win, the customer's won deals closed between the
//     old and the new instant are replaced too;
//   - a lead's conversion and cohort depend on its first won deal: when a
//     batch moves it, the lead is replaced too;
//   - a deal's market, channel, campaign and cycle start come from its lead:
//     a batch of leads replaces the deals that refer to them.
//
// A new name the aggregates keep (a person, market or campaign renamed), a
// family whose aggregates were never built, or an organisation's new time
// zone rebuilds the family from the raw rows instead. The metric package's
// TestAggregatesEqualRawRecords and TestWritesKeepAggregates check, on both
// engines, that after random writes and deletes the stored aggregates equal
// a rebuild.

// A write that changes a large share of a family's records (an initial or a
// full re-import) rebuilds the family at commit instead: keeping a delta costs
// about four times as much per changed record as a rebuild per stored one.
// The write's changes so far count, or the records it expects to put
// (rumbo.WriteOptions.Expect) when that is more. rebuildMin keeps writes of
// a batch or less on deltas, whatever the organisation's size (it was
// 20,000 until 28 November: the benchmark's S import of 10,000 deals into an
// organisation of 10,000 leads took 1.0 s by deltas, 0.7 s by a rebuild).
var (
	rebuildShare = 4     // rebuild when changes exceed the family's records / rebuildShare
	rebuildMin   = 2_000 // … and this many records
)

// aggDelta is a write transaction's pending change to the aggregates.
type aggDelta struct {
	loc      *time.Location
	size     map[string]int64 // records per family when the transaction began
	changes  map[string]int   // records written or deleted per family
	rebuild  map[string]bool  // families rebuilt from raw rows at commit
	b        map[string]*agg.Builder
	spans    map[string]*spanChange
	firstWon map[string]int64 // customer name → first won closed_at (0: none), as written so far
}

// spanChange is the change of a family's span: its count, and the
// extremes of the times added and removed.
type spanChange struct {
	n              int64
	added, removed span
}

// aggState returns the transaction's aggDelta, reading on first use which
// families must be rebuilt: those never built, unless their entity has no
// records yet (then the change starts from empty aggregates).
func (w *writer) aggState(ctx context.Context) (*aggDelta, error) {
	if w.agg != nil {
		return w.agg, nil
	}
	loc, err := w.db.aggLocation(ctx, w.tx, w.org)
	if err != nil {
		return nil, err
	}
	built, err := w.db.builtFamilies(ctx, w.tx, w.org)
	if err != nil {
		return nil, err
	}
	d := &aggDelta{loc: loc, size: map[string]int64{}, changes: map[string]int{}, rebuild: map[string]bool{},
		b: map[string]*agg.Builder{}, spans: map[string]*spanChange{}, firstWon: map[string]int64{}}
	rows, err := w.db.query(ctx, w.tx, "SELECT family, n FROM agg_spans WHERE org_id = ?", w.org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f string
		var n int64
		if err := rows.Scan(&f, &n); err != nil {
			return nil, err
		}
		d.size[f] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	fams, err := w.db.unbuilt(ctx, w.tx, w.org, built)
	if err != nil {
		return nil, err
	}
	for _, f := range fams {
		d.rebuild[f] = true
	}
	w.agg = d
	return d, nil
}

// rebuildFamilies marks the families to rebuild from raw rows at commit.
func (w *writer) rebuildFamilies(ctx context.Context, fams []string) error {
	d, err := w.aggState(ctx)
	if err != nil {
		return err
	}
	for _, f := range fams {
		d.rebuild[f] = true
		delete(d.b, f)
		delete(d.spans, f)
	}
	return nil
}

// builder returns the family's delta builder, removing facts if remove.
func (d *aggDelta) builder(fam string, remove bool) *agg.Builder {
	b := d.b[fam]
	if b == nil {
		b = agg.NewBuilder(d.loc)
		d.b[fam] = b
	}
	b.Remove(remove)
	return b
}

// span records that a record of the family with these times was removed or
// added.
func (d *aggDelta) span(fam string, remove bool, ts ...sql.NullInt64) {
	c := d.spans[fam]
	if c == nil {
		c = &spanChange{}
		d.spans[fam] = c
	}
	if remove {
		c.n--
		c.removed.see(ts...)
	} else {
		c.n++
		c.added.see(ts...)
	}
}

// change is what aggBefore read of one batch before it is written.
type change struct {
	e         rumbo.Entity
	xids      []string // the records written or deleted
	deals     []*dealFact
	leads     []*leadFact
	others    []otherFact // activities, surveys, inquiries
	skipDeals bool        // the deal and lead families are rebuilt at commit
}

// aggBefore reads the facts of the records a batch of entity e with these
// external ids is about to replace or delete. It returns nil when the
// families are rebuilt at commit anyway.
func (w *writer) aggBefore(ctx context.Context, e rumbo.Entity, xids []string) (*change, error) {
	d, err := w.aggState(ctx)
	if err != nil {
		return nil, err
	}
	fams := familiesOf(e)
	if len(fams) == 0 {
		return nil, nil
	}
	var size int64
	rebuild := true
	for _, f := range fams {
		d.changes[f] += len(xids)
		size += d.size[f]
		rebuild = rebuild && d.rebuild[f]
	}
	// The changes so far, or those the write expects (an import's rows).
	n := max(d.changes[fams[0]], w.opts.Expect)
	if !rebuild && n > rebuildMin && int64(n) > size/int64(rebuildShare) {
		if err := w.rebuildFamilies(ctx, fams); err != nil {
			return nil, err
		}
		rebuild = true
	}
	if rebuild {
		return nil, nil
	}
	c := &change{e: e, xids: xids}
	switch e {
	case rumbo.EntityDeals, rumbo.EntityLeads:
		if d.rebuild[agg.FamilyDeals] || d.rebuild[agg.FamilyLeads] {
			if err := w.rebuildFamilies(ctx, []string{agg.FamilyDeals, agg.FamilyLeads}); err != nil {
				return nil, err
			}
			return nil, nil
		}
		if e == rumbo.EntityDeals {
			c.deals, err = readDeals(ctx, w, "d.external_id", xids)
		} else {
			if c.leads, err = w.readLeads(ctx, xids); err == nil {
				c.deals, err = readDeals(ctx, w, "d.lead_xid", xids)
			}
		}
	default:
		c.others, err = w.readOthers(ctx, e, xids)
	}
	return c, err
}

// aggAfter reads the records of the batch aggBefore saw as they are now and
// adds the change to the transaction's delta.
func (w *writer) aggAfter(ctx context.Context, c *change) error {
	if c == nil {
		return nil
	}
	d := w.agg
	switch c.e {
	case rumbo.EntityDeals:
		now, err := readDeals(ctx, w, "d.external_id", c.xids)
		if err != nil {
			return err
		}
		for _, x := range c.deals {
			d.span(agg.FamilyDeals, true, x.created, x.closed)
		}
		for _, x := range now {
			d.span(agg.FamilyDeals, false, x.created, x.closed)
		}
		_, err = w.dealsChanged(ctx, c.deals, now, nil)
		return err
	case rumbo.EntityLeads:
		now, err := w.readLeads(ctx, c.xids)
		if err != nil {
			return err
		}
		deals, err := readDeals(ctx, w, "d.lead_xid", c.xids)
		if err != nil {
			return err
		}
		written := make(map[string]bool, len(c.xids))
		for _, x := range c.xids {
			written[x] = true
		}
		fw, err := w.dealsChanged(ctx, c.deals, deals, written)
		if err != nil {
			return err
		}
		b := d.builder(agg.FamilyLeads, true)
		for _, l := range c.leads {
			d.span(agg.FamilyLeads, true, l.created)
			b.Lead(&l.l, fw[l.l.ExternalID][0])
		}
		b = d.builder(agg.FamilyLeads, false)
		for _, l := range now {
			d.span(agg.FamilyLeads, false, l.created)
			b.Lead(&l.l, fw[l.l.ExternalID][1])
		}
		return nil
	default:
		now, err := w.readOthers(ctx, c.e, c.xids)
		if err != nil {
			return err
		}
		fam := familiesOf(c.e)[0]
		for i, list := range [2][]otherFact{c.others, now} {
			b := d.builder(fam, i == 0)
			for _, o := range list {
				d.span(fam, i == 0, o.times...)
				switch r := o.rec.(type) {
				case *rumbo.Activity:
					b.Activity(r)
				case *rumbo.Survey:
					b.Survey(r)
				case *rumbo.Inquiry:
					b.Inquiry(r)
				}
			}
		}
		return nil
	}
}

// dealFact is a deal with what its facts need.
type dealFact struct {
	id              int64
	cust            string // the customer it counts for
	x               rumbo.Deal
	l               *agg.DealLead
	money           rumbo.Money
	created, closed sql.NullInt64
}

// wonAt returns the deal's closed_at when it is won and closed, else 0.
func (f *dealFact) wonAt() int64 {
	if f.x.Status == rumbo.DealWon && f.closed.Valid {
		return f.closed.Int64
	}
	return 0
}

// readDeals reads the deals whose column col (d.external_id, d.lead_xid,
// d.id) is one of vals.
func readDeals[T string | int64](ctx context.Context, w *writer, col string, vals []T) ([]*dealFact, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(vals)+1)
	args = append(args, w.org)
	for _, v := range vals {
		args = append(args, v)
	}
	return w.queryDeals(ctx, " WHERE d.org_id = ? AND "+col+" IN ("+placeholders(len(vals))+")", args...)
}

// queryDeals reads the deals dealSelect finds with the where clause.
func (w *writer) queryDeals(ctx context.Context, where string, args ...any) ([]*dealFact, error) {
	rows, err := w.db.query(ctx, w.tx, "SELECT d.id, "+strings.TrimPrefix(dealSelect, "SELECT ")+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read deals: %w", err)
	}
	defer rows.Close()
	var out []*dealFact
	var r dealRow
	for rows.Next() {
		f := &dealFact{}
		if err := rows.Scan(append([]any{&f.id}, r.dests()...)...); err != nil {
			return nil, fmt.Errorf("read deals: %w", err)
		}
		x, l := r.finish()
		f.x, f.created, f.closed = *x, r.created, r.closed
		if x.Amount != nil {
			f.money = *x.Amount
			f.x.Amount = &f.money
		}
		if l != nil {
			lc := *l
			f.l = &lc
		}
		f.cust = agg.DealCustomer(&f.x, f.l)
		out = append(out, f)
	}
	return out, rows.Err()
}

// dealsChanged adds the change of deals from old to now (the same deals
// before and after a batch, or the deals it inserted, updated or deleted):
// their facts, those of the other won deals of their customers whose
// recurring revenue the batch changes, and those of their leads whose first
// win it moves, except the leads in skip (the caller replaces them). It
// returns, per lead of these deals, its first win before and after.
func (w *writer) dealsChanged(ctx context.Context, old, now []*dealFact, skip map[string]bool) (map[string][2]time.Time, error) {
	d := w.agg
	ids := map[int64]bool{}
	// The earliest win among the old (0) and new (1) deals, per customer and
	// per lead; every customer and lead of the deals has an entry.
	custWon := map[string]*[2]int64{}
	leadWon := map[string]*[2]int64{}
	for i, list := range [2][]*dealFact{old, now} {
		for _, f := range list {
			ids[f.id] = true
			if c := f.cust; c != "" {
				if custWon[c] == nil {
					custWon[c] = &[2]int64{}
				}
				custWon[c][i] = earliest(custWon[c][i], f.wonAt())
			}
			if l := f.x.Lead; l != "" {
				if leadWon[l] == nil {
					leadWon[l] = &[2]int64{}
				}
				leadWon[l][i] = earliest(leadWon[l][i], f.wonAt())
			}
		}
	}
	// Customers' first wins before and after the batch: the cached one,
	// unless an old deal held it; else the earliest of the other deals' wins
	// (read) and the batch's.
	before := make(map[string]int64, len(custWon))
	after := make(map[string]int64, len(custWon))
	var ask []string
	for c, won := range custWon {
		if fw, ok := d.firstWon[c]; ok && (fw == 0 || won[0] != fw) {
			before[c], after[c] = fw, earliest(fw, won[1])
		} else {
			ask = append(ask, c)
		}
	}
	excl, err := w.customerFirstWins(ctx, ask, ids)
	if err != nil {
		return nil, err
	}
	for _, c := range ask {
		won := custWon[c]
		before[c], after[c] = earliest(excl[c], won[0]), earliest(excl[c], won[1])
	}
	if len(d.firstWon)+len(after) > maxCached {
		clear(d.firstWon)
	}
	for c, fw := range after {
		d.firstWon[c] = fw
	}
	at := func(u int64) time.Time {
		if u == 0 {
			return time.Time{}
		}
		return time.Unix(u, 0)
	}
	b := d.builder(agg.FamilyDeals, true)
	for _, f := range old {
		b.Deal(&f.x, f.l, at(before[f.cust]))
	}
	b = d.builder(agg.FamilyDeals, false)
	for _, f := range now {
		b.Deal(&f.x, f.l, at(after[f.cust]))
	}
	// Other won deals of customers whose first win moved: their recurring
	// revenue changes when they closed between the old and new first win.
	// With none before (after), no other won deal of the customer exists.
	var moved []string
	for c := range custWon {
		if lo, hi := before[c], after[c]; lo != hi && lo != 0 && hi != 0 {
			moved = append(moved, c)
		}
	}
	others, err := w.customerWonDeals(ctx, moved, before, after, ids)
	if err != nil {
		return nil, err
	}
	for _, f := range others {
		d.builder(agg.FamilyDeals, true).DealRecur(&f.x, f.l, at(before[f.cust]))
		d.builder(agg.FamilyDeals, false).DealRecur(&f.x, f.l, at(after[f.cust]))
	}
	// Leads' first wins before and after.
	list := make([]string, 0, len(leadWon))
	for l := range leadWon {
		list = append(list, l)
	}
	lexcl, err := w.leadFirstWins(ctx, list, ids)
	if err != nil {
		return nil, err
	}
	fw := make(map[string][2]time.Time, len(leadWon))
	moved = moved[:0]
	for l, won := range leadWon {
		b4, af := earliest(lexcl[l], won[0]), earliest(lexcl[l], won[1])
		fw[l] = [2]time.Time{at(b4), at(af)}
		if b4 != af && !skip[l] {
			moved = append(moved, l)
		}
	}
	ls, err := w.readLeads(ctx, moved)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		f := fw[l.l.ExternalID]
		d.builder(agg.FamilyLeads, true).Lead(&l.l, f[0])
		d.builder(agg.FamilyLeads, false).Lead(&l.l, f[1])
	}
	return fw, nil
}

// earliest returns the earlier of two instants, 0 meaning none.
func earliest(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// customerFirstWins returns, per customer name, the closed_at of its first
// won deal among the deals not in skip (absent: none).
func (w *writer) customerFirstWins(ctx context.Context, names []string, skip map[int64]bool) (map[string]int64, error) {
	out := map[string]int64{}
	err := w.customerWins(ctx, names, func(name string, id, at int64) {
		if !skip[id] {
			out[name] = earliest(out[name], at)
		}
	})
	return out, err
}

// customerWins calls fn with every won deal (id, closed_at) of the
// customers with these names: by the deal's customer or, without one, its
// lead's company.
func (w *writer) customerWins(ctx context.Context, names []string, fn func(name string, id, at int64)) error {
	if len(names) == 0 {
		return nil
	}
	ids, err := w.customerIDs(ctx, names)
	if err != nil || len(ids) == 0 {
		return err
	}
	in := placeholders(len(ids))
	var args []any
	for range 2 {
		for id := range ids {
			args = append(args, id)
		}
	}
	// The customer ids are the organisation's. The conditions are written
	// so that SQLite's planner, without statistics, drives both halves from
	// the customer indexes instead of scanning the organisation's deals.
	rows, err := w.db.query(ctx, w.tx, `SELECT d.customer_id, d.id, d.closed_at FROM deals d
		WHERE d.customer_id IN (`+in+`) AND d.status || '' = 'won' AND d.closed_at IS NOT NULL
		UNION ALL
		SELECT l.customer_id, d.id, d.closed_at FROM leads l
		JOIN deals d ON d.org_id = l.org_id AND d.lead_xid = l.external_id
		WHERE l.customer_id IN (`+in+`) AND COALESCE(d.customer_id, 0) = 0 AND d.status || '' = 'won' AND d.closed_at IS NOT NULL`, args...)
	if err != nil {
		return fmt.Errorf("read first wins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid, id, at int64
		if err := rows.Scan(&cid, &id, &at); err != nil {
			return fmt.Errorf("read first wins: %w", err)
		}
		fn(ids[cid], id, at)
	}
	return rows.Err()
}

// customerIDs returns the ids of the customers with these names.
func (w *writer) customerIDs(ctx context.Context, names []string) (map[int64]string, error) {
	want := make(map[string]bool, len(names))
	args := []any{w.org}
	for _, n := range names {
		want[n] = true
		args = append(args, nameKey(n))
	}
	rows, err := w.db.query(ctx, w.tx, "SELECT id, name FROM customers WHERE org_id = ? AND name_key IN ("+
		placeholders(len(names))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read customers: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("read customers: %w", err)
		}
		if want[name] {
			out[id] = name
		}
	}
	return out, rows.Err()
}

// customerWonDeals reads the won deals, not in skip, of each customer c
// of names closed between before[c] (excluded) and after[c] (included), or
// the other way round.
func (w *writer) customerWonDeals(ctx context.Context, names []string, before, after map[string]int64, skip map[int64]bool) ([]*dealFact, error) {
	var ids []int64
	err := w.customerWins(ctx, names, func(name string, id, at int64) {
		lo, hi := min(before[name], after[name]), max(before[name], after[name])
		if at > lo && at <= hi && !skip[id] {
			ids = append(ids, id)
		}
	})
	if err != nil {
		return nil, err
	}
	return readDeals(ctx, w, "d.id", ids)
}

// leadFirstWins returns, per lead external id, the closed_at of its first
// won deal among the deals not in skip (absent: none).
func (w *writer) leadFirstWins(ctx context.Context, leads []string, skip map[int64]bool) (map[string]int64, error) {
	out := map[string]int64{}
	if len(leads) == 0 {
		return out, nil
	}
	args := []any{w.org}
	for _, l := range leads {
		args = append(args, l)
	}
	rows, err := w.db.query(ctx, w.tx, `SELECT lead_xid, id, closed_at FROM deals
		WHERE org_id = ? AND lead_xid IN (`+placeholders(len(leads))+`) AND status || '' = 'won' AND closed_at IS NOT NULL`, args...) // see customerFirstWins
	if err != nil {
		return nil, fmt.Errorf("read first wins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l string
		var id, at int64
		if err := rows.Scan(&l, &id, &at); err != nil {
			return nil, fmt.Errorf("read first wins: %w", err)
		}
		if !skip[id] {
			out[l] = earliest(out[l], at)
		}
	}
	return out, rows.Err()
}

// leadFact is a lead with what its facts need.
type leadFact struct {
	l       rumbo.Lead
	created sql.NullInt64
}

// leadSelect reads leads with their names, in leadFact order.
const leadSelect = `SELECT x.external_id, x.created_at, ` + ownerName + `, x.channel, cp.name, m.name
	FROM leads x
	LEFT JOIN people p ON p.id = x.owner_id
	LEFT JOIN campaigns cp ON cp.id = x.campaign_id
	LEFT JOIN markets m ON m.id = x.market_id`

// scan reads one leadSelect row.
func (f *leadFact) scan(rows *sql.Rows) error {
	var owner, channel, campaign, market sql.NullString
	if err := rows.Scan(&f.l.ExternalID, &f.created, &owner, &channel, &campaign, &market); err != nil {
		return err
	}
	f.l.CreatedAt = timeOf(f.created)
	f.l.Owner, f.l.Channel, f.l.Campaign, f.l.Market = owner.String, channel.String, campaign.String, market.String
	return nil
}

// readLeads reads the leads with these external ids.
func (w *writer) readLeads(ctx context.Context, xids []string) ([]*leadFact, error) {
	if len(xids) == 0 {
		return nil, nil
	}
	args := []any{w.org}
	for _, x := range xids {
		args = append(args, x)
	}
	rows, err := w.db.query(ctx, w.tx, leadSelect+" WHERE x.org_id = ? AND x.external_id IN ("+placeholders(len(xids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	defer rows.Close()
	var out []*leadFact
	for rows.Next() {
		f := &leadFact{}
		if err := f.scan(rows); err != nil {
			return nil, fmt.Errorf("read leads: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// otherFact is an activity, survey or inquiry with its span times.
type otherFact struct {
	rec   rumbo.Record
	times []sql.NullInt64
}

// othersSelect reads what the facts of activities, surveys and inquiries
// need; othersFrom is the table and its joins.
var othersSelect = map[rumbo.Entity]string{
	rumbo.EntityActivities: `SELECT x.at, ` + ownerName + `, x.type FROM activities x LEFT JOIN people p ON p.id = x.owner_id`,
	rumbo.EntitySurveys:    `SELECT x.sent_at, x.answered_at, x.score, x.scale FROM surveys x`,
	rumbo.EntityInquiries:  `SELECT x.received_at, x.first_response_at, x.resolved_at FROM inquiries x`,
}

// scanOther reads one othersSelect row of entity e.
func scanOther(e rumbo.Entity, rows *sql.Rows) (otherFact, error) {
	var t [3]sql.NullInt64
	switch e {
	case rumbo.EntityActivities:
		var owner, typ sql.NullString
		if err := rows.Scan(&t[0], &owner, &typ); err != nil {
			return otherFact{}, err
		}
		return otherFact{&rumbo.Activity{At: timeOf(t[0]), Owner: owner.String, Type: typ.String}, t[:1]}, nil
	case rumbo.EntitySurveys:
		s := &rumbo.Survey{}
		var score sql.NullInt64
		if err := rows.Scan(&t[0], &t[1], &score, &s.Scale); err != nil {
			return otherFact{}, err
		}
		s.SentAt, s.AnsweredAt = timeOf(t[0]), timeOf(t[1])
		if score.Valid {
			v := int(score.Int64)
			s.Score = &v
		}
		return otherFact{s, t[:2]}, nil
	default:
		if err := rows.Scan(&t[0], &t[1], &t[2]); err != nil {
			return otherFact{}, err
		}
		return otherFact{&rumbo.Inquiry{ReceivedAt: timeOf(t[0]), FirstResponseAt: timeOf(t[1]), ResolvedAt: timeOf(t[2])}, t[:3]}, nil
	}
}

// readOthers reads the activities, surveys or inquiries with these ids.
func (w *writer) readOthers(ctx context.Context, e rumbo.Entity, xids []string) ([]otherFact, error) {
	if len(xids) == 0 {
		return nil, nil
	}
	args := []any{w.org}
	for _, x := range xids {
		args = append(args, x)
	}
	rows, err := w.db.query(ctx, w.tx, othersSelect[e]+" WHERE x.org_id = ? AND x.external_id IN ("+placeholders(len(xids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", e, err)
	}
	defer rows.Close()
	var out []otherFact
	for rows.Next() {
		f, err := scanOther(e, rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// commitAggregates brings the aggregates up to date before the write
// transaction commits: it rebuilds the families marked for it, applies the
// delta of the others, and builds the families never built yet.
func (w *writer) commitAggregates(ctx context.Context) error {
	if len(w.changed) == 0 && w.agg == nil {
		return nil
	}
	d, err := w.aggState(ctx)
	if err != nil {
		return err
	}
	// The write is over: its caches give their memory to the rebuilds.
	w.cache, d.firstWon = map[refKind]map[string]int64{}, map[string]int64{}
	var fams []string
	for _, f := range agg.Families {
		if d.rebuild[f] {
			fams = append(fams, f)
		}
	}
	if err := w.db.rebuild(ctx, w.tx, w.conn, w.org, fams); err != nil {
		return err
	}
	w.rebuilt = len(fams) > 0
	built, err := w.db.builtFamilies(ctx, w.tx, w.org)
	if err != nil {
		return err
	}
	for _, f := range agg.Families {
		if d.rebuild[f] || (d.b[f] == nil && d.spans[f] == nil && built[f]) {
			continue
		}
		if err := w.applyDelta(ctx, f); err != nil {
			return fmt.Errorf("update aggregates of %s: %w", f, err)
		}
	}
	return nil
}

// groupKey is the part of a stored aggregate key one read selects by: the
// name the rows are stored under (a measure or a pack: agg.Stored), grain
// and kind.
type groupKey struct {
	stored string
	grain  rumbo.Grain
	kind   string
}

// applyDelta adds the family's delta to its stored rows (deleting the rows
// it brings to zero) and updates its span. It goes one stored name, grain
// and kind at a time, reading the stored rows over the range of period
// starts the delta touches, so that memory holds one group's rows at a time
// besides the delta.
func (w *writer) applyDelta(ctx context.Context, fam string) error {
	d := w.agg
	var delta []agg.Row
	if b := d.b[fam]; b != nil {
		delta = b.Rows()
		delete(d.b, fam)
		if err := b.Err(); err != nil {
			return err
		}
	}
	var order []groupKey
	groups := map[groupKey][]agg.Row{}
	for _, r := range delta {
		g := groupKey{agg.Stored(r.Measure), r.Grain, r.Kind}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], r)
	}
	delta = nil // each group's rows are freed once applied
	for _, g := range order {
		if err := w.applyGroup(ctx, fam, g, groups[g]); err != nil {
			return err
		}
		delete(groups, g)
	}
	return w.applySpan(ctx, fam)
}

// storedKey is a stored row's key within its group.
type storedKey struct {
	start int64
	dim   string
}

// applyGroup adds delta rows of one group to the stored rows.
func (w *writer) applyGroup(ctx context.Context, fam string, g groupKey, delta []agg.Row) error {
	lo, hi := delta[0].Start, delta[0].Start
	var keys []storedKey // in the delta's order, once each
	cur := map[storedKey]map[string]*agg.Cell{}
	for _, r := range delta {
		lo, hi = min(lo, r.Start), max(hi, r.Start)
		k := storedKey{r.Start, r.Dim}
		if _, ok := cur[k]; !ok {
			keys = append(keys, k)
			cur[k] = nil
		}
	}
	rows, err := w.db.query(ctx, w.tx, `SELECT start, dim, n, s, m, hist FROM agg
		WHERE org_id = ? AND measure = ? AND grain = ? AND kind = ? AND start >= ? AND start <= ?`,
		w.org, g.stored, string(g.grain), g.kind, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k storedKey
		var n, s, m int64
		var hist []byte
		if err := rows.Scan(&k.start, &k.dim, &n, &s, &m, &hist); err != nil {
			return err
		}
		if _, ok := cur[k]; !ok {
			continue
		}
		cells := map[string]*agg.Cell{}
		err := decodeStored(g.stored, n, s, m, hist, func(measure string, n, s, m int64, hist []byte) error {
			c := &agg.Cell{N: n, S: s, M: m}
			if len(hist) > 0 {
				c.Hist = map[int64]int64{}
				if err := agg.DecodeHist(hist, c.Hist); err != nil {
					return err
				}
			}
			cells[measure] = c
			return nil
		})
		if err != nil {
			return err
		}
		cur[k] = cells
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for _, r := range delta {
		k := storedKey{r.Start, r.Dim}
		cells := cur[k]
		if cells == nil {
			cells = map[string]*agg.Cell{}
			cur[k] = cells
		}
		c := cells[r.Measure]
		if c == nil {
			c = &agg.Cell{}
			cells[r.Measure] = c
		}
		if err := c.Merge(&r.Cell); err != nil {
			return fmt.Errorf("aggregate %v: %w", r.Key, err)
		}
		if c.N < 0 || c.M < 0 {
			return fmt.Errorf("aggregate %v went negative: the stored aggregates do not match the records", r.Key)
		}
	}
	put := make([]agg.EncodedRow, 0, len(keys))
	for _, k := range keys {
		row := agg.EncodedRow{Key: agg.Key{Measure: g.stored, Grain: g.grain, Kind: g.kind, Start: k.start, Dim: k.dim}}
		if agg.IsPack(g.stored) {
			row.Hist = agg.EncodePack(g.stored, cur[k])
		} else if c := cur[k][g.stored]; c != nil && !c.Zero() {
			row.N, row.S, row.M, row.Hist = c.N, c.S, c.M, agg.EncodeHist(c.Hist)
		}
		if row.N == 0 && row.S == 0 && row.M == 0 && row.Hist == nil {
			if _, err := w.db.exec(ctx, w.tx, "DELETE FROM agg WHERE org_id = ? AND measure = ? AND grain = ? AND kind = ? AND start = ? AND dim = ?",
				w.org, g.stored, string(g.grain), g.kind, k.start, k.dim); err != nil {
				return err
			}
			continue
		}
		put = append(put, row)
	}
	return w.db.storeAggRows(ctx, w.tx, w.org, fam, slices.Values(put), true)
}

// applySpan updates the family's span with its change: the count, and the
// extremes, read again from the raw rows when a removed time may have been
// one of them.
func (w *writer) applySpan(ctx context.Context, fam string) error {
	c := w.agg.spans[fam]
	if c == nil {
		c = &spanChange{}
	}
	var sp span
	err := w.db.queryRow(ctx, w.tx, "SELECT n, first_at, last_at FROM agg_spans WHERE org_id = ? AND family = ?",
		w.org, fam).Scan(&sp.n, &sp.first, &sp.last)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	sp.n += c.n
	if (c.removed.first.Valid && (!sp.first.Valid || c.removed.first.Int64 <= sp.first.Int64)) ||
		(c.removed.last.Valid && (!sp.last.Valid || c.removed.last.Int64 >= sp.last.Int64)) {
		t := tables[familyEntity[fam]]
		var sel []string
		for _, col := range t.times {
			sel = append(sel, "MIN("+col+")", "MAX("+col+")")
		}
		vals := make([]sql.NullInt64, len(sel))
		dest := make([]any, len(sel))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := w.db.queryRow(ctx, w.tx, "SELECT "+strings.Join(sel, ", ")+" FROM "+t.name+" WHERE org_id = ?", w.org).Scan(dest...); err != nil {
			return err
		}
		sp.first, sp.last = sql.NullInt64{}, sql.NullInt64{}
		sp.see(vals...)
	} else {
		sp.see(c.added.first, c.added.last)
	}
	q := w.db.d.upsert("agg_spans", []string{"org_id", "family", "entity", "n", "first_at", "last_at"},
		[]string{"org_id", "family", "entity"}, []string{"n", "first_at", "last_at"}, false)
	_, err = w.db.exec(ctx, w.tx, q, w.org, fam, string(familyEntity[fam]), sp.n, sp.first, sp.last)
	return err
}
