package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
	return db.inLockedTx(ctx, orgID, func(tx *sql.Tx) error { return db.rebuild(ctx, tx, orgID, agg.Families) })
}

// rebuildMissing rebuilds, in one transaction, the organisation's families
// that were never built (or were dropped by a migration) although their
// entity has records.
func (db *DB) rebuildMissing(ctx context.Context, orgID int64) error {
	return db.inLockedTx(ctx, orgID, func(tx *sql.Tx) error {
		built, err := db.builtFamilies(ctx, tx, orgID)
		if err != nil {
			return err
		}
		fams, err := db.unbuilt(ctx, tx, orgID, built)
		if err != nil || len(fams) == 0 {
			return err
		}
		start := time.Now()
		if err := db.rebuild(ctx, tx, orgID, fams); err != nil {
			return err
		}
		db.log.Info("aggregates rebuilt", "org", orgID, "families", strings.Join(fams, ","), "duration", time.Since(start))
		return nil
	})
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

// rebuild recomputes the families' aggregates and spans from the raw rows.
func (db *DB) rebuild(ctx context.Context, tx *sql.Tx, orgID int64, fams []string) error {
	if len(fams) == 0 {
		return nil
	}
	loc, err := db.aggLocation(ctx, tx, orgID)
	if err != nil {
		return err
	}
	for _, f := range fams {
		b := agg.NewBuilder(loc)
		var sp span
		switch f {
		case agg.FamilyDeals:
			err = db.buildDeals(ctx, tx, orgID, b, &sp)
		case agg.FamilyLeads:
			err = db.buildLeads(ctx, tx, orgID, b, &sp)
		case agg.FamilyActivities:
			err = db.buildActivities(ctx, tx, orgID, b, &sp)
		case agg.FamilySurveys:
			err = db.buildSurveys(ctx, tx, orgID, b, &sp)
		case agg.FamilyInquiries:
			err = db.buildInquiries(ctx, tx, orgID, b, &sp)
		}
		if err != nil {
			return fmt.Errorf("aggregates of %s: %w", f, err)
		}
		if err := db.storeFamily(ctx, tx, orgID, f, b, sp); err != nil {
			return fmt.Errorf("store aggregates of %s: %w", f, err)
		}
	}
	return nil
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

// storeFamily replaces the family's aggregate rows and span.
func (db *DB) storeFamily(ctx context.Context, tx *sql.Tx, orgID int64, fam string, b *agg.Builder, sp span) error {
	if _, err := db.exec(ctx, tx, "DELETE FROM agg WHERE org_id = ? AND family = ?", orgID, fam); err != nil {
		return err
	}
	if err := db.storeAggRows(ctx, tx, orgID, fam, b.Rows(), false); err != nil {
		return err
	}
	e := familyEntity[fam]
	q := db.d.upsert("agg_spans", []string{"org_id", "family", "entity", "n", "first_at", "last_at"},
		[]string{"org_id", "family", "entity"}, []string{"n", "first_at", "last_at"}, false)
	_, err := db.exec(ctx, tx, q, orgID, fam, string(e), sp.n, sp.first, sp.last)
	return err
}

// storeAggRows writes aggregate rows with multi-row INSERTs of 200 rows (one
// statement prepared once for them all); with replace, a row that exists is
// overwritten.
func (db *DB) storeAggRows(ctx context.Context, tx *sql.Tx, orgID int64, fam string, rows []agg.Row, replace bool) error {
	const per = 200
	cols := []string{"org_id", "family", "measure", "grain", "kind", "start", "dim", "n", "s", "m", "hist"}
	query := func(n int) string {
		q := "INSERT INTO agg (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat("("+placeholders(len(cols))+"), ", n), ", ")
		if replace {
			q += " ON CONFLICT (org_id, measure, grain, kind, start, dim) DO UPDATE SET " +
				"n = excluded.n, s = excluded.s, m = excluded.m, hist = excluded.hist"
		}
		return db.d.rebind(q)
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, len(cols)*per)
	for i := 0; i < len(rows); i += per {
		batch := rows[i:min(i+per, len(rows))]
		args = args[:0]
		for _, r := range batch {
			var hist any
			if h := agg.EncodeHist(r.Hist); h != nil {
				hist = h
			}
			args = append(args, orgID, fam, r.Measure, string(r.Grain), r.Kind, r.Start, r.Dim, r.N, r.S, r.M, hist)
		}
		var err error
		if len(batch) < per {
			_, err = tx.ExecContext(ctx, query(len(batch)), args...)
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
	}
	return nil
}

// firstWonBy returns, per key, the earliest closed_at of the won deals the
// query lists as (key, closed_at) rows.
func (db *DB) firstWonBy(ctx context.Context, tx *sql.Tx, query string, args ...any) (map[string]int64, error) {
	rows, err := db.query(ctx, tx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	first := map[string]int64{}
	for rows.Next() {
		var k sql.NullString
		var at int64
		if err := rows.Scan(&k, &at); err != nil {
			return nil, err
		}
		if !k.Valid || k.String == "" {
			continue
		}
		if f, ok := first[k.String]; !ok || at < f {
			first[k.String] = at
		}
	}
	return first, rows.Err()
}

// dealSelect reads deals with their lead's fields, in dealRow order.
const dealSelect = `SELECT d.lead_xid, c.name, ` + ownerName + `, m.name, d.amount, d.created_at, d.closed_at,
	d.status, d.first_seen_at, l.id, l.created_at, l.channel, lcp.name, lm.name, lc.name
	FROM deals d
	LEFT JOIN customers c ON c.id = d.customer_id
	LEFT JOIN people p ON p.id = d.owner_id
	LEFT JOIN markets m ON m.id = d.market_id
	LEFT JOIN leads l ON l.org_id = d.org_id AND l.external_id = d.lead_xid
	LEFT JOIN campaigns lcp ON lcp.id = l.campaign_id
	LEFT JOIN markets lm ON lm.id = l.market_id
	LEFT JOIN customers lc ON lc.id = l.customer_id`

// dealRow scans one dealSelect row into x and l; it returns nil for l when
// the deal's lead is not stored.
type dealRow struct {
	lead, customer, owner, market, status       sql.NullString
	amount, created, closed, firstSeen          sql.NullInt64
	leadID, leadCreated                         sql.NullInt64
	leadChannel, leadCamp, leadMarket, leadComp sql.NullString
	x                                           rumbo.Deal
	l                                           agg.DealLead
	money                                       rumbo.Money
}

func (r *dealRow) scan(rows *sql.Rows) (*rumbo.Deal, *agg.DealLead, error) {
	if err := rows.Scan(r.dests()...); err != nil {
		return nil, nil, err
	}
	x, l := r.finish()
	return x, l, nil
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

func (db *DB) buildDeals(ctx context.Context, tx *sql.Tx, orgID int64, b *agg.Builder, sp *span) error {
	first, err := db.firstWonBy(ctx, tx, `SELECT COALESCE(c.name, lc.name), d.closed_at FROM deals d
		LEFT JOIN customers c ON c.id = d.customer_id
		LEFT JOIN leads l ON l.org_id = d.org_id AND l.external_id = d.lead_xid
		LEFT JOIN customers lc ON lc.id = l.customer_id
		WHERE d.org_id = ? AND d.status = 'won' AND d.closed_at IS NOT NULL`, orgID)
	if err != nil {
		return err
	}
	rows, err := db.query(ctx, tx, dealSelect+" WHERE d.org_id = ?", orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r dealRow
	for rows.Next() {
		x, l, err := r.scan(rows)
		if err != nil {
			return err
		}
		sp.n++
		sp.see(r.created, r.closed)
		var fw time.Time
		if f, ok := first[agg.DealCustomer(x, l)]; ok {
			fw = time.Unix(f, 0)
		}
		b.Deal(x, l, fw)
	}
	return rows.Err()
}

func (db *DB) buildLeads(ctx context.Context, tx *sql.Tx, orgID int64, b *agg.Builder, sp *span) error {
	first, err := db.firstWonBy(ctx, tx, `SELECT lead_xid, closed_at FROM deals
		WHERE org_id = ? AND status = 'won' AND closed_at IS NOT NULL AND lead_xid IS NOT NULL`, orgID)
	if err != nil {
		return err
	}
	rows, err := db.query(ctx, tx, `SELECT x.external_id, x.created_at, `+ownerName+`, x.channel, cp.name, m.name
		FROM leads x
		LEFT JOIN people p ON p.id = x.owner_id
		LEFT JOIN campaigns cp ON cp.id = x.campaign_id
		LEFT JOIN markets m ON m.id = x.market_id
		WHERE x.org_id = ?`, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var l rumbo.Lead
	var owner, channel, campaign, market sql.NullString
	var created sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&l.ExternalID, &created, &owner, &channel, &campaign, &market); err != nil {
			return err
		}
		sp.n++
		sp.see(created)
		l.CreatedAt = timeOf(created)
		l.Owner, l.Channel, l.Campaign, l.Market = owner.String, channel.String, campaign.String, market.String
		var fw time.Time
		if f, ok := first[l.ExternalID]; ok {
			fw = time.Unix(f, 0)
		}
		b.Lead(&l, fw)
	}
	return rows.Err()
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
