package metric

import (
	"github.com/rumbo-app/rumbo"
)

// spec is a KPI ready to compute: its definition, the entities it reads
// (for "data as of"), the subjects breakdowns resolve through, and its
// evaluation.
type spec struct {
	def       rumbo.KPIDef
	reads     []rumbo.Entity
	subjects  []subject
	defaultBy string
	eval      func(c *calc) (map[cellKey]out, error)
}

// CohortDays is N of lead_conversion_cohort: a lead converts when it has a
// won deal within N days of its creation.
const CohortDays = 90

func def(key, es, en, unit string, additive, lower bool, playES, playEN string) rumbo.KPIDef {
	d := rumbo.KPIDef{Key: key, Name: map[string]string{"es": es, "en": en}, Unit: unit,
		Additive: additive, LowerIsBetter: lower}
	if playES != "" {
		d.Playbook = map[string]string{"es": playES, "en": playEN}
	}
	return d
}

var (
	dealSubj = []subject{subjDeal}
	leadSubj = []subject{subjLead}
)

// builtins lists the built-in KPIs in the order they are shown.
var builtins = []spec{
	{def: def("revenue", "Ingresos Totales", "Total revenue", UnitMoney, true, false,
		"Compara los ingresos acumulados del trimestre con el objetivo prorrateado: revisa los tratos abiertos más avanzados y prioriza su cierre antes de fin de periodo.",
		"Compare quarter-to-date revenue with the pro-rata target: review the most advanced open deals and prioritise closing them before the period ends."),
		reads: []rumbo.Entity{rumbo.EntityDeals}, subjects: dealSubj, eval: evalRevenue},
	{def: def("conversion_rate", "Tasa de Conversión", "Conversion rate", UnitRatio, false, false,
		"Implementar técnicas de seguimiento personalizadas.",
		"Implement personalised follow-up techniques."),
		reads: []rumbo.Entity{rumbo.EntityLeads, rumbo.EntityDeals}, subjects: leadSubj, eval: evalConversion},
	{def: def("lead_conversion_cohort", "Conversión por cohorte", "Cohort conversion", UnitRatio, false, false,
		"Revisa qué canales y comerciales convierten menos sus leads en los primeros 90 días y refuerza el seguimiento de esas cohortes.",
		"Find which channels and reps convert fewest leads within 90 days and step up follow-up on those cohorts."),
		reads: []rumbo.Entity{rumbo.EntityLeads, rumbo.EntityDeals}, subjects: leadSubj, eval: evalCohort},
	{def: def("win_rate", "Tasa de cierre", "Win rate", UnitRatio, false, false,
		"Analiza los motivos de pérdida de los tratos cerrados y cualifica mejor las oportunidades antes de invertir tiempo en ellas.",
		"Analyse the lost reasons of closed deals and qualify opportunities better before investing time in them."),
		reads: []rumbo.Entity{rumbo.EntityDeals}, subjects: dealSubj, eval: evalWinRate},
	{def: def("sales_cycle_days", "Tiempo Promedio del Ciclo de Ventas", "Average sales cycle", UnitDays, false, true,
		"Optimización del CRM y automatización del seguimiento de clientes.",
		"Optimise the CRM and automate customer follow-up."),
		reads: []rumbo.Entity{rumbo.EntityDeals, rumbo.EntityLeads}, subjects: dealSubj, eval: evalCycle},
	{def: def("avg_deal_value", "Valor Medio de los Tratos", "Average deal value", UnitMoney, false, false,
		"Formar el equipo para upselling y crossselling.",
		"Train the team in upselling and cross-selling."),
		reads: []rumbo.Entity{rumbo.EntityDeals}, subjects: dealSubj, eval: evalAvgDeal},
	{def: def("campaign_roi", "ROI de campañas", "Campaign ROI", UnitRatio, false, false,
		"Reasigna el presupuesto de las campañas con ROI negativo a los canales que generan ventas.",
		"Move budget from campaigns with a negative ROI to the channels that bring in sales."),
		reads: []rumbo.Entity{rumbo.EntityCampaigns, rumbo.EntityDeals, rumbo.EntityLeads}, subjects: []subject{subjDeal, subjCampaign}, eval: evalROI},
	{def: def("activities", "Actividades", "Activities", UnitCount, true, false,
		"Planifica cada semana las llamadas de seguimiento y presentaciones que necesita cada comercial para llegar al ritmo objetivo.",
		"Plan each week the follow-up calls and presentations every rep needs to reach the target rate."),
		reads: []rumbo.Entity{rumbo.EntityActivities}, subjects: []subject{subjActivity}, eval: evalActivities},
	{def: def("open_deals", "Tratos abiertos", "Open deals", UnitCount, false, false,
		"Revisa los tratos abiertos sin actividad reciente y decide el siguiente paso o ciérralos como perdidos.",
		"Review open deals with no recent activity and set a next step or close them as lost."),
		reads: []rumbo.Entity{rumbo.EntityDeals}, subjects: dealSubj, eval: evalOpenDeals},
	{def: def("pipeline_value", "Cartera abierta", "Open pipeline", UnitMoney, false, false,
		"Completa el importe de los tratos abiertos que no lo tienen y genera nuevas oportunidades si la cartera no cubre el objetivo.",
		"Fill in the amount of open deals that lack one and generate new opportunities if the pipeline does not cover the target."),
		reads: []rumbo.Entity{rumbo.EntityDeals}, subjects: dealSubj, eval: evalPipeline},
	{def: def("new_market_sales", "Ventas por mercado", "Sales per market", UnitCount, true, false,
		"Asigna comerciales y campañas a los mercados nuevos que aún no tienen ventas.",
		"Assign reps and campaigns to the new markets that have no sales yet."),
		reads: []rumbo.Entity{rumbo.EntityDeals}, subjects: dealSubj, defaultBy: "market", eval: evalMarketSales},
	{def: def("surveys_sent", "Encuestas enviadas", "Surveys sent", UnitCount, true, false,
		"Automatiza el envío de una encuesta de satisfacción tras cada venta y cada consulta resuelta.",
		"Automate sending a satisfaction survey after every sale and every resolved inquiry."),
		reads: []rumbo.Entity{rumbo.EntitySurveys}, subjects: []subject{subjSurvey}, eval: evalSurveysSent},
	{def: def("csat", "Satisfacción", "CSAT", UnitScore, false, false,
		"Lee los comentarios de las encuestas con peor nota y llama a esos clientes para resolver el problema.",
		"Read the comments of the lowest-scored surveys and call those customers to fix the problem."),
		reads: []rumbo.Entity{rumbo.EntitySurveys}, subjects: []subject{subjSurvey}, eval: evalCSAT},
	{def: def("response_time", "Tiempo de respuesta", "Response time", UnitHours, false, true,
		"Define un responsable de guardia y respuestas tipo para las consultas más frecuentes.",
		"Name an on-duty owner and write template answers for the most frequent inquiries."),
		reads: []rumbo.Entity{rumbo.EntityInquiries}, subjects: []subject{subjInquiry}, eval: evalResponseTime},
	{def: def("recurring_revenue", "Ventas recurrentes", "Recurring sales", UnitMoney, true, false,
		"Contacta a los clientes que ya compraron con ofertas de renovación, ampliación y productos complementarios.",
		"Contact existing customers with renewal, upgrade and complementary product offers."),
		reads: []rumbo.Entity{rumbo.EntityDeals}, subjects: dealSubj, eval: evalRecurring},
	{def: def("cpl", "Coste por lead", "Cost per lead", UnitMoney, false, true,
		"Reduce el gasto en los canales con el coste por lead más alto y refuerza los que captan leads más baratos.",
		"Cut spend on the channels with the highest cost per lead and reinforce the cheapest ones."),
		reads: []rumbo.Entity{rumbo.EntityCampaigns, rumbo.EntityLeads}, subjects: []subject{subjLead, subjCampaign}, eval: evalCPL},
	{def: def("cac", "CAC", "CAC", UnitMoney, false, true,
		"Mejora la conversión de los leads existentes antes de aumentar el gasto de captación.",
		"Improve the conversion of existing leads before raising acquisition spend."),
		reads: []rumbo.Entity{rumbo.EntityCampaigns, rumbo.EntityLeads, rumbo.EntityDeals}, subjects: []subject{subjLead, subjCampaign}, eval: evalCAC},
	{def: def("roas", "ROAS", "ROAS", UnitRatio, false, false,
		"Concentra la inversión publicitaria en las campañas que devuelven más ingresos por euro gastado.",
		"Concentrate ad spend on the campaigns that return the most revenue per euro spent."),
		reads: []rumbo.Entity{rumbo.EntityCampaigns, rumbo.EntityDeals, rumbo.EntityLeads}, subjects: []subject{subjDeal, subjCampaign}, eval: evalROAS},
}

// Builtins returns the definitions of the built-in KPIs.
func Builtins() []rumbo.KPIDef {
	out := make([]rumbo.KPIDef, len(builtins))
	for i, b := range builtins {
		out[i] = b.def
	}
	return out
}

func builtinSpec(key string) *spec {
	for i := range builtins {
		if builtins[i].def.Key == key {
			return &builtins[i]
		}
	}
	return nil
}
