package demo

import (
	"context"
	"testing"

	"github.com/rumbo-app/rumbo"
)

type discard struct{}

func (discard) Put(context.Context, rumbo.Record) (rumbo.Outcome, error) { return rumbo.Inserted, nil }

// BenchmarkGenerate measures generation alone, without a store.
func BenchmarkGenerate(b *testing.B) {
	for _, scale := range Scales {
		b.Run(scale, func(b *testing.B) {
			for b.Loop() {
				st, err := Generate(context.Background(), discard{}, Options{Seed: 1, Scale: scale, Now: nows[0].now})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for _, c := range st.Counts {
					n += c
				}
				b.ReportMetric(float64(n), "records")
			}
		})
	}
}
