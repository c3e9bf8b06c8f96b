package http_test

import (
	"runtime/debug"
	"testing"

	rhttp "github.com/rumbo-app/rumbo/http"
)

// TestTuneGC checks that the server's collector target applies unless
// GOGC chooses one.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	debug.SetGCPercent(100)
	rhttp.TuneGC(func(string) string { return "50" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC=50 in the environment the target became %d, want it left at 100", got)
	}
	rhttp.TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != rhttp.GCPercent {
		t.Errorf("without GOGC the target is %d, want %d", got, rhttp.GCPercent)
	}
}
