package agg

import (
	"time"

	"github.com/rumbo-app/rumbo"
)

// The fact functions below place one record's contributions into the
// builder. They follow the KPI definitions of the metric package (and
// docs/kpis.md) exactly; the metric package's property test checks that
// KPIs computed from these aggregates equal KPIs computed from raw records.

// DealLead is what a deal's facts need of its lead: nil when the deal has
// no lead or its lead is not stored.
type DealLead struct {
	CreatedAt time.Time
	Channel   string // as imported
	Campaign  string // campaign name
	Market    string // market name
	Company   string // customer name
}

// dealDims returns the interned dimensions of a deal: its owner, its market
// else its lead's, and its lead's channel and campaign (NoLead without a
// lead).
func (b *Builder) dealDims(x *rumbo.Deal, l *DealLead) dims {
	var d dims
	d[kOwner] = b.intern(x.Owner)
	market := x.Market
	if l != nil {
		if market == "" {
			market = l.Market
		}
		d[kCC] = b.cc(l.Channel, l.Campaign)
	} else {
		d[kCC] = b.intern(NoLead)
	}
	d[kMarket] = b.intern(market)
	return d
}

// DealCustomer returns the customer a deal counts for: its own, else its
// lead's company.
func DealCustomer(x *rumbo.Deal, l *DealLead) string {
	if x.Customer != "" || l == nil {
		return x.Customer
	}
	return l.Company
}

// Deal adds the facts of one deal. firstWon is the closed_at of the first
// won deal of the deal's customer (zero when none).
func (b *Builder) Deal(x *rumbo.Deal, l *DealLead, firstWon time.Time) {
	d := b.dealDims(x, l)
	closed := !x.ClosedAt.IsZero()
	var amt int64
	if x.Amount != nil {
		amt = int64(*x.Amount)
	}
	switch {
	case x.Status == rumbo.DealWon && closed:
		b.add(mWon, x.ClosedAt, &d, 1, amt, 0, false, 0)
		if x.Amount != nil {
			b.add(mWonAmt, x.ClosedAt, &d, 1, amt, 0, true, amt)
			if l != nil && l.Campaign != "" {
				b.add(mAttr, x.ClosedAt, &d, 1, amt, 0, false, 0)
			}
		}
		start := x.CreatedAt
		if x.Lead != "" && l != nil && !l.CreatedAt.IsZero() {
			start = l.CreatedAt
		}
		if !start.IsZero() {
			days := int64(rumbo.CalendarDays(start, x.ClosedAt, b.loc))
			b.add(mCycle, x.ClosedAt, &d, 1, days, 0, true, days)
		}
		b.recur(x, l, &d, amt, firstWon)
	case x.Status == rumbo.DealLost && closed:
		b.add(mLost, x.ClosedAt, &d, 1, 0, 0, false, 0)
	}
	b.openEvents(x, &d, time.Time{}, time.Time{})
}

// DealRecur adds the one fact of a deal that depends on its customer's
// first win: its recurring revenue. Deal adds it with the others.
func (b *Builder) DealRecur(x *rumbo.Deal, l *DealLead, firstWon time.Time) {
	if x.Status != rumbo.DealWon || x.ClosedAt.IsZero() {
		return
	}
	var amt int64
	if x.Amount != nil {
		amt = int64(*x.Amount)
	}
	d := b.dealDims(x, l)
	b.recur(x, l, &d, amt, firstWon)
}

// recur adds a won deal's recurring revenue when its customer had won
// before.
func (b *Builder) recur(x *rumbo.Deal, l *DealLead, d *dims, amt int64, firstWon time.Time) {
	if c := DealCustomer(x, l); c != "" && !firstWon.IsZero() && firstWon.Before(x.ClosedAt) {
		b.add(mRecur, x.ClosedAt, d, 1, amt, 0, false, 0)
	}
}

// OpenEvents adds a deal's open-deal events: one in when it appears
// (created_at, else first_seen_at), one out when a won or lost deal stops
// being open (closed_at, or its appearance if that is later). With from
// and to set, only the events at instants in [from, to] are added.
func (b *Builder) OpenEvents(x *rumbo.Deal, l *DealLead, from, to time.Time) {
	d := b.dealDims(x, l)
	b.openEvents(x, &d, from, to)
}

func (b *Builder) openEvents(x *rumbo.Deal, d *dims, from, to time.Time) {
	opened := x.CreatedAt
	if opened.IsZero() {
		opened = x.FirstSeenAt
	}
	if opened.IsZero() {
		return
	}
	var amt, miss int64 = 0, 1
	if x.Amount != nil {
		amt, miss = int64(*x.Amount), 0
	}
	in := func(t time.Time) bool { return from.IsZero() || (!t.Before(from) && !t.After(to)) }
	if (x.Status == rumbo.DealWon || x.Status == rumbo.DealLost) && x.ClosedAt.IsZero() {
		return // never open
	}
	if in(opened) {
		b.add(mOpenIn, opened, d, 1, amt, miss, false, 0)
	}
	if x.Status == rumbo.DealWon || x.Status == rumbo.DealLost {
		out := x.ClosedAt
		if opened.After(out) {
			out = opened
		}
		if in(out) {
			b.add(mOpenOut, out, d, 1, amt, miss, false, 0)
		}
	}
}

// Lead adds the facts of one lead; firstWon is the closed_at of its first
// won deal (zero when none).
func (b *Builder) Lead(l *rumbo.Lead, firstWon time.Time) {
	var d dims
	d[kOwner], d[kMarket], d[kCC] = b.intern(l.Owner), b.intern(l.Market), b.cc(l.Channel, l.Campaign)
	if !l.CreatedAt.IsZero() {
		b.add(mLeads, l.CreatedAt, &d, 1, 0, 0, false, 0)
		if !firstWon.IsZero() && !firstWon.After(l.CreatedAt.In(b.loc).AddDate(0, 0, CohortDays)) {
			b.add(mCohort, l.CreatedAt, &d, 1, 0, 0, false, 0)
		}
	}
	if !firstWon.IsZero() {
		b.add(mConv, firstWon, &d, 1, 0, 0, false, 0)
	}
}

// Activity adds the facts of one activity.
func (b *Builder) Activity(a *rumbo.Activity) {
	if !a.At.IsZero() {
		var d dims
		d[kOwner], d[kType] = b.intern(a.Owner), b.intern(a.Type)
		b.add(mActs, a.At, &d, 1, 0, 0, false, 0)
	}
}

// Survey adds the facts of one survey.
func (b *Builder) Survey(s *rumbo.Survey) {
	if !s.SentAt.IsZero() {
		b.add(mSent, s.SentAt, &dims{}, 1, 0, 0, false, 0)
	}
	if s.Score != nil && (s.Scale == "" || s.Scale == rumbo.ScaleCSAT) && !s.AnsweredAt.IsZero() {
		v := int64(*s.Score)
		b.add(mCSAT, s.AnsweredAt, &dims{}, 1, v, 0, true, v)
	}
}

// Inquiry adds the facts of one inquiry: the response time in whole
// seconds, exact since times are stored in seconds.
func (b *Builder) Inquiry(q *rumbo.Inquiry) {
	if q.ReceivedAt.IsZero() || q.FirstResponseAt.IsZero() {
		return
	}
	secs := q.FirstResponseAt.Unix() - q.ReceivedAt.Unix()
	b.add(mResp, q.ReceivedAt, &dims{}, 1, secs, 0, true, secs)
}
