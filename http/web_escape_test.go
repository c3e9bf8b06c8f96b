package http

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rumbo-app/rumbo"
)

// escaping stores a KPI, an objective and a key result whose names are
// markup and checks that every page shows them as text.
func (e *webEnv) escaping(t *testing.T) {
	ctx := context.Background()
	const kpiName = `<script>alert("kpi")</script>`
	const objTitle = `"><img src=x onerror=alert(1)>`
	const krTitle = `<script>alert("kr")</script>`
	d := rumbo.KPIDef{Key: "xss_kpi", Name: map[string]string{"es": kpiName, "en": kpiName}, Unit: "count", Additive: true,
		Aggregate: &rumbo.Aggregate{Entity: rumbo.EntityDeals, Func: "count"}}
	if err := e.db.SaveKPI(ctx, e.org.ID, &d); err != nil {
		t.Fatal(err)
	}
	loc, _ := e.org.Location()
	cur := rumbo.PeriodOf(webNow.In(loc), rumbo.GrainQuarter, loc)
	o := &rumbo.Objective{Title: objTitle, OwnerKind: rumbo.OwnerOrg, Period: cur, Type: rumbo.Committed,
		KeyResults: []rumbo.KeyResult{{Title: krTitle, Kind: rumbo.KRManual, Unit: rumbo.ManualYesNo}}}
	if err := e.db.CreateObjective(ctx, e.org.ID, o); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ path, wait, want string }{
		{"/kpis/xss_kpi", "#kpi-title", kpiName},
		{"/", "#add-kpi", kpiName},
		{"/okrs", ".okr-table", objTitle},
		{fmt.Sprintf("/okrs/kr/%d", o.KeyResults[0].ID), "#kr-detail", krTitle},
	} {
		e.run(t, chromedp.Navigate(e.url+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		imgs := evalJS[int](t, e, `document.querySelectorAll('img[src="x"], script:not([src]):not([type])').length`)
		text := evalJS[string](t, e, `document.body.innerText + Array.from(document.querySelectorAll("option")).map(o => o.textContent).join(" ")`)
		if imgs != 0 {
			t.Errorf("%s: %d injected elements", p.path, imgs)
		}
		if !strings.Contains(text, p.want) {
			t.Errorf("%s: the text %q is not shown as text", p.path, p.want)
		}
	}
	e.tooltipEscaping(t, kpiName)
}

// tooltipJS shows the tooltip of the chart drawn in the element matching
// sel, at the category named (or the first when name is ""), and returns
// "ok" or what went wrong.
const tooltipJS = `((sel, name) => {
  const el = document.querySelector(sel);
  const c = el && window.echarts && echarts.getInstanceByDom(el);
  if (!c) return "no chart at " + sel;
  const opt = c.getOption();
  const axis = (opt.yAxis || []).concat(opt.xAxis || []).find(a => a.type === "category");
  const i = name ? axis.data.indexOf(name) : 0;
  if (i < 0) return "no category " + name + " in " + JSON.stringify(axis.data);
  c.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
  return "ok";
})`

// tooltipEscaping checks that the charts' tooltips, which ECharts shows as
// HTML, show names from the organisation's data as text: a KPI's name on
// its series chart and a rep's name on the breakdown by rep.
func (e *webEnv) tooltipEscaping(t *testing.T, kpiName string) {
	const rep = `"><img src=x onerror=alert("rep")>`
	ctx := context.Background()
	loc, _ := e.org.Location()
	closed := webNow.In(loc).AddDate(0, 0, -3)
	amount := rumbo.Money(100)
	err := e.db.Write(ctx, e.org.ID, rumbo.WriteOptions{Now: webNow}, func(w rumbo.Writer) error {
		_, err := w.Put(ctx, &rumbo.Deal{ExternalID: "XSS-1", Owner: rep, Customer: "Cliente XSS", Amount: &amount,
			CreatedAt: closed.AddDate(0, 0, -10), ClosedAt: closed, Status: rumbo.DealWon})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Wait out the KPI answers the server may have cached before the write.
	time.Sleep(DefaultKPICacheTTL + 100*time.Millisecond)
	for _, c := range []struct{ path, chart, name, want string }{
		{"/kpis/xss_kpi?grain=week", `[data-chart="series"]`, "", kpiName},
		{"/kpis/revenue?by=owner", `[data-chart="breakdown"]`, rep, rep + ": "},
	} {
		e.run(t, chromedp.Navigate(e.url+c.path), chromedp.WaitVisible(chromedp.CSS(c.chart+" svg")))
		if got := evalJS[string](t, e, tooltipJS+`(`+jsString(c.chart)+`, `+jsString(c.name)+`)`); got != "ok" {
			t.Fatalf("%s: %s", c.path, got)
		}
		e.poll(t, `Array.from(document.querySelectorAll(`+jsString(c.chart+" div")+`)).some(d => d.textContent.includes(`+jsString(c.want)+`))`)
		if n := evalJS[int](t, e, `document.querySelectorAll('img[src="x"], script:not([src]):not([type])').length`); n != 0 {
			t.Errorf("%s: the tooltip made %d elements of the name %q", c.path, n, c.want)
		}
		if !strings.Contains(evalJS[string](t, e, `document.querySelector(`+jsString(c.chart)+`).innerHTML`), "&lt;") {
			t.Errorf("%s: the tooltip does not escape %q", c.path, c.want)
		}
		e.run(t) // fails on any console error, such as a blocked inline handler
	}
}
