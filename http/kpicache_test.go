package http

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo/metric"
)

var ctx = context.Background()

// waitFor polls cond until it holds or a few seconds passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestKPICacheSharesComputation checks that requests missing the same key
// together wait for one computation and get its answer.
func TestKPICacheSharesComputation(t *testing.T) {
	kc := newKPICache(time.Minute)
	var calls atomic.Int32
	release := make(chan struct{})
	compute := func(context.Context) (*metric.Result, error) {
		calls.Add(1)
		<-release
		return &metric.Result{KPI: "revenue"}, nil
	}
	const n = 8
	got := make([]*kpiEntry, n)
	var wg sync.WaitGroup
	wg.Go(func() { got[0], _ = kc.get(ctx, "k", compute) })
	waitFor(t, "the first computation", func() bool { return calls.Load() == 1 })
	for i := 1; i < n; i++ {
		wg.Go(func() { got[i], _ = kc.get(ctx, "k", compute) })
	}
	waitFor(t, "the waiters", func() bool {
		kc.mu.Lock()
		defer kc.mu.Unlock()
		c := kc.inflight["k"]
		return c != nil && c.waiters == n-1
	})
	close(release)
	wg.Wait()
	if c := calls.Load(); c != 1 {
		t.Errorf("%d computations, want 1", c)
	}
	for i, e := range got {
		if e == nil || e != got[0] {
			t.Fatalf("request %d got %p, want the shared entry %p", i, e, got[0])
		}
	}
	if want := `{"kpi":"revenue","unit":"","as_of":null,"rows":[]}` + "\n"; string(got[0].body) != want {
		t.Errorf("body %q, want %q", got[0].body, want)
	}
	if _, err := kc.get(ctx, "k", func(context.Context) (*metric.Result, error) {
		t.Error("computed again within the TTL")
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestKPICacheRefreshesAhead checks that an answer asked for late in its
// life is recomputed in the background while it is still served, that an
// expired one is computed while the request waits, that a failed refresh
// leaves no answer behind, and that answers live the TTL from the start of
// their computation.
func TestKPICacheRefreshesAhead(t *testing.T) {
	kc := newKPICache(time.Minute)
	value := func(v string) computeFunc {
		return func(context.Context) (*metric.Result, error) { return &metric.Result{KPI: v}, nil }
	}
	before := time.Now()
	e, _ := kc.get(ctx, "k", value("v1"))
	if after := time.Now(); e.expires.Before(before.Add(time.Minute)) || e.expires.After(after.Add(time.Minute)) {
		t.Errorf("expires %v, want the TTL from the computation's start (%v…%v)", e.expires, before, after)
	}
	age := func(refresh, expire bool) {
		kc.mu.Lock()
		defer kc.mu.Unlock()
		if refresh {
			kc.m["k"].refreshAt = time.Now().Add(-time.Millisecond)
		}
		if expire {
			kc.m["k"].expires = time.Now().Add(-time.Millisecond)
		}
	}

	age(true, false)
	release := make(chan struct{})
	var calls atomic.Int32
	e, _ = kc.get(ctx, "k", func(context.Context) (*metric.Result, error) {
		calls.Add(1)
		<-release
		return &metric.Result{KPI: "v2"}, nil
	})
	if e.res.KPI != "v1" {
		t.Fatalf("while refreshing: %q, want v1 at once", e.res.KPI)
	}
	if e, _ = kc.get(ctx, "k", value("second refresh")); e.res.KPI != "v1" {
		t.Errorf("during the refresh: %q, want v1", e.res.KPI)
	}
	close(release)
	kc.wait()
	if e, _ = kc.get(ctx, "k", value("v3")); e.res.KPI != "v2" || calls.Load() != 1 {
		t.Errorf("after the refresh: %q (%d refreshes), want v2 (1)", e.res.KPI, calls.Load())
	}

	age(false, true)
	if e, _ = kc.get(ctx, "k", value("v3")); e.res.KPI != "v3" {
		t.Errorf("expired: %q, want v3 computed for the request", e.res.KPI)
	}

	age(true, false)
	gone := errors.New("the KPI was deleted")
	kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { return nil, gone })
	kc.wait()
	if _, err := kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { return nil, gone }); err != gone {
		t.Errorf("after a failed refresh: %v, want the error", err)
	}

	kc.get(ctx, "k", value("v4"))
	age(true, false)
	if e, _ = kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { panic("boom") }); e.res.KPI != "v4" {
		t.Errorf("before a refresh that panics: %q, want v4", e.res.KPI)
	}
	kc.wait() // the panic stays in the refresh
	if e, _ = kc.get(ctx, "k", value("v5")); e.res.KPI != "v5" {
		t.Errorf("after a refresh that panicked: %q, want v5", e.res.KPI)
	}
}

// TestKPICacheClearDuringComputation checks that a write finishing while a
// result is computed keeps that result out of the cache, and that requests
// after the write do not wait for it.
func TestKPICacheClearDuringComputation(t *testing.T) {
	kc := newKPICache(time.Minute)
	release := make(chan struct{})
	var old *kpiEntry
	var wg sync.WaitGroup
	wg.Go(func() {
		old, _ = kc.get(ctx, "k", func(context.Context) (*metric.Result, error) {
			<-release
			return &metric.Result{KPI: "before"}, nil
		})
	})
	waitFor(t, "the computation", func() bool { kc.mu.Lock(); defer kc.mu.Unlock(); return kc.inflight["k"] != nil })
	kc.clear() // a write committed
	// Computed at once, while the first computation is still blocked.
	done := make(chan *kpiEntry, 1)
	go func() {
		e, _ := kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { return &metric.Result{KPI: "after"}, nil })
		done <- e
	}()
	select {
	case after := <-done:
		if after == nil || after.res.KPI != "after" {
			t.Fatalf("after the write: %+v", after)
		}
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("a request after the write waited for the computation started before it")
	}
	close(release)
	wg.Wait()
	if old.res.KPI != "before" {
		t.Errorf("the first request got %q", old.res.KPI)
	}
	e, _ := kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { return &metric.Result{KPI: "recomputed"}, nil })
	if e.res.KPI != "after" {
		t.Errorf("cached %q, want the answer computed after the write", e.res.KPI)
	}
}

// TestKPICachePanicReleasesWaiters checks that a computation that panics
// leaves neither waiters hanging nor an entry behind.
func TestKPICachePanicReleasesWaiters(t *testing.T) {
	kc := newKPICache(time.Minute)
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer func() { recover() }()
		kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { <-release; panic("boom") })
	})
	waitFor(t, "the computation", func() bool { kc.mu.Lock(); defer kc.mu.Unlock(); return kc.inflight["k"] != nil })
	var err error
	wg.Go(func() {
		_, err = kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { return &metric.Result{}, nil })
	})
	waitFor(t, "the waiter", func() bool { kc.mu.Lock(); defer kc.mu.Unlock(); return kc.inflight["k"].waiters == 1 })
	close(release)
	wg.Wait()
	if err == nil {
		t.Error("the waiter got no error")
	}
	e, err := kc.get(ctx, "k", func(context.Context) (*metric.Result, error) { return &metric.Result{KPI: "again"}, nil })
	if err != nil || e.res.KPI != "again" {
		t.Errorf("after the panic: %+v, %v", e, err)
	}
}

// TestKPIValuesCache checks the cached answers of GET /api/v1/kpis/{key}/values:
// the same bytes as an uncached answer, a member's breakdown by owner still
// cut to their own row when an admin filled the cache, unknown KPIs still
// 404, and a write through the API seen at once.
func TestKPIValuesCache(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin, _ := f.token(f.users["admin"], f.acme)
	member, _ := f.token(f.users["member"], f.acme)

	byOwner := "/api/v1/kpis/revenue/values?by=owner"
	first := f.do(admin, "GET", byOwner, "", "")
	again := f.do(admin, "GET", byOwner, "", "")
	if first.code != 200 || again.body != first.body {
		t.Fatalf("cached answer differs:\n%d %s\n%s", first.code, first.body, again.body)
	}
	res, err := f.srv.engine.Compute(context.Background(), f.acme, metric.Query{Key: "revenue", By: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	writeJSON(rec, 200, res)
	if first.body != rec.Body.String() {
		t.Errorf("cached body differs from writeJSON's:\n%s\n%s", first.body, rec.Body.String())
	}
	if !strings.Contains(first.body, "Luis") || !strings.Contains(first.body, "Ana López") {
		t.Fatalf("admin's breakdown lacks a rep: %s", first.body)
	}
	if m := f.do(member, "GET", byOwner, "", ""); m.code != 200 || strings.Contains(m.body, "Luis") || !strings.Contains(m.body, "Ana López") {
		t.Errorf("member's breakdown from the cache: %d %s", m.code, m.body)
	}
	if a := f.do(admin, "GET", byOwner, "", ""); a.body != first.body {
		t.Errorf("the member's answer changed the cached one:\n%s", a.body)
	}
	if r := f.do(admin, "GET", "/api/v1/kpis/no_such_kpi/values", "", ""); r.code != 404 {
		t.Errorf("unknown KPI: %d %s", r.code, r.body)
	}

	total := func() string {
		r := f.do(admin, "GET", "/api/v1/kpis/revenue/values", "", "")
		if r.code != 200 {
			t.Fatalf("revenue: %d %s", r.code, r.body)
		}
		return r.body
	}
	before := total()
	if r := f.do(admin, "POST", "/api/v1/deals", "application/json",
		`{"external_id":"cache-deal","status":"won","owner":"Luis","amount":"777","created_at":"2026-02-01","closed_at":"2026-02-02"}`); r.code != 201 {
		t.Fatalf("create deal: %d %s", r.code, r.body)
	}
	if after := total(); after == before {
		t.Errorf("revenue unchanged after a write through the API: %s", after)
	}
}
