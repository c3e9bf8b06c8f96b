package http

import (
	"context"
	"encoding/json"
	"math/big"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// listKPIs lists the built-in and custom KPI definitions.
func (s *Server) listKPIs(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	defs, err := s.engine.Definitions(r.Context(), c.org)
	if err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"kpis": defs})
	return nil
}

// kpiDef returns the definition of the KPI named by the path's {key}, or ENOTFOUND.
func (s *Server) kpiDef(r *nethttp.Request, c *caller) (*rumbo.KPIDef, error) {
	return s.findKPIDef(r.Context(), c.org, r.PathValue("key"))
}

// findKPIDef returns the organisation's definition of the KPI, or ENOTFOUND.
func (s *Server) findKPIDef(ctx context.Context, org *rumbo.Org, key string) (*rumbo.KPIDef, error) {
	defs, err := s.engine.Definitions(ctx, org)
	if err != nil {
		return nil, err
	}
	for i := range defs {
		if defs[i].Key == key {
			return &defs[i], nil
		}
	}
	return nil, rumbo.Errorf(rumbo.ENOTFOUND, "unknown KPI %q (GET /api/v1/kpis lists them)", key)
}

// locations memoises the organisations' time zones by name:
// time.LoadLocation reads and parses the zone database at each call.
var locations sync.Map // string → *time.Location

// orgLocation returns org.Location(), memoised.
func orgLocation(org *rumbo.Org) (*time.Location, error) {
	if loc, ok := locations.Load(org.TimeZone); ok {
		return loc.(*time.Location), nil
	}
	loc, err := org.Location()
	if err != nil {
		return nil, err
	}
	locations.Store(org.TimeZone, loc)
	return loc, nil
}

// period returns the period chosen by period or from/to, nil for the default.
func period(org *rumbo.Org, p, from, to string) (*rumbo.Period, error) {
	loc, err := orgLocation(org)
	if err != nil {
		return nil, err
	}
	switch {
	case p != "" && (from != "" || to != ""):
		return nil, rumbo.Errorf(rumbo.EINVALID, "use period or from/to, not both")
	case p != "":
		per, err := rumbo.ParsePeriod(p, loc)
		return &per, err
	case from != "" || to != "":
		if from == "" || to == "" {
			return nil, rumbo.Errorf(rumbo.EINVALID, "from and to go together")
		}
		per, err := rumbo.RangePeriod(from, to, loc)
		return &per, err
	}
	return nil, nil
}

// valueParams are the query parameters of GET /api/v1/kpis/{key}/values.
var valueParams = map[string]bool{"period": true, "from": true, "to": true, "grain": true, "by": true, "filter": true}

// kpiValues computes a KPI: the same JSON as rumbo kpi --format json. A
// member without the leaderboard sees per-rep figures only for themselves:
// a breakdown by owner keeps their own row, a filter on another owner is
// refused.
func (s *Server) kpiValues(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	qv, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "query string: %v", err)
	}
	for k, vs := range qv {
		if !valueParams[k] {
			return rumbo.Errorf(rumbo.EINVALID, "unknown parameter %q (valid: period, from, to, grain, by, filter)", k)
		}
		if k != "filter" && len(vs) > 1 {
			return rumbo.Errorf(rumbo.EINVALID, "parameter %q given %d times", k, len(vs))
		}
	}
	q := metric.Query{Key: r.PathValue("key"), Grain: rumbo.Grain(qv.Get("grain")), By: qv.Get("by")}
	if q.Period, err = period(c.org, qv.Get("period"), qv.Get("from"), qv.Get("to")); err != nil {
		return err
	}
	for _, f := range qv["filter"] {
		k, v, ok := strings.Cut(f, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return rumbo.Errorf(rumbo.EINVALID, "filter %q: expected FIELD=VALUE", f)
		}
		if strings.TrimSpace(k) == "owner" && !c.seesOthers() && !strings.EqualFold(strings.TrimSpace(v), c.member.Person) {
			return rumbo.Errorf(rumbo.EFORBIDDEN, "members see only their own per-rep figures unless the organisation turns on the leaderboard")
		}
		q.Filters = append(q.Filters, metric.Filter{Field: k, Value: v})
	}
	// A cached answer needs no look-up of the definitions: only known KPIs
	// are computed and cached. The computation may outlive the request (a
	// background refresh): it uses only the organisation and the query.
	org := c.org
	e, err := s.results.get(r.Context(), cacheKey(org, q), func(ctx context.Context) (*metric.Result, error) {
		if _, err := s.findKPIDef(ctx, org, q.Key); err != nil {
			return nil, err
		}
		return s.engine.Compute(ctx, org, q)
	})
	if err != nil {
		return err
	}
	if e.res.By == "owner" && !c.seesOthers() {
		// The cached result is shared: filter a copy.
		own := *e.res
		own.Rows = nil
		for _, row := range e.res.Rows {
			if c.member.Person != "" && strings.EqualFold(row.Group["owner"], c.member.Person) {
				own.Rows = append(own.Rows, row)
			}
		}
		writeJSON(w, nethttp.StatusOK, &own)
		return nil
	}
	writeJSONBody(w, nethttp.StatusOK, e.body)
	return nil
}

// writeJSONBody writes a body encoded by encodeJSON, as writeJSON would.
func writeJSONBody(w nethttp.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// bandsJSON is a KPI's health bands.
type bandsJSON struct {
	KPI string `json:"kpi"`
	rumbo.Bands
}

// getBands returns a KPI's health bands (the defaults when none are set).
func (s *Server) getBands(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	d, err := s.kpiDef(r, c)
	if err != nil {
		return err
	}
	all, err := s.store.AllBands(r.Context(), c.org.ID)
	if err != nil {
		return err
	}
	b, ok := all[d.Key]
	if !ok {
		b = rumbo.DefaultBands
	}
	writeJSON(w, nethttp.StatusOK, bandsJSON{KPI: d.Key, Bands: b})
	return nil
}

// putBands sets a KPI's health bands.
func (s *Server) putBands(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var b rumbo.Bands
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	d, err := s.kpiDef(r, c)
	if err != nil {
		return err
	}
	if err := s.store.SetBands(r.Context(), c.org.ID, d.Key, b); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusOK, bandsJSON{KPI: d.Key, Bands: b})
	return nil
}

// targetJSON is a KPI target; the value is an exact decimal string.
type targetJSON struct {
	ID         int64     `json:"id"`
	KPI        string    `json:"kpi"`
	Period     string    `json:"period"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Scope      string    `json:"scope"`
	ScopeValue string    `json:"scope_value"`
	Value      string    `json:"value"`
}

// ratString writes r exactly when it has at most 10 decimals, else rounded to 10.
func ratString(r *big.Rat) string {
	for d := 0; d < 10; d++ {
		if x := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil))); x.IsInt() {
			return r.FloatString(d)
		}
	}
	return r.FloatString(10)
}

func newTargetJSON(t *rumbo.Target) targetJSON {
	return targetJSON{ID: t.ID, KPI: t.KPI, Period: t.Period, Start: t.Start.UTC(), End: t.End.UTC(),
		Scope: t.Scope, ScopeValue: t.ScopeValue, Value: ratString(t.Value)}
}

// listTargets lists targets, of one KPI with ?kpi=. Members without the
// leaderboard do not see other reps' targets.
func (s *Server) listTargets(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	ts, err := s.store.Targets(r.Context(), c.org.ID, r.URL.Query().Get("kpi"))
	if err != nil {
		return err
	}
	out := []targetJSON{}
	for i := range ts {
		t := &ts[i]
		if t.Scope == "owner" && !c.seesOthers() && !strings.EqualFold(t.ScopeValue, c.member.Person) {
			continue
		}
		out = append(out, newTargetJSON(t))
	}
	writeJSON(w, nethttp.StatusOK, map[string]any{"targets": out})
	return nil
}

type targetRequest struct {
	KPI        string          `json:"kpi"`
	Value      json.RawMessage `json:"value"`
	Period     string          `json:"period"`
	From       string          `json:"from"`
	To         string          `json:"to"`
	Scope      string          `json:"scope"`
	ScopeValue string          `json:"scope_value"`
}

// parseTargetValue reads 120000, "1250.50", 0.25 or "25%" exactly.
func parseTargetValue(raw json.RawMessage) (*big.Rat, error) {
	s := strings.TrimSpace(string(raw))
	if u, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(u)
	}
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSuffix(s, "%")
	r, ok := new(big.Rat).SetString(s)
	if !ok || s == "" || strings.ContainsAny(s, "/eE") {
		return nil, rumbo.Errorf(rumbo.EINVALID, "target value %s is not a number (examples: 120000, \"1250.50\", 0.25, \"25%%\")", raw)
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r, nil
}

// createTarget sets the target of a KPI for a period and scope, replacing
// the one for the same KPI, period and scope.
func (s *Server) createTarget(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	var req targetRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if len(req.Value) == 0 {
		return rumbo.Errorf(rumbo.EINVALID, "target value required")
	}
	v, err := parseTargetValue(req.Value)
	if err != nil {
		return err
	}
	r.SetPathValue("key", req.KPI)
	if _, err := s.kpiDef(r, c); err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "unknown KPI %q (GET /api/v1/kpis lists them)", req.KPI)
	}
	p, err := period(c.org, req.Period, req.From, req.To)
	if err != nil {
		return err
	}
	if p == nil {
		return rumbo.Errorf(rumbo.EINVALID, "a target needs a period or from and to")
	}
	t := &rumbo.Target{KPI: req.KPI, Value: v, Period: p.Label, Start: p.Start.UTC(), End: p.End.UTC(),
		Scope: req.Scope, ScopeValue: req.ScopeValue}
	if err := s.store.SetTarget(r.Context(), c.org.ID, t); err != nil {
		return err
	}
	writeJSON(w, nethttp.StatusCreated, newTargetJSON(t))
	return nil
}

// deleteTarget removes a target of the current organisation.
func (s *Server) deleteTarget(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "target id %q is not a number", r.PathValue("id"))
	}
	if err := s.store.DeleteTarget(r.Context(), c.org.ID, id); err != nil {
		return err
	}
	w.WriteHeader(nethttp.StatusNoContent)
	return nil
}
