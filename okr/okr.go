// Package okr ties key results to the KPI engine and the store: it
// resolves and freezes baselines when a period begins (retrying the ones
// to be established), measures every key result from the data, builds the
// status tree with the domain's rules, records snapshots, applies the
// article's template and closes a period with scores.
//
// The rules themselves are pure functions of the root package (okr*.go);
// this package only gathers their inputs.
package okr

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// Store is what the service reads and writes: the OKRs and, through the
// KPI engine, the records.
type Store interface {
	rumbo.OKRService
	metric.Source
}

// Service computes and keeps an organisation's OKRs.
type Service struct {
	store    Store
	engine   *metric.Engine
	now      func() time.Time
	Settings rumbo.OKRSettings // status thresholds; DefaultOKRSettings
}

// New returns a service on store with now as its clock (time.Now when nil).
func New(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, engine: metric.New(store, now), now: now, Settings: rumbo.DefaultOKRSettings()}
}

// Status resolves the baselines due, records today's snapshot of each
// metric key result that has none yet (see Snapshot), and returns the
// status tree of the objectives whose period starts in p.
func (s *Service) Status(ctx context.Context, org *rumbo.Org, p rumbo.Period) (*rumbo.OKRStatus, error) {
	objs, err := s.store.Objectives(ctx, org.ID, &p)
	if err != nil {
		return nil, err
	}
	ev, err := s.newEval(ctx, org, s.now())
	if err != nil {
		return nil, err
	}
	ptrs := make([]*rumbo.Objective, len(objs))
	for i := range objs {
		ptrs[i] = &objs[i]
	}
	sts, err := s.objectivesStatus(ctx, ev, ptrs, snapDaily)
	if err != nil {
		return nil, err
	}
	return &rumbo.OKRStatus{Objectives: append([]rumbo.ObjectiveStatus{}, sts...)}, nil
}

// snapshot policies of objectivesStatus.
const (
	snapNone    = iota
	snapDaily   // record one snapshot per key result and day
	snapTouched // record one when the key result's inputs were written at or after ev.since
)

// measureWorkers is how many key results are measured at once: each
// measure is a few reads (check-ins, snapshots, the KPI), and on
// PostgreSQL their round trips overlap.
const measureWorkers = 4

// objectivesStatus resolves, measures and builds the status of the
// objectives, recording snapshots of their metric key results by policy.
// Resolving (which may write a frozen baseline) and recording go key
// result by key result in order; measuring, which only reads, runs on
// measureWorkers goroutines sharing the evaluation's engine session.
func (s *Service) objectivesStatus(ctx context.Context, ev *eval, objs []*rumbo.Objective, policy int) ([]rumbo.ObjectiveStatus, error) {
	type job struct {
		o   *rumbo.Objective
		kr  *rumbo.KeyResult
		in  rumbo.KRInputs
		err error
	}
	var jobs []*job
	for _, o := range objs {
		for j := range o.KeyResults {
			kr := &o.KeyResults[j]
			if err := s.resolve(ctx, ev, o, kr); err != nil {
				return nil, fmt.Errorf("key result %d: %w", kr.ID, err)
			}
			jobs = append(jobs, &job{o: o, kr: kr})
		}
	}
	next := make(chan *job)
	var wg sync.WaitGroup
	for range min(measureWorkers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range next {
				jb.in, jb.err = s.measure(ctx, ev, jb.o, jb.kr)
			}
		}()
	}
	for _, jb := range jobs {
		next <- jb
	}
	close(next)
	wg.Wait()
	out := make([]rumbo.ObjectiveStatus, 0, len(objs))
	k := 0
	for _, o := range objs {
		krs := make([]rumbo.KRStatus, 0, len(o.KeyResults))
		for range o.KeyResults {
			jb := jobs[k]
			k++
			if jb.err != nil {
				return nil, fmt.Errorf("key result %d: %w", jb.kr.ID, jb.err)
			}
			if policy != snapNone {
				if err := s.maybeSnapshot(ctx, ev, o, jb.kr, &jb.in, policy); err != nil {
					return nil, err
				}
			}
			krs = append(krs, rumbo.BuildKRStatus(*jb.kr, jb.in, s.Settings))
		}
		out = append(out, rumbo.BuildObjectiveStatus(*o, krs))
	}
	return out, nil
}

// maybeSnapshot records the metric key result's current value when the
// policy asks for it, and adds it to the inputs' snapshots.
func (s *Service) maybeSnapshot(ctx context.Context, ev *eval, o *rumbo.Objective, kr *rumbo.KeyResult, in *rumbo.KRInputs, policy int) error {
	if kr.Kind != rumbo.KRMetric || in.Current == nil || !o.Period.Contains(ev.now) {
		return nil
	}
	var last *rumbo.Snapshot
	if n := len(in.Snapshots); n > 0 {
		last = &in.Snapshots[n-1]
	}
	switch policy {
	case snapDaily:
		if last != nil && sameDay(last.At, ev.now, ev.loc) {
			return nil
		}
	case snapTouched:
		if in.DataAsOf.Before(ev.since.Truncate(time.Second)) {
			return nil
		}
		if last != nil && last.At.Equal(ev.now) && last.Value.Cmp(ev.current[kr.ID]) == 0 {
			return nil
		}
	}
	sn := rumbo.Snapshot{KRID: kr.ID, At: ev.now, Value: ev.current[kr.ID]}
	if err := s.store.AddSnapshot(ctx, ev.org.ID, sn); err != nil {
		return err
	}
	in.Snapshots = append(in.Snapshots, sn)
	ev.recorded++
	return nil
}

func sameDay(a, b time.Time, loc *time.Location) bool {
	ya, ma, da := a.In(loc).Date()
	yb, mb, db := b.In(loc).Date()
	return ya == yb && ma == mb && da == db
}

// Snapshot records, once a day, the value of every metric key result whose
// period is under way at now: a second call on the same calendar day (in
// the organisation's zone) records nothing. It returns how many snapshots
// it recorded. A daily job calls it; `rumbo okr status` does too.
func (s *Service) Snapshot(ctx context.Context, org *rumbo.Org, now time.Time) (int, error) {
	return s.snapshotActive(ctx, org, now, time.Time{}, snapDaily)
}

// SnapshotTouched records the value of every metric key result under way
// now whose inputs were written at or after since (an import or deletion
// that just ran), and returns how many it recorded.
func (s *Service) SnapshotTouched(ctx context.Context, org *rumbo.Org, since time.Time) (int, error) {
	return s.snapshotActive(ctx, org, s.now(), since, snapTouched)
}

func (s *Service) snapshotActive(ctx context.Context, org *rumbo.Org, now, since time.Time, policy int) (int, error) {
	objs, err := s.store.Objectives(ctx, org.ID, nil)
	if err != nil {
		return 0, err
	}
	ev, err := s.newEval(ctx, org, now)
	if err != nil {
		return 0, err
	}
	ev.since = since
	for i := range objs {
		o := &objs[i]
		if !o.Period.Contains(now) {
			continue
		}
		// Only metric key results have snapshots; the others are not measured.
		for j := range o.KeyResults {
			kr := &o.KeyResults[j]
			if kr.Kind != rumbo.KRMetric {
				continue
			}
			if err := s.resolve(ctx, ev, o, kr); err != nil {
				return ev.recorded, err
			}
			in, err := s.measure(ctx, ev, o, kr)
			if err != nil {
				return ev.recorded, err
			}
			if err := s.maybeSnapshot(ctx, ev, o, kr, &in, policy); err != nil {
				return ev.recorded, err
			}
		}
	}
	return ev.recorded, nil
}

// Close scores the objectives whose period starts in p: each key result's
// score is its progress now, each objective's the weighted mean (see
// rumbo.CloseObjective). It refuses, with EINVALID, an objective whose
// period has not ended unless force is set. Closing again recomputes.
func (s *Service) Close(ctx context.Context, org *rumbo.Org, p rumbo.Period, force bool) ([]rumbo.Objective, error) {
	objs, err := s.store.Objectives(ctx, org.ID, &p)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "no objectives in %s", p.Label)
	}
	now := s.now()
	ev, err := s.newEval(ctx, org, now)
	if err != nil {
		return nil, err
	}
	// Every objective is checked before any is scored: a period not over
	// leaves all of them as they were.
	for i := range objs {
		o := &objs[i]
		if now.Before(o.Period.End) && !force {
			return nil, rumbo.Errorf(rumbo.EINVALID, "objective %d: its period %s ends on %s; close it then, or use --force",
				o.ID, o.Period.Label, o.Period.End.In(ev.loc).Format("2006-01-02 15:04"))
		}
	}
	var out []rumbo.Objective
	for i := range objs {
		o := &objs[i]
		sts, err := s.objectivesStatus(ctx, ev, []*rumbo.Objective{o}, snapNone)
		if err != nil {
			return nil, err
		}
		scored := rumbo.CloseObjective(*o, sts[0].KeyResults)
		if err := s.store.SaveScores(ctx, org.ID, &scored); err != nil {
			return nil, err
		}
		out = append(out, scored)
	}
	return out, nil
}

// Override records a manual score with its note on an objective or a key
// result; the computed score is kept. Overriding a key result of a closed
// objective recomputes the objective's score, in which the key result now
// counts with its override.
func (s *Service) Override(ctx context.Context, org *rumbo.Org, objective bool, id int64, score float64, note string) error {
	if err := s.store.OverrideScore(ctx, org.ID, objective, id, score, note, s.now()); err != nil {
		return err
	}
	if objective {
		return nil
	}
	kr, err := s.store.KeyResult(ctx, org.ID, id)
	if err != nil {
		return err
	}
	o, err := s.store.Objective(ctx, org.ID, kr.ObjectiveID)
	if err != nil || o.Score == nil {
		return err
	}
	krs := make([]rumbo.KRStatus, len(o.KeyResults))
	for i, k := range o.KeyResults {
		if k.Score != nil {
			krs[i].Progress = *k.Score
		}
	}
	scored := rumbo.CloseObjective(*o, krs)
	return s.store.SaveScores(ctx, org.ID, &scored)
}
