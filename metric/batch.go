package metric

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// ComputeAll computes several KPIs as one request, such as a dashboard: the
// reads every query shares (data spans, people, campaigns, targets, health
// bands, custom KPI definitions, and raw records when a query needs them)
// are made once for the whole batch instead of once per query. The results
// are those of Compute, in the order of the queries; the first error stops
// the batch.
func (e *Engine) ComputeAll(ctx context.Context, org *rumbo.Org, qs []Query) ([]*Result, error) {
	m := &memo{src: e.src}
	var be *Engine
	if as, ok := e.src.(AggregateSource); ok {
		be = &Engine{src: &memoAgg{memo: m, as: as}, now: e.now, raw: e.raw}
	} else {
		be = &Engine{src: m, now: e.now, raw: e.raw}
	}
	out := make([]*Result, len(qs))
	for i, q := range qs {
		r, err := be.Compute(ctx, org, q)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// memo is a Source that reads each thing once.
type memo struct {
	src  Source
	mu   sync.Mutex
	vals map[string]any
}

// once returns the memoised value of key, computing it with fn the first
// time.
func once[T any](m *memo, key string, fn func() (T, error)) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.vals[key]; ok {
		return v.(T), nil
	}
	v, err := fn()
	if err != nil {
		return v, err
	}
	if m.vals == nil {
		m.vals = map[string]any{}
	}
	m.vals[key] = v
	return v, nil
}

func (m *memo) Teams(ctx context.Context, o int64) ([]rumbo.Team, error) {
	return once(m, "teams", func() ([]rumbo.Team, error) { return m.src.Teams(ctx, o) })
}
func (m *memo) People(ctx context.Context, o int64) ([]rumbo.Person, error) {
	return once(m, "people", func() ([]rumbo.Person, error) { return m.src.People(ctx, o) })
}
func (m *memo) Markets(ctx context.Context, o int64) ([]rumbo.Market, error) {
	return once(m, "markets", func() ([]rumbo.Market, error) { return m.src.Markets(ctx, o) })
}
func (m *memo) Campaigns(ctx context.Context, o int64) ([]rumbo.Campaign, error) {
	return once(m, "campaigns", func() ([]rumbo.Campaign, error) { return m.src.Campaigns(ctx, o) })
}
func (m *memo) Leads(ctx context.Context, o int64) ([]rumbo.Lead, error) {
	return once(m, "leads", func() ([]rumbo.Lead, error) { return m.src.Leads(ctx, o) })
}
func (m *memo) Deals(ctx context.Context, o int64) ([]rumbo.Deal, error) {
	return once(m, "deals", func() ([]rumbo.Deal, error) { return m.src.Deals(ctx, o) })
}
func (m *memo) Activities(ctx context.Context, o int64) ([]rumbo.Activity, error) {
	return once(m, "activities", func() ([]rumbo.Activity, error) { return m.src.Activities(ctx, o) })
}
func (m *memo) Surveys(ctx context.Context, o int64) ([]rumbo.Survey, error) {
	return once(m, "surveys", func() ([]rumbo.Survey, error) { return m.src.Surveys(ctx, o) })
}
func (m *memo) Inquiries(ctx context.Context, o int64) ([]rumbo.Inquiry, error) {
	return once(m, "inquiries", func() ([]rumbo.Inquiry, error) { return m.src.Inquiries(ctx, o) })
}
func (m *memo) DataSpans(ctx context.Context, o int64) (map[rumbo.Entity]rumbo.DataSpan, error) {
	return once(m, "spans", func() (map[rumbo.Entity]rumbo.DataSpan, error) { return m.src.DataSpans(ctx, o) })
}
func (m *memo) Targets(ctx context.Context, o int64, kpi string) ([]rumbo.Target, error) {
	all, err := once(m, "targets", func() ([]rumbo.Target, error) { return m.src.Targets(ctx, o, "") })
	if err != nil || kpi == "" {
		return all, err
	}
	var out []rumbo.Target
	for _, t := range all {
		if t.KPI == kpi {
			out = append(out, t)
		}
	}
	return out, nil
}
func (m *memo) CustomKPIs(ctx context.Context, o int64) ([]rumbo.KPIDef, error) {
	return once(m, "custom", func() ([]rumbo.KPIDef, error) { return m.src.CustomKPIs(ctx, o) })
}
func (m *memo) AllBands(ctx context.Context, o int64) (map[string]rumbo.Bands, error) {
	return once(m, "bands", func() (map[string]rumbo.Bands, error) { return m.src.AllBands(ctx, o) })
}

// memoAgg is a memo over an AggregateSource: spans are read once,
// aggregates at each query.
type memoAgg struct {
	*memo
	as AggregateSource
}

// Aggregates reads each distinct query once per batch (open deals and
// pipeline, or revenue and win rate, read the same rows). The rows are
// shared: callers only read them.
func (m *memoAgg) Aggregates(ctx context.Context, o int64, q agg.Query) ([]agg.Row, bool, error) {
	key := fmt.Sprintf("agg %v", q)
	v, err := once(m.memo, key, func() (rowsOK, error) {
		rows, ok, err := m.as.Aggregates(ctx, o, q)
		return rowsOK{rows, ok}, err
	})
	return v.rows, v.ok, err
}

type rowsOK struct {
	rows []agg.Row
	ok   bool
}

func (m *memoAgg) OpenEvents(ctx context.Context, o int64, kind string, from, to time.Time) ([]agg.Row, error) {
	key := fmt.Sprintf("open %s %d %d", kind, from.UnixNano(), to.UnixNano())
	return once(m.memo, key, func() ([]agg.Row, error) { return m.as.OpenEvents(ctx, o, kind, from, to) })
}

type spansOK struct {
	spans map[rumbo.Entity]rumbo.DataSpan
	ok    bool
}

func (m *memoAgg) AggregateSpans(ctx context.Context, o int64) (map[rumbo.Entity]rumbo.DataSpan, bool, error) {
	v, err := once(m.memo, "aggspans", func() (spansOK, error) {
		s, ok, err := m.as.AggregateSpans(ctx, o)
		return spansOK{s, ok}, err
	})
	return v.spans, v.ok, err
}
