package metric

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
)

// ComputeAll computes several KPIs as one request, such as a dashboard: the
// reads every query shares (data spans, people, campaigns, targets, health
// bands, custom KPI definitions, aggregates, and raw records when a query
// needs them) are made once for the whole batch instead of once per query
// (see Session). The results are those of Compute, in the order of the
// queries; the first error stops the batch.
func (e *Engine) ComputeAll(ctx context.Context, org *rumbo.Org, qs []Query) ([]*Result, error) {
	be := e.Session()
	out := make([]*Result, len(qs))
	errs := make([]error, len(qs))
	// The queries run on as many goroutines as there are processors (two
	// at most: beyond, they mostly wait for the same reads); the reads
	// they share are made once (see once).
	workers := min(runtime.GOMAXPROCS(0), 2, len(qs))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(qs) {
					return
				}
				out[i], errs[i] = be.Compute(ctx, org, qs[i])
				if errs[i] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Session returns an engine on the same source and clock that reads what
// its computations share once, for as long as it is used: one request
// (ComputeAll makes one), or one evaluation of an organisation's OKRs.
// Its answers do not see the writes made after its reads: use a session
// for one request, never for the life of a server.
func (e *Engine) Session() *Engine {
	if e.session {
		return e
	}
	m := &memo{src: e.src}
	s := &Engine{src: m, now: e.now, raw: e.raw, session: true}
	if as, ok := e.src.(AggregateSource); ok {
		s.agg = &memoAgg{memo: m, as: as, wide: true}
	}
	return s
}

// DataSpans returns the span of every entity as the source's DataSpans
// does, from the spans kept with the aggregates when they are built
// (without scanning the records).
func (e *Engine) DataSpans(ctx context.Context, org *rumbo.Org) (map[rumbo.Entity]rumbo.DataSpan, error) {
	if ma := e.aggReader(); ma != nil && !e.raw {
		spans, ok, err := ma.spans(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			return spans, nil
		}
	}
	return e.src.DataSpans(ctx, org.ID)
}

// memo is a Source that reads each thing once, also when several
// computations of a batch ask for it at the same time.
type memo struct {
	src  Source
	mu   sync.Mutex
	vals map[string]*memoEntry
}

// memoEntry is a value read or being read.
type memoEntry struct {
	done chan struct{} // closed once v and err are set
	v    any
	err  error
}

// once returns the memoised value of key, computing it with fn the first
// time; callers asking while fn runs wait for it. An error is not kept:
// the next call tries again.
func once[T any](m *memo, key string, fn func() (T, error)) (T, error) {
	m.mu.Lock()
	e, ok := m.vals[key]
	if !ok {
		if m.vals == nil {
			m.vals = map[string]*memoEntry{}
		}
		e = &memoEntry{done: make(chan struct{})}
		m.vals[key] = e
		m.mu.Unlock()
		v, err := fn()
		e.v, e.err = v, err
		if err != nil {
			m.mu.Lock()
			delete(m.vals, key)
			m.mu.Unlock()
		}
		close(e.done)
		return v, err
	}
	m.mu.Unlock()
	<-e.done
	if e.err != nil {
		var zero T
		return zero, e.err
	}
	return e.v.(T), nil
}

// peek returns the value of key when it has been read.
func (m *memo) peek(key string) (any, bool) {
	m.mu.Lock()
	e, ok := m.vals[key]
	m.mu.Unlock()
	if !ok {
		return nil, false
	}
	select {
	case <-e.done:
		return e.v, e.err == nil
	default:
		return nil, false
	}
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

// memoAgg reads the aggregates of an AggregateSource for the engine, each
// distinct read once: for one Compute call, or for a whole batch, where the
// rows of each measure, grain, kind and list of periods are kept, so that
// the KPIs of a dashboard read each once (revenue, win rate, cycle…
// share the won deals), and the organisation's totals of every measure
// are read at once (wide): a query per period shape instead of one per
// family. Breakdowns read only the measures asked for: their rows are many,
// and most dashboards break down some KPIs only.
type memoAgg struct {
	*memo
	as   AggregateSource
	wide bool
	// The rows read or being read, by shape and measure (see rows).
	rowsMu  sync.Mutex
	rowsFor map[string]*memoEntry
}

func newMemoAgg(src Source, as AggregateSource, wide bool) *memoAgg {
	return &memoAgg{memo: &memo{src: src}, as: as, wide: wide}
}

// arow is one aggregate row as the engine keeps it; hist is its histogram
// as stored (agg.EncodeHist), nil when empty.
type arow struct {
	measure string
	start   int64
	dim     string
	n, s, m int64
	hist    []byte
}

// measureOrder lists the measures that are not open-deal events, which a
// wide read takes at once.
var measureOrder = []string{agg.Won, agg.WonAmt, agg.Lost, agg.Cycle, agg.Recur, agg.Attr,
	agg.Leads, agg.Cohort, agg.Conv, agg.Acts, agg.Sent, agg.CSAT, agg.Resp}

// rows returns the rows of the query's measures, measure by measure. The
// rows are shared: callers only read them.
func (m *memoAgg) rows(ctx context.Context, o int64, q agg.Query) ([][]arow, error) {
	if q.Starts != nil {
		q.Starts = slices.Clone(q.Starts)
		slices.Sort(q.Starts)
		q.Starts = slices.Compact(q.Starts)
	}
	shape := fmt.Sprintf("%s %q %v %d %d %v", q.Grain, q.Kind, q.Starts, q.From, q.To, q.NoHist)
	keyOf := func(measure string) string { return shape + " " + measure }
	// The measures nobody has read or is reading are read here, with the
	// lock released: the other goroutine of a batch reads its own shapes
	// meanwhile, and waits only for the measures this read brings.
	m.rowsMu.Lock()
	if m.rowsFor == nil {
		m.rowsFor = map[string]*memoEntry{}
	}
	var read []string
	for _, x := range q.Measures {
		if _, ok := m.rowsFor[keyOf(x)]; !ok && !slices.Contains(read, x) {
			read = append(read, x)
		}
	}
	if len(read) > 0 && m.wide && q.Kind == agg.KindTotal && !slices.Contains(read, agg.OpenIn) && !slices.Contains(read, agg.OpenOut) {
		for _, x := range measureOrder {
			if _, ok := m.rowsFor[keyOf(x)]; !ok && agg.HasGrain(x, q.Grain, q.Kind) && !slices.Contains(read, x) {
				read = append(read, x)
			}
		}
	}
	mine := make([]*memoEntry, len(read))
	for i, x := range read {
		mine[i] = &memoEntry{done: make(chan struct{})}
		m.rowsFor[keyOf(x)] = mine[i]
	}
	want := make([]*memoEntry, len(q.Measures))
	for i, x := range q.Measures {
		want[i] = m.rowsFor[keyOf(x)]
	}
	m.rowsMu.Unlock()
	if len(read) > 0 {
		byMeasure, err := m.read(ctx, o, q, read)
		m.rowsMu.Lock()
		for i, x := range read {
			mine[i].v, mine[i].err = byMeasure[x], err
			if err != nil {
				delete(m.rowsFor, keyOf(x)) // the next call tries again
			}
			close(mine[i].done)
		}
		m.rowsMu.Unlock()
	}
	out := make([][]arow, 0, len(q.Measures))
	for _, e := range want {
		<-e.done
		if e.err != nil {
			return nil, e.err
		}
		out = append(out, e.v.([]arow))
	}
	return out, nil
}

// read reads the rows of the measures at the query's grain, kind and
// periods, by measure.
func (m *memoAgg) read(ctx context.Context, o int64, q agg.Query, measures []string) (map[string][]arow, error) {
	byMeasure := make(map[string][]arow, len(measures))
	q.Measures = measures
	// The histograms are copied into few allocations, each twice the last:
	// most reads bring a few short ones.
	var buf []byte
	err := m.as.ReadAggregates(ctx, o, q, func(k *agg.Key, n, s, mm int64, hist []byte) error {
		r := arow{measure: k.Measure, start: k.Start, dim: k.Dim, n: n, s: s, m: mm}
		if len(hist) > 0 {
			if cap(buf)-len(buf) < len(hist) {
				buf = make([]byte, 0, max(2*cap(buf), 512, len(hist)))
			}
			at := len(buf)
			buf = append(buf, hist...)
			r.hist = buf[at:len(buf):len(buf)]
		}
		byMeasure[k.Measure] = append(byMeasure[k.Measure], r)
		return nil
	})
	return byMeasure, err
}

// openBefore returns, for each dimension value of the kind, the open-deal
// events in less those out before the month starting at month (year and
// quarter: the starts of its year and quarter).
func (m *memoAgg) openBefore(ctx context.Context, o int64, kind string, year, quarter, month int64) (map[string]openTot, error) {
	key := fmt.Sprintf("open before %q %d %d %d", kind, year, quarter, month)
	return once(m.memo, key, func() (map[string]openTot, error) {
		out := map[string]openTot{}
		err := m.as.SumAggregatesBefore(ctx, o, kind, []string{agg.OpenIn, agg.OpenOut}, year, quarter, month,
			func(measure, dim string, n, s, mm int64) error {
				t := out[dim]
				if measure == agg.OpenOut {
					n, s, mm = -n, -s, -mm
				}
				var ok bool
				if t.s, ok = agg.Add(t.s, s); !ok {
					return agg.ErrOverflow
				}
				t.n, t.m = t.n+n, t.m+mm
				out[dim] = t
				return nil
			})
		return out, err
	})
}

// facts returns the source's FactsBetween for the measures, read once per
// window and family of measures (all of the family's measures: the other
// KPIs of a batch read them too).
func (m *memoAgg) facts(ctx context.Context, o int64, measures []string, from, to time.Time) ([]agg.Row, error) {
	var out []agg.Row
	var done []string
	for _, x := range measures {
		fam := factFamily(x)
		if slices.Contains(done, fam) {
			continue
		}
		done = append(done, fam)
		key := fmt.Sprintf("facts %s %d %d", fam, from.UnixNano(), to.UnixNano())
		rows, err := once(m.memo, key, func() ([]agg.Row, error) {
			var all []string
			for _, y := range append(slices.Clone(measureOrder), agg.OpenIn, agg.OpenOut) {
				if factFamily(y) == fam {
					all = append(all, y)
				}
			}
			return m.as.FactsBetween(ctx, o, all, from, to)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// factFamily is the family of a measure, the open-deal events apart (they
// read other records).
func factFamily(m string) string {
	if m == agg.OpenIn || m == agg.OpenOut {
		return "open"
	}
	return agg.FamilyOf(m)
}

// act is an activity as typedActivities reads it.
type act struct {
	typ, owner string
	at         int64
}

// activities returns the source's ActivitiesBetween, read once (a read
// with owners serves one without).
func (m *memoAgg) activities(ctx context.Context, o int64, from, to time.Time, owners bool) ([]act, error) {
	key := fmt.Sprintf("activities %d %d", from.UnixNano(), to.UnixNano())
	if !owners {
		if v, ok := m.peek(key + " owners"); ok {
			return v.([]act), nil
		}
	} else {
		key += " owners"
	}
	return once(m.memo, key, func() ([]act, error) {
		var out []act
		err := m.as.ActivitiesBetween(ctx, o, from, to, owners, func(typ, owner string, at int64) {
			out = append(out, act{typ, owner, at})
		})
		return out, err
	})
}

// openEvents returns the source's OpenEvents (every kind), read once.
func (m *memoAgg) openEvents(ctx context.Context, o int64, from, to time.Time) ([]agg.Row, error) {
	key := fmt.Sprintf("open %d %d", from.UnixNano(), to.UnixNano())
	return once(m.memo, key, func() ([]agg.Row, error) { return m.as.OpenEvents(ctx, o, from, to) })
}

type spansOK struct {
	spans map[rumbo.Entity]rumbo.DataSpan
	ok    bool
}

// spans returns the source's AggregateSpans, read once.
func (m *memoAgg) spans(ctx context.Context, o int64) (map[rumbo.Entity]rumbo.DataSpan, bool, error) {
	v, err := once(m.memo, "aggspans", func() (spansOK, error) {
		s, ok, err := m.as.AggregateSpans(ctx, o)
		return spansOK{s, ok}, err
	})
	return v.spans, v.ok, err
}
