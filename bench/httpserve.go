package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	rhttp "github.com/rumbo-app/rumbo/http"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// The HTTP phase's server side: a copy of the benchmark database, a user
// with an API token made through the CLI, `rumbo serve` on a free port, and
// the deal CSVs imported through the API while the load runs.

// httpDB copies the benchmark database for the HTTP phase, so that the
// imports of the load leave the measured database (and --reuse) untouched,
// and returns the copy's DSN and a function that removes it. SQLite: a file
// copy; PostgreSQL: CREATE DATABASE … TEMPLATE.
func httpDB(ctx context.Context, dsn, work string, postgres bool, pgURL string) (string, func(), error) {
	if !postgres {
		dst := filepath.Join(work, "rumbo.db")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(dst + suffix)
			if _, err := os.Stat(dsn + suffix); err != nil {
				continue
			}
			if err := copyFile(dsn+suffix, dst+suffix); err != nil {
				return "", nil, err
			}
		}
		return dst, func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(dst + suffix)
			}
		}, nil
	}
	adb, err := sql.Open("pgx", pgURL)
	if err != nil {
		return "", nil, err
	}
	url, drop, err := pgClone(ctx, adb, dsn, "http")
	if err != nil {
		adb.Close()
		return "", nil, err
	}
	return url, func() { drop(); adb.Close() }, nil
}

// pgClone replaces the database <name>_<suffix> by a copy of dsn's database
// (CREATE DATABASE … TEMPLATE) on the server adb is connected to, and
// returns the copy's URL and a function that drops it.
func pgClone(ctx context.Context, adb *sql.DB, dsn, suffix string) (string, func(), error) {
	src := dsn[strings.LastIndex(dsn, "/")+1 : strings.Index(dsn, "?")]
	n := src + "_" + suffix
	drop := func() { adb.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)") }
	drop()
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+n+" TEMPLATE "+src); err != nil {
		return "", nil, err
	}
	return strings.Replace(dsn, "/"+src+"?", "/"+n+"?", 1), drop, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchToken adds an admin user and creates an API token for them through
// the rumbo CLI, and returns the token (the last line of token create).
func benchToken(rumboBin string, env []string) (string, error) {
	run := func(args ...string) (string, error) {
		cmd := exec.Command(rumboBin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("rumbo %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	if _, err := run("user", "add", "bench@example.com", "--role", "admin", "--name", "Benchmark"); err != nil {
		return "", err
	}
	out, err := run("token", "create", "--user", "bench@example.com", "--name", "bench-http")
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// freePort returns a TCP port free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// server is a running `rumbo serve` (or `bench serve` when profiling).
type server struct {
	cmd    *exec.Cmd
	base   string
	log    *os.File
	exited chan struct{} // closed when the process has exited
}

// startServer starts the server on a free port, its output to logPath, and
// returns it with the time from the start of the process until /readyz
// first answered 200.
func startServer(bin string, args, env []string, logPath string) (*server, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(bin, append(args, "--addr", addr)...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, lf, lf
	// A client of its own: the load's transport must not start with a
	// connection made before the server was ready.
	probe := &nethttp.Client{Timeout: time.Second, Transport: &nethttp.Transport{DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, 0, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, log: lf, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(s.exited) }()
	for {
		r, err := probe.Get(s.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
			if r.StatusCode == nethttp.StatusOK {
				return s, time.Since(start), nil
			}
		}
		select {
		case <-s.exited:
			lf.Close()
			return nil, 0, fmt.Errorf("%s exited before /readyz answered (log: %s)", bin, logPath)
		case <-time.After(time.Millisecond):
		}
		if time.Since(start) > time.Minute {
			s.stop()
			return nil, 0, fmt.Errorf("/readyz did not answer 200 within a minute (log: %s)", logPath)
		}
	}
}

// stop asks the server to shut down (SIGTERM) and waits for it.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.log.Close()
}

// serveProfiled is `bench serve --addr A --cpuprofile FILE`: the server of
// `rumbo serve` (the same handler and timeouts) on RUMBO_DB with RUMBO_NOW,
// under the CPU profiler until SIGTERM. The HTTP phase runs it instead of
// rumbo serve when asked for a profile, so that rumbo serve itself has no
// profiling switch.
func serveProfiled(args []string) error {
	var addr, profile string
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--addr":
			addr = args[i+1]
		case "--cpuprofile":
			profile = args[i+1]
		}
	}
	if addr == "" || profile == "" {
		return errors.New("usage: bench serve --cpuprofile FILE --addr HOST:PORT")
	}
	now := time.Now
	if v := os.Getenv("RUMBO_NOW"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return err
		}
		now = func() time.Time { return t }
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	db, err := sqlstore.Open(ctx, os.Getenv("RUMBO_DB"), sqlstore.Options{Now: now})
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.Create(profile)
	if err != nil {
		return err
	}
	defer f.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	handler := rhttp.NewServer(db, rhttp.Config{Logger: logger, Now: now, BaseURL: "http://" + addr})
	// The timeouts of rumbo serve (cmd/rumbo/serve.go).
	srv := &nethttp.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	go srv.Serve(ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	handler.Close()
	return err
}

// importFiles writes n variants of one deal CSV from the data set's
// deals.csv: every 10th deal with a new amount, and one new deal per 100
// (a copy of an existing one under a new external id). Each variant gives
// every row a different amount, so that importing the variants in turn
// always writes (updates, and the new deals inserted by the first).
func importFiles(dealsCSV, dir string, n int) ([]string, int, error) {
	type row struct {
		rec []string
		h   int
	}
	var rows []row
	var head []string
	i := 0
	err := readCSV(dealsCSV, func(col map[string]int, rec []string) error {
		if head == nil {
			head = make([]string, len(col))
			for k, j := range col {
				head[j] = k
			}
		}
		switch {
		case i%10 == 3:
			rows = append(rows, row{rec: append([]string(nil), rec...), h: i})
		case i%100 == 7:
			r := append([]string(nil), rec...)
			r[col["external_id"]] = "H" + strings.TrimPrefix(rec[col["external_id"]], "D")
			rows = append(rows, row{rec: r, h: i})
		}
		i++
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	amount := 0
	for j, h := range head {
		if h == "amount" {
			amount = j
		}
	}
	var paths []string
	for v := 0; v < n; v++ {
		p := filepath.Join(dir, fmt.Sprintf("import-%d.csv", v))
		f, err := os.Create(p)
		if err != nil {
			return nil, 0, err
		}
		w := csv.NewWriter(f)
		w.Write(head)
		for _, r := range rows {
			// Distinct prices, same quantity: a distinct amount per variant.
			a := prices[(r.h+v)%len(prices)] * int64(1+r.h%5)
			r.rec[amount] = strconv.FormatInt(a/100, 10) + "." + fmt.Sprintf("%02d", a%100)
			w.Write(r.rec)
		}
		w.Flush()
		if err := w.Error(); err != nil {
			f.Close()
			return nil, 0, err
		}
		if err := f.Close(); err != nil {
			return nil, 0, err
		}
		paths = append(paths, p)
	}
	return paths, len(rows), nil
}
