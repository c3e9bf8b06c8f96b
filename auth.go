package rumbo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do in one organisation.
type Role string

// Roles, from most to least powerful.
const (
	// RoleAdmin does everything, including users and settings.
	RoleAdmin Role = "admin"
	// RoleManager manages KPIs, targets, OKRs, records and imports.
	RoleManager Role = "manager"
	// RoleMember reads the organisation's and their team's KPIs and OKRs,
	// their own per-rep figures (other reps' only with the leaderboard on)
	// and checks in on the key results they own.
	RoleMember Role = "member"
	// RoleViewer reads everything and changes nothing.
	RoleViewer Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleManager, RoleMember, RoleViewer}

// ParseRole returns the role named s, or an EINVALID error.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == strings.TrimSpace(strings.ToLower(s)) {
			return r, nil
		}
	}
	return "", Errorf(EINVALID, "unknown role %q (valid: admin, manager, member, viewer)", s)
}

// Permission names one thing a route or command requires.
type Permission string

// Permissions. PermPublic and PermSignedIn need no organisation; every other
// permission is checked against the caller's role in the current
// organisation.
const (
	PermPublic       Permission = "public"        // anyone, even anonymous
	PermSignedIn     Permission = "signed_in"     // any authenticated user
	PermOrgRead      Permission = "org.read"      // read the organisation's settings
	PermOrgWrite     Permission = "org.write"     // change the organisation's settings
	PermUsersManage  Permission = "users.manage"  // invite users, change roles, reset passwords
	PermRecordsRead  Permission = "records.read"  // read records (members: their own only, unless leaderboard)
	PermRecordsWrite Permission = "records.write" // create, update, delete and bulk-load records
	PermImport       Permission = "imports.write" // upload imports
	PermKPIsRead     Permission = "kpis.read"     // read KPI definitions, values, targets, bands
	PermKPIsWrite    Permission = "kpis.write"    // set targets, bands and custom KPIs
	PermOKRsRead     Permission = "okrs.read"     // read objectives, key results, check-ins
	PermOKRsWrite    Permission = "okrs.write"    // write objectives and key results, close quarters
	PermCheckIn      Permission = "okrs.checkin"  // check in on a key result (members: the ones they own)
)

// rolePermissions is the authorisation table: what each role may do.
var rolePermissions = map[Role][]Permission{
	RoleAdmin: {PermOrgRead, PermOrgWrite, PermUsersManage, PermRecordsRead, PermRecordsWrite,
		PermImport, PermKPIsRead, PermKPIsWrite, PermOKRsRead, PermOKRsWrite, PermCheckIn},
	RoleManager: {PermOrgRead, PermRecordsRead, PermRecordsWrite, PermImport, PermKPIsRead,
		PermKPIsWrite, PermOKRsRead, PermOKRsWrite, PermCheckIn},
	RoleMember: {PermOrgRead, PermRecordsRead, PermKPIsRead, PermOKRsRead, PermCheckIn},
	RoleViewer: {PermOrgRead, PermRecordsRead, PermKPIsRead, PermOKRsRead},
}

// Can reports whether the role grants the permission. Every role grants
// PermPublic and PermSignedIn; an unknown role grants nothing else.
func (r Role) Can(p Permission) bool {
	if p == PermPublic || p == PermSignedIn {
		return true
	}
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// User is a person who signs in. Users are global; a Membership gives a user
// a role in one organisation.
type User struct {
	ID           int64
	Email        string // lower-case, unique
	Name         string
	PasswordHash string // encoded argon2id hash; "" until set through an invitation
	CreatedAt    time.Time
}

// Membership gives a user a role in one organisation.
type Membership struct {
	UserID  int64
	OrgID   int64
	OrgSlug string // filled by readers
	Role    Role
	// Person is the name of the person record (rep) the user is, so that a
	// member sees their own per-rep figures; "" for none.
	Person    string
	CreatedAt time.Time
}

// Member is a user with their membership of one organisation.
type Member struct {
	User       User
	Membership Membership
}

// Session is a signed-in browser. Its id is a random secret only the cookie
// holds; the store keeps its SHA-256 hash.
type Session struct {
	IDHash     string
	UserID     int64
	CSRFToken  string // synchroniser token for cookie-authenticated writes
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
}

// Token is an API token: a user's credential for machines, scoped to one
// organisation. Its rights are never more than the user's current role there.
type Token struct {
	ID         int64
	UserID     int64
	OrgID      int64
	Name       string
	Hash       string // SHA-256 of the secret, hex
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: valid
}

// Invite purposes. An organisation's admin makes links for its members
// (InviteNewUser, InvitePasswordReset) and holds them until they are sent;
// the server's operator makes InviteOperatorReset links (rumbo user
// passwd), which apply whatever organisations the user belongs to.
const (
	InviteNewUser       = "invite"
	InvitePasswordReset = "reset"
	InviteOperatorReset = "operator-reset"
)

// Invite is a one-time link that lets a user set their password.
type Invite struct {
	Hash      string // SHA-256 of the secret, hex
	UserID    int64
	OrgID     int64
	Purpose   string // InviteNewUser, InvitePasswordReset or InviteOperatorReset
	CreatedAt time.Time
	ExpiresAt time.Time
}

// UserService stores users and their memberships.
type UserService interface {
	// CreateUser stores a new user with a lower-cased e-mail and sets u.ID;
	// ECONFLICT if the e-mail exists.
	CreateUser(ctx context.Context, u *User) error
	// FindUser returns a user by id, or ENOTFOUND.
	FindUser(ctx context.Context, id int64) (*User, error)
	// FindUserByEmail returns a user by e-mail (any case), or ENOTFOUND.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	// Users lists every user by e-mail.
	Users(ctx context.Context) ([]User, error)
	// SetPasswordHash replaces a user's password hash.
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	// SetMembership creates or replaces the user's membership of m.OrgID.
	SetMembership(ctx context.Context, m *Membership) error
	// DeleteMembership removes the user from the organisation, or ENOTFOUND.
	DeleteMembership(ctx context.Context, userID, orgID int64) error
	// FindMembership returns the user's membership of the organisation, or ENOTFOUND.
	FindMembership(ctx context.Context, userID, orgID int64) (*Membership, error)
	// Memberships lists a user's memberships by organisation slug.
	Memberships(ctx context.Context, userID int64) ([]Membership, error)
	// Members lists an organisation's users by e-mail.
	Members(ctx context.Context, orgID int64) ([]Member, error)
}

// SessionService stores sessions, API tokens, invitations and failed logins.
type SessionService interface {
	// CreateSession stores a session by its id hash.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session with the id hash, or ENOTFOUND.
	FindSession(ctx context.Context, idHash string) (*Session, error)
	// TouchSession records that the session was used at t.
	TouchSession(ctx context.Context, idHash string, t time.Time) error
	// DeleteSession removes a session; removing a missing one is no error.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions signs a user out everywhere.
	DeleteUserSessions(ctx context.Context, userID int64) error

	// CreateToken stores a token by its hash and sets t.ID.
	CreateToken(ctx context.Context, t *Token) error
	// FindToken returns the token with the hash, revoked or not, or ENOTFOUND.
	FindToken(ctx context.Context, hash string) (*Token, error)
	// Tokens lists a user's tokens, newest first.
	Tokens(ctx context.Context, userID int64) ([]Token, error)
	// RevokeToken revokes a token by id at t; ENOTFOUND unless it exists
	// and belongs to userID (0: any user).
	RevokeToken(ctx context.Context, userID, id int64, t time.Time) error
	// TouchToken records that the token was used at t, writing at most once
	// a minute.
	TouchToken(ctx context.Context, id int64, t time.Time) error

	// CreateInvite stores a one-time invitation by its hash.
	CreateInvite(ctx context.Context, inv *Invite) error
	// UseInvite consumes the invitation with the hash if it has not expired
	// at now; ENOTFOUND if it is unknown, used or expired.
	UseInvite(ctx context.Context, hash string, now time.Time) (*Invite, error)

	// LoginFailures returns the failed logins recorded for key and the time
	// of the last one, forgetting them when the last is older than
	// LoginFailureMemory at now.
	LoginFailures(ctx context.Context, key string, now time.Time) (int, time.Time, error)
	// AddLoginFailure records a failed login for key at t and returns the
	// new count. A count whose last failure is older than LoginFailureMemory
	// starts again from one.
	AddLoginFailure(ctx context.Context, key string, t time.Time) (int, error)
	// ResetLoginFailures forgets the failed logins of key.
	ResetLoginFailures(ctx context.Context, key string) error
}

// LoginFailureMemory is how long failed logins are remembered after the last one.
const LoginFailureMemory = time.Hour

// freeLoginFailures is how many failed logins in a row cost no delay.
const freeLoginFailures = 3

// LoginDelay returns how long the next login attempt must wait after the
// last of n failed ones: nothing for the first few, then one second doubling
// with each failure, never more than max. It never locks anyone out for
// longer than max.
func LoginDelay(n int, max time.Duration) time.Duration {
	if n < freeLoginFailures {
		return 0
	}
	shift := n - freeLoginFailures
	if shift > 30 {
		return max
	}
	d := time.Second << shift
	if d > max {
		return max
	}
	return d
}

// Password length limits.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// ValidatePassword returns an EINVALID error unless the password is long
// enough and not absurdly long.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return Errorf(EINVALID, "password too short: use at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return Errorf(EINVALID, "password too long: use at most %d characters", MaxPasswordLength)
	}
	return nil
}

// NormalizeEmail trims and lower-cases an e-mail address and returns an
// EINVALID error unless it looks like one.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(e, '@')
	if at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n<>,;") {
		return "", Errorf(EINVALID, "%q is not an e-mail address", s)
	}
	return e, nil
}

// NewSecret returns a random 256-bit secret, URL-safe base64 without
// padding, prefixed with prefix (e.g. "rumbo_" for API tokens).
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the SHA-256 of a secret in hex: how sessions, tokens
// and invitations are stored, so that the database never holds them.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
