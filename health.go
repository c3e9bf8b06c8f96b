package rumbo

import (
	"math/big"
	"time"
)

// ProRataTarget returns the target to compare a KPI value with in period p
// at now. An additive KPI (a sum or a count) in an unfinished period is
// compared with target × elapsed share of the period (exact time elapsed ÷
// the period's length); a non-additive KPI, or any KPI in a finished
// period, with the full target. A nil target gives nil.
func ProRataTarget(target *big.Rat, additive bool, p Period, now time.Time) *big.Rat {
	if target == nil {
		return nil
	}
	if !additive {
		return new(big.Rat).Set(target)
	}
	return new(big.Rat).Mul(target, p.ElapsedRat(now))
}

// SplitTarget returns the share of a target set for the period of the
// target that falls in p: target × days(p ∩ target period) ÷ days(target
// period), in calendar days. It is 0 when they do not overlap.
func SplitTarget(target *big.Rat, of, p Period) *big.Rat {
	if target == nil {
		return nil
	}
	ov, ok := of.Overlap(p)
	days := of.Days()
	if !ok || days == 0 {
		return new(big.Rat)
	}
	r := new(big.Rat).Mul(target, big.NewRat(int64(ov.Days()), int64(days)))
	return r
}

// Achievement returns value ÷ target, or target ÷ value for a
// lower-is-better KPI, and false when it is not defined (a missing value or
// target, or a zero or negative divisor or dividend where the quotient would
// mean nothing). It is never NaN or infinite.
func Achievement(value, target *big.Rat, lowerIsBetter bool) (float64, bool) {
	if value == nil || target == nil {
		return 0, false
	}
	num, den := value, target
	if lowerIsBetter {
		num, den = target, value
	}
	if den.Sign() <= 0 || num.Sign() < 0 {
		return 0, false
	}
	f, _ := new(big.Rat).Quo(num, den).Float64()
	return f, true
}

// HealthOf returns the health of a KPI value against its (pro-rata) target
// with the given bands, and the achievement when one is defined.
//
// Without a value, or without a target for relative bands, the health is
// HealthNone. With relative bands the achievement (see Achievement) is
// green at or above b.Green, yellow at or above b.Yellow, red below. When the
// achievement is undefined because of a zero or negative number, the value
// is compared with the target directly: green when it is at least as good
// (≥ for higher-is-better, ≤ for lower-is-better), red otherwise. With
// absolute bands the value itself is compared with b.Green and b.Yellow
// (≤ for lower-is-better), and no target is needed.
func HealthOf(value, target *big.Rat, lowerIsBetter bool, b Bands) (Health, *float64) {
	if value == nil {
		return HealthNone, nil
	}
	if b.Absolute {
		v, _ := value.Float64()
		var ach *float64
		if a, ok := Achievement(value, target, lowerIsBetter); ok {
			ach = &a
		}
		switch {
		case better(v, b.Green, lowerIsBetter):
			return HealthGreen, ach
		case better(v, b.Yellow, lowerIsBetter):
			return HealthYellow, ach
		}
		return HealthRed, ach
	}
	if target == nil {
		return HealthNone, nil
	}
	a, ok := Achievement(value, target, lowerIsBetter)
	if !ok {
		c := value.Cmp(target)
		if (c >= 0 && !lowerIsBetter) || (c <= 0 && lowerIsBetter) {
			return HealthGreen, nil
		}
		return HealthRed, nil
	}
	switch {
	case a >= b.Green:
		return HealthGreen, &a
	case a >= b.Yellow:
		return HealthYellow, &a
	}
	return HealthRed, &a
}

// better reports whether v is at least as good as the threshold.
func better(v, threshold float64, lowerIsBetter bool) bool {
	if lowerIsBetter {
		return v <= threshold
	}
	return v >= threshold
}
