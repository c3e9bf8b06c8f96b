package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	nethttp "net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
)

// The web app: server-rendered html/template pages enhanced with htmx, with
// charts drawn by ECharts from JSON blocks. Pages check the same
// permissions as the API (rumbo.Role.Can through Server.authorize) and
// every write carries the session's CSRF token, as a form field or, from
// htmx and app.js, in the X-CSRF-Token header.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// LangCookie remembers the language chosen in this browser, for pages
// before sign-in; a signed-in user's choice is stored with the user.
const LangCookie = "rumbo_lang"

// assets maps a static file's name (app.js, vendor/htmx.min.js) to its
// content-hashed path, and back.
type assets struct {
	byName map[string]string // app.js → /static/app.3f2a9c1d.js
	byPath map[string]asset  // app.3f2a9c1d.js → file
}

type asset struct {
	body  []byte
	ctype string
}

var (
	webOnce      sync.Once
	webAssets    *assets
	webTemplates map[string]*template.Template
	webInitErr   error
)

// loadWeb hashes the static files and parses the templates, once.
func loadWeb() error {
	webOnce.Do(func() {
		a := &assets{byName: map[string]string{}, byPath: map[string]asset{}}
		err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Base(p) == "VERSIONS" {
				return err
			}
			b, err := staticFS.ReadFile(p)
			if err != nil {
				return err
			}
			name := strings.TrimPrefix(p, "static/")
			sum := sha256.Sum256(b)
			ext := path.Ext(name)
			if strings.HasSuffix(name, ".min"+ext) {
				ext = ".min" + ext
			}
			hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
			ct := mime.TypeByExtension(path.Ext(name))
			if ct == "" {
				ct = "application/octet-stream"
			}
			a.byName[name] = "/static/" + hashed
			a.byPath[hashed] = asset{body: b, ctype: ct}
			return nil
		})
		if err != nil {
			webInitErr = err
			return
		}
		webAssets = a
		webTemplates, webInitErr = parseTemplates()
	})
	return webInitErr
}

// templateFuncs are the helpers every template may call.
var templateFuncs = template.FuncMap{
	"asset": func(name string) string { return webAssets.byName[name] },
	"pct": func(f float64) string {
		if f < 0 {
			f = 0
		}
		if f > 1 {
			f = 1
		}
		return fmtNum(f*100, 1, "en") + "%"
	},
	"add": func(a, b int) int { return a + b },
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	"lower":  strings.ToLower,
	"mul100": func(f float64) float64 { return f * 100 },
	"deref":  func(b *bool) bool { return b != nil && *b },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// parseTemplates parses the layout and partials with each page file.
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(name, ".html")] = t
	}
	return out, nil
}

// view is what every page template receives.
type view struct {
	Lang    string
	LangSet string // the language chosen by the user or in this browser; "" when automatic
	Title   string
	Nav     string // the active navigation entry
	Path    string // the request's path and query, for the language switch
	User    *rumbo.User
	Org     *rumbo.Org
	Orgs    []membershipJSON // the user's organisations, for the switcher
	Role    rumbo.Role
	CSRF    string
	Headers string // hx-headers JSON carrying the CSRF token
	Now     time.Time
	Loc     *time.Location
	Data    any
}

// T translates a message key.
func (v *view) T(key string) string { return T(v.Lang, key) }

// Tf translates and formats a message key.
func (v *view) Tf(key string, args ...any) string { return Tf(v.Lang, key, args...) }

// Can reports whether the viewer's role grants the permission.
func (v *view) Can(p string) bool { return v.Role != "" && v.Role.Can(rumbo.Permission(p)) }

// CanSettings reports whether the viewer may open the settings page.
func (v *view) CanSettings() bool {
	return v.Can(string(rumbo.PermKPIsWrite)) || v.Can(string(rumbo.PermOrgWrite))
}

// Date formats a date for the viewer.
func (v *view) Date(t time.Time) string { return fmtDate(t, v.Loc, v.Lang) }

// DateTime formats a date and time for the viewer.
func (v *view) DateTime(t time.Time) string { return fmtDateTime(t, v.Loc, v.Lang) }

// LangURL is the link that switches to lang and comes back here.
func (v *view) LangURL(lang string) string {
	return "/lang?set=" + lang + "&back=" + url.QueryEscape(v.Path)
}

// pageFunc renders a page for an authorised caller.
type pageFunc func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error

// webRoutes registers the web app's pages on mux. They are not API routes:
// the authorisation matrix covers them through the same permissions.
func (s *Server) webRoutes(mux *nethttp.ServeMux) {
	if err := loadWeb(); err != nil {
		panic("web app: " + err.Error())
	}
	mux.HandleFunc("GET /static/{file...}", s.static)
	mux.HandleFunc("GET /favicon.ico", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		nethttp.Redirect(w, r, webAssets.byName["favicon.svg"], nethttp.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("GET /invite", s.invitePage)
	mux.HandleFunc("POST /invite", s.inviteSubmit)
	mux.HandleFunc("GET /lang", s.setLang)
	mux.Handle("POST /lang", s.page(rumbo.PermSignedIn, s.setUserLang))
	mux.Handle("POST /org", s.page(rumbo.PermSignedIn, s.switchOrg))
	mux.Handle("POST /logout", s.page(rumbo.PermSignedIn, s.logoutSubmit))
	mux.Handle("GET /guide", s.page(rumbo.PermSignedIn, s.guidePage))

	mux.Handle("GET /{$}", s.page(rumbo.PermKPIsRead, s.dashboardPage))
	mux.Handle("POST /dashboard/kpis", s.page(rumbo.PermKPIsRead, s.dashboardKPIs))
	mux.Handle("GET /kpis/{key}", s.page(rumbo.PermKPIsRead, s.kpiPage))
	mux.Handle("GET /kpis/{key}/csv", s.page(rumbo.PermKPIsRead, s.kpiCSV))

	mux.Handle("GET /okrs", s.page(rumbo.PermOKRsRead, s.okrPage))
	mux.Handle("GET /okrs/kr/{id}", s.page(rumbo.PermOKRsRead, s.krPage))
	mux.Handle("POST /okrs/kr/{id}/checkin", s.page(rumbo.PermCheckIn, s.krCheckIn))
	mux.Handle("GET /okrs/objectives/new", s.page(rumbo.PermOKRsWrite, s.objectiveNew))
	mux.Handle("POST /okrs/objectives", s.page(rumbo.PermOKRsWrite, s.objectiveCreate))
	mux.Handle("GET /okrs/objectives/{id}/edit", s.page(rumbo.PermOKRsWrite, s.objectiveEdit))
	mux.Handle("POST /okrs/objectives/{id}", s.page(rumbo.PermOKRsWrite, s.objectiveUpdate))
	mux.Handle("POST /okrs/objectives/{id}/delete", s.page(rumbo.PermOKRsWrite, s.objectiveDelete))
	mux.Handle("GET /okrs/objectives/{id}/kr/new", s.page(rumbo.PermOKRsWrite, s.krNew))
	mux.Handle("POST /okrs/objectives/{id}/kr", s.page(rumbo.PermOKRsWrite, s.krCreate))
	mux.Handle("GET /okrs/kr/{id}/edit", s.page(rumbo.PermOKRsWrite, s.krEdit))
	mux.Handle("POST /okrs/kr/{id}", s.page(rumbo.PermOKRsWrite, s.krUpdate))
	mux.Handle("POST /okrs/kr/{id}/delete", s.page(rumbo.PermOKRsWrite, s.krDelete))

	mux.Handle("GET /import", s.page(rumbo.PermImport, s.importPage))
	mux.Handle("POST /import/preview", s.upload(s.page(rumbo.PermImport, s.importPreview)))
	mux.Handle("POST /import/run", s.upload(s.page(rumbo.PermImport, s.importRun)))
	mux.Handle("GET /import/jobs/{id}", s.page(rumbo.PermImport, s.importJob))

	mux.Handle("GET /settings", s.page(rumbo.PermOrgRead, s.settingsPage))
	mux.Handle("POST /settings/kpis", s.page(rumbo.PermKPIsWrite, s.saveCustomKPI))
}

// upload marks a handler as reading an upload: its body limit is
// Config.UploadLimit instead of Config.BodyLimit.
func (s *Server) upload(h nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		r.Body = nethttp.MaxBytesReader(w, r.Body, s.cfg.UploadLimit)
		h.ServeHTTP(w, r.WithContext(withUpload(r.Context())))
	})
}

// page wraps a page: it signs in the caller (an anonymous visitor goes to
// the login page), checks the permission and, for writes, the CSRF token,
// and renders errors as pages.
func (s *Server) page(perm rumbo.Permission, h pageFunc) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if !isUpload(r.Context()) {
			r.Body = nethttp.MaxBytesReader(w, r.Body, s.cfg.BodyLimit)
		}
		securityHeaders(w)
		// A form posts to the organisation of the page that showed it, as
		// htmx and app.js do with the X-Rumbo-Org header, even when another
		// tab has switched organisation since.
		if !safeMethod(r.Method) && r.Header.Get(HeaderOrg) == "" &&
			strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			if org := r.PostFormValue("org"); org != "" {
				r.Header.Set(HeaderOrg, org)
			}
		}
		c, err := s.authenticate(r)
		if err != nil {
			if rumbo.ErrorCode(err) == rumbo.EUNAUTHORIZED {
				target := "/login"
				if r.URL.Path != "/" || r.URL.RawQuery != "" {
					target += "?next=" + url.QueryEscape(r.URL.RequestURI())
				}
				if r.Header.Get("HX-Request") != "" {
					w.Header().Set("HX-Redirect", target)
					w.WriteHeader(nethttp.StatusUnauthorized)
					return
				}
				nethttp.Redirect(w, r, target, nethttp.StatusSeeOther)
				return
			}
			s.webError(w, r, nil, err)
			return
		}
		v, err := s.newView(r, c)
		if err != nil {
			s.webError(w, r, nil, err)
			return
		}
		if perm != rumbo.PermSignedIn || !safeMethod(r.Method) {
			if err := s.authorize(r, c, perm); err != nil {
				s.webError(w, r, v, err)
				return
			}
		}
		if err := h(w, r, c, v); err != nil {
			s.webError(w, r, v, err)
		}
	})
}

type uploadKey struct{}

func withUpload(ctx context.Context) context.Context {
	return context.WithValue(ctx, uploadKey{}, true)
}

func isUpload(ctx context.Context) bool {
	b, _ := ctx.Value(uploadKey{}).(bool)
	return b
}

// securityHeaders keeps pages out of frames and other origins' scripts.
func securityHeaders(w nethttp.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// newView builds the view of a signed-in caller.
func (s *Server) newView(r *nethttp.Request, c *caller) (*view, error) {
	v := &view{User: c.user, Org: c.org, Role: c.role(), Now: s.now(), Path: r.URL.RequestURI()}
	orgLang := ""
	if c.org != nil {
		orgLang = c.org.Lang
		v.Loc, _ = c.org.Location()
	}
	userLang, err := s.store.UserLang(r.Context(), c.user.ID)
	if err != nil {
		return nil, err
	}
	v.Lang, v.LangSet = s.langOf(r, userLang, orgLang), langChoice(r, userLang)
	if c.session != nil {
		v.CSRF = c.session.CSRFToken
		hdr := map[string]string{HeaderCSRF: c.session.CSRFToken}
		if c.org != nil {
			hdr[HeaderOrg] = c.org.Slug
		}
		b, _ := json.Marshal(hdr)
		v.Headers = string(b)
		if v.Orgs, err = s.memberships(r, c.user.ID); err != nil {
			return nil, err
		}
	}
	if v.Loc == nil {
		v.Loc = time.UTC
	}
	return v, nil
}

// langOf picks the language: the signed-in user's setting, then the one
// chosen in this browser, then Accept-Language, then the organisation's.
func (s *Server) langOf(r *nethttp.Request, userLang, orgLang string) string {
	return pickLang(langChoice(r, userLang), r.Header.Get("Accept-Language"), orgLang)
}

// langChoice returns the language chosen by the signed-in user's setting or
// in this browser's cookie, or "" when none is: the language is automatic.
func langChoice(r *nethttp.Request, userLang string) string {
	if userLang == "es" || userLang == "en" {
		return userLang
	}
	if c, err := r.Cookie(LangCookie); err == nil && (c.Value == "es" || c.Value == "en") {
		return c.Value
	}
	return ""
}

// render executes a page template, or one of its blocks for htmx.
func (s *Server) render(w nethttp.ResponseWriter, status int, page, block string, v *view) error {
	t, ok := webTemplates[page]
	if !ok {
		return rumbo.Errorf(rumbo.EINTERNAL, "no template %q", page)
	}
	if block == "" {
		block = "layout.html"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// webError renders an error as a page (or, for htmx, as a fragment).
func (s *Server) webError(w nethttp.ResponseWriter, r *nethttp.Request, v *view, err error) {
	code := rumbo.ErrorCode(err)
	var mbe *nethttp.MaxBytesError
	if errors.As(err, &mbe) {
		code = ETOOLARGE
	}
	status, ok := statuses[code]
	if !ok {
		status = nethttp.StatusInternalServerError
	}
	if v == nil {
		v = &view{Lang: s.langOf(r, "", ""), LangSet: langChoice(r, ""), Loc: time.UTC, Path: r.URL.RequestURI()}
	}
	msg := errorText(v.Lang, err)
	switch {
	case status == nethttp.StatusInternalServerError:
		s.log.Error("internal error", "request_id", infoOf(r).id, "method", r.Method, "path", r.URL.Path, "error", err)
		msg = T(v.Lang, "error.title")
	case status == nethttp.StatusForbidden:
		msg = T(v.Lang, "error.forbidden")
		if errors.Is(err, errCSRF) {
			msg = T(v.Lang, "error.csrf")
		}
	case status == nethttp.StatusNotFound:
		msg = T(v.Lang, "error.notfound")
	}
	v.Title = T(v.Lang, "error.title")
	v.Data = msg
	block := ""
	if r.Header.Get("HX-Request") != "" {
		block = "error-fragment"
		// htmx swaps only 2xx answers by default; show the message anyway.
		status = nethttp.StatusOK
	}
	if rerr := s.render(w, status, "error", block, v); rerr != nil {
		s.log.Error("render error page", "error", rerr)
	}
}

// static serves an embedded file at its content-hashed path, cached for a year.
func (s *Server) static(w nethttp.ResponseWriter, r *nethttp.Request) {
	a, ok := webAssets.byPath[r.PathValue("file")]
	if !ok {
		nethttp.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(a.body)
}

// setLang remembers the language chosen before sign-in in a cookie ("auto"
// forgets it, to follow the browser again) and goes back. Signed-in users
// change theirs with POST /lang.
func (s *Server) setLang(w nethttp.ResponseWriter, r *nethttp.Request) {
	lang := r.URL.Query().Get("set")
	switch lang {
	case "es", "en":
	case "auto":
		lang = ""
	default:
		lang = "es"
	}
	s.langCookie(w, r, lang)
	nethttp.Redirect(w, r, localPath(r.URL.Query().Get("back")), nethttp.StatusSeeOther)
}

// setUserLang stores the signed-in user's language ("es", "en", or "auto"
// to follow the browser again), in this browser's cookie too, and goes back.
func (s *Server) setUserLang(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	lang := r.PostFormValue("set")
	switch lang {
	case "es", "en":
	case "auto":
		lang = ""
	default:
		return rumbo.Errorf(rumbo.EINVALID, "language %q (valid: es, en, auto)", lang)
	}
	if err := s.store.SetUserLang(r.Context(), c.user.ID, lang); err != nil {
		return err
	}
	s.langCookie(w, r, lang)
	nethttp.Redirect(w, r, localPath(r.PostFormValue("back")), nethttp.StatusSeeOther)
	return nil
}

// langCookie remembers lang in this browser; "" forgets it.
func (s *Server) langCookie(w nethttp.ResponseWriter, r *nethttp.Request, lang string) {
	age := 365 * 24 * 3600
	if lang == "" {
		age = -1
	}
	nethttp.SetCookie(w, &nethttp.Cookie{Name: LangCookie, Value: lang, Path: "/", MaxAge: age,
		HttpOnly: true, SameSite: nethttp.SameSiteLaxMode, Secure: s.viaTLS(r)})
}

// switchOrg makes another of the user's organisations the one this browser
// works in, and goes to its dashboard; an organisation the user is not a
// member of is refused.
func (s *Server) switchOrg(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	slug := r.PostFormValue("switch_to")
	ms, err := s.store.Memberships(r.Context(), c.user.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ms, func(m rumbo.Membership) bool { return m.OrgSlug == slug }) {
		return rumbo.Errorf(rumbo.EFORBIDDEN, "you are not a member of organisation %q", slug)
	}
	nethttp.SetCookie(w, &nethttp.Cookie{Name: OrgCookie, Value: slug, Path: "/", MaxAge: int(s.cfg.SessionMax / time.Second),
		HttpOnly: true, SameSite: nethttp.SameSiteLaxMode, Secure: s.viaTLS(r)})
	nethttp.Redirect(w, r, "/", nethttp.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path on this site, else "/".
func localPath(p string) string {
	// Browsers drop tabs and newlines from a Location and read a
	// backslash as a slash: "/\t/evil.example" would leave the site.
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return "/"
		}
	}
	if u, err := url.Parse(p); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return p
}
