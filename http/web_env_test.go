package http

import (
	"bufio"
	"context"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/demo"
	"github.com/rumbo-app/rumbo/okr"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// webNow is the browser tests' fixed clock (RUMBO_NOW): a Friday in the
// demo's last quarter.
var webNow = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// demoDB returns a SQLite store in dir loaded with the demo company at
// webNow, as `rumbo demo --load-only` loads it. Under -race the load runs
// in an uninstrumented `rumbo` binary, which is about twenty times faster.
//
// It returns the uninstrumented binary too ("" when not built), so that
// under -race the browser tests can serve pages from it.
func demoDB(t testing.TB, dir string) (*sqlstore.DB, *rumbo.Org, string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "demo.db")
	bin := ""
	if raceEnabled {
		bin = loadDemoExternal(t, dir, path)
	}
	loaded := bin != ""
	db, err := sqlstore.Open(ctx, path, sqlstore.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if !loaded {
		org := &rumbo.Org{Slug: rumbo.DefaultOrgSlug, Name: "Ibérica de Software S.L."}
		if err := db.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		loc, _ := org.Location()
		opts := demo.Options{Seed: 1, Scale: "small", Now: webNow, Location: loc}
		err := db.Write(ctx, org.ID, rumbo.WriteOptions{Now: webNow}, func(w rumbo.Writer) error {
			_, err := demo.Generate(ctx, w, opts)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ts := demo.Targets(opts)
		for i := range ts {
			if err := db.SetTarget(ctx, org.ID, &ts[i]); err != nil {
				t.Fatal(err)
			}
		}
		svc := okr.New(db, func() time.Time { return webNow })
		cur := rumbo.PeriodOf(webNow.In(loc), rumbo.GrainQuarter, loc)
		if _, err := svc.ApplyTemplate(ctx, org, rumbo.SalesTemplateKey, "es", cur.Previous(), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Close(ctx, org, cur.Previous(), false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ApplyTemplate(ctx, org, rumbo.SalesTemplateKey, "es", cur, ""); err != nil {
			t.Fatal(err)
		}
		for at := cur.Start.AddDate(0, 0, 7); at.Before(webNow); at = at.AddDate(0, 0, 7) {
			if _, err := svc.Snapshot(ctx, org, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	org, err := db.FindOrg(ctx, rumbo.DefaultOrgSlug)
	if err != nil {
		t.Fatal(err)
	}
	return db, org, bin
}

// loadDemoExternal builds cmd/rumbo without the race detector and loads the
// demo with it, returning the binary; "" when it cannot be built.
func loadDemoExternal(t testing.TB, dir, path string) string {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		return ""
	}
	bin := filepath.Join(dir, "rumbo")
	build := exec.Command(goBin, "build", "-o", bin, "../cmd/rumbo")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Logf("build rumbo for the demo load: %v\n%s", err, out)
		return ""
	}
	load := exec.Command(bin, "demo", "--load-only", "--db", path)
	load.Env = append(os.Environ(), "RUMBO_NOW="+webNow.Format(time.RFC3339), "RUMBO_DB=", "RUMBO_ORG=")
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("rumbo demo --load-only: %v\n%s", err, out)
	}
	return bin
}

// ratOf is an exact rational, for test data.
func ratOf(s string) *big.Rat {
	r, _ := new(big.Rat).SetString(s)
	return r
}

// serveExternal runs `rumbo serve` from bin on the database at webNow and
// returns its URL; the process ends with the test.
func serveExternal(t testing.TB, bin, path string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", path, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "RUMBO_NOW="+webNow.Format(time.RFC3339), "RUMBO_DB=", "RUMBO_ORG=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "Rumbo listening on "); ok {
			go io.Copy(io.Discard, out)
			return strings.TrimSpace(u)
		}
	}
	t.Fatalf("rumbo serve did not start: %v", sc.Err())
	return ""
}
