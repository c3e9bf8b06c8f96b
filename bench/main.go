// Command bench measures Rumbo on generated data sets: the import of the
// deal CSV through the real rumbo binary against the bare database driver,
// and the full dashboard computed by the KPI engine against DuckDB and
// against plain SQL on the raw tables of the same engine. Run it through
// ./scripts/bench; BENCHMARKS.md explains the figures.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/rumbo-app/rumbo"
	rhttp "github.com/rumbo-app/rumbo/http"
	"github.com/rumbo-app/rumbo/importer"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// benchNow is the clock of every run: the generated history ends here.
var benchNow = time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)

// result is the JSON object printed as the last line.
type result struct {
	Scale           string  `json:"scale"`
	DB              string  `json:"db"`
	ImportRowsPerS  float64 `json:"import_rows_per_s"`
	BareRowsPerS    float64 `json:"bare_rows_per_s"`
	ImportPeakRSSMB float64 `json:"import_peak_rss_mb"`
	ImportS         float64 `json:"import_s"`
	BareS           float64 `json:"bare_s"`
	// The bare driver again on SQLite, into a fresh database, dropping the
	// deals' secondary indexes first and creating them after the upserts,
	// as rumbo does for a write that brings more rows than its table holds.
	BareBulkRowsPerS float64 `json:"bare_bulk_rows_per_s,omitempty"`
	BareBulkS        float64 `json:"bare_bulk_s,omitempty"`
	DashboardP50     float64 `json:"dashboard_p50_ms"`
	DashboardP95     float64 `json:"dashboard_p95_ms"`
	DashboardCold    float64 `json:"dashboard_cold_ms"`
	DuckDB           float64 `json:"duckdb_ms"`
	DuckDBLoadMS     float64 `json:"duckdb_load_ms"`
	RawSQL           float64 `json:"raw_sql_ms"`
	DashboardRows    int     `json:"dashboard_rows"`
	Revenue          string  `json:"revenue_quarter"`
	RawRevenue       string  `json:"raw_sql_revenue_quarter_minor"`
	DuckRevenue      string  `json:"duckdb_revenue_quarter_minor"`
	GrowthP50VsS     float64 `json:"growth_p50_vs_s,omitempty"`
	BulkLoadS        float64 `json:"bulk_load_other_entities_s"`
	RebuildS         float64 `json:"aggregate_rebuild_s"`
	DashboardIters   int     `json:"dashboard_iterations"`
	RawSQLIterations int     `json:"raw_sql_iterations"`
	RawSQLTimedOut   bool    `json:"raw_sql_timed_out,omitempty"`

	// The warm dashboard's parts: the KPIs (ComputeAll) and the template
	// OKRs' status, p50 of each.
	DashboardKPIsP50 float64 `json:"dashboard_kpis_p50_ms"`
	DashboardOKRP50  float64 `json:"dashboard_okr_p50_ms"`
	// The HTTP phase's figures (http_rps, http_p99_ms, http_errors, …),
	// inlined; absent when it did not run.
	*HTTPResult
}

// commands are the subcommands: bench NAME ARGS….
var commands = map[string]func(args []string) error{
	"cold":           cold,
	"probe":          probe,
	"profile-import": profileImport,
	"indexes":        indexCost,
	"http":           httpCommand,
	"serve":          serveProfiled,
}

func main() {
	// The dashboards measured here run with the garbage collector's
	// setting of rumbo serve, which computes them for the web app.
	rhttp.TuneGC(os.Getenv)
	if len(os.Args) > 1 {
		if cmd, ok := commands[os.Args[1]]; ok {
			if err := cmd(os.Args[2:]); err != nil {
				fmt.Fprintf(os.Stderr, "bench %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	scaleName := flag.String("scale", "S", "data set: S, M or L")
	dbKind := flag.String("db", "sqlite", "engine: sqlite or postgres")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "rumbo-bench"), "work directory (data sets are cached there)")
	rumboBin := flag.String("rumbo", "rumbo", "the rumbo binary")
	duckBin := flag.String("duckdb", "", "the DuckDB peer binary (bench/duckdb); empty: skipped")
	sqlFile := flag.String("sql", "bench/sql/dashboard.sql", "the dashboard SQL of the peers")
	pgURL := flag.String("pg", defaultPG, "PostgreSQL server for --db postgres")
	iters := flag.Int("iters", 30, "warm dashboard iterations")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the warm dashboard runs to this file")
	keep := flag.Bool("keep-before-import", false, "keep a copy of the database as it is before the deal import, for bench profile-import (SQLite: rumbo-before-import.db beside it; PostgreSQL: database <name>_before)")
	reuse := flag.Bool("reuse", false, "reuse the databases and import figures of the last run of this scale and engine")
	rawTimeout := flag.Duration("raw-timeout", 5*time.Minute, "give up the plain SQL peer after this long (its figure is then a lower bound); 0 skips it, keeping a --reuse run's figure")
	httpDuration := flag.Duration("http-duration", 30*time.Second, "how long the HTTP phase sends KPI reads; 0 skips it")
	httpConns := flag.Int("http-conns", 64, "concurrent keep-alive connections of the HTTP phase")
	httpProfile := flag.String("http-cpuprofile", "", "write a CPU profile of the server during the HTTP phase to this file (served by `bench serve`, the same handler, instead of rumbo serve)")
	flag.Parse()
	sc, ok := scales[strings.ToUpper(*scaleName)]
	if !ok {
		return fmt.Errorf("unknown scale %q (S, M, L)", *scaleName)
	}
	postgres := *dbKind == "postgres"
	if !postgres && *dbKind != "sqlite" {
		return fmt.Errorf("unknown --db %q (sqlite, postgres)", *dbKind)
	}
	ctx := context.Background()
	loc, _ := time.LoadLocation(rumbo.DefaultTimeZone)
	data := filepath.Join(*dir, "data-"+sc.Name)
	res := result{Scale: sc.Name, DB: *dbKind}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

	say("generating %s data set in %s", sc.Name, data)
	if err := gen(data, sc, benchNow, loc); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	dsn, bareDSN, err := dbNames(*dir, sc.Name, postgres, *pgURL)
	if err != nil {
		return err
	}
	var org *rumbo.Org
	if *reuse {
		b, err := os.ReadFile(filepath.Join(*dir, "result-"+res.DB+"-"+sc.Name+".json"))
		if err != nil {
			return fmt.Errorf("--reuse: %w", err)
		}
		if err := json.Unmarshal(b, &res); err != nil {
			return fmt.Errorf("--reuse: %w", err)
		}
		db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			return err
		}
		org, err = db.FindOrg(ctx, rumbo.DefaultOrgSlug)
		db.Close()
		if err != nil {
			return err
		}
	} else {
		if org, err = importPhase(ctx, &res, sc, data, dsn, bareDSN, postgres, *pgURL, *rumboBin, loc, *keep); err != nil {
			return err
		}
	}
	var db *sqlstore.DB
	db, err = sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	if err := setupOKRs(ctx, db, org, benchNow); err != nil {
		db.Close()
		return err
	}
	probe, err := dashboardQueries(ctx, metric.New(db, func() time.Time { return benchNow }), org, benchNow, nil)
	db.Close()
	if err != nil {
		return err
	}
	say("dashboard: cold")
	self, _ := os.Executable()
	var colds []time.Duration
	for i := 0; i < 3; i++ {
		cmd := exec.Command(self, "cold", dsn, strings.Join(repKPIs(probe), ","))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("cold dashboard: %w", err)
		}
		var d time.Duration
		if _, err := fmt.Sscan(strings.TrimSpace(string(lastLine(out))), &d); err != nil {
			return fmt.Errorf("cold dashboard output %q: %w", out, err)
		}
		colds = append(colds, d)
	}
	res.DashboardCold = ms(percentile(colds, 0.5))

	say("dashboard: warm, %d iterations", *iters)
	db, err = sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return err
	}
	d := newDash(db, benchNow)
	qs, err := dashboardQueries(ctx, d.eng, org, benchNow, nil)
	if err != nil {
		return err
	}
	var warm, kpis, okrs []time.Duration
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	for i := 0; i < *iters+2; i++ {
		t0 := time.Now()
		rows, rev, err := dashboard(ctx, d, org, benchNow, qs)
		if err != nil {
			return err
		}
		if i >= 2 { // two warm-up runs
			warm = append(warm, time.Since(t0))
			kpis, okrs = append(kpis, d.kpis), append(okrs, d.okr)
		}
		res.DashboardRows, res.Revenue = rows, rev
	}
	db.Close()
	res.DashboardIters = len(warm)
	res.DashboardP50, res.DashboardP95 = ms(percentile(warm, 0.5)), ms(percentile(warm, 0.95))
	res.DashboardKPIsP50, res.DashboardOKRP50 = ms(percentile(kpis, 0.5)), ms(percentile(okrs, 0.5))
	say("dashboard: p50 %.1f ms, p95 %.1f ms, cold %.1f ms", res.DashboardP50, res.DashboardP95, res.DashboardCold)

	stmts, err := readStatements(*sqlFile)
	if err != nil {
		return err
	}
	// The raw SQL peer takes seconds per run beyond S: fewer runs.
	res.RawSQLIterations = map[string]int{"S": 10, "M": 3, "L": 1}[sc.Name]
	say("dashboard in plain SQL on the raw tables, %d iterations", res.RawSQLIterations)
	if *rawTimeout == 0 {
		say("plain SQL: skipped (--raw-timeout 0)")
		goto duck
	}
	{
		rctx, cancel := context.WithTimeout(ctx, *rawTimeout)
		rstart := time.Now()
		rawTimes, rawRev, err := rawSQL(rctx, dsn, postgres, org.ID, stmts, benchNow, loc, res.RawSQLIterations)
		cancel()
		switch {
		case err != nil && rctx.Err() != nil:
			res.RawSQL, res.RawSQLTimedOut = ms(time.Since(rstart)), true
			say("plain SQL: gave up after %v (a lower bound)", *rawTimeout)
		case err != nil:
			return fmt.Errorf("raw SQL: %w", err)
		default:
			res.RawSQL, res.RawRevenue = ms(percentile(rawTimes, 0.5)), rawRev
		}
		say("plain SQL: %.0f ms", res.RawSQL)
	}
duck:

	if *duckBin != "" {
		say("dashboard in DuckDB")
		cmd := exec.Command(*duckBin, "--data", data, "--sql", *sqlFile, "--now", benchNow.Format(time.RFC3339),
			"--iters", fmt.Sprint(*iters))
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("duckdb peer: %w", err)
		}
		var d struct {
			LoadMS  float64 `json:"load_ms"`
			P50MS   float64 `json:"dashboard_p50_ms"`
			Revenue string  `json:"revenue_quarter_minor"`
		}
		if err := json.Unmarshal(lastLine(out), &d); err != nil {
			return fmt.Errorf("duckdb peer output: %w", err)
		}
		res.DuckDB, res.DuckDBLoadMS, res.DuckRevenue = d.P50MS, d.LoadMS, d.Revenue
	}
	res.HTTPResult = nil
	if *httpDuration > 0 {
		say("HTTP under load")
		h, err := httpPhase(ctx, httpOptions{rumbo: *rumboBin, dsn: dsn, postgres: postgres, pgURL: *pgURL, data: data,
			work: filepath.Join(*dir, "http-"+res.DB+"-"+sc.Name), conns: *httpConns, duration: *httpDuration,
			cpuProfile: *httpProfile, queries: qs})
		if err != nil {
			return fmt.Errorf("http: %w", err)
		}
		res.HTTPResult = h
	}
	growth(&res, *dir)
	report(res)
	return nil
}

// cold opens the database in a new process and computes the dashboard once,
// printing the time from process start to the finished dashboard.
func cold(args []string) error {
	start := time.Now()
	if len(args) != 2 {
		return fmt.Errorf("usage: bench cold DSN KPI,KPI…")
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, args[0], sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	org, err := db.FindOrg(ctx, rumbo.DefaultOrgSlug)
	if err != nil {
		return err
	}
	d := newDash(db, benchNow)
	qs, err := dashboardQueries(ctx, d.eng, org, benchNow, strings.Split(args[1], ","))
	if err != nil {
		return err
	}
	if _, _, err := dashboard(ctx, d, org, benchNow, qs); err != nil {
		return err
	}
	fmt.Println(int64(time.Since(start)))
	return nil
}

func driverOf(postgres bool) string {
	if postgres {
		return "pgx"
	}
	return "sqlite"
}

func lastLine(b []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return []byte(lines[len(lines)-1])
}

// dbNames returns the databases of the run and of the bare peer.
func dbNames(dir, scale string, postgres bool, pgURL string) (string, string, error) {
	if !postgres {
		base := filepath.Join(dir, "db-"+scale)
		if err := os.MkdirAll(base, 0o755); err != nil {
			return "", "", err
		}
		return filepath.Join(base, "rumbo.db"), filepath.Join(base, "bare.db"), nil
	}
	n := "rumbo_bench_" + strings.ToLower(scale)
	return strings.Replace(pgURL, "/postgres?", "/"+n+"?", 1), strings.Replace(pgURL, "/postgres?", "/"+n+"_bare?", 1), nil
}

// freshDBs empties the databases of the run.
func freshDBs(ctx context.Context, dsn, bareDSN string, postgres bool, pgURL string) error {
	if !postgres {
		for _, p := range []string{dsn, bareDSN} {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(p + suffix)
			}
		}
		return nil
	}
	adb, err := sql.Open("pgx", pgURL)
	if err != nil {
		return err
	}
	defer adb.Close()
	for _, u := range []string{dsn, bareDSN} {
		n := u[strings.LastIndex(u, "/")+1 : strings.Index(u, "?")]
		if _, err := adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)"); err != nil {
			return err
		}
		if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+n); err != nil {
			return err
		}
	}
	return nil
}

// growth keeps each result in dir and compares the dashboard p50 with the
// S run of the same engine.
func growth(res *result, dir string) {
	path := func(s string) string { return filepath.Join(dir, "result-"+res.DB+"-"+s+".json") }
	if b, err := json.Marshal(res); err == nil {
		os.WriteFile(path(res.Scale), b, 0o644)
	}
	var s result
	if b, err := os.ReadFile(path("S")); err == nil && json.Unmarshal(b, &s) == nil && s.DashboardP50 > 0 {
		res.GrowthP50VsS = res.DashboardP50 / s.DashboardP50
	}
}

func report(r result) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scale %s, %s\t\t\n", r.Scale, r.DB)
	fmt.Fprintf(tw, "import deals (rumbo import)\t%.0f rows/s\t%.2f s, peak RSS %.0f MB\n", r.ImportRowsPerS, r.ImportS, r.ImportPeakRSSMB)
	fmt.Fprintf(tw, "import deals (bare driver)\t%.0f rows/s\t%.2f s (rumbo ÷ bare time: %.2f)\n", r.BareRowsPerS, r.BareS, r.ImportS/r.BareS)
	if r.BareBulkS > 0 {
		fmt.Fprintf(tw, "  bare, indexes built after\t%.0f rows/s\t%.2f s (rumbo ÷ this: %.2f)\n", r.BareBulkRowsPerS, r.BareBulkS, r.ImportS/r.BareBulkS)
	}
	fmt.Fprintf(tw, "dashboard warm p50 / p95\t%.1f ms / %.1f ms\t%d iterations, %d rows\n", r.DashboardP50, r.DashboardP95, r.DashboardIters, r.DashboardRows)
	fmt.Fprintf(tw, "  KPIs / OKR status, side by side (p50)\t%.1f ms / %.1f ms\t\n", r.DashboardKPIsP50, r.DashboardOKRP50)
	fmt.Fprintf(tw, "dashboard cold\t%.1f ms\tnew process, median of 3\n", r.DashboardCold)
	if r.DuckDB > 0 {
		fmt.Fprintf(tw, "DuckDB, same numbers\t%.1f ms\tload %.0f ms (rumbo p50 ÷ DuckDB: %.2f)\n", r.DuckDB, r.DuckDBLoadMS, r.DashboardP50/r.DuckDB)
	} else {
		fmt.Fprintf(tw, "DuckDB, same numbers\tskipped\t\n")
	}
	if r.RawSQLTimedOut {
		fmt.Fprintf(tw, "plain SQL on raw tables\t> %.0f ms\tgave up (--raw-timeout)\n", r.RawSQL)
	} else {
		fmt.Fprintf(tw, "plain SQL on raw tables\t%.1f ms\t%d iterations\n", r.RawSQL, r.RawSQLIterations)
	}
	if r.GrowthP50VsS > 0 {
		fmt.Fprintf(tw, "growth of p50 vs S\t%.2f×\t\n", r.GrowthP50VsS)
	}
	fmt.Fprintf(tw, "revenue this quarter\t%s\tSQL %s, DuckDB %s (minor units)\n", r.Revenue, r.RawRevenue, r.DuckRevenue)
	fmt.Fprintf(tw, "setup: bulk load of other entities\t%.1f s\taggregate rebuild %.1f s\n", r.BulkLoadS, r.RebuildS)
	reportHTTP(tw, r.HTTPResult)
	tw.Flush()
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

// profileImport imports a deal CSV in process, as rumbo import does, under
// the CPU profiler: bench profile-import DSN FILE PROFILE.
func profileImport(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: bench profile-import DSN FILE PROFILE")
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, args[0], sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	org, err := db.FindOrg(ctx, rumbo.DefaultOrgSlug)
	if err != nil {
		return err
	}
	loc, _ := org.Location()
	f, err := os.Create(args[2])
	if err != nil {
		return err
	}
	defer f.Close()
	pprof.StartCPUProfile(f)
	start := time.Now()
	rep, err := importer.ImportFile(ctx, db, org.ID, args[1], importer.Options{Entity: rumbo.EntityDeals, Location: loc,
		Currency: org.Currency, Now: benchNow})
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	fmt.Printf("%s in %v\n", rep.Summary(), time.Since(start))
	start = time.Now()
	err = db.Close()
	fmt.Printf("closed (checkpoint) in %v\n", time.Since(start))
	return err
}

// probe prints the time of each dashboard query: bench probe DSN [PROFILE
// [raw|kpis|okr]]. With PROFILE it writes a CPU profile of 200 dashboards
// (KPIs and OKR status, as the benchmark measures them; with kpis, the KPIs
// alone) and an allocation profile (PROFILE.heap), and prints their p50 and
// p95, then the p50 of each part alone and
// of the queries computed one by one; with raw, the time of the dashboard
// from raw records; with okr, it profiles three OKR statuses alone.
func probe(args []string) error {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, args[0], sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	org, err := db.FindOrg(ctx, rumbo.DefaultOrgSlug)
	if err != nil {
		return err
	}
	kpisOnly := len(args) > 2 && args[2] == "kpis"
	if !kpisOnly {
		if err := setupOKRs(ctx, db, org, benchNow); err != nil {
			return err
		}
	}
	d := newDash(db, benchNow)
	eng := d.eng
	if len(args) > 2 && args[2] == "okr" {
		// The OKR status alone, three times, under the profiler.
		f, err := os.Create(args[1])
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
		for i := 0; i < 3; i++ {
			t0, c0 := time.Now(), cpuTime()
			if _, err := okrStatus(ctx, d.okrs, org, benchNow); err != nil {
				return err
			}
			fmt.Printf("OKR status: %.1f ms, CPU %.1f ms\n", ms(time.Since(t0)), ms(cpuTime()-c0))
		}
		return nil
	}
	qs, err := dashboardQueries(ctx, eng, org, benchNow, nil)
	if err != nil {
		return err
	}
	for _, q := range qs {
		t0 := time.Now()
		if _, err := eng.Compute(ctx, org, q); err != nil {
			return err
		}
		fmt.Printf("%-24s grain=%-5s by=%-6s %v\n", q.Key, q.Grain, q.By, time.Since(t0))
	}
	if len(args) < 2 {
		return nil
	}
	// The process's CPU time per run is less sensitive than wall time to
	// the other work of a shared machine.
	var cpu time.Duration
	var alloc uint64 // bytes allocated per run
	timed := func(n int, fn func() error) ([]time.Duration, error) {
		var ds []time.Duration
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0 := cpuTime()
		defer func() {
			cpu = (cpuTime() - c0) / time.Duration(n)
			runtime.ReadMemStats(&m1)
			alloc = (m1.TotalAlloc - m0.TotalAlloc) / uint64(n)
		}()
		for i := 0; i < n; i++ {
			t0 := time.Now()
			if err := fn(); err != nil {
				return nil, err
			}
			ds = append(ds, time.Since(t0))
		}
		return ds, nil
	}
	f, err := os.Create(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	pprof.StartCPUProfile(f)
	run := func() error { _, _, err := dashboard(ctx, d, org, benchNow, qs); return err }
	what := "dashboard (KPIs and OKR status)"
	if kpisOnly {
		run = func() error { _, err := eng.ComputeAll(ctx, org, qs); return err }
		what = "KPIs alone (ComputeAll)"
	}
	ds, err := timed(200, run)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	// The allocations of the runs (sampled since the start), beside the CPU
	// profile: read with go tool pprof -sample_index=alloc_space.
	if hf, err := os.Create(args[1] + ".heap"); err == nil {
		pprof.Lookup("allocs").WriteTo(hf, 0)
		hf.Close()
	}
	fmt.Printf("%s: p50 %.1f ms, p95 %.1f ms, CPU %.1f ms, %.1f MB allocated per run (profiled)\n", what,
		ms(percentile(ds, 0.5)), ms(percentile(ds, 0.95)), ms(cpu), float64(alloc)/(1<<20))
	if !kpisOnly {
		if ds, err = timed(20, func() error { _, err := eng.ComputeAll(ctx, org, qs); return err }); err != nil {
			return err
		}
		fmt.Printf("KPIs alone (ComputeAll): p50 %.1f ms, CPU %.1f ms per run\n", ms(percentile(ds, 0.5)), ms(cpu))
		if ds, err = timed(20, func() error { _, err := okrStatus(ctx, d.okrs, org, benchNow); return err }); err != nil {
			return err
		}
		fmt.Printf("OKR status alone: p50 %.1f ms, CPU %.1f ms per run\n", ms(percentile(ds, 0.5)), ms(cpu))
	}
	if ds, err = timed(5, func() error {
		for _, q := range qs {
			if _, err := eng.Compute(ctx, org, q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Printf("KPIs one by one (Compute): p50 %.1f ms\n", ms(percentile(ds, 0.5)))
	if len(args) < 3 || args[2] != "raw" {
		return nil
	}
	t0 := time.Now()
	if _, err := eng.Raw().ComputeAll(ctx, org, qs); err != nil {
		return err
	}
	fmt.Printf("raw records (ComputeAll): %v per dashboard\n", time.Since(t0))
	return nil
}

// importPhase creates fresh databases, loads the data set and measures the
// deal import through rumbo and through the bare driver.
func importPhase(ctx context.Context, res *result, sc scale, data, dsn, bareDSN string, postgres bool, pgURL, rumboBin string, loc *time.Location, keep bool) (*rumbo.Org, error) {
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }
	if err := freshDBs(ctx, dsn, bareDSN, postgres, pgURL); err != nil {
		return nil, err
	}
	env := func(dsn string) []string {
		return append(os.Environ(), "RUMBO_DB="+dsn, "RUMBO_NOW="+benchNow.Format(time.RFC3339), "RUMBO_ORG=default")
	}
	runRumbo := func(dsn string, args ...string) (*os.ProcessState, time.Duration, error) {
		cmd := exec.Command(rumboBin, args...)
		cmd.Env, cmd.Stderr = env(dsn), os.Stderr
		start := time.Now()
		out, err := cmd.Output()
		if err != nil {
			return nil, 0, fmt.Errorf("rumbo %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return cmd.ProcessState, time.Since(start), nil
	}
	for _, d := range []string{dsn, bareDSN} {
		if _, _, err := runRumbo(d, "init"); err != nil {
			return nil, err
		}
		for _, e := range []string{"people", "markets", "campaigns"} {
			if _, _, err := runRumbo(d, "import", "--entity", e, filepath.Join(data, e+".csv")); err != nil {
				return nil, err
			}
		}
	}

	say("bulk loading leads, activities, surveys and inquiries")
	start := time.Now()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Now: func() time.Time { return benchNow }})
	if err != nil {
		return nil, err
	}
	org, err := db.FindOrg(ctx, rumbo.DefaultOrgSlug)
	if err != nil {
		return nil, err
	}
	sdb, err := sql.Open(driverOf(postgres), dsn)
	if err != nil {
		return nil, err
	}
	ld, err := newLoader(ctx, sdb, postgres, org.ID, loc)
	if err != nil {
		return nil, err
	}
	if err := ld.bulk(ctx, data, benchNow); err != nil {
		return nil, err
	}
	if postgres {
		// What rumbo import does after a large write (sqlstore analyze):
		// the dashboards are measured right after, before autovacuum would.
		if _, err := sdb.ExecContext(ctx, "ANALYZE"); err != nil {
			return nil, err
		}
	}
	sdb.Close()
	res.BulkLoadS = time.Since(start).Seconds()
	start = time.Now()
	if err := db.RebuildAggregates(ctx, org.ID); err != nil {
		return nil, err
	}
	res.RebuildS = time.Since(start).Seconds()
	db.Close()
	if keep {
		if err := keepBeforeImport(ctx, dsn, postgres, pgURL); err != nil {
			return nil, err
		}
	}

	say("importing deals through rumbo import")
	ps, took, err := runRumbo(dsn, "import", "--entity", "deals", filepath.Join(data, "deals.csv"))
	if err != nil {
		return nil, err
	}
	res.ImportS = took.Seconds()
	res.ImportRowsPerS = float64(sc.Deals) / took.Seconds()
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		res.ImportPeakRSSMB = float64(ru.Maxrss) / 1024
	}

	say("importing deals with the bare driver")
	bdb, err := sql.Open(driverOf(postgres), bareDSN)
	if err != nil {
		return nil, err
	}
	bl, err := newLoader(ctx, bdb, postgres, org.ID, loc)
	if err != nil {
		return nil, err
	}
	if postgres {
		// The same state as rumbo's database, analyzed after its bulk
		// load: the foreign-key checks of the deals are planned with the
		// parent tables' statistics in both.
		if _, err := bdb.ExecContext(ctx, "ANALYZE"); err != nil {
			return nil, err
		}
	}
	start = time.Now()
	n, err := bl.bareDeals(ctx, filepath.Join(data, "deals.csv"), benchNow, false)
	if err != nil {
		return nil, fmt.Errorf("bare deals: %w", err)
	}
	res.BareS = time.Since(start).Seconds()
	res.BareRowsPerS = float64(n) / res.BareS
	bdb.Close()

	if !postgres {
		say("importing deals with the bare driver, indexes built after")
		bulkDSN := filepath.Join(filepath.Dir(bareDSN), "bare-bulk.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(bulkDSN + suffix)
		}
		if _, _, err := runRumbo(bulkDSN, "init"); err != nil {
			return nil, err
		}
		for _, e := range []string{"people", "markets", "campaigns"} {
			if _, _, err := runRumbo(bulkDSN, "import", "--entity", e, filepath.Join(data, e+".csv")); err != nil {
				return nil, err
			}
		}
		if bdb, err = sql.Open("sqlite", bulkDSN); err != nil {
			return nil, err
		}
		if bl, err = newLoader(ctx, bdb, false, org.ID, loc); err != nil {
			return nil, err
		}
		start = time.Now()
		if n, err = bl.bareDeals(ctx, filepath.Join(data, "deals.csv"), benchNow, true); err != nil {
			return nil, fmt.Errorf("bare deals, indexes after: %w", err)
		}
		res.BareBulkS = time.Since(start).Seconds()
		res.BareBulkRowsPerS = float64(n) / res.BareBulkS
		bdb.Close()
		os.Remove(bulkDSN)
	}

	say("import: rumbo %.0f rows/s (%.1f s, peak RSS %.0f MB), bare %.0f rows/s (%.1f s)",
		res.ImportRowsPerS, res.ImportS, res.ImportPeakRSSMB, res.BareRowsPerS, res.BareS)
	if res.BareBulkS > 0 {
		say("import: bare with the indexes built after %.0f rows/s (%.1f s)", res.BareBulkRowsPerS, res.BareBulkS)
	}
	return org, nil
}

// keepBeforeImport copies the database as the deal import will find it:
// on SQLite to rumbo-before-import.db beside it, on PostgreSQL to the
// database <name>_before.
func keepBeforeImport(ctx context.Context, dsn string, postgres bool, pgURL string) error {
	if !postgres {
		return copyFile(dsn, filepath.Join(filepath.Dir(dsn), "rumbo-before-import.db"))
	}
	adb, err := sql.Open("pgx", pgURL)
	if err != nil {
		return err
	}
	defer adb.Close()
	_, _, err = pgClone(ctx, adb, dsn, "before")
	return err
}
