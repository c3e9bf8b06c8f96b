package http

import (
	"context"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// userJSON is a user in the API; the password hash never leaves the server.
type userJSON struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	HasPassword bool      `json:"has_password"`
	CreatedAt   time.Time `json:"created_at"`
}

func newUserJSON(u *rumbo.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, HasPassword: u.PasswordHash != "", CreatedAt: u.CreatedAt.UTC()}
}

// memberJSON is a user with their role in the current organisation.
type memberJSON struct {
	userJSON
	Role   rumbo.Role `json:"role"`
	Person string     `json:"person"`
}

// inviteJSON is a one-time link to set a password, shown once.
type inviteJSON struct {
	URL       string    `json:"invite_url"`
	ExpiresAt time.Time `json:"invite_expires_at"`
}

// listUsers lists the members of the current organisation.
func (s *Server) listUsers(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	ms, err := s.store.Members(r.Context(), c.org.ID)
	if err != nil {
		return err
	}
	out := []memberJSON{}
	for _, m := range ms {
		out = append(out, memberJSON{userJSON: newUserJSON(&m.User), Role: m.Membership.Role, Person: m.Membership.Person})
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"users": out})
	return nil
}

type inviteRequest struct {
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Person string `json:"person"`
}

// inviteUser adds a user to the current organisation: it creates the user
// when the e-mail is new and returns a one-time link to set a password
// when the user has none and belongs to no other organisation (whoever
// holds the link would have the user's access there too: such a user sets
// a password through the first organisation's link, or the server's
// operator with rumbo user passwd).
func (s *Server) inviteUser(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req inviteRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	role, err := rumbo.ParseRole(req.Role)
	if err != nil {
		return err
	}
	email, err := rumbo.NormalizeEmail(req.Email)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u, err := s.store.FindUserByEmail(ctx, email)
	if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
		u = &rumbo.User{Email: email, Name: req.Name}
		err = s.store.CreateUser(ctx, u)
	}
	if err != nil {
		return err
	}
	if _, err := s.store.FindMembership(ctx, u.ID, c.org.ID); err == nil {
		return rumbo.Errorf(rumbo.ECONFLICT, "%s is already a member; change their role instead", email)
	} else if rumbo.ErrorCode(err) != rumbo.ENOTFOUND {
		return err
	}
	m := &rumbo.Membership{UserID: u.ID, OrgID: c.org.ID, Role: role, Person: req.Person}
	if err := s.store.SetMembership(ctx, m); err != nil {
		return err
	}
	out := map[string]any{"user": memberJSON{userJSON: newUserJSON(u), Role: role, Person: m.Person}}
	alone, err := s.onlyMemberOf(ctx, u.ID, c.org.ID)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" && alone {
		inv, err := s.newInvite(r, u.ID, c.org.ID, rumbo.InviteNewUser)
		if err != nil {
			return err
		}
		out["invite_url"], out["invite_expires_at"] = inv.URL, inv.ExpiresAt
	}
	writeJSON(w, nethttp.StatusCreated, out)
	return nil
}

// newInvite stores a one-time invitation for the user and returns its link.
func (s *Server) newInvite(r *nethttp.Request, userID, orgID int64, purpose string) (*inviteJSON, error) {
	secret := rumbo.NewSecret("")
	now := s.now()
	inv := &rumbo.Invite{Hash: rumbo.HashSecret(secret), UserID: userID, OrgID: orgID, Purpose: purpose,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.InviteTTL)}
	if err := s.store.CreateInvite(r.Context(), inv); err != nil {
		return nil, err
	}
	return &inviteJSON{URL: InviteURL(s.baseURL(r), secret), ExpiresAt: inv.ExpiresAt.UTC()}, nil
}

// InviteURL returns the link that lets the holder of secret set a password.
func InviteURL(base, secret string) string {
	return strings.TrimRight(base, "/") + "/invite?token=" + url.QueryEscape(secret)
}

// baseURL is Config.BaseURL, or the URL the request reached.
func (s *Server) baseURL(r *nethttp.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if s.viaTLS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// member returns the membership in the current organisation of the user
// named by the path's {id}; ENOTFOUND for a user of another organisation.
func (s *Server) member(r *nethttp.Request, c *caller) (*rumbo.Membership, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, rumbo.Errorf(rumbo.EINVALID, "user id %q is not a number", r.PathValue("id"))
	}
	m, err := s.store.FindMembership(r.Context(), id, c.org.ID)
	if rumbo.ErrorCode(err) == rumbo.ENOTFOUND {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "user %d not found", id)
	}
	return m, err
}

// lastAdmin returns ECONFLICT when m is the organisation's only admin.
func (s *Server) lastAdmin(r *nethttp.Request, m *rumbo.Membership) error {
	if m.Role != rumbo.RoleAdmin {
		return nil
	}
	ms, err := s.store.Members(r.Context(), m.OrgID)
	if err != nil {
		return err
	}
	for _, o := range ms {
		if o.Membership.Role == rumbo.RoleAdmin && o.User.ID != m.UserID {
			return nil
		}
	}
	return rumbo.Errorf(rumbo.ECONFLICT, "the organisation's only admin cannot be removed or demoted; make another user admin first")
}

type userPatch struct {
	Role   *string `json:"role"`
	Person *string `json:"person"`
}

// patchUser changes a member's role or linked person.
func (s *Server) patchUser(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var p userPatch
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	m, err := s.member(r, c)
	if err != nil {
		return err
	}
	if p.Role != nil {
		role, err := rumbo.ParseRole(*p.Role)
		if err != nil {
			return err
		}
		if role != rumbo.RoleAdmin {
			if err := s.lastAdmin(r, m); err != nil {
				return err
			}
		}
		m.Role = role
	}
	if p.Person != nil {
		m.Person = *p.Person
	}
	if err := s.store.SetMembership(r.Context(), m); err != nil {
		return err
	}
	u, err := s.store.FindUser(r.Context(), m.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"user": memberJSON{userJSON: newUserJSON(u), Role: m.Role, Person: m.Person}})
	return nil
}

// removeUser removes a member from the organisation and revokes their
// tokens there.
func (s *Server) removeUser(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	m, err := s.member(r, c)
	if err != nil {
		return err
	}
	if err := s.lastAdmin(r, m); err != nil {
		return err
	}
	if err := s.store.DeleteMembership(r.Context(), m.UserID, m.OrgID); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}

// resetPassword returns a one-time link that lets a member set a new
// password; the current one keeps working until the link is used. A member
// who also belongs to another organisation is refused: the admin holding
// the link would get the member's access there.
func (s *Server) resetPassword(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	m, err := s.member(r, c)
	if err != nil {
		return err
	}
	if alone, err := s.onlyMemberOf(r.Context(), m.UserID, m.OrgID); err != nil {
		return err
	} else if !alone {
		return rumbo.Errorf(rumbo.ECONFLICT, "this person also belongs to other organisations: the server's operator resets their password (rumbo user passwd)")
	}
	inv, err := s.newInvite(r, m.UserID, m.OrgID, rumbo.InvitePasswordReset)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusCreated, inv)
	return nil
}

// onlyMemberOf reports whether the user belongs to the organisation and to
// no other.
func (s *Server) onlyMemberOf(ctx context.Context, userID, orgID int64) (bool, error) {
	ms, err := s.store.Memberships(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.OrgID != orgID {
			return false, nil
		}
	}
	return len(ms) > 0, nil
}
