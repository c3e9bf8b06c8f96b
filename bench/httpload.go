package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	nethttp "net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// defaultPG is the PostgreSQL server of --db postgres runs.
const defaultPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// HTTPResult is the HTTP phase's part of the result (BENCHMARKS.md, "HTTP
// under load"); absent from the JSON when the phase did not run.
type HTTPResult struct {
	RPS            float64 `json:"http_rps"`
	P50MS          float64 `json:"http_p50_ms"`
	P99MS          float64 `json:"http_p99_ms"`
	MaxMS          float64 `json:"http_max_ms"`
	Errors         int64   `json:"http_errors"`
	Requests       int64   `json:"http_requests"`
	Conns          int     `json:"http_conns"`
	URLs           int     `json:"http_urls"`
	DurationS      float64 `json:"http_duration_s"`
	LoadgenCPUS    float64 `json:"http_loadgen_cpu_s"`
	ReadyzMS       float64 `json:"readyz_ms"`
	Imports        int     `json:"http_imports"`
	ImportRows     int     `json:"http_import_rows_written"`
	ImportFailures int     `json:"http_import_failures"`
	ImportBusyPct  float64 `json:"http_import_busy_pct"`
	FirstError     string  `json:"http_first_error,omitempty"`
}

// httpOptions configure the HTTP phase.
type httpOptions struct {
	rumbo    string // the rumbo binary served
	dsn      string // the benchmark database (copied first)
	postgres bool
	pgURL    string
	data     string // the data set (deals.csv)
	work     string // the copy, the import files and the server's log
	conns    int
	duration time.Duration
	// cpuProfile, when set, serves with `bench serve` (the same handler)
	// under the CPU profiler instead of rumbo serve, writing the profile there.
	cpuProfile string
	queries    []metric.Query // the KPI reads, as the dashboard makes them
}

// httpPhase serves a copy of the benchmark database with rumbo serve, times
// /readyz, and sends the dashboard's KPI reads over /api/v1 from o.conns
// keep-alive connections for o.duration while deal CSVs are imported through
// the API one after the other.
func httpPhase(ctx context.Context, o httpOptions) (*HTTPResult, error) {
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: http: "+format+"\n", args...) }
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return nil, err
	}
	say("copying the database")
	dsn, drop, err := httpDB(ctx, o.dsn, o.work, o.postgres, o.pgURL)
	if err != nil {
		return nil, fmt.Errorf("copy database: %w", err)
	}
	defer drop()
	files, rows, err := importFiles(filepath.Join(o.data, "deals.csv"), o.work, 3)
	if err != nil {
		return nil, fmt.Errorf("import files: %w", err)
	}
	env := append(os.Environ(), "RUMBO_DB="+dsn, "RUMBO_NOW="+benchNow.Format(time.RFC3339),
		"RUMBO_ORG="+rumbo.DefaultOrgSlug, "RUMBO_PASSWORD=bench-password-1")
	token, err := benchToken(o.rumbo, env)
	if err != nil {
		return nil, err
	}

	bin, args := o.rumbo, []string{"serve"}
	if o.cpuProfile != "" {
		if bin, err = os.Executable(); err != nil {
			return nil, err
		}
		args = []string{"serve", "--cpuprofile", o.cpuProfile}
	}
	logPath := filepath.Join(o.work, "serve.log")
	srv, readyz, err := startServer(bin, args, env, logPath)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	res := &HTTPResult{Conns: o.conns, ReadyzMS: ms(readyz)}
	say("/readyz answered %.1f ms after the start of %s serve", res.ReadyzMS, filepath.Base(bin))

	var urls []string
	for _, q := range o.queries {
		urls = append(urls, kpiURL(srv.base, q))
	}
	res.URLs = len(urls)
	tr := &nethttp.Transport{MaxIdleConns: o.conns, MaxIdleConnsPerHost: o.conns, MaxConnsPerHost: o.conns,
		IdleConnTimeout: time.Minute, DisableCompression: true}
	client := &nethttp.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	// Every read must answer 200 before the load: a wrong URL would
	// otherwise show only as errors.
	for _, u := range urls {
		if err := get(client, u, token); err != nil {
			return nil, err
		}
	}

	say("KPI reads of %d URLs over %d connections for %s, importing %d-row deal CSVs meanwhile (server log: %s)",
		len(urls), o.conns, o.duration, rows, logPath)
	imports := make(chan importStats, 1)
	cpu0 := cpuTime()
	t0 := time.Now()
	deadline := t0.Add(o.duration)
	go func() { imports <- importLoop(srv.base, token, files, t0, deadline) }()
	lat, errs, firstErr := load(client, token, urls, o.conns, deadline)
	elapsed := time.Since(t0)
	cpu := cpuTime() - cpu0
	res.DurationS = elapsed.Seconds()
	res.Requests, res.Errors, res.FirstError = int64(len(lat)), errs, firstErr
	res.RPS = float64(len(lat)) / elapsed.Seconds()
	res.P50MS, res.P99MS, res.MaxMS = ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99)), ms(percentile(lat, 1))
	res.LoadgenCPUS = cpu.Seconds()
	say("%.0f requests/s, p50 %.1f ms, p99 %.1f ms, %d errors; waiting for the import in flight", res.RPS, res.P50MS, res.P99MS, res.Errors)
	is := <-imports
	res.Imports, res.ImportRows, res.ImportFailures = is.done, is.rows, is.failed
	res.ImportBusyPct = 100 * is.busy.Seconds() / o.duration.Seconds()
	if is.err != "" {
		say("import: %s", is.err)
	}
	if firstErr != "" {
		say("first error: %s", firstErr)
	}
	return res, nil
}

// kpiURL is the GET /api/v1/kpis/{key}/values of a dashboard query.
func kpiURL(base string, q metric.Query) string {
	v := url.Values{}
	if q.Period != nil {
		v.Set("period", q.Period.Label)
	}
	if q.Grain != "" {
		v.Set("grain", string(q.Grain))
	}
	if q.By != "" {
		v.Set("by", q.By)
	}
	u := base + "/api/v1/kpis/" + url.PathEscape(q.Key) + "/values"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

func get(client *nethttp.Client, u, token string) error {
	req, err := nethttp.NewRequest("GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := client.Do(req)
	if err != nil {
		return err
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != nethttp.StatusOK {
		return fmt.Errorf("GET %s: %d %s", u, r.StatusCode, b)
	}
	return nil
}

// load sends GETs of urls from conns goroutines, each on its own keep-alive
// connection, until the deadline, and returns every request's latency, the
// number of errors (transport errors and answers other than 2xx) and the
// first error.
func load(client *nethttp.Client, token string, urls []string, conns int, deadline time.Time) ([]time.Duration, int64, string) {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      []time.Duration
		errs     atomic.Int64
		firstErr atomic.Value
	)
	fail := func(err error) {
		errs.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	for i := 0; i < conns; i++ {
		wg.Go(func() {
			// One request per URL, reused once its answer has been read.
			reqs := make([]*nethttp.Request, len(urls))
			for j, u := range urls {
				reqs[j], _ = nethttp.NewRequest("GET", u, nil)
				reqs[j].Header.Set("Authorization", "Bearer "+token)
			}
			lat := make([]time.Duration, 0, 4096)
			for n := i; ; n++ {
				start := time.Now()
				if !start.Before(deadline) {
					break
				}
				req := reqs[n%len(reqs)]
				r, err := client.Do(req)
				if err != nil {
					lat = append(lat, time.Since(start))
					fail(err)
					continue
				}
				_, err = io.Copy(io.Discard, r.Body)
				r.Body.Close()
				lat = append(lat, time.Since(start))
				if err != nil {
					fail(err)
				} else if r.StatusCode < 200 || r.StatusCode > 299 {
					fail(fmt.Errorf("GET %s: status %d", req.URL, r.StatusCode))
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	e, _ := firstErr.Load().(string)
	return all, errs.Load(), e
}

// importStats sums the imports run during the load.
type importStats struct {
	done, failed, rows int
	busy               time.Duration // time with an import in flight within the window
	err                string        // the first failure
}

// importLoop uploads the files in turn through POST /api/v1/imports, each
// once the previous job finished, until the deadline, and waits for the
// last job.
func importLoop(base, token string, files []string, t0, deadline time.Time) importStats {
	var st importStats
	client := &nethttp.Client{Timeout: 10 * time.Minute}
	for v := 0; time.Now().Before(deadline); v++ {
		start := time.Now()
		job, err := uploadImport(client, base, token, files[v%len(files)])
		for err == nil && (job.Status == rumbo.ImportQueued || job.Status == rumbo.ImportRunning) {
			time.Sleep(100 * time.Millisecond)
			job, err = fetchJob(client, base, token, job.ID)
		}
		end := time.Now()
		if end.After(deadline) {
			end = deadline
		}
		st.busy += end.Sub(start) // start ≥ t0
		switch {
		case err != nil:
			st.failed++
			if st.err == "" {
				st.err = err.Error()
			}
			return st
		case job.Status != rumbo.ImportDone:
			st.failed++
			if st.err == "" {
				st.err = fmt.Sprintf("job %d %s: %s", job.ID, job.Status, job.Message)
			}
		default:
			st.done++
			st.rows += job.Counts.Inserted + job.Counts.Updated
		}
	}
	return st
}

// importJob is what the benchmark reads of an import job.
type importJob struct {
	ID      int64  `json:"id"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Counts  struct {
		Inserted int `json:"inserted"`
		Updated  int `json:"updated"`
	} `json:"counts"`
}

// uploadImport streams the deal CSV as a multipart upload and returns the
// queued job.
func uploadImport(client *nethttp.Client, base, token, path string) (*importJob, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		defer f.Close()
		mw.WriteField("entity", "deals")
		fw, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(fw, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, _ := nethttp.NewRequest("POST", base+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return decodeJob(client.Do(req))
}

func fetchJob(client *nethttp.Client, base, token string, id int64) (*importJob, error) {
	req, _ := nethttp.NewRequest("GET", fmt.Sprintf("%s/api/v1/imports/%d", base, id), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return decodeJob(client.Do(req))
}

func decodeJob(r *nethttp.Response, err error) (*importJob, error) {
	if err != nil {
		return nil, err
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if r.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, b)
	}
	var j importJob
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	return &j, nil
}

// cpuTime is the CPU time (user + system) of this process: the load
// generator's, as nothing else runs in it during the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportHTTP prints the HTTP phase's rows of the table.
func reportHTTP(tw *tabwriter.Writer, h *HTTPResult) {
	if h == nil {
		fmt.Fprintf(tw, "HTTP KPI reads under load\tskipped\t\n")
		return
	}
	fmt.Fprintf(tw, "HTTP KPI reads under load\t%.0f req/s\tp50 %.1f ms, p99 %.1f ms, max %.1f ms; %d errors of %d (%d conns, %.0f s, %d URLs)\n",
		h.RPS, h.P50MS, h.P99MS, h.MaxMS, h.Errors, h.Requests, h.Conns, h.DurationS, h.URLs)
	fmt.Fprintf(tw, "HTTP load generator CPU\t%.1f s\t%.0f%% of one core\n", h.LoadgenCPUS, 100*h.LoadgenCPUS/h.DurationS)
	fmt.Fprintf(tw, "imports during the load\t%d done\t%d rows written, %d failed, an import in flight %.0f%% of the time\n",
		h.Imports, h.ImportRows, h.ImportFailures, h.ImportBusyPct)
	fmt.Fprintf(tw, "/readyz after start\t%.1f ms\t\n", h.ReadyzMS)
}

// httpCommand is `bench http --dir D --scale S [--db sqlite|postgres]
// --rumbo BIN [--duration 30s] [--conns 64] [--cpuprofile FILE]`: the HTTP
// phase alone on the databases of the last run of that scale.
func httpCommand(args []string) error {
	fs := flag.NewFlagSet("bench http", flag.ExitOnError)
	dir := fs.String("dir", filepath.Join(os.TempDir(), "rumbo-bench"), "work directory of the benchmark")
	scaleName := fs.String("scale", "S", "data set: S, M or L")
	dbKind := fs.String("db", "sqlite", "engine: sqlite or postgres")
	pgURL := fs.String("pg", defaultPG, "PostgreSQL server for --db postgres")
	rumboBin := fs.String("rumbo", "rumbo", "the rumbo binary")
	duration := fs.Duration("duration", 30*time.Second, "how long to send KPI reads")
	conns := fs.Int("conns", 64, "concurrent keep-alive connections")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the server to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc, ok := scales[strings.ToUpper(*scaleName)]
	if !ok {
		return fmt.Errorf("unknown scale %q (S, M, L)", *scaleName)
	}
	postgres := *dbKind == "postgres"
	dsn, _, err := dbNames(*dir, sc.Name, postgres, *pgURL)
	if err != nil {
		return err
	}
	ctx := context.Background()
	qs, err := httpQueries(ctx, dsn)
	if err != nil {
		return err
	}
	h, err := httpPhase(ctx, httpOptions{rumbo: *rumboBin, dsn: dsn, postgres: postgres, pgURL: *pgURL,
		data: filepath.Join(*dir, "data-"+sc.Name), work: filepath.Join(*dir, "http-"+*dbKind+"-"+sc.Name),
		conns: *conns, duration: *duration, cpuProfile: *profile, queries: qs})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	reportHTTP(tw, h)
	tw.Flush()
	b, _ := json.Marshal(h)
	fmt.Println(string(b))
	return nil
}

// httpQueries returns the dashboard's queries on the database.
func httpQueries(ctx context.Context, dsn string) ([]metric.Query, error) {
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	org, err := db.FindOrg(ctx, rumbo.DefaultOrgSlug)
	if err != nil {
		return nil, err
	}
	qs, err := dashboardQueries(ctx, metric.New(db, func() time.Time { return benchNow }), org, benchNow, nil)
	if err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, errors.New("no dashboard queries")
	}
	return qs, nil
}
