package main

import (
	"os"
	"path/filepath"
	"testing"
)

// mavenDir is the Maven Analytics CRM data set (see ../shared/data/README.md).
var mavenDir = filepath.Join("..", "..", "..", "shared", "data", "maven-crm")

// loadMaven imports the Maven CRM data with the mapping files committed in
// testdata/maven into c's database.
func loadMaven(t *testing.T, c *cli) {
	t.Helper()
	if _, err := os.Stat(mavenDir); err != nil {
		t.Fatalf("the Maven data set is missing: %v", err)
	}
	c.must("import", "--mapping", "../../testdata/maven/people.yaml", filepath.Join(mavenDir, "sales_teams.csv"))
	c.must("import", "--mapping", "../../testdata/maven/deals.yaml", filepath.Join(mavenDir, "sales_pipeline.csv"))
}

// TestMavenFigures reproduces every published figure of ../shared/data/README.md
// through the CLI's JSON output.
func TestMavenFigures(t *testing.T) {
	c := newCLI(t, filepath.Join(t.TempDir(), "maven.db"))
	c.must("init", "--currency", "USD")
	loadMaven(t, c)
	checkMavenFigures(t, c)
}

func checkMavenFigures(t *testing.T, c *cli) {
	t.Helper()
	one := func(doc kpiJSON) (row struct {
		v     string
		stats map[string]any
	}) {
		t.Helper()
		if len(doc.Rows) != 1 {
			t.Fatalf("%s: %d rows, want 1", doc.KPI, len(doc.Rows))
		}
		r := doc.Rows[0]
		row.v = string(r.Value)
		row.stats = r.Stats
		return row
	}
	exact := func(name string, doc kpiJSON, want string) {
		t.Helper()
		if got := rat(t, []byte(one(doc).v)); got == nil || got.Cmp(mustRat(t, want)) != 0 {
			t.Errorf("%s = %s, want %s", name, one(doc).v, want)
		}
	}
	rounded := func(name string, doc kpiJSON, decimals int, want string) {
		t.Helper()
		if got := rat(t, []byte(one(doc).v)); !approx(got, decimals, want) {
			t.Errorf("%s = %s, want %s (to %d decimals)", name, one(doc).v, want, decimals)
		}
	}

	exact("revenue 2017", c.kpi("revenue", "--period", "2017"), "10005534")
	// Rates are JSON numbers (float64): compare to 12 decimals.
	rounded("win rate 2017", c.kpi("win_rate", "--period", "2017"), 12, mustRat(t, "4238/6711").FloatString(12))
	rounded("average deal value", c.kpi("avg_deal_value", "--period", "2017"), 2, "2360.91")
	cycle := c.kpi("sales_cycle_days", "--period", "2017")
	rounded("average sales cycle", cycle, 2, "51.78")
	if got := one(cycle).stats["median"]; got != 57.0 {
		t.Errorf("median sales cycle = %v, want 57", got)
	}

	quarters := c.kpi("revenue", "--period", "2017", "--grain", "quarter")
	wantQ := map[string]string{"2017-Q1": "1134672", "2017-Q2": "3086111", "2017-Q3": "2982255", "2017-Q4": "2802496"}
	if len(quarters.Rows) != 4 {
		t.Fatalf("revenue by quarter: %d rows, want 4", len(quarters.Rows))
	}
	for _, r := range quarters.Rows {
		if got := rat(t, r.Value); got == nil || got.Cmp(mustRat(t, wantQ[r.Period])) != 0 {
			t.Errorf("revenue %s = %s, want %s", r.Period, r.Value, wantQ[r.Period])
		}
	}

	wantTeamRevenue := map[string]string{"West": "3568647", "Central": "3346293", "East": "3090594"}
	wantTeamWin := map[string]string{"West": "0.639", "Central": "0.626", "East": "0.630"}
	byTeam := c.kpi("revenue", "--period", "2017", "--by", "team")
	winByTeam := c.kpi("win_rate", "--period", "2017", "--by", "team")
	if len(byTeam.Rows) != 3 || len(winByTeam.Rows) != 3 {
		t.Fatalf("by team: %d revenue rows, %d win-rate rows, want 3 each", len(byTeam.Rows), len(winByTeam.Rows))
	}
	for i := range byTeam.Rows {
		team := byTeam.Rows[i].Group["team"]
		if got := rat(t, byTeam.Rows[i].Value); got == nil || got.Cmp(mustRat(t, wantTeamRevenue[team])) != 0 {
			t.Errorf("revenue of team %q = %s, want %s", team, byTeam.Rows[i].Value, wantTeamRevenue[team])
		}
		team = winByTeam.Rows[i].Group["team"]
		if got := rat(t, winByTeam.Rows[i].Value); !approx(got, 3, wantTeamWin[team]) {
			t.Errorf("win rate of team %q = %s, want %s", team, winByTeam.Rows[i].Value, wantTeamWin[team])
		}
	}

	darcel := []string{"--period", "2017", "--filter", "owner=Darcel Schlecht"}
	exact("Darcel's revenue", c.kpi(append([]string{"revenue"}, darcel...)...), "1153214")
	rounded("Darcel's win rate", c.kpi(append([]string{"win_rate"}, darcel...)...), 3, "0.631")
	rounded("Darcel's sales cycle", c.kpi(append([]string{"sales_cycle_days"}, darcel...)...), 1, "49.4")
	won := c.kpi(append([]string{"avg_deal_value"}, darcel...)...)
	if got := one(won).stats["count"]; got != 349.0 {
		t.Errorf("Darcel's won deals with an amount = %v, want 349", got)
	}
	// The same owner through a breakdown rather than a filter.
	for _, r := range c.kpi("revenue", "--period", "2017", "--by", "owner").Rows {
		if r.Group["owner"] == "Darcel Schlecht" && rat(t, r.Value).Cmp(mustRat(t, "1153214")) != 0 {
			t.Errorf("revenue by owner, Darcel Schlecht = %s, want 1153214", r.Value)
		}
	}

	// Open pipeline now: Engaging and Prospecting deals, none with an amount.
	exact("open deals now", c.kpi("open_deals"), "2089")
	pipe := one(c.kpi("pipeline_value"))
	if got := pipe.stats["without_amount"]; got != 2089.0 {
		t.Errorf("open deals without an amount = %v, want 2089 (stats %v)", got, pipe.stats)
	}
}
