package metric

import (
	"cmp"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"slices"

	"github.com/rumbo-app/rumbo/metric/agg"
)

// acell is the aggregate of one measure in one piece and group: the sums of
// its rows' counts, sums and counts without value, and their histograms as
// stored (agg.EncodeHist), decoded and merged only when a KPI needs them
// (means and medians, open deals at an instant).
type acell struct {
	n, s, m int64
	hists   [][]byte // shared with the rows read: never modified
	less    hist     // counts taken away (negative), see calc.takeAway
	over    bool     // s went past an int64 (agg.ErrOverflow)
}

// addS adds x to the cell's sum, noting an overflow.
func (a *acell) addS(x int64) {
	var ok bool
	if a.s, ok = agg.Add(a.s, x); !ok {
		a.over = true
	}
}

// sub takes away the facts of a row (as agg.Row keeps its histogram).
func (a *acell) sub(n, s, m int64, h map[int64]int64) {
	a.n, a.m = a.n-n, a.m-m
	if s == math.MinInt64 {
		a.over = true
	} else {
		a.addS(-s)
	}
	if len(h) == 0 {
		return
	}
	neg := make(hist, 0, len(h))
	for v, c := range h {
		neg = append(neg, bin{v, -c})
	}
	slices.SortFunc(neg, func(x, y bin) int { return cmp.Compare(x.v, y.v) })
	a.less = mergeHists(a.less, neg)
}

func (a *acell) add(n, s, m int64, h []byte) {
	a.n, a.m = a.n+n, a.m+m
	a.addS(s)
	if len(h) > 0 {
		a.hists = append(a.hists, h)
	}
}

// median returns the exact median of the values the cell's histograms
// count (n of them), walking the stored histogram when there is one (the
// usual case) instead of decoding it.
func (a *acell) median() (*big.Rat, error) {
	if len(a.hists) != 1 || len(a.less) > 0 {
		h, err := a.hist()
		if err != nil {
			return nil, err
		}
		return h.median(a.n), nil
	}
	return medianOf(func(fn func(v, n int64) bool) error { return walkHist(a.hists[0], fn) }, a.n)
}

// hist returns the cell's histogram: its rows' histograms merged.
func (a *acell) hist() (hist, error) {
	var h hist
	for i, b := range a.hists {
		d, err := decodeHist(b, nil)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			h = d
		} else {
			h = mergeHists(h, d)
		}
	}
	if len(a.less) > 0 {
		h = mergeHists(h, a.less)
	}
	return h, nil
}

// meanCell is what a mean and a median need: the count and sum of the
// values and their median.
type meanCell struct {
	n, s int64
	med  *big.Rat
}

// bin is one value of a histogram and its count.
type bin struct{ v, n int64 }

// hist is a histogram as bins sorted by value, without zero counts.
type hist []bin

var errBadHist = errors.New("metric: bad aggregate histogram")

// walkHist calls fn with each value and count of a histogram encoded by
// agg.EncodeHist (sorted values as varint deltas, each with its count), in
// order, until fn returns false.
func walkHist(b []byte, fn func(v, n int64) bool) error {
	prev := int64(0)
	for i := 0; len(b) > 0; i++ {
		var v int64
		if i == 0 {
			x, n := binary.Varint(b)
			if n <= 0 {
				return errBadHist
			}
			v, b = x, b[n:]
		} else {
			d, n := binary.Uvarint(b)
			if n <= 0 {
				return errBadHist
			}
			v, b = prev+int64(d), b[n:]
		}
		c, n := binary.Varint(b)
		if n <= 0 {
			return errBadHist
		}
		b = b[n:]
		if c != 0 && !fn(v, c) {
			return nil
		}
		prev = v
	}
	return nil
}

// decodeHist appends the bins of an encoded histogram to h.
func decodeHist(b []byte, h hist) (hist, error) {
	if h == nil {
		h = make(hist, 0, len(b)/2+1) // a bin takes 2 bytes or more
	}
	err := walkHist(b, func(v, n int64) bool {
		h = append(h, bin{v, n})
		return true
	})
	return h, err
}

// mergeHists returns the sum of two histograms.
func mergeHists(a, b hist) hist {
	out := make(hist, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i].v < b[j].v:
			out = append(out, a[i])
			i++
		case a[i].v > b[j].v:
			out = append(out, b[j])
			j++
		default:
			if n := a[i].n + b[j].n; n != 0 {
				out = append(out, bin{a[i].v, n})
			}
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// median returns the exact median of the n values the histogram counts.
func (h hist) median(n int64) *big.Rat {
	m, _ := medianOf(func(fn func(v, n int64) bool) error {
		for _, b := range h {
			if !fn(b.v, b.n) {
				break
			}
		}
		return nil
	}, n)
	return m
}

// medianOf returns the exact median of n values given by walk, which calls
// its function with each value (ascending) and its count until it returns
// false; 0 when there are none.
func medianOf(walk func(fn func(v, n int64) bool) error, n int64) (*big.Rat, error) {
	// lo and hi are the values at ranks (n-1)/2 and n/2 from 0: the middle
	// one twice for an odd n, the middle two for an even one.
	loRank, hiRank := (n-1)/2, n/2
	var lo, hi, last int64
	seen, found := int64(0), 0
	err := walk(func(v, c int64) bool {
		last = v
		if found == 0 && loRank < seen+c {
			lo, found = v, 1
		}
		if found == 1 && hiRank < seen+c {
			hi, found = v, 2
			return false
		}
		seen += c
		return true
	})
	if err != nil {
		return nil, err
	}
	// Counts short of n (never with consistent aggregates) take the
	// largest value, as a lookup past the end would.
	if found < 1 {
		lo = last
	}
	if found < 2 {
		hi = last
	}
	return ratNew(lo+hi, 2), nil
}
