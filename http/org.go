package http

import (
	nethttp "net/http"
	"time"

	"github.com/rumbo-app/rumbo"
)

// orgJSON is an organisation's settings in the API.
type orgJSON struct {
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	TimeZone    string    `json:"time_zone"`
	Currency    string    `json:"currency"`
	Lang        string    `json:"lang"`
	Leaderboard bool      `json:"leaderboard"`
	CreatedAt   time.Time `json:"created_at"`
}

func newOrgJSON(o *rumbo.Org) orgJSON {
	return orgJSON{Slug: o.Slug, Name: o.Name, TimeZone: o.TimeZone, Currency: o.Currency, Lang: o.Lang,
		Leaderboard: o.Leaderboard, CreatedAt: o.CreatedAt.UTC()}
}

// membershipJSON is one of the caller's organisations and their role in it.
type membershipJSON struct {
	Org    string     `json:"org"`
	Name   string     `json:"name"`
	Role   rumbo.Role `json:"role"`
	Person string     `json:"person,omitempty"`
	orgID  int64
}

// memberships lists a user's organisations with their roles.
func (s *Server) memberships(r *nethttp.Request, userID int64) ([]membershipJSON, error) {
	ms, err := s.store.Memberships(r.Context(), userID)
	if err != nil {
		return nil, err
	}
	out := []membershipJSON{}
	for _, m := range ms {
		o, err := s.store.FindOrgByID(r.Context(), m.OrgID)
		if err != nil {
			return nil, err
		}
		out = append(out, membershipJSON{Org: o.Slug, Name: o.Name, Role: m.Role, Person: m.Person, orgID: o.ID})
	}
	return out, nil
}

// listOrgs lists the caller's organisations.
func (s *Server) listOrgs(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	ms, err := s.memberships(r, c.user.ID)
	if err != nil {
		return err
	}
	if c.token != nil {
		// A token acts in one organisation only.
		var mine []membershipJSON
		for _, m := range ms {
			if m.orgID == c.token.OrgID {
				mine = append(mine, m)
			}
		}
		ms = append([]membershipJSON{}, mine...)
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"orgs": ms})
	return nil
}

// getOrg returns the current organisation's settings.
func (s *Server) getOrg(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	writeJSON(w, nethttp.StatusOK, newOrgJSON(c.org))
	return nil
}

type orgPatch struct {
	Name        *string `json:"name"`
	TimeZone    *string `json:"time_zone"`
	Currency    *string `json:"currency"`
	Lang        *string `json:"lang"`
	Leaderboard *bool   `json:"leaderboard"`
}

// patchOrg changes the current organisation's settings; the currency is
// fixed once records exist.
func (s *Server) patchOrg(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var p orgPatch
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	o := *c.org
	if p.Name != nil {
		o.Name = *p.Name
	}
	if p.TimeZone != nil {
		o.TimeZone = *p.TimeZone
	}
	if p.Currency != nil {
		o.Currency = *p.Currency
	}
	if p.Lang != nil {
		o.Lang = *p.Lang
	}
	if p.Leaderboard != nil {
		o.Leaderboard = *p.Leaderboard
	}
	if err := s.store.UpdateOrg(r.Context(), &o); err != nil {
		return err
	}
	got, err := s.store.FindOrgByID(r.Context(), o.ID)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, newOrgJSON(got))
	return nil
}
