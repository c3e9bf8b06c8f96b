package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/okr"
)

func TestOKRStatusIsTheCLIJSON(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	f.okrs()
	viewer := f.session(f.users["viewer"], false)
	res := f.do(viewer, "GET", "/api/v1/okrs/status?period=2026-Q1", "", "")
	if res.code != 200 {
		t.Fatalf("status: %d %s", res.code, res.body)
	}
	loc, _ := f.acme.Location()
	p, _ := rumbo.ParsePeriod("2026-Q1", loc)
	st, err := okr.New(f.db, f.clock.now).Status(context.Background(), f.acme, p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(st)
	var got bytes.Buffer
	json.Compact(&got, []byte(res.body))
	if got.String() != string(want) {
		t.Errorf("API status\n%s\nwant the service's\n%s", got.String(), want)
	}
	if n := len(st.Objectives); n != 3 {
		t.Errorf("%d objectives, want 3", n)
	}
	member := f.session(f.users["member"], false)
	if body := f.do(member, "GET", "/api/v1/okrs/status?period=2026-Q1", "", "").body; strings.Contains(body, "Luis") || !strings.Contains(body, "Objetivo de Ana") {
		t.Errorf("member's status must hide Luis's objective and show Ana's:\n%s", body)
	}
	if res := f.do(viewer, "GET", "/api/v1/okrs/status?periodo=2026-Q1", "", ""); res.code != 400 {
		t.Errorf("unknown parameter: %d", res.code)
	}
}

func TestCheckIns(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	o := f.okrs()
	f.put(f.acme, rumbo.EntityPeople, `{"external_id":"p-ana","name":"Ana López","team":"Norte"}`)
	norte := f.objective("Objetivo del Norte", rumbo.OwnerTeam, "Norte", true)
	sur := f.objective("Objetivo del Sur", rumbo.OwnerTeam, "Sur", true)
	member := f.session(f.users["member"], false)
	viewer := f.session(f.users["viewer"], false)
	manager, _ := f.token(f.users["manager"], f.acme)
	path := func(kr int64) string { return fmt.Sprintf("/api/v1/key-results/%d/check-ins", kr) }
	tests := []struct {
		name string
		who  cred
		kr   int64
		body string
		code int
	}{
		{"member on their own key result", member, o.ana.KeyResults[0].ID, `{"value":"40","confidence":6,"comment":"dos clientes retrasan"}`, 201},
		{"member on their team's key result", member, norte.KeyResults[0].ID, `{"confidence":8}`, 201},
		{"member on another team's key result", member, sur.KeyResults[0].ID, `{"confidence":8}`, 403},
		{"member on the organisation's key result", member, o.org.KeyResults[0].ID, `{"confidence":8}`, 403},
		{"member on another rep's key result", member, o.luis.KeyResults[0].ID, `{"confidence":8}`, 404},
		{"viewer never", viewer, o.ana.KeyResults[0].ID, `{"confidence":8}`, 403},
		{"manager on any", manager, o.luis.KeyResults[0].ID, `{"value":"35"}`, 201},
		{"confidence out of range", manager, o.org.KeyResults[0].ID, `{"confidence":11}`, 400},
		{"value that is not a number", manager, o.org.KeyResults[0].ID, `{"value":"mucho"}`, 400},
		{"an author cannot be chosen", manager, o.org.KeyResults[0].ID, `{"author":"jefa@acme.test"}`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(tc.who, "POST", path(tc.kr), "application/json", tc.body)
			if res.code != tc.code {
				t.Errorf("status %d, want %d: %s", res.code, tc.code, res.body)
			}
		})
	}
	list := f.do(member, "GET", path(o.ana.KeyResults[0].ID), "", "").json(t)["check_ins"].([]any)
	if len(list) != 1 {
		t.Fatalf("%d check-ins, want 1", len(list))
	}
	ci := list[0].(map[string]any)
	if ci["author"] != "member@acme.test" || ci["value"] != "40" || ci["confidence"] != 6.0 {
		t.Errorf("check-in %v: want author member@acme.test, value 40, confidence 6", ci)
	}
}

func TestObjectivesAPI(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	admin, _ := f.token(f.users["admin"], f.acme)
	res := f.do(admin, "POST", "/api/v1/objectives", "application/json",
		`{"title":"Crecer","type":"aspirational","period":"2026-Q2","key_results":[`+
			`{"title":"Ingresos +20 %","kind":"metric","kpi":"revenue","change_kind":"relative","change":"20%"},`+
			`{"title":"NPS","kind":"manual","unit":"number","start":30,"target":"45"}]}`)
	if res.code != 201 {
		t.Fatalf("create: %d %s", res.code, res.body)
	}
	o := res.json(t)
	krs := o["key_results"].([]any)
	metric := krs[0].(map[string]any)
	got := fmt.Sprintf("%v %v %v %v %v %v", o["type"], o["period"].(map[string]any)["label"], len(krs), metric["baseline"], metric["change"], krs[1].(map[string]any)["target"])
	if want := "aspirational 2026-Q2 2 previous_quarter 0.2 45"; got != want {
		t.Errorf("objective %q, want %q\n%s", got, want, res.body)
	}
	tests := []struct {
		name, method, path, body string
		code                     int
	}{
		{"unknown KPI", "POST", fmt.Sprintf("/api/v1/objectives/%v/key-results", o["id"]), `{"title":"x","kind":"metric","kpi":"nope","change_kind":"absolute","change":1}`, 400},
		{"bad kind", "POST", fmt.Sprintf("/api/v1/objectives/%v/key-results", o["id"]), `{"title":"x","kind":"magic"}`, 400},
		{"a decrease of a total", "POST", fmt.Sprintf("/api/v1/objectives/%v/key-results", o["id"]),
			`{"title":"x","kind":"metric","kpi":"revenue","direction":"decrease","change_kind":"relative","change":"0.2"}`, 400},
		{"points on a total", "POST", fmt.Sprintf("/api/v1/objectives/%v/key-results", o["id"]),
			`{"title":"x","kind":"metric","kpi":"revenue","change_kind":"points","change":"0.2"}`, 400},
		{"a decrease of a rate", "POST", fmt.Sprintf("/api/v1/objectives/%v/key-results", o["id"]),
			`{"title":"x","kind":"metric","kpi":"conversion_rate","direction":"decrease","change_kind":"relative","change":"0.2"}`, 201},
		{"patch title", "PATCH", fmt.Sprintf("/api/v1/objectives/%v", o["id"]), `{"title":"Crecer más"}`, 200},
		{"key results are not patched here", "PATCH", fmt.Sprintf("/api/v1/objectives/%v", o["id"]), `{"key_results":[]}`, 400},
		{"template twice", "POST", "/api/v1/okrs/templates/ventas/apply", `{"period":"2026-Q3"}`, 201},
		{"template twice, again", "POST", "/api/v1/okrs/templates/ventas/apply", `{"period":"2026-Q3"}`, 409},
		{"unknown template", "POST", "/api/v1/okrs/templates/nada/apply", `{"period":"2026-Q3"}`, 404},
		{"close a period not ended", "POST", "/api/v1/okrs/close", `{"period":"2026-Q2"}`, 400},
		{"exclude a bad week", "PUT", "/api/v1/okrs/excluded-weeks/semana-15", "", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(admin, tc.method, tc.path, "application/json", tc.body)
			if res.code != tc.code {
				t.Errorf("status %d, want %d: %s", res.code, tc.code, res.body)
			}
		})
	}
}
