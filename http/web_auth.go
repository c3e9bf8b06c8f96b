package http

import (
	"bytes"
	"encoding/json"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// captured is a response written by an API handler that a page calls, so
// the page reuses the API's logic (rate limits, sessions, invitations).
type captured struct {
	h      nethttp.Header
	status int
	body   bytes.Buffer
}

func newCaptured() *captured                    { return &captured{h: nethttp.Header{}} }
func (c *captured) Header() nethttp.Header      { return c.h }
func (c *captured) Write(b []byte) (int, error) { return c.body.Write(b) }
func (c *captured) WriteHeader(status int)      { c.status = status }

// callJSON runs an API handler with v as its JSON body and returns what it
// wrote, or its error.
func (s *Server) callJSON(r *nethttp.Request, h handlerFunc, c *caller, v any) (*captured, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	r2.Body = nethttpNoBody(b)
	r2.ContentLength = int64(len(b))
	r2.Header.Set("Content-Type", "application/json")
	out := newCaptured()
	return out, h(out, r2, c)
}

type loginView struct {
	Email, Next, Error, Notice string
}

// loginPage shows the sign-in form; a signed-in visitor goes on.
func (s *Server) loginPage(w nethttp.ResponseWriter, r *nethttp.Request) {
	securityHeaders(w)
	next := localPath(r.URL.Query().Get("next"))
	if c, err := s.authenticate(r); err == nil && c.member != nil {
		nethttp.Redirect(w, r, next, nethttp.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, nethttp.StatusOK, loginView{Next: next})
}

func (s *Server) renderLogin(w nethttp.ResponseWriter, r *nethttp.Request, status int, lv loginView) {
	v := &view{Lang: s.langOf(r, "", ""), LangSet: langChoice(r, ""), Loc: time.UTC, Path: r.URL.RequestURI(), Data: lv}
	v.Title = T(v.Lang, "login.title")
	if err := s.render(w, status, "login", "", v); err != nil {
		s.webError(w, r, v, err)
	}
}

// loginSubmit signs in through the API's login (same delays after failed
// attempts, same new session) and goes to the page asked for.
func (s *Server) loginSubmit(w nethttp.ResponseWriter, r *nethttp.Request) {
	securityHeaders(w)
	r.Body = nethttp.MaxBytesReader(w, r.Body, s.cfg.BodyLimit)
	email, pw := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	next := localPath(r.PostFormValue("next"))
	var out *captured
	var err error = errCrossSiteLogin
	if !s.crossSite(r) {
		out, err = s.callJSON(r, s.login, nil, loginRequest{Email: email, Password: pw})
	}
	if err != nil {
		lang := s.langOf(r, "", "")
		msg := T(lang, "login.failed")
		status := nethttp.StatusUnauthorized
		if err == errCrossSiteLogin {
			msg, status = T(lang, "login.cross_site"), nethttp.StatusForbidden
		} else if de, ok := err.(*detailedError); ok && de.code == ERATELIMITED {
			msg, status = de.message, nethttp.StatusTooManyRequests
		} else if rumbo.ErrorCode(err) != rumbo.EUNAUTHORIZED {
			s.webError(w, r, nil, err)
			return
		}
		s.renderLogin(w, r, status, loginView{Email: email, Next: next, Error: msg})
		return
	}
	for _, ck := range out.h.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", ck)
	}
	nethttp.Redirect(w, r, next, nethttp.StatusSeeOther)
}

// logoutSubmit ends the session and goes to the login page.
func (s *Server) logoutSubmit(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	out := newCaptured()
	if err := s.logout(out, r, c); err != nil {
		return err
	}
	for _, ck := range out.h.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", ck)
	}
	nethttp.SetCookie(w, &nethttp.Cookie{Name: OrgCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: nethttp.SameSiteLaxMode, Secure: s.viaTLS(r)})
	nethttp.Redirect(w, r, "/login", nethttp.StatusSeeOther)
	return nil
}

type inviteView struct {
	Token, Error string
	Done         bool
}

// invitePage shows the form that sets a password through an invitation link.
func (s *Server) invitePage(w nethttp.ResponseWriter, r *nethttp.Request) {
	securityHeaders(w)
	s.renderInvite(w, r, nethttp.StatusOK, inviteView{Token: r.URL.Query().Get("token")})
}

func (s *Server) renderInvite(w nethttp.ResponseWriter, r *nethttp.Request, status int, iv inviteView) {
	v := &view{Lang: s.langOf(r, "", ""), LangSet: langChoice(r, ""), Loc: time.UTC, Path: "/login", Data: iv}
	v.Title = T(v.Lang, "invite.title")
	if err := s.render(w, status, "invite", "", v); err != nil {
		s.webError(w, r, v, err)
	}
}

// inviteSubmit sets the password through the API's invitation acceptance.
func (s *Server) inviteSubmit(w nethttp.ResponseWriter, r *nethttp.Request) {
	securityHeaders(w)
	r.Body = nethttp.MaxBytesReader(w, r.Body, s.cfg.BodyLimit)
	token, pw := r.PostFormValue("token"), r.PostFormValue("password")
	lang := s.langOf(r, "", "")
	if err := rumbo.ValidatePassword(pw); err != nil {
		s.renderInvite(w, r, nethttp.StatusBadRequest, inviteView{Token: token, Error: T(lang, "invite.short")})
		return
	}
	if _, err := s.callJSON(r, s.acceptInvite, nil, acceptRequest{Token: token, Password: pw}); err != nil {
		if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
			s.renderInvite(w, r, nethttp.StatusBadRequest, inviteView{Token: token, Error: T(lang, "invite.bad")})
			return
		}
		s.webError(w, r, nil, err)
		return
	}
	s.renderInvite(w, r, nethttp.StatusOK, inviteView{Done: true})
}

// guidePage is the short guide to KPIs and OKRs.
func (s *Server) guidePage(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	v.Title, v.Nav = T(v.Lang, "guide.title"), "guide"
	return s.render(w, nethttp.StatusOK, "guide", "", v)
}

// nethttpNoBody wraps b as a request body.
func nethttpNoBody(b []byte) *bodyReader { return &bodyReader{bytes.NewReader(b)} }

type bodyReader struct{ *bytes.Reader }

func (bodyReader) Close() error { return nil }
