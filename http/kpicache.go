package http

import (
	"fmt"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// DefaultKPICacheTTL is how long a computed KPI answer is reused for the
// same organisation and query. Every write through this server (records,
// imports, targets, bands, settings) clears the cache at once; writes made
// elsewhere (the CLI, another server) show within the TTL.
const DefaultKPICacheTTL = time.Second

// maxCachedResults bounds the cache; beyond it the cache starts over.
const maxCachedResults = 5000

// kpiCache remembers recent KPI results: a dashboard polled by many users
// computes each figure once per TTL instead of once per request.
type kpiCache struct {
	ttl time.Duration // ≤ 0: disabled
	mu  sync.Mutex
	m   map[string]kpiEntry
}

type kpiEntry struct {
	res     *metric.Result // shared: never modified after it is stored
	expires time.Time      // wall clock
}

func newKPICache(ttl time.Duration) *kpiCache {
	return &kpiCache{ttl: ttl, m: map[string]kpiEntry{}}
}

// cacheKey names a query of an organisation.
func cacheKey(org *rumbo.Org, q metric.Query) string {
	p := ""
	if q.Period != nil {
		p = q.Period.Label + "@" + q.Period.Start.String() + "/" + q.Period.End.String()
	}
	return fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%s\x00%q", org.ID, q.Key, p, q.Grain, q.By, q.Filters)
}

func (kc *kpiCache) get(key string) (*metric.Result, bool) {
	if kc.ttl <= 0 {
		return nil, false
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	e, ok := kc.m[key]
	if !ok || time.Now().After(e.expires) {
		return nil, false
	}
	return e.res, true
}

func (kc *kpiCache) put(key string, res *metric.Result) {
	if kc.ttl <= 0 {
		return
	}
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if len(kc.m) >= maxCachedResults {
		kc.m = map[string]kpiEntry{}
	}
	kc.m[key] = kpiEntry{res: res, expires: time.Now().Add(kc.ttl)}
}

// clear forgets every result: data changed.
func (kc *kpiCache) clear() {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if len(kc.m) > 0 {
		kc.m = map[string]kpiEntry{}
	}
}
