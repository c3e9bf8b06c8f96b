package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// FactsBetween returns the facts of the measures (agg.Won… agg.Resp) that
// happen at instants in [from, to] (whole seconds), computed from the raw
// records with agg.Builder as the aggregates are: one row of grain year
// per measure, dimension kind and dimension (a window inside one year;
// the rows of other measures may come too). The KPI engine takes them away
// from the aggregate of a day, week or month to get a period that ends
// inside it, such as a quarter to date: the records dated after the
// instant in that period, usually few.
//
// A record's facts outside the window are left out: the builder is given
// copies of the records without the times outside it, and the facts it
// adds anyway are taken away again (Builder.Remove).
func (db *DB) FactsBetween(ctx context.Context, orgID int64, measures []string, from, to time.Time) ([]agg.Row, error) {
	loc, err := db.aggLocation(ctx, db.db, orgID)
	if err != nil {
		return nil, err
	}
	f, t := from.Unix(), to.Unix()
	if from.After(time.Unix(f, 0)) {
		f++ // from lies after its whole second
	}
	w := &window{db: db, org: orgID, f: f, t: t, lo: time.Unix(f, 0), hi: time.Unix(t, 0), b: agg.NewBuilder(loc)}
	need := func(ms ...string) bool {
		for _, m := range ms {
			if slices.Contains(measures, m) {
				return true
			}
		}
		return false
	}
	if need(agg.Won, agg.WonAmt, agg.Lost, agg.Cycle, agg.Recur, agg.Attr) {
		if err := w.closedDeals(ctx); err != nil {
			return nil, fmt.Errorf("read deals closed between %v and %v: %w", w.lo, w.hi, err)
		}
	}
	if need(agg.OpenIn, agg.OpenOut) {
		rows, err := db.OpenEvents(ctx, orgID, w.lo, w.hi)
		if err != nil {
			return nil, err
		}
		w.extra = rows
	}
	if need(agg.Leads, agg.Cohort, agg.Conv) {
		if err := w.leads(ctx, need(agg.Conv)); err != nil {
			return nil, fmt.Errorf("read leads between %v and %v: %w", w.lo, w.hi, err)
		}
	}
	if need(agg.Acts) {
		if err := w.activities(ctx); err != nil {
			return nil, fmt.Errorf("read activities between %v and %v: %w", w.lo, w.hi, err)
		}
	}
	if need(agg.Sent, agg.CSAT) {
		if err := w.surveys(ctx); err != nil {
			return nil, fmt.Errorf("read surveys between %v and %v: %w", w.lo, w.hi, err)
		}
	}
	if need(agg.Resp) {
		if err := w.inquiries(ctx); err != nil {
			return nil, fmt.Errorf("read inquiries between %v and %v: %w", w.lo, w.hi, err)
		}
	}
	out := w.extra
	for _, row := range w.b.Rows() {
		if row.Grain == rumbo.GrainYear {
			out = append(out, row)
		}
	}
	return out, w.b.Err()
}

// window reads the records with facts in [f, t] into b.
type window struct {
	db     *DB
	org    int64
	f, t   int64
	lo, hi time.Time
	b      *agg.Builder
	extra  []agg.Row // rows read whole (open-deal events)
}

func (w *window) in(x time.Time) bool { return !x.IsZero() && !x.Before(w.lo) && !x.After(w.hi) }

// closedDeals adds the facts of the deals won or lost in the window, but
// their open-deal events. The window's deals are joined first: with the
// eight tables of dealJoins, PostgreSQL no longer reorders joins
// (join_collapse_limit), and as a semi-join at the end (d.id IN …) the
// window came after every join, over all the organisation's deals (0.7
// against 30–50 ms at M).
func (w *window) closedDeals(ctx context.Context) error {
	rows, err := w.db.queryStmt(ctx, `SELECT d.lead_xid, c.name, `+ownerName+`, m.name, d.amount, d.created_at, d.closed_at,
		d.status, d.first_seen_at, l.id IS NOT NULL, l.created_at, l.channel, lcp.name, lm.name, lc.name,
		COALESCE(d.customer_id, l.customer_id), d.customer_id IS NULL
		FROM (SELECT id FROM deals WHERE org_id = ? AND status IN ('won', 'lost') AND closed_at >= ? AND closed_at <= ?) w
		JOIN deals d ON d.id = w.id`+dealJoins,
		w.org, w.f, w.t)
	if err != nil {
		return err
	}
	type closed struct {
		x        rumbo.Deal
		l        *agg.DealLead
		customer sql.NullInt64
	}
	var list []closed
	for rows.Next() {
		var (
			lead, customer, owner, market, status          sql.NullString
			amount, created, closedAt, firstSeen           sql.NullInt64
			hasLead                                        bool
			leadCreated                                    sql.NullInt64
			leadChannel, leadCamp, leadMarket, leadCompany sql.NullString
			cust                                           sql.NullInt64
			viaLead                                        bool
		)
		if err := rows.Scan(&lead, &customer, &owner, &market, &amount, &created, &closedAt, &status, &firstSeen,
			&hasLead, &leadCreated, &leadChannel, &leadCamp, &leadMarket, &leadCompany, &cust, &viaLead); err != nil {
			rows.Close()
			return err
		}
		c := closed{x: rumbo.Deal{Lead: lead.String, Customer: customer.String, Owner: owner.String, Market: market.String,
			CreatedAt: timeOf(created), ClosedAt: timeOf(closedAt), Status: status.String, FirstSeenAt: timeOf(firstSeen)}}
		if amount.Valid {
			m := rumbo.Money(amount.Int64)
			c.x.Amount = &m
		}
		if hasLead {
			c.l = &agg.DealLead{CreatedAt: timeOf(leadCreated), Channel: leadChannel.String, Campaign: leadCamp.String,
				Market: leadMarket.String, Company: leadCompany.String}
		}
		// The customer the deal counts for (agg.DealCustomer): its own,
		// else its lead's company; names and customers are one to one.
		if c.x.Status == rumbo.DealWon && (!viaLead || c.l != nil) {
			c.customer = cust
		}
		list = append(list, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var customers []int64
	for _, c := range list {
		if c.customer.Valid && !slices.Contains(customers, c.customer.Int64) {
			customers = append(customers, c.customer.Int64)
		}
	}
	first, err := w.customersFirstWon(ctx, customers)
	if err != nil {
		return err
	}
	for i := range list {
		c := &list[i]
		var fw time.Time
		if at, ok := first[c.customer.Int64]; ok && c.customer.Valid {
			fw = time.Unix(at, 0)
		}
		w.b.Deal(&c.x, c.l, fw)
		// Deal adds the deal's open-deal events too: take them away.
		w.b.Remove(true)
		w.b.OpenEvents(&c.x, c.l, time.Time{}, time.Time{})
		w.b.Remove(false)
	}
	return nil
}

// customersFirstWon returns the closed_at of the first won deal of each
// customer (by id): deals of the customer, and deals without a customer
// whose lead's company it is.
func (w *window) customersFirstWon(ctx context.Context, ids []int64) (map[int64]int64, error) {
	first := map[int64]int64{}
	if len(ids) == 0 {
		return first, nil
	}
	args := []any{w.org}
	args, in1 := padded(args, ids)
	args = append(args, w.org)
	args, in2 := padded(args, ids)
	rows, err := w.db.queryStmt(ctx, `SELECT customer_id, MIN(closed_at) FROM deals
		WHERE org_id = ? AND status = 'won' AND closed_at IS NOT NULL AND customer_id IN (`+in1+`) GROUP BY customer_id
		UNION ALL SELECT l.customer_id, MIN(d.closed_at) FROM leads l
		JOIN deals d ON d.org_id = l.org_id AND d.lead_xid = l.external_id
		WHERE l.org_id = ? AND l.customer_id IN (`+in2+`) AND d.customer_id IS NULL AND d.status = 'won'
		AND d.closed_at IS NOT NULL GROUP BY l.customer_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		if f, ok := first[id]; !ok || at < f {
			first[id] = at
		}
	}
	return first, rows.Err()
}

// leads adds the facts of the leads created in the window and, with conv,
// of the leads whose first won deal closed in it (their conversion).
func (w *window) leads(ctx context.Context, conv bool) error {
	const sel = `SELECT x.external_id, x.created_at, ` + ownerName + `, x.channel, cp.name, m.name FROM leads x
		LEFT JOIN people p ON p.id = x.owner_id
		LEFT JOIN campaigns cp ON cp.id = x.campaign_id
		LEFT JOIN markets m ON m.id = x.market_id`
	var list []rumbo.Lead
	seen := map[string]bool{}
	scan := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var l rumbo.Lead
			var owner, channel, campaign, market sql.NullString
			var created sql.NullInt64
			if err := rows.Scan(&l.ExternalID, &created, &owner, &channel, &campaign, &market); err != nil {
				return err
			}
			if seen[l.ExternalID] {
				continue
			}
			seen[l.ExternalID] = true
			l.CreatedAt = timeOf(created)
			l.Owner, l.Channel, l.Campaign, l.Market = owner.String, channel.String, campaign.String, market.String
			list = append(list, l)
		}
		return rows.Err()
	}
	rows, err := w.db.queryStmt(ctx, sel+` WHERE x.id IN (SELECT id FROM leads WHERE org_id = ? AND created_at >= ? AND created_at <= ?)`,
		w.org, w.f, w.t)
	if err != nil {
		return err
	}
	if err := scan(rows); err != nil {
		return err
	}
	if conv {
		rows, err := w.db.queryStmt(ctx, sel+` WHERE x.org_id = ? AND x.external_id IN (SELECT lead_xid FROM deals
			WHERE org_id = ? AND status = 'won' AND closed_at >= ? AND closed_at <= ? AND lead_xid IS NOT NULL)`,
			w.org, w.org, w.f, w.t)
		if err != nil {
			return err
		}
		if err := scan(rows); err != nil {
			return err
		}
	}
	first, err := w.leadsFirstWon(ctx, list)
	if err != nil {
		return err
	}
	for i := range list {
		l := &list[i]
		var fw time.Time
		if at, ok := first[l.ExternalID]; ok {
			fw = time.Unix(at, 0)
		}
		// Lead adds the lead's creation facts at created_at and its
		// conversion at fw: each only inside the window.
		noCreation := *l
		noCreation.CreatedAt = time.Time{}
		switch {
		case w.in(l.CreatedAt):
			w.b.Lead(l, fw)
			if !fw.IsZero() && !w.in(fw) {
				w.b.Remove(true)
				w.b.Lead(&noCreation, fw)
				w.b.Remove(false)
			}
		case w.in(fw):
			w.b.Lead(&noCreation, fw)
		}
	}
	return nil
}

// leadsFirstWon returns the closed_at of the first won deal of each lead.
func (w *window) leadsFirstWon(ctx context.Context, list []rumbo.Lead) (map[string]int64, error) {
	first := map[string]int64{}
	if len(list) == 0 {
		return first, nil
	}
	ids := make([]string, len(list))
	for i, l := range list {
		ids[i] = l.ExternalID
	}
	args, in := padded([]any{w.org}, ids)
	rows, err := w.db.queryStmt(ctx, `SELECT lead_xid, MIN(closed_at) FROM deals WHERE org_id = ? AND lead_xid IN (`+in+`)
		AND status = 'won' AND closed_at IS NOT NULL GROUP BY lead_xid`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		first[id] = at
	}
	return first, rows.Err()
}

func (w *window) activities(ctx context.Context) error {
	rows, err := w.db.queryStmt(ctx, `SELECT x.at, `+ownerName+`, x.type FROM activities x LEFT JOIN people p ON p.id = x.owner_id
		WHERE x.org_id = ? AND x.at >= ? AND x.at <= ?`, w.org, w.f, w.t)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a rumbo.Activity
		var at sql.NullInt64
		var owner, typ sql.NullString
		if err := rows.Scan(&at, &owner, &typ); err != nil {
			return err
		}
		a.At, a.Owner, a.Type = timeOf(at), owner.String, typ.String
		w.b.Activity(&a)
	}
	return rows.Err()
}

func (w *window) surveys(ctx context.Context) error {
	rows, err := w.db.queryStmt(ctx, `SELECT sent_at, answered_at, score, scale FROM surveys WHERE id IN (
		SELECT id FROM surveys WHERE org_id = ? AND sent_at >= ? AND sent_at <= ?
		UNION SELECT id FROM surveys WHERE org_id = ? AND answered_at >= ? AND answered_at <= ?)`, w.org, w.f, w.t, w.org, w.f, w.t)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s rumbo.Survey
		var sent, answered, score sql.NullInt64
		if err := rows.Scan(&sent, &answered, &score, &s.Scale); err != nil {
			return err
		}
		s.SentAt, s.AnsweredAt = timeOf(sent), timeOf(answered)
		if score.Valid {
			v := int(score.Int64)
			s.Score = &v
		}
		// Sent counts at sent_at, CSAT at answered_at: keep the times in
		// the window.
		if !w.in(s.SentAt) {
			s.SentAt = time.Time{}
		}
		if !w.in(s.AnsweredAt) {
			s.AnsweredAt = time.Time{}
		}
		w.b.Survey(&s)
	}
	return rows.Err()
}

func (w *window) inquiries(ctx context.Context) error {
	rows, err := w.db.queryStmt(ctx, `SELECT received_at, first_response_at FROM inquiries
		WHERE org_id = ? AND received_at >= ? AND received_at <= ?`, w.org, w.f, w.t)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var q rumbo.Inquiry
		var received, responded sql.NullInt64
		if err := rows.Scan(&received, &responded); err != nil {
			return err
		}
		q.ReceivedAt, q.FirstResponseAt = timeOf(received), timeOf(responded)
		w.b.Inquiry(&q)
	}
	return rows.Err()
}

// ActivitiesBetween calls fn with the type and time (and with owners, the
// owner's name) of each of the organisation's activities at instants in
// [from, to): what the KPI engine needs to count activities by type, which
// the aggregates do not keep, without reading every activity and the deals
// and leads they resolve through. The strings repeat: one per type or
// owner.
func (db *DB) ActivitiesBetween(ctx context.Context, orgID int64, from, to time.Time, owners bool, fn func(typ, owner string, at int64)) error {
	f, t := from.Unix(), to.Unix()
	if from.After(time.Unix(f, 0)) {
		f++
	}
	if !to.After(time.Unix(t, 0)) {
		t-- // [from, to) in whole seconds is [f, t]
	}
	query := `SELECT x.type, '', x.at FROM activities x WHERE x.org_id = ? AND x.at >= ? AND x.at <= ?`
	if owners {
		query = `SELECT x.type, ` + ownerName + `, x.at FROM activities x LEFT JOIN people p ON p.id = x.owner_id
			WHERE x.org_id = ? AND x.at >= ? AND x.at <= ?`
	}
	rows, err := db.queryStmt(ctx, query, orgID, f, t)
	if err != nil {
		return fmt.Errorf("read activities: %w", err)
	}
	defer rows.Close()
	names := map[string]string{}
	intern := func(b sql.RawBytes) string {
		s, ok := names[string(b)]
		if !ok {
			s = string(b)
			names[s] = s
		}
		return s
	}
	var typ, owner sql.RawBytes
	var at sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&typ, &owner, &at); err != nil {
			return fmt.Errorf("read activities: %w", err)
		}
		if at.Valid {
			fn(intern(typ), intern(owner), at.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read activities: %w", err)
	}
	return nil
}
