package metric

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"

	"github.com/rumbo-app/rumbo"
)

// Limits of custom KPI formulas.
const (
	MaxFormulaLen   = 500 // characters
	MaxFormulaNodes = 100 // expression nodes
	maxDepth        = 5   // KPIs referring to KPIs
)

// FormulaFuncs are the only functions a formula may call.
var FormulaFuncs = []string{"min", "max", "abs"}

var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Validate checks a custom KPI definition against the built-ins and the
// organisation's other custom KPIs: its key, unit, and exactly one valid
// Aggregate, Ratio or Formula (formulas compiled with only KPI keys as
// variables and only FormulaFuncs).
func Validate(d rumbo.KPIDef, custom []rumbo.KPIDef) error {
	m := map[string]rumbo.KPIDef{}
	for _, c := range custom {
		m[c.Key] = c
	}
	if !keyRE.MatchString(d.Key) {
		return rumbo.Errorf(rumbo.EINVALID, "KPI key %q: use lower-case letters, digits and _", d.Key)
	}
	if builtinSpec(d.Key) != nil {
		return rumbo.Errorf(rumbo.EINVALID, "KPI key %q is a built-in KPI", d.Key)
	}
	m[d.Key] = d
	_, err := buildCustom(d, m, nil)
	return err
}

// specFor returns the spec of a built-in or custom KPI, or ENOTFOUND.
func specFor(key string, custom map[string]rumbo.KPIDef) (*spec, error) {
	if s := builtinSpec(key); s != nil {
		return s, nil
	}
	d, ok := custom[key]
	if !ok {
		return nil, rumbo.Errorf(rumbo.ENOTFOUND, "unknown KPI %q (see rumbo kpi list)", key)
	}
	return buildCustom(d, custom, nil)
}

func buildCustom(d rumbo.KPIDef, custom map[string]rumbo.KPIDef, stack []string) (*spec, error) {
	for _, k := range stack {
		if k == d.Key {
			return nil, rumbo.Errorf(rumbo.EINVALID, "KPI %s refers to itself through %s", d.Key, strings.Join(stack, " → "))
		}
	}
	if len(stack) >= maxDepth {
		return nil, rumbo.Errorf(rumbo.EINVALID, "KPI %s: KPIs nested more than %d deep", d.Key, maxDepth)
	}
	stack = append(stack, d.Key)
	switch d.Unit {
	case UnitMoney, UnitCount, UnitRatio, UnitDays, UnitHours, UnitScore, UnitNumber:
	default:
		return nil, rumbo.Errorf(rumbo.EINVALID, "KPI %s: unknown unit %q (money, count, ratio, days, hours, score, number)", d.Key, d.Unit)
	}
	n := 0
	if d.Aggregate != nil {
		n++
	}
	if d.Ratio != nil {
		n++
	}
	if d.Formula != "" {
		n++
	}
	if n != 1 {
		return nil, rumbo.Errorf(rumbo.EINVALID, "KPI %s: set exactly one of aggregate, ratio and formula", d.Key)
	}
	sp := &spec{def: d}
	switch {
	case d.Aggregate != nil:
		if err := checkAggregate(d.Key, d.Aggregate); err != nil {
			return nil, err
		}
		a := *d.Aggregate
		sp.reads = []rumbo.Entity{a.Entity}
		sp.subjects = []subject{entitySubject[a.Entity]}
		sp.eval = func(c *calc) (map[cellKey]out, error) { return c.aggregate(&a, d) }
	case d.Ratio != nil:
		num, err := refSpec(d, d.Ratio.Numerator, custom, stack)
		if err != nil {
			return nil, err
		}
		den, err := refSpec(d, d.Ratio.Denominator, custom, stack)
		if err != nil {
			return nil, err
		}
		sp.reads = append(append([]rumbo.Entity{}, num.reads...), den.reads...)
		sp.subjects = append(append([]subject{}, num.subjects...), den.subjects...)
		sp.eval = func(c *calc) (map[cellKey]out, error) { return c.ratio(num, den, d) }
	default:
		if err := formulaSpec(sp, d, custom, stack); err != nil {
			return nil, err
		}
	}
	return sp, nil
}

// refSpec returns the spec of a ratio's numerator or denominator.
func refSpec(d rumbo.KPIDef, ref rumbo.MetricRef, custom map[string]rumbo.KPIDef, stack []string) (*spec, error) {
	switch {
	case ref.KPI != "" && ref.Aggregate != nil:
		return nil, rumbo.Errorf(rumbo.EINVALID, "KPI %s: a ratio term has either kpi or aggregate, not both", d.Key)
	case ref.KPI != "":
		if s := builtinSpec(ref.KPI); s != nil {
			return s, nil
		}
		rd, ok := custom[ref.KPI]
		if !ok {
			return nil, rumbo.Errorf(rumbo.EINVALID, "KPI %s: unknown KPI %q", d.Key, ref.KPI)
		}
		return buildCustom(rd, custom, stack)
	case ref.Aggregate != nil:
		inner := rumbo.KPIDef{Key: d.Key, Unit: UnitNumber, Aggregate: ref.Aggregate}
		return buildCustom(inner, custom, stack[:len(stack)-1])
	}
	return nil, rumbo.Errorf(rumbo.EINVALID, "KPI %s: a ratio term needs kpi or aggregate", d.Key)
}

var entitySubject = map[rumbo.Entity]subject{
	rumbo.EntityDeals: subjDeal, rumbo.EntityLeads: subjLead, rumbo.EntityActivities: subjActivity,
	rumbo.EntitySurveys: subjSurvey, rumbo.EntityInquiries: subjInquiry, rumbo.EntityCampaigns: subjCampaign,
}

// timeFields lists each entity's time fields, the default first.
var timeFields = map[rumbo.Entity][]string{
	rumbo.EntityDeals:      {"closed_at", "created_at", "first_seen_at"},
	rumbo.EntityLeads:      {"created_at"},
	rumbo.EntityActivities: {"at"},
	rumbo.EntitySurveys:    {"sent_at", "answered_at"},
	rumbo.EntityInquiries:  {"received_at", "first_response_at", "resolved_at"},
	rumbo.EntityCampaigns:  {"start", "end"},
}

func checkAggregate(key string, a *rumbo.Aggregate) error {
	tf, ok := timeFields[a.Entity]
	if !ok {
		return rumbo.Errorf(rumbo.EINVALID, "KPI %s: cannot aggregate %q (deals, leads, activities, surveys, inquiries, campaigns)", key, a.Entity)
	}
	if a.Time != "" && !contains(tf, a.Time) {
		return rumbo.Errorf(rumbo.EINVALID, "KPI %s: %s have no time field %q (%s)", key, a.Entity, a.Time, strings.Join(tf, ", "))
	}
	switch a.Func {
	case "count":
	case "sum", "avg", "median", "count_distinct":
		if a.Field == "" {
			return rumbo.Errorf(rumbo.EINVALID, "KPI %s: %s needs a field", key, a.Func)
		}
	default:
		return rumbo.Errorf(rumbo.EINVALID, "KPI %s: unknown aggregation %q (count, sum, avg, median, count_distinct)", key, a.Func)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// view is one record seen by a custom aggregate.
type view struct {
	field func(string) string
	at    func(string) time.Time
	num   func(string) *big.Rat
}

// views returns the records of an entity as views.
func (c *calc) views(e rumbo.Entity) []view {
	d := c.d
	var vs []view
	money := func(m *rumbo.Money) *big.Rat {
		if m == nil {
			return nil
		}
		return m.Rat()
	}
	parse := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
		if !ok {
			return nil
		}
		return r
	}
	switch e {
	case rumbo.EntityDeals:
		for i := range d.deals {
			x := &d.deals[i]
			vs = append(vs, view{
				field: func(n string) string { return d.dealField(x, n) },
				at: func(n string) time.Time {
					return map[string]time.Time{"closed_at": x.ClosedAt, "created_at": x.CreatedAt, "first_seen_at": x.FirstSeenAt}[n]
				},
				num: func(n string) *big.Rat {
					if n == "amount" {
						return money(x.Amount)
					}
					return parse(d.dealField(x, n))
				},
			})
		}
	case rumbo.EntityLeads:
		for i := range d.leads {
			l := &d.leads[i]
			vs = append(vs, view{field: func(n string) string { return d.leadField(l, n) },
				at:  func(string) time.Time { return l.CreatedAt },
				num: func(n string) *big.Rat { return parse(d.leadField(l, n)) }})
		}
	case rumbo.EntityActivities:
		for i := range d.activities {
			a := &d.activities[i]
			vs = append(vs, view{field: func(n string) string { return d.activityField(a, n) },
				at:  func(string) time.Time { return a.At },
				num: func(n string) *big.Rat { return parse(d.activityField(a, n)) }})
		}
	case rumbo.EntitySurveys:
		for i := range d.surveys {
			s := &d.surveys[i]
			vs = append(vs, view{field: func(n string) string { return d.surveyField(s, n) },
				at: func(n string) time.Time {
					if n == "answered_at" {
						return s.AnsweredAt
					}
					return s.SentAt
				},
				num: func(n string) *big.Rat {
					if n == "score" {
						if s.Score == nil {
							return nil
						}
						return big.NewRat(int64(*s.Score), 1)
					}
					return parse(d.surveyField(s, n))
				}})
		}
	case rumbo.EntityInquiries:
		for i := range d.inquiries {
			q := &d.inquiries[i]
			vs = append(vs, view{field: func(n string) string { return d.inquiryField(q, n) },
				at: func(n string) time.Time {
					return map[string]time.Time{"received_at": q.ReceivedAt, "first_response_at": q.FirstResponseAt, "resolved_at": q.ResolvedAt}[n]
				},
				num: func(n string) *big.Rat { return parse(d.inquiryField(q, n)) }})
		}
	case rumbo.EntityCampaigns:
		for i := range d.campaigns {
			cp := &d.campaigns[i]
			vs = append(vs, view{field: func(n string) string { return d.campaignField(cp, n) },
				at: func(n string) time.Time {
					if n == "end" {
						return cp.End
					}
					return cp.Start
				},
				num: func(n string) *big.Rat {
					if n == "spend" {
						return money(cp.Spend)
					}
					return parse(d.campaignField(cp, n))
				}})
		}
	}
	return vs
}

// aggregate evaluates a custom aggregation: func over the records of the
// entity whose time field falls in each piece, after the definition's and
// the query's filters.
func (c *calc) aggregate(a *rumbo.Aggregate, d rumbo.KPIDef) (map[cellKey]out, error) {
	if err := c.d.load(a.Entity); err != nil {
		return nil, err
	}
	tf := a.Time
	if tf == "" {
		tf = timeFields[a.Entity][0]
	}
	g := c.newGrid()
	distinct := map[cellKey]map[string]bool{}
	for _, v := range c.views(a.Entity) {
		p := g.pieceOf(v.at(tf))
		if p < 0 || !matches(v.field, a.Filters) {
			continue
		}
		grp, ok := c.r.pick(v.field)
		if !ok {
			continue
		}
		cl := g.at(p, grp)
		switch a.Func {
		case "count":
			cl.n++
		case "count_distinct":
			k := cellKey{p, grp}
			if distinct[k] == nil {
				distinct[k] = map[string]bool{}
			}
			if s := v.field(a.Field); s != "" && !distinct[k][s] {
				distinct[k][s] = true
				cl.n++
			}
		default:
			if x := v.num(a.Field); x != nil {
				cl.xs = append(cl.xs, x)
			} else {
				cl.missing++
			}
		}
	}
	fin := func(_ int, cl *cell) out {
		var r *big.Rat
		switch a.Func {
		case "count", "count_distinct":
			r = big.NewRat(int64(cl.n), 1)
		case "sum":
			r = new(big.Rat)
			for _, x := range cl.xs {
				r.Add(r, x)
			}
		case "avg":
			r = mean(cl.xs)
		case "median":
			r = median(cl.xs)
		}
		n := cl.n
		if n == 0 {
			n = len(cl.xs)
		}
		return out{value: newValue(r, d.Unit, decimalsOf(r)), stats: &Stats{Count: n}}
	}
	var zero func(int) *out
	if a.Func == "count" || a.Func == "sum" || a.Func == "count_distinct" {
		zero = c.zeroIfCovered(a.Entity, d.Unit)
	}
	return c.finish(g, zero, fin), nil
}

// matches reports whether a record passes a definition's filters.
func matches(field func(string) string, filters map[string]string) bool {
	for k, v := range filters {
		if !strings.EqualFold(strings.TrimSpace(field(k)), strings.TrimSpace(v)) {
			return false
		}
	}
	return true
}

// ratio evaluates a custom ratio: per piece and group, the numerator's
// value ÷ the denominator's, null when either is null or the denominator 0.
func (c *calc) ratio(num, den *spec, d rumbo.KPIDef) (map[cellKey]out, error) {
	n, err := num.eval(c)
	if err != nil {
		return nil, err
	}
	m, err := den.eval(c)
	if err != nil {
		return nil, err
	}
	res := map[cellKey]out{}
	for _, src := range []map[cellKey]out{n, m} {
		for k := range src {
			var r *big.Rat
			if a, b := n[k].value, m[k].value; a != nil && b != nil {
				r = ratio(a.Rat, b.Rat)
			}
			res[k] = out{value: newValue(r, d.Unit, decimalsOf(r))}
		}
	}
	return res, nil
}

// identifiers collects the identifiers of a formula.
type identifiers map[string]bool

func (ids identifiers) Visit(n *ast.Node) {
	if id, ok := (*n).(*ast.IdentifierNode); ok {
		ids[id.Value] = true
	}
}

// formulaSpec compiles a formula over other KPIs' values.
func formulaSpec(sp *spec, d rumbo.KPIDef, custom map[string]rumbo.KPIDef, stack []string) error {
	if len(d.Formula) > MaxFormulaLen {
		return rumbo.Errorf(rumbo.EINVALID, "KPI %s: formula longer than %d characters", d.Key, MaxFormulaLen)
	}
	env := map[string]any{}
	for _, b := range builtins {
		env[b.def.Key] = 0.0
	}
	for k := range custom {
		if k != d.Key {
			env[k] = 0.0
		}
	}
	ids := identifiers{}
	opts := []expr.Option{expr.Env(env), expr.AsFloat64(), expr.MaxNodes(MaxFormulaNodes),
		expr.DisableAllBuiltins(), expr.Patch(ids)}
	for _, f := range FormulaFuncs {
		opts = append(opts, expr.EnableBuiltin(f))
	}
	prog, err := expr.Compile(d.Formula, opts...)
	if err != nil {
		return rumbo.Errorf(rumbo.EINVALID, "KPI %s: formula %q: %s", d.Key, d.Formula, firstLine(err.Error()))
	}
	refs := map[string]*spec{}
	for id := range ids {
		if _, ok := env[id]; !ok {
			continue
		}
		rs, err := refSpec(d, rumbo.MetricRef{KPI: id}, custom, stack)
		if err != nil {
			return err
		}
		refs[id] = rs
		sp.reads = append(sp.reads, rs.reads...)
		sp.subjects = append(sp.subjects, rs.subjects...)
	}
	sp.eval = func(c *calc) (map[cellKey]out, error) {
		vals := map[string]map[cellKey]out{}
		keys := map[cellKey]bool{}
		for id, rs := range refs {
			v, err := rs.eval(c)
			if err != nil {
				return nil, err
			}
			vals[id] = v
			for k := range v {
				keys[k] = true
			}
		}
		if len(refs) == 0 {
			for i := range c.pieces {
				keys[cellKey{i, ""}] = true
			}
		}
		res := map[cellKey]out{}
		for k := range keys {
			vars := map[string]any{}
			ok := true
			for id := range refs {
				v := vals[id][k].value
				if v == nil {
					ok = false
					break
				}
				vars[id] = v.Float64()
			}
			if !ok {
				res[k] = out{}
				continue
			}
			r, err := expr.Run(prog, vars)
			f, isF := r.(float64)
			if err != nil || !isF || math.IsNaN(f) || math.IsInf(f, 0) {
				res[k] = out{}
				continue
			}
			// The shortest decimal that round-trips: 0.8, not its binary expansion.
			x, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
			res[k] = out{value: newValue(x, d.Unit, AverageDecimals)}
		}
		return res, nil
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
