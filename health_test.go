package rumbo

import (
	"math/big"
	"testing"
	"time"
)

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func TestProRataTarget(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q2, _ := ParsePeriod("2017-Q2", loc)
	tests := []struct {
		name     string
		target   *big.Rat
		additive bool
		now      time.Time
		want     *big.Rat
	}{
		// 2017-Q2 is 91 days of 24 h (no DST change inside); 1 May is day 30.
		{"additive unfinished", rat("91000"), true, time.Date(2017, 5, 1, 0, 0, 0, 0, loc), rat("30000")},
		{"additive finished", rat("91000"), true, time.Date(2017, 8, 1, 0, 0, 0, 0, loc), rat("91000")},
		{"additive not started", rat("91000"), true, time.Date(2017, 1, 1, 0, 0, 0, 0, loc), rat("0")},
		{"non-additive unfinished", rat("0.2"), false, time.Date(2017, 5, 1, 0, 0, 0, 0, loc), rat("0.2")},
		{"nil target", nil, true, time.Date(2017, 5, 1, 0, 0, 0, 0, loc), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ProRataTarget(tt.target, tt.additive, q2, tt.now)
			if (got == nil) != (tt.want == nil) || (got != nil && got.Cmp(tt.want) != 0) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSplitTarget(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	p := func(s string) Period {
		q, err := ParsePeriod(s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	tests := []struct {
		name   string
		target string
		of, in string
		want   string
	}{
		{"quarter to month", "91000", "2017-Q2", "2017-05", "31000"},
		{"year to quarter", "365", "2017", "2017-Q1", "90"},
		{"quarter to week across its start", "90", "2017-Q1", "2016-W52", "1"}, // 2017-01-01 is a Sunday
		{"disjoint", "100", "2017-Q1", "2017-05", "0"},
		{"DST week counts 7 days", "7", "2026-W13", "2026-03-29", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitTarget(rat(tt.target), p(tt.of), p(tt.in))
			if got.Cmp(rat(tt.want)) != 0 {
				t.Errorf("got %v, want %s", got.RatString(), tt.want)
			}
		})
	}
}

func TestHealthOf(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name   string
		value  *big.Rat
		target *big.Rat
		lower  bool
		bands  Bands
		want   Health
		ach    *float64
	}{
		{"no target", rat("5"), nil, false, DefaultBands, HealthNone, nil},
		{"no value", nil, rat("5"), false, DefaultBands, HealthNone, nil},
		{"green at 100%", rat("100"), rat("100"), false, DefaultBands, HealthGreen, f(1)},
		{"yellow at 90%", rat("90"), rat("100"), false, DefaultBands, HealthYellow, f(0.9)},
		{"red below 90%", rat("89"), rat("100"), false, DefaultBands, HealthRed, f(0.89)},
		{"lower is better, under target", rat("40"), rat("50"), true, DefaultBands, HealthGreen, f(1.25)},
		{"lower is better, 10% over", rat("55"), rat("50"), true, DefaultBands, HealthYellow, f(50.0 / 55)},
		{"lower is better, far over", rat("100"), rat("50"), true, DefaultBands, HealthRed, f(0.5)},
		{"zero target met", rat("0"), rat("0"), false, DefaultBands, HealthGreen, nil},
		{"zero value lower is better", rat("0"), rat("10"), true, DefaultBands, HealthGreen, nil},
		{"zero target lower is better missed", rat("3"), rat("0"), true, DefaultBands, HealthRed, f(0)},
		{"zero value higher is better", rat("0"), rat("10"), false, DefaultBands, HealthRed, f(0)},
		{"negative ROI against positive target", rat("-0.5"), rat("0.2"), false, DefaultBands, HealthRed, nil},
		{"negative target met", rat("-0.1"), rat("-0.2"), false, DefaultBands, HealthGreen, nil},
		{"custom bands", rat("80"), rat("100"), false, Bands{Green: 0.8, Yellow: 0.5}, HealthGreen, f(0.8)},
		{"absolute bands green", rat("4.3"), nil, false, Bands{Green: 4.2, Yellow: 4}, HealthGreen, nil},
		{"absolute bands yellow", rat("4.1"), nil, false, Bands{Green: 4.2, Yellow: 4}, HealthYellow, nil},
		{"absolute bands red", rat("3.9"), nil, false, Bands{Green: 4.2, Yellow: 4}, HealthRed, nil},
		{"absolute lower is better", rat("30"), nil, true, Bands{Green: 24, Yellow: 48, Absolute: true}, HealthYellow, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.bands
			if tt.name[:8] == "absolute" {
				b.Absolute = true
			}
			got, ach := HealthOf(tt.value, tt.target, tt.lower, b)
			if got != tt.want {
				t.Errorf("health = %q, want %q", got, tt.want)
			}
			switch {
			case (ach == nil) != (tt.ach == nil):
				t.Errorf("achievement = %v, want %v", ach, tt.ach)
			case ach != nil && (*ach-*tt.ach > 1e-12 || *tt.ach-*ach > 1e-12):
				t.Errorf("achievement = %v, want %v", *ach, *tt.ach)
			}
		})
	}
}
