package okr

import (
	"context"
	"math/big"

	"github.com/rumbo-app/rumbo"
)

// resolve freezes a metric key result's baseline, start and target, or a
// rate key result's weekly rate, once its period has begun: from the
// baseline period, or, when that has no data, from the first full week of
// data in the key result's own period (baseline to be established, retried
// at every evaluation until a week establishes it). Frozen values never
// change again.
func (s *Service) resolve(ctx context.Context, ev *eval, o *rumbo.Objective, kr *rumbo.KeyResult) error {
	if !ev.now.After(o.Period.Start) {
		return nil
	}
	switch kr.Kind {
	case rumbo.KRMetric:
		if !kr.BaselineResolvedAt.IsZero() {
			return nil
		}
		return s.resolveMetric(ctx, ev, o, kr)
	case rumbo.KRRate:
		if kr.Rate != nil {
			return nil
		}
		return s.resolveRate(ctx, ev, o, kr)
	}
	return nil
}

func (s *Service) resolveMetric(ctx context.Context, ev *eval, o *rumbo.Objective, kr *rumbo.KeyResult) error {
	additive := ev.defs[kr.KPI].Additive
	var baseline *big.Rat
	if bp, ok := rumbo.BaselinePeriod(kr.Baseline, o.Period); ok {
		v, _, err := ev.value(ctx, kr, bp)
		if err != nil {
			return err
		}
		baseline = v
	}
	res, err := rumbo.ResolveMetric(*kr, additive, baseline)
	if err != nil {
		return err
	}
	if res.Pending {
		weeks, _, err := ev.weekly(ctx, kr, o.Period)
		if err != nil {
			return err
		}
		_, v, ok := rumbo.EstablishingWeek(o.Period, ev.now, func(w rumbo.Period) *big.Rat {
			v := dataOf(weeks[w.Label], additive)
			if v == nil {
				return nil
			}
			// A week from which no target follows (a rate of 0 against a
			// relative change) establishes nothing: the next one may.
			if r, err := rumbo.ResolveMetric(*kr, additive, rumbo.WeekBaseline(additive, o.Period, v)); err != nil || r.Pending {
				return nil
			}
			return v
		})
		if ok {
			if res, err = rumbo.ResolveMetric(*kr, additive, rumbo.WeekBaseline(additive, o.Period, v)); err != nil {
				return err
			}
		}
	}
	if res.Pending && (res.Target == nil || kr.Target != nil) {
		return nil
	}
	*kr = rumbo.FreezeMetric(*kr, res, ev.now)
	return s.store.UpdateKeyResult(ctx, ev.org.ID, kr)
}

// dataOf returns a week's value when it is data: a count or sum of 0 is a
// week without data for establishing a baseline (no target follows from 0).
func dataOf(v *big.Rat, additive bool) *big.Rat {
	if v == nil || (additive && v.Sign() == 0) {
		return nil
	}
	return v
}

func (s *Service) resolveRate(ctx context.Context, ev *eval, o *rumbo.Objective, kr *rumbo.KeyResult) error {
	var base *big.Rat
	if bp, ok := rumbo.BaselinePeriod(kr.Baseline, o.Period); ok {
		weeks, _, err := ev.weekly(ctx, kr, bp)
		if err != nil {
			return err
		}
		if b, ok := rumbo.BaselineRate(bp, rumbo.WeeklyData{Values: floats(weeks), Excluded: ev.excluded}); ok {
			base = b
		}
	}
	rate, ok := rumbo.ResolveRate(*kr, base)
	if !ok {
		weeks, _, err := ev.weekly(ctx, kr, o.Period)
		if err != nil {
			return err
		}
		_, v, found := rumbo.EstablishingWeek(o.Period, ev.now, func(w rumbo.Period) *big.Rat {
			return dataOf(weeks[w.Label], true)
		})
		if !found {
			return nil
		}
		if rate, ok = rumbo.ResolveRate(*kr, v); !ok {
			return nil
		}
		base = v
	}
	kr.Rate, kr.BaselineValue, kr.BaselineResolvedAt = rate, base, ev.now
	return s.store.UpdateKeyResult(ctx, ev.org.ID, kr)
}
