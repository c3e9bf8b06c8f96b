// Package http serves Rumbo over HTTP: the REST API under /api/v1 with
// sessions and API tokens, roles per organisation, health probes, request
// logs and recovered panics. Every route is listed, with the permission it
// requires, in routes.go.
package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	nethttp "net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// Store is everything the server reads and writes; *sqlstore.DB satisfies it.
type Store interface {
	rumbo.Store
	rumbo.UserService
	rumbo.SessionService
	rumbo.ImportService
	// FindOrgByID returns an organisation by id, or ENOTFOUND.
	FindOrgByID(ctx context.Context, id int64) (*rumbo.Org, error)
	// UpdateOrg saves an organisation's settings.
	UpdateOrg(ctx context.Context, o *rumbo.Org) error
	// UserLang returns the language a user chose for the web app, "" for none.
	UserLang(ctx context.Context, userID int64) (string, error)
	// SetUserLang stores the language a user chose: "es", "en", or "" to
	// follow the browser again.
	SetUserLang(ctx context.Context, userID int64, lang string) error
	// ListRecords returns one page of an entity's records.
	ListRecords(ctx context.Context, orgID int64, e rumbo.Entity, q rumbo.ListQuery) (*rumbo.RecordPage, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
}

// Defaults of Config.
const (
	DefaultBodyLimit       = 1 << 20   // 1 MB for JSON bodies
	DefaultUploadLimit     = 100 << 20 // 100 MB for imports and bulk loads
	DefaultSessionIdle     = 72 * time.Hour
	DefaultSessionMax      = 30 * 24 * time.Hour
	DefaultInviteTTL       = 72 * time.Hour
	DefaultAccountDelayMax = 10 * time.Second
	DefaultAddressDelayMax = 5 * time.Minute
)

// Config configures a Server. Zero fields take the defaults above.
type Config struct {
	Logger *slog.Logger     // request logs and errors; discarded when nil
	Now    func() time.Time // the clock; time.Now when nil
	// BaseURL is the public URL of the server, for invitation links,
	// e.g. https://rumbo.example.com.
	BaseURL string
	// BodyLimit bounds JSON request bodies; UploadLimit bounds import
	// uploads and bulk loads.
	BodyLimit, UploadLimit int64
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed.
	TrustedProxies []netip.Prefix
	// SessionIdle ends a session unused for that long; SessionMax ends any
	// session that old.
	SessionIdle, SessionMax time.Duration
	// InviteTTL is how long an invitation or password reset link works.
	InviteTTL time.Duration
	// AccountDelayMax and AddressDelayMax cap the wait imposed after failed
	// logins on one account and from one client address.
	AccountDelayMax, AddressDelayMax time.Duration
	// Hasher hashes passwords; DefaultHasher when nil.
	Hasher *Hasher
	// TokenCacheTTL is how long an authenticated API token is reused
	// without asking the database: DefaultTokenCacheTTL when 0, no cache
	// when negative.
	TokenCacheTTL time.Duration
	// KPICacheTTL is how long a computed KPI answer is reused:
	// DefaultKPICacheTTL when 0, no cache when negative.
	KPICacheTTL time.Duration
}

// Server is Rumbo's HTTP handler.
type Server struct {
	store   Store
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	hasher  *Hasher
	engine  *metric.Engine
	mux     *nethttp.ServeMux
	routes  []Route
	jobs    *importRunner
	tokens  *tokenCache
	results *kpiCache
	logins  keyLocks // one sign-in attempt at a time per account and address

	apiDocOnce sync.Once
	apiDoc     []byte // the OpenAPI document, built on first request
}

// NewServer returns the handler of every route on the store.
func NewServer(store Store, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	defaults := []struct {
		v   *int64
		def int64
	}{{&cfg.BodyLimit, DefaultBodyLimit}, {&cfg.UploadLimit, DefaultUploadLimit}}
	for _, d := range defaults {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	durations := []struct {
		v   *time.Duration
		def time.Duration
	}{{&cfg.SessionIdle, DefaultSessionIdle}, {&cfg.SessionMax, DefaultSessionMax}, {&cfg.InviteTTL, DefaultInviteTTL},
		{&cfg.AccountDelayMax, DefaultAccountDelayMax}, {&cfg.AddressDelayMax, DefaultAddressDelayMax}}
	for _, d := range durations {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if cfg.Hasher == nil {
		cfg.Hasher = DefaultHasher
	}
	s := &Server{store: store, cfg: cfg, log: cfg.Logger, now: cfg.Now, hasher: cfg.Hasher,
		engine: metric.New(store, cfg.Now), mux: nethttp.NewServeMux(), jobs: newImportRunner()}
	if cfg.TokenCacheTTL == 0 {
		cfg.TokenCacheTTL = DefaultTokenCacheTTL
	}
	s.cfg.TokenCacheTTL = cfg.TokenCacheTTL
	s.tokens = newTokenCache(cfg.TokenCacheTTL)
	if cfg.KPICacheTTL == 0 {
		cfg.KPICacheTTL = DefaultKPICacheTTL
	}
	s.cfg.KPICacheTTL = cfg.KPICacheTTL
	s.results = newKPICache(cfg.KPICacheTTL)
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Pattern, s.handle(rt))
	}
	s.webRoutes(s.mux)
	s.mux.HandleFunc("/", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		s.error(w, r, rumbo.Errorf(rumbo.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
	})
	return s
}

// Routes lists every route the server serves, with the permission each
// requires, in the order of routes.go.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// ServeHTTP serves a request: it gives it an id, logs it and recovers a
// panic as a 500 answer.
func (s *Server) ServeHTTP(w nethttp.ResponseWriter, r *nethttp.Request) {
	start := time.Now() // elapsed time: the wall clock, not the server's (RUMBO_NOW may freeze it)
	id := r.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(id) {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	w.Header().Set("X-Request-Id", id)
	rec := &recorder{ResponseWriter: w}
	info := &requestInfo{id: id}
	r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
	defer func() {
		if v := recover(); v != nil {
			if v == nethttp.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			if !rec.wrote {
				s.error(rec, r, rumbo.Errorf(rumbo.EINTERNAL, "internal error"))
			}
		}
		attrs := []any{"request_id", id, "method", r.Method, "path", r.URL.Path, "status", rec.status(),
			"bytes", rec.bytes, "duration", time.Since(start), "client", s.clientAddr(r).String()}
		if info.userID != 0 {
			attrs = append(attrs, "user_id", info.userID)
		}
		if info.org != "" {
			attrs = append(attrs, "org", info.org)
		}
		s.log.Info("request", attrs...)
	}()
	s.mux.ServeHTTP(rec, r)
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestInfo is what the request log learns while handling a request.
type requestInfo struct {
	id     string
	userID int64
	org    string
}

type requestInfoKey struct{}

func infoOf(r *nethttp.Request) *requestInfo {
	if i, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{}
}

// recorder remembers the status and size of a response.
type recorder struct {
	nethttp.ResponseWriter
	code  int
	bytes int64
	wrote bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.code, r.wrote = nethttp.StatusOK, true
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) status() int {
	if r.code == 0 {
		return nethttp.StatusOK
	}
	return r.code
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() nethttp.ResponseWriter { return r.ResponseWriter }

// clientAddr returns the client's address: the peer's, or, when the peer is
// a trusted proxy, the last address in X-Forwarded-For that is not one.
func (s *Server) clientAddr(r *nethttp.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	peer := ap.Addr().Unmap()
	if !s.trusted(peer) {
		return peer
	}
	var hops []netip.Addr
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, part := range splitComma(h) {
			if a, err := netip.ParseAddr(part); err == nil {
				hops = append(hops, a.Unmap())
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		if !s.trusted(hops[i]) {
			return hops[i]
		}
	}
	if len(hops) > 0 {
		return hops[0]
	}
	return peer
}

// viaTLS reports whether the client reached us over TLS, directly or
// through a trusted proxy that says so.
func (s *Server) viaTLS(r *nethttp.Request) bool {
	if r.TLS != nil {
		return true
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && s.trusted(ap.Addr().Unmap()) && r.Header.Get("X-Forwarded-Proto") == "https"
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func splitComma(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// GCPercent is the garbage collector's target (GOGC) the server runs with
// unless the GOGC environment variable sets one: a KPI computation
// allocates a few megabytes and keeps almost nothing, so with Go's default
// of 100 and the server's small live heap the collector ran about once per
// dashboard (a fifth of its CPU time). 200 lets the heap grow to three times
// what is live between collections.
const GCPercent = 200

// TuneGC applies GCPercent unless getenv("GOGC") chooses.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
