package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// demoNow is the clock of the shared demo database: the middle of 2026-Q4.
const demoNow = "2026-11-12T10:00:00+01:00"

// The demo company is loaded once per test binary (it is the slowest
// fixture, several times slower under -race) and copied for each test.
var demoFixture struct {
	once sync.Once
	dir  string
	out  string // what demo --load-only printed
	err  error
}

// demoCopy returns a cli on a private copy of the demo database, loaded at
// demoNow, and the output of the load.
func demoCopy(t *testing.T) (*cli, string) {
	t.Helper()
	demoFixture.once.Do(func() {
		demoFixture.dir, demoFixture.err = os.MkdirTemp("", "rumbo-demo-fixture-")
		if demoFixture.err != nil {
			return
		}
		var stdout, stderr bytes.Buffer
		env := map[string]string{"RUMBO_NOW": demoNow}
		demoFixture.err = run(context.Background(), []string{"--db", filepath.Join(demoFixture.dir, "demo.db"), "demo", "--load-only"},
			func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
		demoFixture.out = stdout.String() + stderr.String()
	})
	if demoFixture.err != nil {
		t.Fatalf("loading the demo fixture: %v\n%s", demoFixture.err, demoFixture.out)
	}
	path := filepath.Join(t.TempDir(), "demo.db")
	copyFile(t, filepath.Join(demoFixture.dir, "demo.db"), path)
	if _, err := os.Stat(filepath.Join(demoFixture.dir, "demo.db-wal")); err == nil {
		copyFile(t, filepath.Join(demoFixture.dir, "demo.db-wal"), path+"-wal")
	}
	c := newCLI(t, path)
	c.env["RUMBO_NOW"] = demoNow
	return c, demoFixture.out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestMain removes the shared demo fixture after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if demoFixture.dir != "" {
		os.RemoveAll(demoFixture.dir)
	}
	os.Exit(code)
}
