package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rumbo-app/rumbo"
	rhttp "github.com/rumbo-app/rumbo/http"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// DefaultAddr is where serve and demo listen unless told.
const DefaultAddr = "127.0.0.1:8080"

// serveFlags are the settings of the HTTP server: defaults, then RUMBO_*
// environment variables, then flags.
type serveFlags struct {
	addr           string
	baseURL        string
	uploadLimit    string
	trustedProxies string
}

func (a *app) registerServeFlags(cmd *cobra.Command, f *serveFlags) {
	f.addr = orDefault(a.getenv("RUMBO_ADDR"), DefaultAddr)
	f.baseURL = a.getenv("RUMBO_BASE_URL")
	f.uploadLimit = orDefault(a.getenv("RUMBO_UPLOAD_LIMIT"), "100MB")
	f.trustedProxies = a.getenv("RUMBO_TRUSTED_PROXIES")
	cmd.Flags().StringVar(&f.addr, "addr", f.addr, "address to listen on, host:port; port 0 picks a free one (env RUMBO_ADDR)")
	cmd.Flags().StringVar(&f.baseURL, "base-url", f.baseURL, "public URL of the server, for invitation links (env RUMBO_BASE_URL)")
	cmd.Flags().StringVar(&f.uploadLimit, "upload-limit", f.uploadLimit, "largest import upload or bulk load, e.g. 100MB (env RUMBO_UPLOAD_LIMIT)")
	cmd.Flags().StringVar(&f.trustedProxies, "trusted-proxies", f.trustedProxies, "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-* headers are believed (env RUMBO_TRUSTED_PROXIES)")
}

// parseSize reads a byte count: 1048576, 512KB, 100MB or 1GB.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, rumbo.Errorf(rumbo.EINVALID, "size %q: use a number of bytes or 512KB, 100MB, 1GB", s)
	}
	return n * mult, nil
}

// parseProxies reads comma-separated addresses and CIDRs.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, rumbo.Errorf(rumbo.EINVALID, "trusted proxy %q is not an address or CIDR", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the REST API on the database",
		Long: `serve runs Rumbo's HTTP server on the --db database until SIGINT or SIGTERM,
then finishes the requests in flight. It prints the address it listens on.
Health probes: /healthz (the process) and /readyz (the database).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.open(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer db.Close()
			return a.serve(cmd.Context(), db, f)
		},
	}
	a.registerServeFlags(cmd, &f)
	return cmd
}

// Server timeouts: slow clients cannot hold connections forever, and a
// large upload still has time to arrive.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 5 * time.Minute
	writeTimeout      = 5 * time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 15 * time.Second
)

// serve listens on f.addr and serves the API on db until ctx ends.
func (a *app) serve(ctx context.Context, db *sqlstore.DB, f serveFlags) error {
	rhttp.TuneGC(a.getenv)
	upload, err := parseSize(f.uploadLimit)
	if err != nil {
		return err
	}
	proxies, err := parseProxies(f.trustedProxies)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "listen on %s: %v", f.addr, err)
	}
	url := "http://" + ln.Addr().String()
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// Jobs left queued or running by a previous process cannot finish.
	if n, err := rhttp.FailUnfinishedImports(ctx, db, a.now()); err != nil {
		ln.Close()
		return err
	} else if n > 0 {
		logger.Warn("marked unfinished imports failed", "count", n)
	}
	handler := rhttp.NewServer(db, rhttp.Config{Logger: logger, Now: a.now, BaseURL: orDefault(f.baseURL, url),
		UploadLimit: upload, TrustedProxies: proxies})
	srv := &nethttp.Server{Handler: handler, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	a.printf("Rumbo listening on %s\n", url)
	logger.Info("listening", "addr", ln.Addr().String(), "db", db.Dialect())

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	sweepCtx, stopSweep := context.WithCancel(ctx)
	var sweeping sync.WaitGroup
	sweeping.Go(func() { a.sweepSessions(sweepCtx, db, logger) })
	defer sweeping.Wait()
	defer stopSweep()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	// Imports in flight roll back and are marked failed.
	handler.Close()
	if err != nil {
		return err
	}
	if err := <-done; err != nil && !errors.Is(err, nethttp.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// sweepSessions deletes ended sessions and records the day's OKR snapshots
// every hour until ctx ends. Snapshots are idempotent per key result and
// day, so several servers running it record each day's snapshot once.
func (a *app) sweepSessions(ctx context.Context, db *sqlstore.DB, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := db.DeleteExpiredSessions(ctx, a.now(), rhttp.DefaultSessionIdle); err != nil && ctx.Err() == nil {
			logger.Warn("delete ended sessions", "error", err)
		} else if n > 0 {
			logger.Info("deleted ended sessions", "count", n)
		}
		a.dailySnapshots(ctx, db, logger)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// demoLogin makes the demo user (demo@example.com or RUMBO_DEMO_EMAIL) an
// admin of the demo organisation with the password in RUMBO_DEMO_PASSWORD,
// or a new generated one, and prints the login.
func (a *app) demoLogin(ctx context.Context, db *sqlstore.DB, org *rumbo.Org) error {
	email := orDefault(a.getenv("RUMBO_DEMO_EMAIL"), "demo@example.com")
	pw := a.getenv("RUMBO_DEMO_PASSWORD")
	generated := pw == ""
	if generated {
		pw = rumbo.NewSecret("")[:16]
	}
	if err := rumbo.ValidatePassword(pw); err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "RUMBO_DEMO_PASSWORD: %s", rumbo.ErrorMessage(err))
	}
	u, err := db.FindUserByEmail(ctx, email)
	if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
		u = &rumbo.User{Email: email, Name: "Demo"}
		err = db.CreateUser(ctx, u)
	}
	if err != nil {
		return err
	}
	if err := db.SetPasswordHash(ctx, u.ID, rhttp.DefaultHasher.Hash(pw)); err != nil {
		return err
	}
	if err := db.SetMembership(ctx, &rumbo.Membership{UserID: u.ID, OrgID: org.ID, Role: rumbo.RoleAdmin}); err != nil {
		return err
	}
	a.printf("Demo login: %s\n", u.Email)
	if generated {
		a.printf("Password:   %s   (generated; set RUMBO_DEMO_PASSWORD to choose one)\n", pw)
	} else {
		a.printf("Password:   from RUMBO_DEMO_PASSWORD\n")
	}
	return nil
}

// dailySnapshots records today's snapshot of every organisation's metric key
// results (none twice a day).
func (a *app) dailySnapshots(ctx context.Context, db *sqlstore.DB, logger *slog.Logger) {
	orgs, err := db.Orgs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			logger.Warn("daily OKR snapshots", "error", err)
		}
		return
	}
	svc := a.okrService(db)
	for i := range orgs {
		if n, err := svc.Snapshot(ctx, &orgs[i], a.now()); err != nil && ctx.Err() == nil {
			logger.Warn("daily OKR snapshots", "org", orgs[i].Slug, "error", err)
		} else if n > 0 {
			logger.Info("recorded OKR snapshots", "org", orgs[i].Slug, "count", n)
		}
	}
}
