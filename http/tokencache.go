package http

import (
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
)

// DefaultTokenCacheTTL is how long an authenticated API token's user,
// organisation and membership are reused without asking the database.
// Changes made by this server (revocations, role changes, removals,
// organisation settings) clear the cache at once; changes made elsewhere
// (the CLI, another server) take effect within the TTL.
const DefaultTokenCacheTTL = time.Second

// maxCachedTokens bounds the cache; beyond it the cache starts over.
const maxCachedTokens = 10000

// tokenCache remembers recently authenticated API tokens by hash, so that
// a busy API client costs no authentication queries.
type tokenCache struct {
	ttl time.Duration // ≤ 0: disabled
	mu  sync.Mutex
	m   map[string]tokenEntry
}

// tokenEntry is what authenticating a token found.
type tokenEntry struct {
	token   rumbo.Token
	user    rumbo.User
	org     rumbo.Org
	member  *rumbo.Membership
	expires time.Time // wall clock
}

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, m: map[string]tokenEntry{}}
}

// get returns a fresh caller for the token hash, built from copies of the
// cached values, or false.
func (tc *tokenCache) get(hash string) (*caller, bool) {
	if tc.ttl <= 0 {
		return nil, false
	}
	tc.mu.Lock()
	e, ok := tc.m[hash]
	tc.mu.Unlock()
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	c := &caller{token: &e.token, user: &e.user, org: &e.org}
	if e.member != nil {
		m := *e.member
		c.member = &m
	}
	return c, true
}

// put remembers an authenticated token's caller.
func (tc *tokenCache) put(hash string, c *caller) {
	if tc.ttl <= 0 {
		return
	}
	e := tokenEntry{token: *c.token, user: *c.user, org: *c.org, expires: time.Now().Add(tc.ttl)}
	if c.member != nil {
		m := *c.member
		e.member = &m
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= maxCachedTokens {
		tc.m = map[string]tokenEntry{}
	}
	tc.m[hash] = e
}

// touched records a token's new last-used time in its entry.
func (tc *tokenCache) touched(hash string, t time.Time) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if e, ok := tc.m[hash]; ok {
		e.token.LastUsedAt = t
		tc.m[hash] = e
	}
}

// clear forgets every token: rights may have changed.
func (tc *tokenCache) clear() {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) > 0 {
		tc.m = map[string]tokenEntry{}
	}
}
