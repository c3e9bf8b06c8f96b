package okr

import (
	"context"
	"math/big"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// eval is one evaluation of an organisation's OKRs at one instant: what
// every key result shares, loaded once.
type eval struct {
	org      *rumbo.Org
	loc      *time.Location
	now      time.Time
	since    time.Time // snapTouched: the write that just ran
	engine   *metric.Engine
	defs     map[string]rumbo.KPIDef
	excluded map[string]bool
	markets  []rumbo.Market
	people   []rumbo.Person
	spans    map[rumbo.Entity]rumbo.DataSpan
	mu       sync.Mutex         // guards current: key results are measured concurrently
	current  map[int64]*big.Rat // metric key results' exact current values
	recorded int                // snapshots recorded
}

func (s *Service) newEval(ctx context.Context, org *rumbo.Org, now time.Time) (*eval, error) {
	loc, err := org.Location()
	if err != nil {
		return nil, err
	}
	// One session: the key results share the engine's reads (spans,
	// targets, aggregates…) instead of making them once each.
	ev := &eval{org: org, loc: loc, now: now.In(loc), current: map[int64]*big.Rat{},
		engine: metric.New(s.store, func() time.Time { return now }).Session()}
	defs, err := ev.engine.Definitions(ctx, org)
	if err != nil {
		return nil, err
	}
	ev.defs = make(map[string]rumbo.KPIDef, len(defs))
	for _, d := range defs {
		ev.defs[d.Key] = d
	}
	weeks, err := s.store.ExcludedWeeks(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	ev.excluded = make(map[string]bool, len(weeks))
	for _, w := range weeks {
		ev.excluded[w] = true
	}
	if ev.markets, err = s.store.Markets(ctx, org.ID); err != nil {
		return nil, err
	}
	if ev.people, err = s.store.People(ctx, org.ID); err != nil {
		return nil, err
	}
	if ev.spans, err = ev.engine.DataSpans(ctx, org); err != nil {
		return nil, err
	}
	return ev, nil
}

// filtersOf returns a key result's filters and scope as engine filters, in
// a stable order.
func filtersOf(kr *rumbo.KeyResult) []metric.Filter {
	var fs []metric.Filter
	for k, v := range kr.Filters {
		fs = append(fs, metric.Filter{Field: k, Value: v})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Field < fs[j].Field })
	if kr.Scope != "" {
		fs = append(fs, metric.Filter{Field: kr.Scope, Value: kr.ScopeValue})
	}
	return fs
}

// compute runs the key result's KPI over p, cut by grain and broken down by
// by.
func (ev *eval) compute(ctx context.Context, kr *rumbo.KeyResult, p rumbo.Period, grain rumbo.Grain, by string) (*metric.Result, error) {
	return ev.engine.Compute(ctx, ev.org, metric.Query{Key: kr.KPI, Period: &p, Grain: grain, By: by, Filters: filtersOf(kr)})
}

// value returns the KPI over p (nil: no data) and the time its inputs were
// last written.
func (ev *eval) value(ctx context.Context, kr *rumbo.KeyResult, p rumbo.Period) (*big.Rat, time.Time, error) {
	res, err := ev.compute(ctx, kr, p, "", "")
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, row := range res.Rows {
		if row.Value != nil && row.Value.Rat != nil {
			return row.Value.Rat, res.AsOf, nil
		}
	}
	return nil, res.AsOf, nil
}

// weekly returns the KPI for each ISO week of p, keyed by the week's label;
// weeks with no data are missing from the map.
func (ev *eval) weekly(ctx context.Context, kr *rumbo.KeyResult, p rumbo.Period) (map[string]*big.Rat, time.Time, error) {
	res, err := ev.compute(ctx, kr, p, rumbo.GrainWeek, "")
	if err != nil {
		return nil, time.Time{}, err
	}
	out := map[string]*big.Rat{}
	for _, row := range res.Rows {
		if row.Value != nil && row.Value.Rat != nil {
			out[rumbo.PeriodOf(row.Start.In(ev.loc), rumbo.GrainWeek, ev.loc).Label] = row.Value.Rat
		}
	}
	return out, res.AsOf, nil
}

func floats(m map[string]*big.Rat) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k], _ = v.Float64()
	}
	return out
}

// soFar returns the part of p up to now, false before p begins.
func soFar(p rumbo.Period, now time.Time) (rumbo.Period, bool) {
	if !now.After(p.Start) {
		return rumbo.Period{}, false
	}
	if now.Before(p.End) {
		p.End, p.Grain = now, ""
	}
	return p, true
}

// measure gathers what the rules need to compute a key result's status.
func (s *Service) measure(ctx context.Context, ev *eval, o *rumbo.Objective, kr *rumbo.KeyResult) (rumbo.KRInputs, error) {
	in := rumbo.KRInputs{Period: o.Period, Now: ev.now}
	var err error
	if in.CheckIns, err = s.store.CheckIns(ctx, ev.org.ID, kr.ID); err != nil {
		return in, err
	}
	part, started := soFar(o.Period, ev.now)
	switch kr.Kind {
	case rumbo.KRMetric:
		in.Additive = ev.defs[kr.KPI].Additive
		if in.Snapshots, err = s.store.Snapshots(ctx, ev.org.ID, kr.ID); err != nil {
			return in, err
		}
		if !started {
			break
		}
		v, asOf, err := ev.value(ctx, kr, part)
		if err != nil {
			return in, err
		}
		in.DataAsOf = asOf
		if v != nil {
			f, _ := v.Float64()
			in.Current = &f
			ev.mu.Lock()
			ev.current[kr.ID] = v
			ev.mu.Unlock()
		}
	case rumbo.KRRate, rumbo.KRGuardrail:
		values, asOf, err := ev.weekly(ctx, kr, o.Period)
		if err != nil {
			return in, err
		}
		in.DataAsOf = asOf
		in.Weekly = rumbo.WeeklyData{Values: floats(values), Excluded: ev.excluded}
		if kr.PerRep {
			in.Weekly.ActiveReps = ev.activeReps(kr, o.Period)
		}
	case rumbo.KRSegment:
		if kr.SegmentSource == rumbo.SourceNewMarkets {
			in.Segments = rumbo.NewMarkets(ev.markets)
		}
		in.Counts = map[string]float64{}
		if !started {
			break
		}
		res, err := ev.compute(ctx, kr, part, "", kr.SegmentBy)
		if err != nil {
			return in, err
		}
		in.DataAsOf = res.AsOf
		for _, row := range res.Rows {
			in.Counts[row.Group[res.By]] = row.Value.Float64()
		}
	case rumbo.KRMilestone:
		if kr.MilestoneSource != rumbo.SourceNewMarketsAnalysed {
			break
		}
		in.DataAsOf = ev.spans[rumbo.EntityMarkets].ImportedAt
		done := 0
		if started {
			done = len(rumbo.NewMarketsAnalysed(ev.markets, part))
		}
		in.Done = &done
	}
	return in, nil
}

// activeReps counts, for each ISO week of p, the people in the key
// result's scope active during that week.
func (ev *eval) activeReps(kr *rumbo.KeyResult, p rumbo.Period) map[string]int {
	out := map[string]int{}
	for _, w := range rumbo.PeriodWeeks(p) {
		for _, pe := range ev.people {
			if !inScope(kr, pe) {
				continue
			}
			if (pe.ActiveFrom.IsZero() || pe.ActiveFrom.Before(w.Period.End)) && (pe.ActiveTo.IsZero() || pe.ActiveTo.After(w.Period.Start)) {
				out[w.Label]++
			}
		}
	}
	return out
}

func inScope(kr *rumbo.KeyResult, pe rumbo.Person) bool {
	switch kr.Scope {
	case "team":
		return strings.EqualFold(pe.Team, kr.ScopeValue)
	case "owner":
		return strings.EqualFold(pe.Name, kr.ScopeValue) || strings.EqualFold(pe.Email, kr.ScopeValue)
	}
	return true
}
