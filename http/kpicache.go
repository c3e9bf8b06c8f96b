package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// DefaultKPICacheTTL is how long a computed KPI answer is reused for the
// same organisation and query, counted from the start of its computation.
// Every write through this server (records, imports, targets, bands,
// settings) clears the cache at once; writes made elsewhere (the CLI,
// another server) show within the TTL.
const DefaultKPICacheTTL = time.Second

// maxCachedResults bounds the cache; beyond it the cache starts over.
const maxCachedResults = 5000

// kpiCache remembers recent KPI results and their JSON: a dashboard polled
// by many users computes and encodes each figure once per TTL instead of
// once per request. Requests that miss the same key together share one
// computation, and an answer asked for in the last quarter of its life is
// recomputed in the background, so that a busy figure is not waited for
// when it expires.
type kpiCache struct {
	ttl time.Duration // ≤ 0: disabled
	mu  sync.Mutex
	m   map[string]*kpiEntry
	// gen counts clears: a result computed before a clear is not stored.
	gen      uint64
	inflight map[string]*kpiCall
	bg       sync.WaitGroup // background refreshes
}

// kpiEntry is a computed result; shared, never modified once stored.
type kpiEntry struct {
	res       *metric.Result
	body      []byte    // res as writeJSON writes it
	refreshAt time.Time // wall clock: from then on a request refreshes it in the background
	expires   time.Time // wall clock
}

// kpiCall is a computation in flight that other requests wait for.
type kpiCall struct {
	done    chan struct{}
	e       *kpiEntry
	err     error
	waiters int
}

func newKPICache(ttl time.Duration) *kpiCache {
	return &kpiCache{ttl: ttl, m: map[string]*kpiEntry{}, inflight: map[string]*kpiCall{}}
}

// cacheKey names a query of an organisation.
func cacheKey(org *rumbo.Org, q metric.Query) string {
	p := ""
	if q.Period != nil {
		p = q.Period.Label + "@" + q.Period.Start.String() + "/" + q.Period.End.String()
	}
	return fmt.Sprintf("%d\x00%s\x00%s\x00%s\x00%s\x00%q", org.ID, q.Key, p, q.Grain, q.By, q.Filters)
}

// computeFunc computes a result; ctx is not cancelled with the request
// that started it, as other requests may wait for the result.
type computeFunc func(ctx context.Context) (*metric.Result, error)

// get returns the fresh entry of key, or computes it with compute, once for
// every request asking for key meanwhile, and stores it unless the cache
// was cleared during the computation. With the cache disabled it computes.
func (kc *kpiCache) get(ctx context.Context, key string, compute computeFunc) (*kpiEntry, error) {
	ctx = context.WithoutCancel(ctx)
	if kc.ttl <= 0 {
		return newKPIEntry(compute(ctx))
	}
	now := time.Now()
	kc.mu.Lock()
	if e, ok := kc.m[key]; ok && now.Before(e.expires) {
		if !now.Before(e.refreshAt) && kc.inflight[key] == nil {
			c, gen := kc.startLocked(key)
			kc.bg.Add(1)
			go func() {
				defer kc.bg.Done()
				// Nobody waits for a refresh to recover its panic: the
				// next request after the entry is gone computes anew.
				defer func() { recover() }()
				kc.run(ctx, key, c, gen, compute)
			}()
		}
		kc.mu.Unlock()
		return e, nil
	}
	if c, ok := kc.inflight[key]; ok {
		c.waiters++
		kc.mu.Unlock()
		<-c.done
		return c.e, c.err
	}
	c, gen := kc.startLocked(key)
	kc.mu.Unlock()
	kc.run(ctx, key, c, gen, compute)
	return c.e, c.err
}

// startLocked registers a computation of key; kc.mu is held.
func (kc *kpiCache) startLocked(key string) (*kpiCall, uint64) {
	c := &kpiCall{done: make(chan struct{}), err: errKPIPanicked}
	kc.inflight[key] = c
	return c, kc.gen
}

// run computes c and stores its entry, or forgets the key's entry when
// the computation failed, unless the cache was cleared since gen.
func (kc *kpiCache) run(ctx context.Context, key string, c *kpiCall, gen uint64, compute computeFunc) {
	start := time.Now()
	// Deferred so that a panic in compute does not leave the waiters
	// waiting.
	defer func() {
		kc.mu.Lock()
		if kc.inflight[key] == c {
			delete(kc.inflight, key)
		}
		if gen == kc.gen {
			if c.err != nil {
				delete(kc.m, key)
			} else {
				if len(kc.m) >= maxCachedResults {
					kc.m = map[string]*kpiEntry{}
				}
				c.e.refreshAt, c.e.expires = start.Add(kc.ttl*3/4), start.Add(kc.ttl)
				kc.m[key] = c.e
			}
		}
		kc.mu.Unlock()
		close(c.done)
	}()
	c.e, c.err = newKPIEntry(compute(ctx))
}

// errKPIPanicked is what requests waiting for a computation that panicked get.
var errKPIPanicked = errors.New("the KPI computation they waited for panicked")

// newKPIEntry encodes a computed result.
func newKPIEntry(res *metric.Result, err error) (*kpiEntry, error) {
	if err != nil {
		return nil, err
	}
	body, err := encodeJSON(res)
	if err != nil {
		return nil, err
	}
	return &kpiEntry{res: res, body: body}, nil
}

// encodeJSON returns v as writeJSON writes it.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// clear forgets every result, and the results being computed: data
// changed. Requests from now on compute anew instead of waiting for a
// computation that started before.
func (kc *kpiCache) clear() {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	kc.gen++
	if len(kc.m) > 0 {
		kc.m = map[string]*kpiEntry{}
	}
	if len(kc.inflight) > 0 {
		kc.inflight = map[string]*kpiCall{}
	}
}

// wait waits for the background refreshes.
func (kc *kpiCache) wait() { kc.bg.Wait() }
