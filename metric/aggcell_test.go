package metric

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rumbo-app/rumbo/metric/agg"
)

// TestHistograms checks the engine's reading of stored histograms against
// the store's encoding and a median computed from the values themselves.
func TestHistograms(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		// A cell made of one to three rows, as a piece spanning several
		// periods (or a channel spanning campaigns) is.
		var values []int64
		var blobs [][]byte
		want := map[int64]int64{}
		for range 1 + r.IntN(3) {
			h := map[int64]int64{}
			for range r.IntN(20) {
				v := int64(r.IntN(50)) - 10
				if r.IntN(5) == 0 {
					v *= 1000003
				}
				h[v]++
				want[v]++
				values = append(values, v)
			}
			blobs = append(blobs, agg.EncodeHist(h))
		}
		a := &acell{n: int64(len(values))}
		for _, b := range blobs {
			a.add(0, 0, 0, b)
		}
		got, err := a.hist()
		if err != nil {
			t.Fatal(err)
		}
		var wantBins hist
		for _, v := range slices.Sorted(func(yield func(int64) bool) {
			for v := range want {
				if !yield(v) {
					return
				}
			}
		}) {
			wantBins = append(wantBins, bin{v, want[v]})
		}
		if !slices.Equal(got, wantBins) {
			t.Fatalf("trial %d: histogram %v, want %v", trial, got, wantBins)
		}
		if len(values) == 0 {
			continue
		}
		med, err := a.median()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(values)
		n := len(values)
		wantMed := big.NewRat(values[(n-1)/2]+values[n/2], 2)
		if med.Cmp(wantMed) != 0 {
			t.Fatalf("trial %d: median of %v = %s, want %s", trial, values, med, wantMed)
		}
		// The same through one merged row.
		one := &acell{n: a.n}
		one.add(0, 0, 0, agg.EncodeHist(want))
		if m, _ := one.median(); m.Cmp(wantMed) != 0 {
			t.Fatalf("trial %d: median of one row %s, want %s", trial, m, wantMed)
		}
	}
	if _, err := decodeHist([]byte{0x80}, nil); err == nil {
		t.Error("a truncated histogram decodes without error")
	}
}
