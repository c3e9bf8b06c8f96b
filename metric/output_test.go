package metric

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestJSONGolden(t *testing.T) {
	loc := madrid(t)
	tests := []struct {
		name string
		now  string
		q    Query
	}{
		{"revenue_by_owner.json", "2017-05-16 00:00", Query{Key: "revenue", Period: period(t, "2017-Q2", loc), By: "owner"}},
		{"win_rate_by_month.json", "", Query{Key: "win_rate", Period: period(t, "2017-Q2", loc), Grain: rumbo.GrainMonth}},
		{"avg_deal_value.json", "", Query{Key: "avg_deal_value", Period: period(t, "2017", loc)}},
		{"pipeline_value.json", "", Query{Key: "pipeline_value"}},
		{"cohort.json", "", Query{Key: "lead_conversion_cohort", Period: period(t, "2017-Q2", loc)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := acme(t)
			src.targets = []rumbo.Target{target(t, "revenue", "2017-Q2", "owner", "Ana", "1820")}
			res := compute(t, src, tt.now, tt.q)
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, append(got, '\n'))
		})
	}
}

func TestJSONValues(t *testing.T) {
	tests := []struct {
		name string
		v    *Value
		want string
	}{
		{"money sum", &Value{Rat: rat("10005534"), Unit: UnitMoney, Decimals: SumDecimals}, `"10005534.00"`},
		{"money average", &Value{Rat: rat("10005534/4238"), Unit: UnitMoney, Decimals: AverageDecimals}, `"2360.909391"`},
		{"negative money", &Value{Rat: rat("-1/2"), Unit: UnitMoney, Decimals: SumDecimals}, `"-0.50"`},
		{"rate as fraction", &Value{Rat: rat("4238/6711"), Unit: UnitRatio}, `0.6315005215318135`},
		{"count", &Value{Rat: rat("2089"), Unit: UnitCount}, `2089`},
		{"days unrounded", &Value{Rat: rat("53/4"), Unit: UnitDays}, `13.25`},
		{"null", nil, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(struct {
				V *Value `json:"v"`
			}{tt.v})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"v":` + tt.want + `}`; string(got) != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestCSV(t *testing.T) {
	src := acme(t)
	src.deals[0].Owner = "=HYPERLINK(\"http://x\")"
	res := compute(t, src, "", Query{Key: "revenue", Period: period(t, "2017-Q2", madrid(t)), By: "owner"})
	var buf bytes.Buffer
	if err := res.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	want := "kpi,period,start,end,owner,value,unit,mean,median,count,target,pro_rata_target,achievement,health,elapsed,immature\n" +
		"revenue,2017-Q2,2017-04-01T00:00:00+02:00,2017-07-01T00:00:00+02:00,\"'=HYPERLINK(\"\"http://x\"\")\",1000.00,money,,,1,,,,none,1,false\n" +
		"revenue,2017-Q2,2017-04-01T00:00:00+02:00,2017-07-01T00:00:00+02:00,Ana,0.00,money,,,1,,,,none,1,false\n" +
		"revenue,2017-Q2,2017-04-01T00:00:00+02:00,2017-07-01T00:00:00+02:00,Luis,500.00,money,,,1,,,,none,1,false\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestTable(t *testing.T) {
	src := acme(t)
	src.targets = []rumbo.Target{target(t, "win_rate", "2017-Q2", "", "", "0.8")}
	res := compute(t, src, "", Query{Key: "win_rate", Period: period(t, "2017-Q2", madrid(t))})
	tests := []struct{ lang, want string }{
		{"es", "75,00 %"},
		{"en", "75.00 %"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := res.WriteTable(&buf, tt.lang); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tt.want) || !strings.Contains(buf.String(), map[string]string{"es": "amarillo", "en": "yellow"}[tt.lang]) {
				t.Errorf("table lacks %q:\n%s", tt.want, buf.String())
			}
		})
	}
	if got := formatNumber(rat("10005534"), 2, "es"); got != "10.005.534,00" {
		t.Errorf("formatNumber = %q", got)
	}
}

func TestQueryErrors(t *testing.T) {
	loc := madrid(t)
	tests := []struct {
		name string
		q    Query
		code string
		msg  string
	}{
		{"unknown KPI", Query{Key: "nope"}, rumbo.ENOTFOUND, `unknown KPI "nope" (see rumbo kpi list)`},
		{"dimension the records lack", Query{Key: "csat", By: "owner"}, rumbo.EINVALID, "KPI csat counts surveys, which have no owner"},
		{"campaign spend has no owner", Query{Key: "roas", Filters: []Filter{{"owner", "Ana"}}}, rumbo.EINVALID, "KPI roas counts campaigns, which have no owner"},
		{"bad grain", Query{Key: "revenue", Period: period(t, "2017", loc), Grain: "fortnight"}, rumbo.EINVALID, `unknown grain "fortnight" (valid: day, week, month, quarter, year)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(acme(t), nil).Compute(context.Background(), &rumbo.Org{ID: 1, TimeZone: "Europe/Madrid"}, tt.q)
			if rumbo.ErrorCode(err) != tt.code || rumbo.ErrorMessage(err) != tt.msg {
				t.Errorf("got %v (%s), want %s: %s", err, rumbo.ErrorCode(err), tt.code, tt.msg)
			}
		})
	}
}
