package rumbo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Spanish texts come from the article (../shared/seed); the headline
// revenue KR is the one Rumbo adds to it.
func TestSalesTemplate(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	files, _ := filepath.Glob("../shared/seed/*.txt")
	if len(files) == 0 {
		t.Skip("the article is not in ../shared/seed")
	}
	var article strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		article.Write(b)
	}
	type kr struct {
		kind    KRKind
		kpi     string
		filter  string
		dir     Direction
		change  string
		fromArt bool
	}
	want := [][]kr{
		{{KRMetric, "revenue", "", Increase, "0.2", false}, {KRRate, "activities", ActivityFollowUpCall, Increase, "0.5", true},
			{KRMetric, "conversion_rate", "", Increase, "0.1", true}, {KRRate, "activities", ActivityPresentation, "", "", true}},
		{{KRMilestone, "", "", "", "", true}, {KRSegment, "new_market_sales", "", "", "", true}},
		{{KRMetric, "surveys_sent", "", Increase, "0.2", true}, {KRMetric, "response_time", "", Decrease, "0.3", true},
			{KRMetric, "recurring_revenue", "", Increase, "0.15", true}},
	}
	es, en := SalesTemplate("es"), SalesTemplate("en")
	if len(es) != 3 || len(en) != 3 {
		t.Fatalf("got %d and %d objectives, want 3", len(es), len(en))
	}
	n := 0
	for i, o := range es {
		if !strings.Contains(article.String(), o.Title) {
			t.Errorf("objective %q is not in the article", o.Title)
		}
		if en[i].Title == o.Title || len(en[i].KeyResults) != len(o.KeyResults) {
			t.Errorf("objective %d: English %q not translated", i, en[i].Title)
		}
		if len(o.KeyResults) != len(want[i]) {
			t.Fatalf("objective %q: %d key results, want %d", o.Title, len(o.KeyResults), len(want[i]))
		}
		for j, k := range o.KeyResults {
			n++
			w := want[i][j]
			if w.fromArt && !strings.Contains(article.String(), k.Title) {
				t.Errorf("key result %q is not in the article", k.Title)
			}
			if en[i].KeyResults[j].Title == k.Title {
				t.Errorf("key result %q not translated", k.Title)
			}
			change := ""
			if k.Change != nil {
				change = k.Change.FloatString(2)
				change = strings.TrimRight(strings.TrimRight(change, "0"), ".")
			}
			if k.Kind != w.kind || k.KPI != w.kpi || k.Filters["type"] != w.filter || k.Direction != w.dir || change != w.change {
				t.Errorf("key result %q: got %s %s %q %s %s, want %+v", k.Title, k.Kind, k.KPI, k.Filters["type"], k.Direction, change, w)
			}
		}
		// Filled by the caller, the objective is valid.
		o.Period = okrPeriod(t, "2026-Q1", loc)
		if err := o.Validate(); err != nil {
			t.Errorf("objective %q: %v", o.Title, err)
		}
	}
	if n != 9 {
		t.Errorf("got %d key results, want 9", n)
	}
	// The template's values are fresh for every call.
	es[0].KeyResults[0].Change.SetInt64(9)
	if SalesTemplate("es")[0].KeyResults[0].Change.Cmp(es[0].KeyResults[0].Change) == 0 {
		t.Error("SalesTemplate shares its numbers between calls")
	}
}

func TestValidate(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q1 := okrPeriod(t, "2026-Q1", loc)
	good := KeyResult{Title: "revenue", Kind: KRMetric, KPI: "revenue", Baseline: BaselinePreviousQuarter,
		ChangeKind: ChangeRelative, Change: okrRat(t, "0.2")}
	obj := func(mod func(o *Objective)) Objective {
		o := Objective{Title: "Ventas", OwnerKind: OwnerTeam, Owner: "West", Type: Committed, Period: q1, KeyResults: []KeyResult{good}}
		mod(&o)
		return o
	}
	withKR := func(k KeyResult) Objective { return obj(func(o *Objective) { o.KeyResults = []KeyResult{k} }) }
	tests := []struct {
		name string
		o    Objective
		msg  string // "" for valid
	}{
		{"valid", obj(func(*Objective) {}), ""},
		{"no title", obj(func(o *Objective) { o.Title = " " }), "objective: title is required"},
		{"team without a name", obj(func(o *Objective) { o.Owner = "" }), `objective "Ventas": owner team needs a name`},
		{"bad type", obj(func(o *Objective) { o.Type = "stretch" }), `objective "Ventas": type "stretch" (valid: committed, aspirational)`},
		{"six key results", obj(func(o *Objective) { o.KeyResults = make([]KeyResult, 6) }), `objective "Ventas": has 6 key results (1 to 5)`},
		{"no key results", obj(func(o *Objective) { o.KeyResults = nil }), `objective "Ventas": has 0 key results (1 to 5)`},
		{"metric without KPI", withKR(KeyResult{Title: "x", Kind: KRMetric}), `key result "x": a metric key result needs a KPI`},
		{"negative change", withKR(KeyResult{Title: "x", Kind: KRMetric, KPI: "revenue", ChangeKind: ChangeRelative, Change: okrRat(t, "-0.1")}),
			`key result "x": change must be given and not negative (the direction says which way)`},
		{"rate without rate or baseline", withKR(KeyResult{Title: "x", Kind: KRRate, KPI: "activities"}), `key result "x": a rate key result needs a rate or a baseline`},
		{"manual without target", withKR(KeyResult{Title: "x", Kind: KRManual, Unit: ManualNumber}), `key result "x": a manual key result needs a start and a target`},
		{"yes/no needs nothing", withKR(KeyResult{Title: "x", Kind: KRManual, Unit: ManualYesNo}), ""},
		{"guardrail within reversed", withKR(KeyResult{Title: "x", Kind: KRGuardrail, KPI: "csat", Op: GuardWithin, Min: okrRat(t, "5"), Max: okrRat(t, "4")}),
			`key result "x": guardrail within needs min ≤ max`},
		{"segment without target", withKR(KeyResult{Title: "x", Kind: KRSegment, KPI: "new_market_sales", SegmentBy: "market", Segments: []string{"A"}}),
			`key result "x": a segment key result needs a positive target per segment`},
		{"unknown kind", withKR(KeyResult{Title: "x", Kind: "vibes"}), `key result "x": kind "vibes" (valid: metric, rate, segment, manual, milestone, guardrail)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Validate()
			if tt.msg == "" {
				if err != nil {
					t.Errorf("got %v, want valid", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || err.Error() != tt.msg {
				t.Errorf("got %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for an error
	}{
		{"1234.5", "2469/2"}, {"-3", "-3"}, {" 0.10 ", "1/10"}, {"1/3", ""}, {"1e3", ""}, {"", ""}, {"abc", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseDecimal(tt.in)
			got := ""
			if err == nil {
				got = r.RatString()
			}
			if got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestApplyTemplate(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	q1 := okrPeriod(t, "2026-Q1", loc)
	tests := []struct {
		name      string
		team      string
		kind      OwnerKind
		scope     string
		scopedKRs int
	}{
		{"organisation", "", OwnerOrg, "", 0},
		{"team", "West", OwnerTeam, "team", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := SalesTemplate("en")
			objs := ApplyTemplate(tmpl, q1, tt.team)
			scoped := 0
			for _, o := range objs {
				if o.Period.Label != "2026-Q1" || o.OwnerKind != tt.kind || o.Owner != tt.team {
					t.Errorf("objective %q: period %s owner %s %q", o.Title, o.Period.Label, o.OwnerKind, o.Owner)
				}
				if err := o.Validate(); err != nil {
					t.Error(err)
				}
				for _, kr := range o.KeyResults {
					if kr.Scope == tt.scope && kr.ScopeValue == tt.team && tt.scope != "" {
						scoped++
					}
				}
			}
			// Every KR but the milestone (measured from markets) has a KPI.
			if scoped != tt.scopedKRs {
				t.Errorf("got %d scoped key results, want %d", scoped, tt.scopedKRs)
			}
			if tmpl[0].KeyResults[0].Scope != "" {
				t.Error("ApplyTemplate changed the template")
			}
		})
	}
}

func TestFreezeMetric(t *testing.T) {
	loc := mustLoc(t, "Europe/Madrid")
	at := okrAt(t, loc, "2026-01-01 00:00")
	kr := SalesTemplate("es")[2].KeyResults[1] // response time −30 %
	res, err := ResolveMetric(kr, false, okrRat(t, "20"))
	if err != nil {
		t.Fatal(err)
	}
	got := FreezeMetric(kr, res, at)
	if got.Start.Cmp(okrRat(t, "20")) != 0 || got.Target.Cmp(okrRat(t, "14")) != 0 ||
		got.BaselineValue.Cmp(okrRat(t, "20")) != 0 || !got.BaselineResolvedAt.Equal(at) {
		t.Errorf("got start %v target %v baseline %v at %v", got.Start, got.Target, got.BaselineValue, got.BaselineResolvedAt)
	}
	pending, _ := ResolveMetric(kr, false, nil)
	if got := FreezeMetric(kr, pending, at); got.Start != nil || !got.BaselineResolvedAt.IsZero() {
		t.Errorf("pending froze %+v", got)
	}
}

func TestCheckInValidate(t *testing.T) {
	at := okrAt(t, time.UTC, "2026-05-10 09:00")
	tests := []struct {
		name string
		c    CheckIn
		msg  string
	}{
		{"value and confidence", CheckIn{At: at, Value: okrRat(t, "40"), Confidence: okrI(7)}, ""},
		{"comment only", CheckIn{At: at, Comment: "waiting for the client"}, ""},
		{"confidence 11", CheckIn{At: at, Confidence: okrI(11)}, "check-in: confidence 11 (0 to 10)"},
		{"negative confidence", CheckIn{At: at, Confidence: okrI(-1)}, "check-in: confidence -1 (0 to 10)"},
		{"empty", CheckIn{At: at}, "check-in: give a value, a confidence or a comment"},
		{"no time", CheckIn{Confidence: okrI(5)}, "check-in: time is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.msg {
				t.Errorf("got %q, want %q", got, tt.msg)
			}
		})
	}
}
