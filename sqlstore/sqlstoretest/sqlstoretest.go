// Package sqlstoretest opens throwaway Rumbo databases for tests: a SQLite
// file in a temporary directory and a PostgreSQL database created for the
// test and dropped after it. ForEachDB runs a test on both engines.
//
// PostgreSQL is reached at RUMBO_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). When it is
// unreachable the PostgreSQL variant is skipped, unless CI=true, where it
// fails.
package sqlstoretest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric/agg"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// DefaultPostgres is the PostgreSQL server used when RUMBO_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// MustOpenDB returns a fresh SQLite database in a temporary file, closed
// when the test ends.
func MustOpenDB(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	return mustOpen(tb, filepath.Join(tb.TempDir(), "rumbo.db"))
}

// MustOpenPostgres returns a fresh PostgreSQL database, dropped when the
// test ends.
func MustOpenPostgres(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	return mustOpen(tb, PostgresDSN(tb))
}

func mustOpen(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Create: true})
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close %s: %v", dsn, err)
		}
	})
	return db
}

// ForEachDB runs fn as a subtest on a fresh SQLite database ("sqlite") and
// on a fresh PostgreSQL database ("postgres").
func ForEachDB(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	t.Run(sqlstore.DialectSQLite, func(t *testing.T) { fn(t, MustOpenDB(t)) })
	t.Run(sqlstore.DialectPostgres, func(t *testing.T) { fn(t, MustOpenPostgres(t)) })
}

var admin struct {
	once sync.Once
	db   *sql.DB
	url  *url.URL
	err  error
}

// adminDB connects once to the PostgreSQL server's maintenance database.
func adminDB() (*sql.DB, *url.URL, error) {
	admin.once.Do(func() {
		dsn := os.Getenv("RUMBO_TEST_POSTGRES")
		if dsn == "" {
			dsn = DefaultPostgres
		}
		admin.url, admin.err = url.Parse(dsn)
		if admin.err != nil {
			return
		}
		admin.db, admin.err = sql.Open("pgx", dsn)
		if admin.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if admin.err = admin.db.PingContext(ctx); admin.err != nil {
			admin.db.Close()
			admin.err = fmt.Errorf("PostgreSQL at %s unreachable: %w", admin.url.Redacted(), admin.err)
		}
	})
	return admin.db, admin.url, admin.err
}

// PostgresDSN creates an empty database rumbo_test_<random> and returns its
// URL; the database is dropped when the test ends. Without a reachable
// server the test is skipped, or fails when CI=true.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	adb, u, err := adminDB()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v (CI=true: PostgreSQL is required)", err)
		}
		tb.Skipf("%v", err)
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	name := "rumbo_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if _, err := adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	du := *u
	du.Path = "/" + name
	return du.String()
}

// CheckAggregates fails the test unless the stored aggregates and spans of
// the organisation, kept incrementally by the writes, equal those rebuilt
// from its raw records (which it then holds). what names the moment.
func CheckAggregates(t *testing.T, db *sqlstore.DB, orgID int64, what string) {
	t.Helper()
	ctx := context.Background()
	dump := func() string {
		var b bytes.Buffer
		measures := []string{agg.Won, agg.WonAmt, agg.Lost, agg.Cycle, agg.Recur, agg.Attr, agg.OpenIn, agg.OpenOut,
			agg.Leads, agg.Cohort, agg.Conv, agg.Acts, agg.Sent, agg.CSAT, agg.Resp}
		for _, g := range []rumbo.Grain{rumbo.GrainDay, rumbo.GrainWeek, rumbo.GrainMonth, rumbo.GrainQuarter, rumbo.GrainYear} {
			for _, k := range agg.Kinds {
				rows, _, err := db.Aggregates(ctx, orgID, agg.Query{Measures: measures, Grain: g, Kind: k, From: -1 << 40, To: 1 << 40})
				if err != nil {
					t.Fatal(err)
				}
				slices.SortFunc(rows, func(a, b agg.Row) int {
					return cmp.Or(cmp.Compare(a.Measure, b.Measure), cmp.Compare(a.Start, b.Start), cmp.Compare(a.Dim, b.Dim))
				})
				for _, r := range rows {
					fmt.Fprintf(&b, "%s %s %s %d %q n=%d s=%d m=%d %v\n", r.Measure, g, k, r.Start, r.Dim, r.N, r.S, r.M, r.Hist)
				}
			}
		}
		spans, _, err := db.AggregateSpans(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range rumbo.Entities {
			fmt.Fprintf(&b, "span %s %d %v %v\n", e, spans[e].Count, spans[e].First.Unix(), spans[e].Last.Unix())
		}
		return b.String()
	}
	kept := dump()
	if err := db.RebuildAggregates(ctx, orgID); err != nil {
		t.Fatal(err)
	}
	if rebuilt := dump(); kept != rebuilt {
		kl, rl := strings.Split(kept, "\n"), strings.Split(rebuilt, "\n")
		for i := 0; i < max(len(kl), len(rl)); i++ {
			if i >= len(kl) || i >= len(rl) || kl[i] != rl[i] {
				t.Fatalf("%s: aggregates kept by the writes differ from a rebuild at line %d:\n kept    %s\n rebuilt %s",
					what, i, kl[min(i, len(kl)-1)], rl[min(i, len(rl)-1)])
			}
		}
	}
}
