package main

import (
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	c, out := demoCopy(t)
	for _, want := range []string{"Loaded the demo company", "deals", "targets"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo --load-only output lacks %q:\n%s", want, out)
		}
	}
	// A second load into the same organisation is refused.
	if _, _, err := c.run("demo", "--load-only"); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Errorf("second demo --load-only: %v, want a refusal", err)
	}
	// The dashboard of the demo data, headline KPIs first (plain demo serves it).
	out = c.must("dashboard")
	lines := strings.Split(out, "\n")
	var kpiLines []string
	for _, l := range lines {
		if strings.Contains(l, "2026-Q4") {
			kpiLines = append(kpiLines, l)
		}
	}
	if len(kpiLines) < 18 {
		t.Fatalf("dashboard shows %d KPI rows, want every built-in:\n%s", len(kpiLines), out)
	}
	for i, name := range []string{"Total revenue", "Conversion rate", "Average sales cycle", "Average deal value", "Campaign ROI"} {
		if !strings.HasPrefix(kpiLines[i], name) {
			t.Errorf("dashboard row %d = %q, want %s first", i, kpiLines[i], name)
		}
	}
	// Targets from the demo give the headline KPIs a health.
	if !strings.Contains(kpiLines[0], "●") {
		t.Errorf("revenue has no health: %q", kpiLines[0])
	}
	// The demo writes rumbo-demo.db unless --db or RUMBO_DB says otherwise:
	// pointed by RUMBO_DB at the loaded copy, it finds the data there.
	c2 := &cli{t: t, env: map[string]string{"RUMBO_NOW": demoNow, "RUMBO_DB": c.db}}
	var stdout, stderr strings.Builder
	err := runIn(c2, &stdout, &stderr, "demo", "--load-only")
	if err == nil || !strings.Contains(err.Error(), "in "+c.db+" already holds") {
		t.Errorf("demo with RUMBO_DB=%s: %v, want a refusal naming that database", c.db, err)
	}
}
