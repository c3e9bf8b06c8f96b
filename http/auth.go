package http

import (
	"context"
	"crypto/subtle"
	"fmt"
	nethttp "net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "rumbo_session"

// OrgCookie remembers the organisation chosen in the web app's switcher
// (its slug): a session's requests without X-Rumbo-Org act in it while
// the user is a member of it.
const OrgCookie = "rumbo_org"

// Headers the API reads.
const (
	HeaderOrg  = "X-Rumbo-Org"  // the organisation of a session request, by slug
	HeaderCSRF = "X-CSRF-Token" // the session's CSRF token on cookie-authenticated writes
)

// caller is an authenticated user and the organisation they act in.
type caller struct {
	user    *rumbo.User
	session *rumbo.Session    // set for cookie authentication
	token   *rumbo.Token      // set for bearer authentication
	org     *rumbo.Org        // nil when the user belongs to no organisation
	member  *rumbo.Membership // the user's current membership of org
}

// role returns the caller's current role in the organisation, "" for none.
func (c *caller) role() rumbo.Role {
	if c.member == nil {
		return ""
	}
	return c.member.Role
}

// seesOthers reports whether the caller may see other reps' individual
// figures: every role but member, and members when the leaderboard is on.
func (c *caller) seesOthers() bool {
	return c.role() != rumbo.RoleMember || c.org.Leaderboard
}

func unauthorized(format string, args ...any) error {
	return rumbo.Errorf(rumbo.EUNAUTHORIZED, format, args...)
}

// authenticate finds the caller of a request from its bearer token or its
// session cookie. A token's rights are its user's current role in the
// token's organisation; a session's organisation is X-Rumbo-Org, else the
// one chosen in the switcher (OrgCookie), else the user's first membership.
func (s *Server) authenticate(r *nethttp.Request) (*caller, error) {
	ctx := r.Context()
	now := s.now()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			return nil, unauthorized("Authorization: use Bearer and an API token")
		}
		hash := rumbo.HashSecret(strings.TrimSpace(secret))
		if c, ok := s.tokens.get(hash); ok {
			return s.tokenCaller(r, c, hash)
		}
		t, err := s.store.FindToken(ctx, hash)
		if rumbo.ErrorCode(err) == rumbo.ENOTFOUND || (err == nil && !t.RevokedAt.IsZero()) {
			return nil, unauthorized("invalid or revoked API token")
		} else if err != nil {
			return nil, err
		}
		c := &caller{token: t}
		if c.user, err = s.store.FindUser(ctx, t.UserID); err != nil {
			return nil, err
		}
		if c.org, err = s.store.FindOrgByID(ctx, t.OrgID); err != nil {
			return nil, err
		}
		if err := s.findMember(r, c); err != nil {
			return nil, err
		}
		s.tokens.put(hash, c)
		return s.tokenCaller(r, c, hash)
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, unauthorized("sign in or send an API token")
	}
	sess, err := s.store.FindSession(ctx, rumbo.HashSecret(ck.Value))
	if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
		return nil, unauthorized("your session has ended; sign in again")
	} else if err != nil {
		return nil, err
	}
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(s.cfg.SessionIdle)) {
		if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
			return nil, err
		}
		return nil, unauthorized("your session has ended; sign in again")
	}
	c := &caller{session: sess}
	if c.user, err = s.store.FindUser(ctx, sess.UserID); err != nil {
		return nil, err
	}
	if slug := r.Header.Get(HeaderOrg); slug != "" {
		o, err := s.store.FindOrg(ctx, slug)
		if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
			return nil, rumbo.Errorf(rumbo.EFORBIDDEN, "you are not a member of organisation %q", slug)
		} else if err != nil {
			return nil, err
		}
		c.org = o
		if err := s.findMember(r, c); err != nil {
			return nil, err
		}
		if c.member == nil {
			return nil, rumbo.Errorf(rumbo.EFORBIDDEN, "you are not a member of organisation %q", slug)
		}
	} else {
		ms, err := s.store.Memberships(ctx, c.user.ID)
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 {
			// The organisation chosen in this browser's switcher, when
			// the user is still a member of it; else the first.
			m := &ms[0]
			if ck, err := r.Cookie(OrgCookie); err == nil {
				for i := range ms {
					if ms[i].OrgSlug == ck.Value {
						m = &ms[i]
					}
				}
			}
			if c.org, err = s.store.FindOrgByID(ctx, m.OrgID); err != nil {
				return nil, err
			}
			c.member = m
		}
	}
	if now.Sub(sess.LastSeenAt) >= time.Minute {
		if err := s.store.TouchSession(ctx, sess.IDHash, now); err != nil {
			return nil, err
		}
	}
	info := infoOf(r)
	info.userID = c.user.ID
	if c.org != nil {
		info.org = c.org.Slug
	}
	return c, nil
}

// tokenCaller finishes authenticating a token's caller: the organisation
// header must match the token's, and the last-used time is written at most
// once a minute.
func (s *Server) tokenCaller(r *nethttp.Request, c *caller, hash string) (*caller, error) {
	if slug := r.Header.Get(HeaderOrg); slug != "" && slug != c.org.Slug {
		return nil, rumbo.Errorf(rumbo.EFORBIDDEN, "this API token is for organisation %q", c.org.Slug)
	}
	if now := s.now(); now.Sub(c.token.LastUsedAt) >= time.Minute {
		if err := s.store.TouchToken(r.Context(), c.token.ID, now); err != nil {
			return nil, err
		}
		c.token.LastUsedAt = now
		s.tokens.touched(hash, now)
	}
	info := infoOf(r)
	info.userID, info.org = c.user.ID, c.org.Slug
	return c, nil
}

// findMember sets c.member to the user's membership of c.org, nil if none.
func (s *Server) findMember(r *nethttp.Request, c *caller) error {
	m, err := s.store.FindMembership(r.Context(), c.user.ID, c.org.ID)
	switch rumbo.ErrorCode(err) {
	case "":
		c.member = m
	case rumbo.ENOTFOUND:
		c.member = nil
	default:
		return err
	}
	info := infoOf(r)
	info.userID, info.org = c.user.ID, c.org.Slug
	return nil
}

// errCSRF refuses a cookie-authenticated write without the session's CSRF
// token; pages recognise it to explain it in the viewer's language.
var errCSRF = rumbo.Errorf(rumbo.EFORBIDDEN, "missing or wrong CSRF token: send the session's token in the %s header", HeaderCSRF)

// authorize checks the caller's role for the permission and, for a
// cookie-authenticated write, the CSRF token.
func (s *Server) authorize(r *nethttp.Request, c *caller, p rumbo.Permission) error {
	if c.session != nil && !safeMethod(r.Method) {
		got := r.Header.Get(HeaderCSRF)
		if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			got = r.PostFormValue("csrf_token")
		}
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.session.CSRFToken)) != 1 {
			return errCSRF
		}
	}
	if p == rumbo.PermSignedIn {
		return nil
	}
	if c.member == nil {
		return rumbo.Errorf(rumbo.EFORBIDDEN, "you are not a member of any organisation")
	}
	if !c.role().Can(p) {
		return rumbo.Errorf(rumbo.EFORBIDDEN, "your role (%s) does not allow this", c.role())
	}
	return nil
}

func safeMethod(m string) bool {
	return m == nethttp.MethodGet || m == nethttp.MethodHead || m == nethttp.MethodOptions
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login checks an e-mail and password and starts a session with a new id.
// Failed attempts slow down further ones per account and per client
// address; the owner's correct password works again once the delay passed.
func (s *Server) login(w nethttp.ResponseWriter, r *nethttp.Request, _ *caller) error {
	if s.crossSite(r) {
		return errCrossSiteLogin
	}
	ctx := r.Context()
	var req loginRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	keys := []struct {
		key string
		max time.Duration
	}{{"acct:" + email, s.cfg.AccountDelayMax}, {"addr:" + s.clientAddr(r).String(), s.cfg.AddressDelayMax}}
	// Attempts on one account or from one address run one at a time, from
	// the check of their delay to the record of their failure: guesses
	// sent at once would all pass the check before any failure counted.
	for _, k := range keys {
		defer s.logins.lock(k.key)()
	}
	now := s.now()
	for _, k := range keys {
		n, last, err := s.store.LoginFailures(ctx, k.key, now)
		if err != nil {
			return err
		}
		if wait := rumbo.LoginDelay(n, k.max) - now.Sub(last); n > 0 && wait > 0 {
			return &detailedError{code: ERATELIMITED, retryAfter: wait,
				message: fmt.Sprintf("too many failed sign-ins: wait %d s and try again", int((wait+time.Second-1)/time.Second))}
		}
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	if err != nil && rumbo.ErrorCode(err) != rumbo.ENOTFOUND {
		return err
	}
	ok := false
	if u != nil && u.PasswordHash != "" {
		if ok, err = s.hasher.Verify(u.PasswordHash, req.Password); err != nil {
			return err
		}
	} else {
		// Spend the same time as a real check, so that timing does not
		// tell which e-mails have accounts.
		s.hasher.Verify(dummyHash(s.hasher), req.Password)
	}
	if !ok {
		for _, k := range keys {
			if _, err := s.store.AddLoginFailure(ctx, k.key, now); err != nil {
				return err
			}
		}
		return unauthorized("wrong e-mail or password")
	}
	if err := s.store.ResetLoginFailures(ctx, keys[0].key); err != nil {
		return err
	}
	// A new session id at every sign-in: a session id planted before it
	// (fixation) is dropped.
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		if err := s.store.DeleteSession(ctx, rumbo.HashSecret(ck.Value)); err != nil {
			return err
		}
	}
	id := rumbo.NewSecret("")
	sess := &rumbo.Session{IDHash: rumbo.HashSecret(id), UserID: u.ID, CSRFToken: rumbo.NewSecret(""),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMax)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return err
	}
	nethttp.SetCookie(w, &nethttp.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true,
		Secure: s.viaTLS(r), SameSite: nethttp.SameSiteLaxMode, MaxAge: int(s.cfg.SessionMax / time.Second)})
	infoOf(r).userID = u.ID
	c := &caller{user: u, session: sess}
	return s.writeMe(w, r, c)
}

// dummyHash returns a valid hash of nothing with the hasher's parameters.
func dummyHash(h *Hasher) string {
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", h.Memory, h.Time, h.Threads)
}

// logout ends the caller's session and clears the cookie. With an API
// token it does nothing: revoke the token instead.
func (s *Server) logout(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	if c.session != nil {
		if err := s.store.DeleteSession(r.Context(), c.session.IDHash); err != nil {
			return err
		}
		nethttp.SetCookie(w, &nethttp.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
			Secure: s.viaTLS(r), SameSite: nethttp.SameSiteLaxMode, MaxAge: -1})
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

// me describes the caller: who they are, the organisation they act in and
// their role, their memberships and, for a session, its CSRF token.
func (s *Server) me(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	return s.writeMe(w, r, c)
}

type meJSON struct {
	User        userJSON         `json:"user"`
	Auth        string           `json:"auth"` // session or token
	Org         *orgJSON         `json:"org"`
	Role        rumbo.Role       `json:"role,omitempty"`
	Person      string           `json:"person,omitempty"`
	Memberships []membershipJSON `json:"memberships"`
	CSRFToken   string           `json:"csrf_token,omitempty"`
}

func (s *Server) writeMe(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	ms, err := s.memberships(r, c.user.ID)
	if err != nil {
		return err
	}
	out := meJSON{User: newUserJSON(c.user), Auth: "token", Memberships: ms}
	if c.session != nil {
		out.Auth, out.CSRFToken = "session", c.session.CSRFToken
	}
	if c.org == nil && c.token == nil && len(ms) > 0 {
		if c.org, err = s.store.FindOrgByID(r.Context(), ms[0].orgID); err != nil {
			return err
		}
		c.member, err = s.store.FindMembership(r.Context(), c.user.ID, c.org.ID)
		if err != nil {
			return err
		}
	}
	if c.org != nil {
		o := newOrgJSON(c.org)
		out.Org = &o
	}
	if c.member != nil {
		out.Role, out.Person = c.member.Role, c.member.Person
	}
	writeJSON(w, nethttp.StatusOK, out)
	return nil
}

type acceptRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// acceptInvite sets a password through a one-time invitation or reset
// link, and signs the user out everywhere else: sessions and API tokens.
// The link is used up first, so that a made-up one costs no password hash
// (the endpoint is public). A link no longer applies — not found — when
// the user has left its organisation, or, for a reset, belongs to another
// one too, or, for an invitation, has set a password since: its holder
// (the admin who made it) would get more than that organisation's access.
// The operator's links (rumbo user passwd) apply to any user.
func (s *Server) acceptInvite(w nethttp.ResponseWriter, r *nethttp.Request, _ *caller) error {
	ctx := r.Context()
	var req acceptRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := rumbo.ValidatePassword(req.Password); err != nil {
		return err
	}
	inv, err := s.store.UseInvite(ctx, rumbo.HashSecret(strings.TrimSpace(req.Token)), s.now())
	if err != nil {
		return err
	}
	u, err := s.store.FindUser(ctx, inv.UserID)
	if err != nil {
		return err
	}
	alone, err := s.onlyMemberOf(ctx, u.ID, inv.OrgID)
	if err != nil {
		return err
	}
	if inv.Purpose != rumbo.InviteOperatorReset {
		_, err = s.store.FindMembership(ctx, u.ID, inv.OrgID)
		if rumbo.ErrorCode(err) == rumbo.ENOTFOUND || inv.Purpose == rumbo.InvitePasswordReset && !alone ||
			inv.Purpose == rumbo.InviteNewUser && u.PasswordHash != "" {
			return rumbo.Errorf(rumbo.ENOTFOUND, "this link no longer applies: ask for a new one")
		} else if err != nil {
			return err
		}
	}
	hash, err := s.hasher.HashPassword(req.Password)
	if err != nil {
		return err
	}
	if err := s.store.SetPasswordHash(ctx, u.ID, hash); err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	if err := s.revokeUserTokens(ctx, u.ID); err != nil {
		return err
	}
	u.PasswordHash = hash
	writeJSON(w, nethttp.StatusOK, map[string]any{"user": newUserJSON(u)})
	return nil
}

// revokeUserTokens revokes the user's tokens and forgets the cached ones.
func (s *Server) revokeUserTokens(ctx context.Context, userID int64) error {
	err := RevokeTokens(ctx, s.store, userID, s.now())
	s.tokens.clear()
	return err
}

// RevokeTokens revokes every token of the user not revoked yet, at now: a
// password reset signs the user out of scripts too.
func RevokeTokens(ctx context.Context, store rumbo.SessionService, userID int64, now time.Time) error {
	ts, err := store.Tokens(ctx, userID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.RevokedAt.IsZero() {
			if err := store.RevokeToken(ctx, userID, t.ID, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyLocks serialises work per key.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu      sync.Mutex
	holders int // holding or waiting
}

// lock waits for the key's lock and returns its unlock.
func (k *keyLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.holders++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.holders--; l.holders == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// errCrossSiteLogin refuses a sign-in that a browser sends from another
// site: that site would sign the reader into an account of its choosing
// (login CSRF), where their next uploads and check-ins would land.
var errCrossSiteLogin = rumbo.Errorf(rumbo.EFORBIDDEN, "sign-in from another site refused")

// crossSite reports whether a browser says the request comes from another
// site: Sec-Fetch-Site "cross-site", or, from browsers without it, an
// Origin that is neither this request's host nor the configured base URL's.
// Clients that send neither (scripts) are not browsers a site can drive.
func (s *Server) crossSite(r *nethttp.Request) bool {
	if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" {
		return sfs == "cross-site"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return true // "null": a sandboxed or privacy-stripped context
	}
	if strings.EqualFold(u.Host, r.Host) {
		return false
	}
	if b, err := url.Parse(s.cfg.BaseURL); err == nil && s.cfg.BaseURL != "" && strings.EqualFold(u.Host, b.Host) {
		return false
	}
	return true
}
