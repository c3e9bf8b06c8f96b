package okr

import (
	"context"
	"strings"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
)

// Template describes a ready-made set of objectives.
type Template struct {
	Key        string
	Title      map[string]string // by language: es, en
	Objectives int
	KeyResults int
}

// Templates lists the templates `rumbo okr template apply` knows.
func Templates() []Template {
	es, en := rumbo.SalesTemplate("es"), rumbo.SalesTemplate("en")
	n := 0
	for _, o := range es {
		n += len(o.KeyResults)
	}
	return []Template{{
		Key: rumbo.SalesTemplateKey,
		Title: map[string]string{
			"es": "Plantilla de ventas del artículo: " + es[0].Title + " / " + es[1].Title + " / " + es[2].Title,
			"en": "The article's sales template: " + en[0].Title + " / " + en[1].Title + " / " + en[2].Title,
		},
		Objectives: len(es), KeyResults: n,
	}}
}

// ApplyTemplate creates the template's objectives for period p, in lang
// ("es" or "en"), owned by team (every key result bound to data scoped to
// it; a KPI that cannot be broken down by team, such as surveys sent, stays
// organisation-wide) or by the organisation when team is "". Baselines are
// resolved at once when p has begun, else when it begins. Applying a
// template twice to the same period and owner is an ECONFLICT.
func (s *Service) ApplyTemplate(ctx context.Context, org *rumbo.Org, key, lang string, p rumbo.Period, team string) ([]rumbo.Objective, error) {
	if key != rumbo.SalesTemplateKey {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "template %q not found (templates: %s)", key, rumbo.SalesTemplateKey)
	}
	if lang != "en" {
		lang = "es"
	}
	objs := rumbo.ApplyTemplate(rumbo.SalesTemplate(lang), p, team)
	existing, err := s.store.Objectives(ctx, org.ID, &p)
	if err != nil {
		return nil, err
	}
	for _, e := range existing {
		for _, o := range objs {
			if e.Title == o.Title && e.OwnerKind == o.OwnerKind && strings.EqualFold(e.Owner, o.Owner) {
				return nil, rumbo.Errorf(rumbo.ECONFLICT, "template %s is already applied to %s (objective %d)", key, p.Label, e.ID)
			}
		}
	}
	if team != "" {
		if err := s.unscopeUnsupported(ctx, org, p, objs); err != nil {
			return nil, err
		}
	}
	for i := range objs {
		if err := s.store.CreateObjective(ctx, org.ID, &objs[i]); err != nil {
			return nil, err
		}
	}
	ev, err := s.newEval(ctx, org, s.now())
	if err != nil {
		return nil, err
	}
	for i := range objs {
		for j := range objs[i].KeyResults {
			if err := s.resolve(ctx, ev, &objs[i], &objs[i].KeyResults[j]); err != nil {
				return nil, err
			}
		}
	}
	return objs, nil
}

// unscopeUnsupported drops the team scope of key results whose KPI counts
// records that have no team (surveys, inquiries).
func (s *Service) unscopeUnsupported(ctx context.Context, org *rumbo.Org, p rumbo.Period, objs []rumbo.Objective) error {
	ok := map[string]bool{}
	for i := range objs {
		for j := range objs[i].KeyResults {
			kr := &objs[i].KeyResults[j]
			if kr.Scope == "" {
				continue
			}
			supported, seen := ok[kr.KPI]
			if !seen {
				_, err := s.engine.Compute(ctx, org, metric.Query{Key: kr.KPI, Period: &p,
					Filters: []metric.Filter{{Field: kr.Scope, Value: kr.ScopeValue}}})
				if err != nil && rumbo.ErrorCode(err) != rumbo.EINVALID {
					return err
				}
				supported = err == nil
				ok[kr.KPI] = supported
			}
			if !supported {
				kr.Scope, kr.ScopeValue = "", ""
			}
		}
	}
	return nil
}
