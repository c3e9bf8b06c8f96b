package http

import (
	nethttp "net/http"
	"sort"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

type targetRow struct {
	ID                              int64
	KPI, Name, Period, Scope, Value string
}

type bandRow struct {
	Key, Name            string
	Green, Yellow        float64
	Absolute, Customised bool
}

type tokenRow struct {
	ID            int64
	Name          string
	Created, Used string
	Revoked       bool
}

type settingsView struct {
	KPIs          []rumbo.KPIDef
	Names         map[string]string
	Targets       []targetRow
	Bands         []bandRow
	Custom        []rumbo.KPIDef
	Members       []rumbo.Member
	Tokens        []tokenRow
	Weeks         []string
	CurrencyFixed bool
	Roles         []rumbo.Role
	Entities      []rumbo.Entity
	Quarter       string
	Error         string
}

// settingsPage shows the organisation's settings to admins and managers;
// each section appears when the role grants its permission, and its forms
// call the API, which checks the same permission again.
func (s *Server) settingsPage(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	if !v.CanSettings() {
		return rumbo.Errorf(rumbo.EFORBIDDEN, "settings are for admins and managers")
	}
	ctx := r.Context()
	v.Title, v.Nav = T(v.Lang, "set.title"), "settings"
	sv := &settingsView{Names: map[string]string{}, Roles: rumbo.Roles, Entities: rumbo.Entities,
		Quarter: rumbo.PeriodOf(v.Now.In(v.Loc), rumbo.GrainQuarter, v.Loc).Label}
	defs, err := s.engine.Definitions(ctx, c.org)
	if err != nil {
		return err
	}
	sv.KPIs = defs
	for _, d := range defs {
		sv.Names[d.Key] = kpiName(d, v.Lang)
	}
	if v.Can(string(rumbo.PermKPIsWrite)) {
		ts, err := s.store.Targets(ctx, c.org.ID, "")
		if err != nil {
			return err
		}
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].Start.After(ts[j].Start) })
		for _, t := range ts {
			if len(sv.Targets) >= 60 {
				break
			}
			scope := T(v.Lang, "set.scope.org")
			if t.Scope != "" {
				scope = T(v.Lang, "kpi.by."+t.Scope) + ": " + t.ScopeValue
			}
			d := rumbo.KPIDef{Key: t.KPI, Unit: metric.UnitNumber}
			for _, x := range defs {
				if x.Key == t.KPI {
					d = x
				}
			}
			val := &metric.Value{Rat: t.Value, Unit: d.Unit, Decimals: metric.SumDecimals}
			sv.Targets = append(sv.Targets, targetRow{ID: t.ID, KPI: t.KPI, Name: kpiName(d, v.Lang), Period: t.Period,
				Scope: scope, Value: fmtValue(val, c.org.Currency, v.Lang)})
		}
		all, err := s.store.AllBands(ctx, c.org.ID)
		if err != nil {
			return err
		}
		for _, d := range defs {
			b, ok := all[d.Key]
			if !ok {
				b = rumbo.DefaultBands
			}
			sv.Bands = append(sv.Bands, bandRow{Key: d.Key, Name: kpiName(d, v.Lang), Green: b.Green, Yellow: b.Yellow, Absolute: b.Absolute, Customised: ok})
		}
		if sv.Custom, err = s.store.CustomKPIs(ctx, c.org.ID); err != nil {
			return err
		}
	}
	if v.Can(string(rumbo.PermUsersManage)) {
		if sv.Members, err = s.store.Members(ctx, c.org.ID); err != nil {
			return err
		}
	}
	toks, err := s.store.Tokens(ctx, c.user.ID)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.OrgID != c.org.ID {
			continue
		}
		tr := tokenRow{ID: t.ID, Name: t.Name, Created: fmtDate(t.CreatedAt, v.Loc, v.Lang), Used: "—", Revoked: !t.RevokedAt.IsZero()}
		if !t.LastUsedAt.IsZero() {
			tr.Used = fmtDateTime(t.LastUsedAt, v.Loc, v.Lang)
		}
		sv.Tokens = append(sv.Tokens, tr)
	}
	if sv.Weeks, err = s.store.ExcludedWeeks(ctx, c.org.ID); err != nil {
		return err
	}
	for _, e := range rumbo.Entities {
		n, err := s.store.Count(ctx, c.org.ID, e)
		if err != nil {
			return err
		}
		if n > 0 {
			sv.CurrencyFixed = true
			break
		}
	}
	v.Data = sv
	return s.render(w, nethttp.StatusOK, "settings", "", v)
}

// saveCustomKPI stores a custom KPI made without code: an aggregation over
// an entity with an optional filter.
func (s *Server) saveCustomKPI(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, v *view) error {
	ctx := r.Context()
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	e, err := rumbo.ParseEntity(f("entity"))
	if err != nil {
		return err
	}
	name := f("name")
	d := rumbo.KPIDef{Key: f("key"), Name: map[string]string{"es": name, "en": name}, Unit: f("unit"),
		Aggregate: &rumbo.Aggregate{Entity: e, Func: f("func"), Field: f("field")}}
	d.Additive = d.Aggregate.Func == "count" || d.Aggregate.Func == "sum"
	if fk, fv, ok := strings.Cut(f("filter"), "="); ok {
		d.Aggregate.Filters = map[string]string{strings.TrimSpace(fk): strings.TrimSpace(fv)}
	}
	custom, err := s.store.CustomKPIs(ctx, c.org.ID)
	if err != nil {
		return err
	}
	if err := metric.Validate(d, custom); err != nil {
		return err
	}
	if err := s.store.SaveKPI(ctx, c.org.ID, &d); err != nil {
		return err
	}
	nethttp.Redirect(w, r, "/settings#custom", nethttp.StatusSeeOther)
	return nil
}

var _ = time.Now
