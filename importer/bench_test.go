package importer

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rumbo-app/rumbo"
)

// BenchmarkDecode decodes a generated deals file of 100,000 rows in the
// European dialect (both passes) and reports rows per second.
func BenchmarkDecode(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "deals.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "external_id;lead;owner;customer;amount;created_at;closed_at;status;producto")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(w, "D%07d;L%07d;Comercial %d;Cliente %d;%d.%03d,%02d €;%02d/%02d/2024;%02d/%02d/2024 10:%02d;%s;Plan %d\n",
			i, i, i%40, i%900, i%90+1, i%1000, i%100, i%28+1, i%12+1, i%28+1, i%12+1, i%60,
			[]string{"won", "lost", "open"}[i%3], i%7)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		d, err := NewDecoder(path, Options{Entity: rumbo.EntityDeals})
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			rec, errs, err := d.Next()
			if err == io.EOF {
				break
			} else if err != nil || errs != nil {
				b.Fatal(err, errs)
			}
			_ = rec
			got++
		}
		d.Close()
		if got != rows {
			b.Fatalf("got %d rows, want %d", got, rows)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
