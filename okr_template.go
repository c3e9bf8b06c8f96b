package rumbo

import "math/big"

// SalesTemplateKey is the name of the article's sales template
// (`rumbo okr template apply ventas`).
const SalesTemplateKey = "ventas"

// Activity types the template's rate key results count. Imported activity
// types map to them through the import mapping's values map.
const (
	ActivityFollowUpCall = "follow_up_call"
	ActivityPresentation = "presentation"
)

type templateText struct{ es, en string }

func (t templateText) in(lang string) string {
	if lang == "en" {
		return t.en
	}
	return t.es
}

// SalesTemplate returns the article's three objectives and nine key
// results, in Spanish as in the article (lang "es", the default) or in
// English ("en"). IDs, period and owner are left for the caller to fill:
// owner the organisation, baselines from the previous quarter, not yet
// resolved (Start, Target, BaselineValue and the follow-up calls' Rate are
// frozen when the template is applied; see ResolveMetric, BaselineRate and
// ResolveRate).
func SalesTemplate(lang string) []Objective {
	t := func(es, en string) string { return templateText{es, en}.in(lang) }
	metric := func(title, kpi string, change *big.Rat, dir Direction) KeyResult {
		return KeyResult{Title: title, Kind: KRMetric, KPI: kpi, Baseline: BaselinePreviousQuarter,
			ChangeKind: ChangeRelative, Change: change, Direction: dir}
	}
	return []Objective{
		{
			Title: t("Aumentar las ventas un 20% en el próximo trimestre", "Increase sales by 20% in the next quarter"),
			Description: t("Ejemplo: Si el equipo realiza 10 llamadas a la semana, deberá aumentar a 15.",
				"Example: if the team makes 10 calls a week, it must rise to 15."),
			OwnerKind: OwnerOrg, Type: Committed,
			KeyResults: []KeyResult{
				metric(t("Aumentar los ingresos totales un 20% respecto al trimestre anterior",
					"Increase total revenue by 20% over the previous quarter"),
					"revenue", big.NewRat(20, 100), Increase),
				{Title: t("Incrementar las llamadas de seguimiento en un 50%", "Increase follow-up calls by 50%"),
					Kind: KRRate, KPI: "activities", Filters: map[string]string{"type": ActivityFollowUpCall},
					Baseline: BaselinePreviousQuarter, ChangeKind: ChangeRelative, Change: big.NewRat(50, 100),
					Direction: Increase, RateMode: RateWeeksMet},
				metric(t("Mejorar la tasa de conversión de clientes en un 10%", "Improve the customer conversion rate by 10%"),
					"conversion_rate", big.NewRat(10, 100), Increase),
				{Title: t("Realizar 3 presentaciones semanales de producto", "Give 3 product presentations a week"),
					Kind: KRRate, KPI: "activities", Filters: map[string]string{"type": ActivityPresentation},
					Rate: big.NewRat(3, 1), Baseline: BaselineNone, RateMode: RateWeeksMet},
			},
		},
		{
			Title:     t("Expandir el alcance a nuevos mercados", "Expand reach into new markets"),
			OwnerKind: OwnerOrg, Type: Aspirational,
			KeyResults: []KeyResult{
				{Title: t("Identificar y analizar 3 nuevos mercados", "Identify and analyse 3 new markets"),
					Kind: KRMilestone, MilestoneSource: SourceNewMarketsAnalysed, MilestoneTarget: 3},
				{Title: t("Realizar al menos 2 ventas en cada mercado en un trimestre", "Make at least 2 sales in each market in a quarter"),
					Kind: KRSegment, KPI: "new_market_sales", SegmentBy: "market", SegmentSource: SourceNewMarkets,
					SegmentTarget: big.NewRat(2, 1)},
			},
		},
		{
			Title:     t("Mejorar la satisfacción del cliente", "Improve customer satisfaction"),
			OwnerKind: OwnerOrg, Type: Committed,
			KeyResults: []KeyResult{
				metric(t("Incrementar un 20% las encuestas de satisfacción enviadas", "Increase satisfaction surveys sent by 20%"),
					"surveys_sent", big.NewRat(20, 100), Increase),
				metric(t("Reducir el tiempo de respuesta a consultas en un 30%", "Reduce response time to inquiries by 30%"),
					"response_time", big.NewRat(30, 100), Decrease),
				metric(t("Aumentar un 15% las ventas recurrentes", "Increase recurring sales by 15%"),
					"recurring_revenue", big.NewRat(15, 100), Increase),
			},
		},
	}
}

// ApplyTemplate returns copies of a template's objectives for period p,
// owned by the team named team (every key result bound to data scoped to
// it), or by the organisation when team is "".
func ApplyTemplate(objs []Objective, p Period, team string) []Objective {
	out := make([]Objective, len(objs))
	for i, o := range objs {
		o.Period = p
		o.OwnerKind, o.Owner = OwnerOrg, ""
		if team != "" {
			o.OwnerKind, o.Owner = OwnerTeam, team
		}
		o.KeyResults = append([]KeyResult(nil), o.KeyResults...)
		for j := range o.KeyResults {
			kr := &o.KeyResults[j]
			if team != "" && kr.KPI != "" {
				kr.Scope, kr.ScopeValue = "team", team
			}
		}
		out[i] = o
	}
	return out
}
