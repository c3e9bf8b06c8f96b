package sqlstore_test

import (
	"testing"
	"time"

	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// TestCountAhead: the rows counted ahead come out all and in order, and a
// loop broken off early stops the goroutine counting them (a failed write
// of aggregates must not leave it blocked).
func TestCountAhead(t *testing.T) {
	const n = 5000
	source := func(done chan<- int) func(func(agg.EncodedRow) bool) {
		return func(yield func(agg.EncodedRow) bool) {
			i := 0
			defer func() { done <- i }()
			for ; i < n; i++ {
				if !yield(agg.EncodedRow{Key: agg.Key{Start: int64(i)}}) {
					return
				}
			}
		}
	}

	done := make(chan int, 1)
	i := 0
	for r := range sqlstore.CountAhead(source(done)) {
		if r.Start != int64(i) {
			t.Fatalf("row %d has start %d", i, r.Start)
		}
		i++
	}
	if i != n || <-done != n {
		t.Fatalf("%d rows of %d", i, n)
	}

	for _, stopAfter := range []int{0, 1, 700} {
		done := make(chan int, 1)
		seen := 0
		for range sqlstore.CountAhead(source(done)) {
			if seen == stopAfter {
				break
			}
			seen++
		}
		select {
		case produced := <-done:
			if produced == n {
				t.Errorf("broken off after %d rows, the source was read to its end", stopAfter)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("broken off after %d rows, the counting goroutine is still blocked", stopAfter)
		}
	}
}
