package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes content to name in a temp dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const dealsCSV = `external_id,owner,customer,market,amount,created_at,closed_at,status
D1,Ana López,Acme,España,"1.000,50",2026-01-05,2026-02-10,won
D2,Ana López,Beta,España,2.000,2026-01-10,2026-03-01,won
D3,Luis Pérez,Gamma,Portugal,0,2026-01-12,2026-02-20,lost
D4,Luis Pérez,Delta,Portugal,,2026-02-01,,open
`

// snapshot is what a test compares before and after an operation: the
// record counts and a few KPI values.
func snapshot(t *testing.T, c *cli) string {
	t.Helper()
	var b strings.Builder
	for _, k := range []string{"revenue", "win_rate", "avg_deal_value", "sales_cycle_days"} {
		doc := c.kpi(k, "--period", "2026-Q1", "--by", "owner")
		for _, r := range doc.Rows {
			b.WriteString(k + " " + r.Group["owner"] + " " + string(r.Value) + "\n")
		}
	}
	b.WriteString("open " + string(c.kpi("open_deals", "--period", "2026-Q1").Rows[0].Value) + "\n")
	return b.String()
}

func TestImportTwiceChangesNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, c *cli) {
		path := writeFile(t, "deals.csv", dealsCSV)
		out := c.must("import", "--entity", "deals", path)
		if !strings.Contains(out, "4 rows read, 4 inserted, 0 updated, 0 unchanged, 0 rejected") {
			t.Errorf("first import summary: %s", out)
		}
		first := snapshot(t, c)
		out = c.must("import", "--entity", "deals", path)
		if !strings.Contains(out, "4 rows read, 0 inserted, 0 updated, 4 unchanged, 0 rejected") {
			t.Errorf("second import summary: %s", out)
		}
		if second := snapshot(t, c); second != first {
			t.Errorf("KPIs changed after re-import:\nbefore:\n%s\nafter:\n%s", first, second)
		}
		// Hand-computed: Ana won 1000.50 + 2000 = 3000.50 in Q1; win rate 2/3.
		rev := c.kpi("revenue", "--period", "2026-Q1")
		if got := rat(t, rev.Rows[0].Value); got.Cmp(mustRat(t, "3000.50")) != 0 {
			t.Errorf("revenue = %s, want 3000.50", rev.Rows[0].Value)
		}
		if got := rat(t, c.kpi("win_rate", "--period", "2026-Q1").Rows[0].Value); !approx(got, 12, "0.666666666667") {
			t.Errorf("win rate = %s, want 2/3", got.FloatString(6))
		}
	})
}

func TestRejectedFileLeavesDatabaseUnchanged(t *testing.T) {
	forEachEngine(t, func(t *testing.T, c *cli) {
		c.must("import", "--entity", "deals", writeFile(t, "deals.csv", dealsCSV))
		before := snapshot(t, c)
		bad := dealsCSV + "D5,Ana López,Acme,España,12x4,2026-01-05,2026-02-10,won\nD1,Ana López,Acme,España,99999,2026-01-05,2017-13-45,won\n"
		path := writeFile(t, "bad.csv", bad)
		out, errOut, err := c.run("import", "--entity", "deals", path)
		if err == nil {
			t.Fatalf("import of a bad file succeeded:\n%s", out)
		}
		for _, want := range []string{path + ":6:amount:", path + ":7:"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("error report lacks %q:\n%s", want, errOut)
			}
		}
		if after := snapshot(t, c); after != before {
			t.Errorf("a rejected file changed the data:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		// --skip-invalid keeps the good rows and still reports the bad ones.
		good := writeFile(t, "mixed.csv", "external_id,owner,amount,closed_at,status\nD6,Ana López,500,2026-03-02,won\nD7,Ana López,1x,2026-03-02,won\n")
		out, errOut, err = c.run("import", "--entity", "deals", "--skip-invalid", good)
		if err != nil || !strings.Contains(out, "1 inserted") || !strings.Contains(errOut, good+":3:amount:") {
			t.Errorf("--skip-invalid: err %v\nstdout %s\nstderr %s", err, out, errOut)
		}
	})
}

func TestDeleteIsReflectedInKPIs(t *testing.T) {
	c := sqliteCLI(t)
	c.must("import", "--entity", "deals", writeFile(t, "deals.csv", dealsCSV))
	c.must("delete", "--entity", "deals", "D2")
	if got := rat(t, c.kpi("revenue", "--period", "2026-Q1").Rows[0].Value); got.Cmp(mustRat(t, "1000.50")) != 0 {
		t.Errorf("revenue after deleting D2 = %s, want 1000.50", got.FloatString(2))
	}
	if got := rat(t, c.kpi("win_rate", "--period", "2026-Q1").Rows[0].Value); !approx(got, 12, "0.500000000000") {
		t.Errorf("win rate after deleting D2 = %s, want 1/2", got.FloatString(4))
	}
	_, _, err := c.run("delete", "--entity", "deals", "D1", "NOPE")
	if err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("deleting a missing id: %v, want an error naming NOPE", err)
	}
	if got := rat(t, c.kpi("revenue", "--period", "2026-Q1").Rows[0].Value); got.Cmp(mustRat(t, "1000.50")) != 0 {
		t.Errorf("a failed delete removed D1: revenue %s", got.FloatString(2))
	}
}
