package http

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRequestLogDuration: a request's logged duration is the time it took,
// measured on the wall clock, also when the server's clock is frozen (the
// fixture's, as RUMBO_NOW does): it was 0s for every request then.
func TestRequestLogDuration(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	if got := f.do(cred{}, "GET", "/readyz", "", ""); got.code != 200 {
		t.Fatalf("GET /readyz: %d %s", got.code, got.body)
	}
	found := false
	for _, line := range strings.Split(f.logs.String(), "\n") {
		var rec struct {
			Msg      string `json:"msg"`
			Path     string `json:"path"`
			Duration *int64 `json:"duration"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "request" || rec.Path != "/readyz" {
			continue
		}
		found = true
		if rec.Duration == nil || *rec.Duration <= 0 {
			t.Errorf("logged duration %v in %s", rec.Duration, line)
		}
	}
	if !found {
		t.Fatalf("no request log line for /readyz: %s", f.logs.String())
	}
}
