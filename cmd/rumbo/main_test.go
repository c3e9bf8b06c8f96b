package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testNow fixes the clock of every CLI test.
const testNow = "2026-11-27T12:00:00+01:00"

// cli runs the program against one database with a fixed clock.
type cli struct {
	t   testing.TB
	db  string
	env map[string]string
}

func newCLI(t testing.TB, db string) *cli {
	return &cli{t: t, db: db, env: map[string]string{"RUMBO_NOW": testNow, "RUMBO_LANG": "en"}}
}

// sqliteCLI returns a cli on a fresh, initialised SQLite file.
func sqliteCLI(t testing.TB) *cli {
	c := newCLI(t, filepath.Join(t.TempDir(), "rumbo.db"))
	c.must("init")
	return c
}

// run executes args and returns stdout, stderr and the error.
func (c *cli) run(args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	err := runIn(c, &stdout, &stderr, append([]string{"--db", c.db}, args...)...)
	return stdout.String(), stderr.String(), err
}

// runIn executes args with c's environment (no --db added).
func runIn(c *cli, stdout, stderr io.Writer, args ...string) error {
	getenv := func(k string) string { return c.env[k] }
	return run(context.Background(), args, getenv, strings.NewReader(""), stdout, stderr)
}

// must executes args and fails the test on error.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("rumbo %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// kpiJSON is the JSON document of rumbo kpi --format json.
type kpiJSON struct {
	KPI  string `json:"kpi"`
	Unit string `json:"unit"`
	Rows []struct {
		Period string            `json:"period"`
		Group  map[string]string `json:"group"`
		Value  json.RawMessage   `json:"value"`
		Stats  map[string]any    `json:"stats"`
		Target json.RawMessage   `json:"target"`
		Health string            `json:"health"`
	} `json:"rows"`
}

// kpi runs rumbo kpi with --format json and decodes it.
func (c *cli) kpi(args ...string) kpiJSON {
	c.t.Helper()
	out := c.must(append(append([]string{"kpi"}, args...), "--format", "json")...)
	var doc kpiJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		c.t.Fatalf("kpi %v: %v\n%s", args, err, out)
	}
	return doc
}

// rat reads a JSON value (a decimal string or a number) exactly; nil for null.
func rat(t testing.TB, raw json.RawMessage) *big.Rat {
	t.Helper()
	s := strings.Trim(string(raw), `"`)
	if s == "null" || s == "" {
		return nil
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("value %s is not a number", raw)
	}
	return r
}

// approx reports whether r rounded to decimals equals want.
func approx(r *big.Rat, decimals int, want string) bool {
	return r != nil && r.FloatString(decimals) == want
}

func TestMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.db")
	for _, args := range [][]string{
		{"kpi", "revenue"},
		{"import", "--entity", "deals", "x.csv"},
		{"delete", "--entity", "deals", "D1"},
		{"target", "list"},
		{"backup", filepath.Join(dir, "copy.db")},
	} {
		c := newCLI(t, missing)
		_, _, err := c.run(args...)
		want := "no database at " + missing
		if got := errMessage(err); got != want {
			t.Errorf("rumbo %v: error %q, want %q", args, got, want)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("rumbo %v created %s", args, missing)
		}
	}
	// A relative path is reported as the absolute path looked at.
	wd, _ := os.Getwd()
	c := newCLI(t, "relative-missing.db")
	_, _, err := c.run("kpi", "list")
	if want := "no database at " + filepath.Join(wd, "relative-missing.db"); errMessage(err) != want {
		t.Errorf("relative path: error %q, want %q", errMessage(err), want)
	}
}

func errMessage(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func mustRat(t testing.TB, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad rational %q", s)
	}
	return r
}
