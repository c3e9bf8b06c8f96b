// Command http measures Rumbo's HTTP API under load: it starts `rumbo
// serve` on a database built by the benchmark (./scripts/bench), times how
// soon /readyz answers, uploads a CSV import through the API, and while the
// import runs sends KPI reads over /api/v1 from many keep-alive connections
// for a fixed time. It prints requests/s, latency percentiles, errors and
// its own CPU use; the last line of its output is one JSON object with
// http_rps, http_p99_ms and http_errors, for the benchmark script to merge.
//
//	go run ./bench/http --rumbo BIN --db /tmp/rumbo-bench/db-L/rumbo.db --import /tmp/rumbo-bench/data-L/deals.csv
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// result is the JSON object printed as the last line.
type result struct {
	RPS         float64 `json:"http_rps"`
	P50MS       float64 `json:"http_p50_ms"`
	P99MS       float64 `json:"http_p99_ms"`
	MaxMS       float64 `json:"http_max_ms"`
	Errors      int64   `json:"http_errors"`
	Requests    int64   `json:"http_requests"`
	Conns       int     `json:"http_conns"`
	DurationS   float64 `json:"http_duration_s"`
	LoadCPUS    float64 `json:"http_loadgen_cpu_s"`
	LoadCPUPct  float64 `json:"http_loadgen_cpu_pct"`
	ReadyzMS    float64 `json:"readyz_ms"`
	ImportState string  `json:"http_import_status"`
	ImportS     float64 `json:"http_import_s"`
	ImportRan   bool    `json:"http_import_overlapped"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench http:", err)
		os.Exit(1)
	}
}

func run() error {
	rumboBin := flag.String("rumbo", "rumbo", "the rumbo binary")
	dsn := flag.String("db", "", "database built by ./scripts/bench (SQLite file or postgres:// URL); SQLite files are copied first")
	importFile := flag.String("import", "", "deal CSV (canonical headers) to import through the API during the load; empty: none")
	conns := flag.Int("conns", 64, "concurrent keep-alive connections")
	duration := flag.Duration("duration", 30*time.Second, "how long to send KPI reads")
	now := flag.String("now", "2026-05-14T12:00:00Z", "RUMBO_NOW of the server (the benchmark's clock)")
	flag.Parse()
	if *dsn == "" {
		return errors.New("--db is required")
	}
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench http: "+format+"\n", args...) }
	db := *dsn
	if !strings.HasPrefix(db, "postgres") {
		dir, err := os.MkdirTemp("", "rumbo-bench-http-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		say("copying %s", db)
		if err := copyFile(db, filepath.Join(dir, "rumbo.db")); err != nil {
			return err
		}
		db = filepath.Join(dir, "rumbo.db")
	}
	env := append(os.Environ(), "RUMBO_DB="+db, "RUMBO_NOW="+*now, "RUMBO_ORG=default", "RUMBO_PASSWORD=bench-password-1")
	rumbo := func(args ...string) (string, error) {
		cmd := exec.Command(*rumboBin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("rumbo %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	if _, err := rumbo("user", "add", "bench@example.com", "--role", "admin"); err != nil && !strings.Contains(err.Error(), "already exists") {
		return err
	}
	out, err := rumbo("token", "create", "--user", "bench@example.com", "--name", "bench")
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])

	var res result
	res.Conns = *conns
	say("starting rumbo serve")
	start := time.Now()
	srv := exec.Command(*rumboBin, "serve", "--addr", "127.0.0.1:0")
	srv.Env = env
	srv.Stderr = io.Discard
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Rumbo listening on "); ok {
				urlCh <- strings.TrimSpace(u)
			}
		}
	}()
	var base string
	select {
	case base = <-urlCh:
	case <-time.After(60 * time.Second):
		return errors.New("rumbo serve printed no address")
	}
	for {
		r, err := http.Get(base + "/readyz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > time.Minute {
			return errors.New("/readyz never answered")
		}
		time.Sleep(2 * time.Millisecond)
	}
	res.ReadyzMS = ms(time.Since(start))
	say("/readyz answered %.0f ms after start", res.ReadyzMS)

	tr := &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	importLoc := ""
	importStart := time.Now()
	if *importFile != "" {
		say("uploading %s", *importFile)
		if importLoc, err = upload(client, base, token, *importFile); err != nil {
			return err
		}
	}
	urls := kpiURLs(base)
	say("KPI reads: %d connections for %s", *conns, *duration)
	cpu0 := cpuTime()
	t0 := time.Now()
	deadline := t0.Add(*duration)
	var (
		wg      sync.WaitGroup
		errs    atomic.Int64
		mu      sync.Mutex
		all     []time.Duration
		firstEr atomic.Value
	)
	for i := 0; i < *conns; i++ {
		wg.Go(func() {
			var lat []time.Duration
			for n := i; time.Now().Before(deadline); n++ {
				req, _ := http.NewRequest("GET", urls[n%len(urls)], nil)
				req.Header.Set("Authorization", "Bearer "+token)
				s := time.Now()
				r, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, r.Body)
					r.Body.Close()
					if err == nil && r.StatusCode != 200 {
						err = fmt.Errorf("%s: status %d", req.URL, r.StatusCode)
					}
				}
				lat = append(lat, time.Since(s))
				if err != nil {
					errs.Add(1)
					firstEr.CompareAndSwap(nil, err.Error())
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	if importLoc != "" {
		if st, _ := importStatus(client, base, token, importLoc); st == "running" || st == "queued" {
			res.ImportRan = true
		}
	}
	wg.Wait()
	elapsed := time.Since(t0)
	cpu := cpuTime() - cpu0
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res.Requests, res.Errors = int64(len(all)), errs.Load()
	res.DurationS = elapsed.Seconds()
	res.RPS = float64(len(all)) / elapsed.Seconds()
	res.P50MS, res.P99MS = ms(pct(all, 0.50)), ms(pct(all, 0.99))
	if len(all) > 0 {
		res.MaxMS = ms(all[len(all)-1])
	}
	res.LoadCPUS = cpu.Seconds()
	res.LoadCPUPct = 100 * cpu.Seconds() / elapsed.Seconds()
	if e := firstEr.Load(); e != nil {
		say("first error: %s", e)
	}
	if importLoc != "" {
		for {
			st, err := importStatus(client, base, token, importLoc)
			if err != nil {
				return err
			}
			if st == "done" || st == "failed" {
				res.ImportState, res.ImportS = st, time.Since(importStart).Seconds()
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	fmt.Printf("HTTP KPI reads, %d connections, %.0f s: %.0f requests/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors of %d\n",
		res.Conns, res.DurationS, res.RPS, res.P50MS, res.P99MS, res.MaxMS, res.Errors, res.Requests)
	fmt.Printf("load generator CPU %.1f s (%.0f%% of one core); /readyz %.0f ms after start; import during load: %v, %s after %.1f s\n",
		res.LoadCPUS, res.LoadCPUPct, res.ReadyzMS, res.ImportRan, res.ImportState, res.ImportS)
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	return nil
}

// kpiURLs are the reads of a dashboard: KPIs of this quarter, by month and
// by team, rotating so that no single answer dominates.
func kpiURLs(base string) []string {
	var out []string
	for _, q := range []string{
		"revenue/values", "win_rate/values", "open_deals/values", "avg_deal_value/values",
		"revenue/values?grain=month", "revenue/values?by=team", "win_rate/values?by=owner",
		"pipeline_value/values", "sales_cycle_days/values", "revenue/values?period=2026",
	} {
		out = append(out, base+"/api/v1/kpis/"+q)
	}
	return out
}

// upload sends the CSV as a multipart import, streaming it, and returns
// the job's Location.
func upload(client *http.Client, base, token, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
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
	req, _ := http.NewRequestWithContext(context.Background(), "POST", base+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 202 {
		return "", fmt.Errorf("upload: %d %s", r.StatusCode, body)
	}
	return r.Header.Get("Location"), nil
}

func importStatus(client *http.Client, base, token, loc string) (string, error) {
	req, _ := http.NewRequest("GET", base+loc, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer r.Body.Close()
	var job struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&job); err != nil {
		return "", err
	}
	return job.Status, nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds)-1) * p)
	return ds[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func copyFile(src, dst string) error {
	b, err := os.Open(src)
	if err != nil {
		return err
	}
	defer b.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, b); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
