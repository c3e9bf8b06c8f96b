package http

import (
	"context"
	nethttp "net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// TokenPrefix starts every API token, so that secret scanners find them.
const TokenPrefix = "rumbo_"

// tokenJSON is an API token without its secret.
type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Org        string     `json:"org"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *Server) newTokenJSON(r *nethttp.Request, t *rumbo.Token, slugs map[int64]string) (tokenJSON, error) {
	slug, ok := slugs[t.OrgID]
	if !ok {
		o, err := s.store.FindOrgByID(r.Context(), t.OrgID)
		if err != nil {
			return tokenJSON{}, err
		}
		slug, slugs[t.OrgID] = o.Slug, o.Slug
	}
	return tokenJSON{ID: t.ID, Name: t.Name, Org: slug, CreatedAt: t.CreatedAt.UTC(),
		LastUsedAt: timePtr(t.LastUsedAt), RevokedAt: timePtr(t.RevokedAt)}, nil
}

// callerTokens returns the caller's own tokens: those of every organisation
// for a session, those of the token's organisation for a token (a token of
// one organisation sees nothing of the user's others).
func (s *Server) callerTokens(r *nethttp.Request, c *caller) ([]rumbo.Token, error) {
	ts, err := s.store.Tokens(r.Context(), c.user.ID)
	if err != nil || c.token == nil {
		return ts, err
	}
	return slices.DeleteFunc(ts, func(t rumbo.Token) bool { return t.OrgID != c.token.OrgID }), nil
}

// listTokens lists the caller's own tokens, without their secrets.
func (s *Server) listTokens(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	ts, err := s.callerTokens(r, c)
	if err != nil {
		return err
	}
	out := []tokenJSON{}
	slugs := map[int64]string{}
	for i := range ts {
		tj, err := s.newTokenJSON(r, &ts[i], slugs)
		if err != nil {
			return err
		}
		out = append(out, tj)
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"tokens": out})
	return nil
}

type tokenRequest struct {
	Name string `json:"name"`
}

// createToken creates a token for the caller in the current organisation
// and shows its secret, this once.
func (s *Server) createToken(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	if c.token != nil {
		// A leaked token would otherwise make successors that outlive
		// its revocation.
		return rumbo.Errorf(rumbo.EFORBIDDEN, "a token cannot create tokens: sign in, or use rumbo token create")
	}
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	t, secret, err := CreateToken(r.Context(), s.store, c.user.ID, c.org.ID, req.Name, s.now())
	if err != nil {
		return err
	}
	tj, err := s.newTokenJSON(r, t, map[int64]string{c.org.ID: c.org.Slug})
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusCreated, struct {
		tokenJSON
		Token string `json:"token"`
	}{tj, secret})
	return nil
}

// CreateToken stores a new API token for the user in the organisation and
// returns it with its secret, which is never stored.
func CreateToken(ctx context.Context, store rumbo.SessionService, userID, orgID int64, name string, now time.Time) (*rumbo.Token, string, error) {
	name = strings.TrimSpace(name)
	if len(name) > 100 {
		return nil, "", rumbo.Errorf(rumbo.EINVALID, "token name too long (at most 100 characters)")
	}
	secret := rumbo.NewSecret(TokenPrefix)
	t := &rumbo.Token{UserID: userID, OrgID: orgID, Name: name, Hash: rumbo.HashSecret(secret), CreatedAt: now}
	if err := store.CreateToken(ctx, t); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// revokeToken revokes one of the caller's tokens; another user's is not
// found, nor, for a token, one of another organisation.
func (s *Server) revokeToken(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "token id %q is not a number", r.PathValue("id"))
	}
	if c.token != nil {
		ts, err := s.callerTokens(r, c)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(ts, func(t rumbo.Token) bool { return t.ID == id }) {
			return rumbo.Errorf(rumbo.ENOTFOUND, "token %d not found", id)
		}
	}
	if err := s.store.RevokeToken(r.Context(), c.user.ID, id, s.now()); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}
