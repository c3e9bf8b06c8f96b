package agg

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
)

func TestAdd(t *testing.T) {
	for _, c := range []struct {
		a, b, want int64
		ok         bool
	}{
		{1, 2, 3, true},
		{math.MaxInt64, 0, math.MaxInt64, true},
		{math.MaxInt64 - 1, 1, math.MaxInt64, true},
		{math.MaxInt64, 1, 0, false},
		{math.MinInt64, -1, 0, false},
		{math.MinInt64, math.MaxInt64, -1, true},
		{-5, 3, -2, true},
	} {
		got, ok := Add(c.a, c.b)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("Add(%d, %d) = %d, %v; want %d, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
}

// TestBuilderOverflow: amounts that add up past an int64 of cents, in one
// day's cell or only in the month added up from two days, make Err
// ErrOverflow; amounts that fit do not.
func TestBuilderOverflow(t *testing.T) {
	won := func(b *Builder, day int, cents int64) {
		m := rumbo.Money(cents)
		at := time.Date(2026, 3, day, 12, 0, 0, 0, time.UTC)
		b.Deal(&rumbo.Deal{ExternalID: "D", Owner: "Ana", Amount: &m, CreatedAt: at.Add(-time.Hour), ClosedAt: at,
			Status: rumbo.DealWon, FirstSeenAt: at}, nil, time.Time{})
	}
	half := int64(math.MaxInt64/2 + 1)
	for _, c := range []struct {
		name  string
		days  []int
		cents int64
		want  error
	}{
		{"fits", []int{2, 2}, half - 1, nil},
		{"one day", []int{2, 2}, half, ErrOverflow},
		{"the month of two days", []int{2, 3}, half, ErrOverflow},
	} {
		b := NewBuilder(time.UTC)
		for _, d := range c.days {
			won(b, d, c.cents)
		}
		b.Rows()
		if err := b.Err(); !errors.Is(err, c.want) {
			t.Errorf("%s: Err() = %v, want %v", c.name, err, c.want)
		}
		if c.want == nil {
			continue
		}
		// StoredRows, which a rebuild writes, notes it the same.
		b2 := NewBuilder(time.UTC)
		for _, d := range c.days {
			won(b2, d, c.cents)
		}
		for range b2.StoredRows() {
		}
		if err := b2.Err(); !errors.Is(err, c.want) {
			t.Errorf("%s, StoredRows: Err() = %v, want %v", c.name, err, c.want)
		}
	}

	a, o := Cell{N: 1, S: half}, Cell{N: 1, S: half}
	if err := a.Merge(&o); !errors.Is(err, ErrOverflow) || a.N != 1 || a.S != half {
		t.Errorf("Merge past an int64: %v, cell %+v; want ErrOverflow and the cell unchanged", err, a)
	}
	o.S = -half
	if err := a.Merge(&o); err != nil || a.N != 2 || a.S != 0 {
		t.Errorf("Merge: %v, cell %+v; want N 2, S 0", err, a)
	}
}
