package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/metric"
	"github.com/rumbo-app/rumbo/sqlstore"
	"github.com/rumbo-app/rumbo/sqlstore/sqlstoretest"
)

func TestRecordsAPI(t *testing.T) {
	sqlstoretest.ForEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		m, _ := f.token(f.users["manager"], f.acme)

		// Create, read back, replace, patch.
		got := f.do(m, "POST", "/api/v1/deals", "application/json",
			`{"external_id":"D-1","owner":"Ana López","status":"open","amount":1234.5,"created_at":"2026-02-01","fields":{"source":"web"}}`)
		if got.code != 201 || !strings.Contains(got.body, `"amount":"1234.50"`) || !strings.Contains(got.body, `"created_at":"2026-01-31T23:00:00Z"`) {
			t.Fatalf("create: %d %s", got.code, got.body)
		}
		if got := f.do(m, "POST", "/api/v1/deals", "application/json", `{"external_id":"D-1","status":"open"}`); got.code != 409 {
			t.Errorf("create twice: %d %s", got.code, got.body)
		}
		if got := f.do(m, "PATCH", "/api/v1/deals/D-1", "application/json", `{"status":"won","closed_at":"2026-02-10T10:00:00+01:00"}`); got.code != 200 ||
			!strings.Contains(got.body, `"status":"won"`) || !strings.Contains(got.body, `"amount":"1234.50"`) || !strings.Contains(got.body, `"source":"web"`) {
			t.Errorf("patch keeps the other fields: %d %s", got.code, got.body)
		}
		if got := f.do(m, "PUT", "/api/v1/deals/D-1", "application/json", `{"external_id":"D-2","status":"won"}`); got.code != 400 {
			t.Errorf("put with another id: %d", got.code)
		}
		bad := f.do(m, "POST", "/api/v1/deals", "application/json", `{"external_id":"D-3","status":"maybe","colour":"red","amount":"1,5"}`)
		if bad.code != 422 || !strings.Contains(bad.body, `"field":"colour"`) || !strings.Contains(bad.body, `"field":"amount"`) {
			t.Errorf("invalid record: %d %s", bad.code, bad.body)
		}
		if bad := f.do(m, "POST", "/api/v1/deals", "application/json", `{"external_id":"D-3","status":"maybe"}`); bad.code != 422 || !strings.Contains(bad.body, `"field":"status"`) {
			t.Errorf("store validation: %d %s", bad.code, bad.body)
		}

		// Bulk: all or nothing, every bad item reported with its index.
		bulk := `[{"external_id":"B-1","status":"won"},{"external_id":"B-2","status":"nope"},{"external_id":"B-3","at":"x"},{"external_id":"B-4","status":"lost"}]`
		got = f.do(m, "POST", "/api/v1/deals/bulk", "application/json", bulk)
		var eb errorBody
		json.Unmarshal([]byte(got.body), &eb)
		if got.code != 422 || len(eb.Error.Details) != 1 || *eb.Error.Details[0].Index != 2 || eb.Error.Details[0].Field != "at" {
			t.Errorf("bulk with bad items: %d %s", got.code, got.body)
		}
		if _, err := f.db.Get(context.Background(), f.acme.ID, rumbo.EntityDeals, "B-1"); rumbo.ErrorCode(err) != rumbo.ENOTFOUND {
			t.Errorf("a rejected bulk load kept B-1: %v", err)
		}
		got = f.do(m, "POST", "/api/v1/deals/bulk", "application/json", `[{"external_id":"B-1","status":"won"},{"external_id":"B-2","status":"nope"}]`)
		if got.code != 422 || !strings.Contains(got.body, `"index":1,"field":"status"`) {
			t.Errorf("bulk rejected by the store: %d %s", got.code, got.body)
		}
		nd := "{\"external_id\":\"B-1\",\"status\":\"won\"}\n\n{\"external_id\":\"D-1\",\"status\":\"won\",\"amount\":\"1234.50\",\"owner\":\"Ana López\"}\n"
		got = f.do(m, "POST", "/api/v1/deals/bulk", "application/x-ndjson", nd)
		if got.code != 200 || got.body != "{\"inserted\":1,\"unchanged\":0,\"updated\":1}\n" {
			t.Errorf("NDJSON bulk: %d %s", got.code, got.body)
		}

		// Pages follow one another.
		var xids []string
		path := "/api/v1/deals?limit=2"
		for range 10 {
			got := f.do(m, "GET", path, "", "")
			var page struct {
				Data []struct {
					ExternalID string `json:"external_id"`
				} `json:"data"`
				Next *string `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(got.body), &page); err != nil || got.code != 200 {
				t.Fatalf("list: %d %s", got.code, got.body)
			}
			for _, d := range page.Data {
				xids = append(xids, d.ExternalID)
			}
			if page.Next == nil {
				break
			}
			path = "/api/v1/deals?limit=2&cursor=" + *page.Next
		}
		if fmt.Sprint(xids) != "[ana-deal fx-deals D-1 B-1]" {
			t.Errorf("paged deals = %v", xids)
		}
		if got := f.do(m, "GET", "/api/v1/deals?colour=red", "", ""); got.code != 400 || !strings.Contains(got.body, "valid:") {
			t.Errorf("unknown filter: %d %s", got.code, got.body)
		}

		// A referenced person is not deleted; deactivation is offered.
		got = f.do(m, "DELETE", "/api/v1/people/p-ana", "", "")
		if got.code != 409 || !strings.Contains(got.body, "active_to") {
			t.Errorf("delete a referenced person: %d %s", got.code, got.body)
		}
		if got := f.do(m, "PATCH", "/api/v1/people/p-ana", "application/json", `{"active_to":"2026-03-01"}`); got.code != 200 {
			t.Errorf("deactivate: %d %s", got.code, got.body)
		}
		if got := f.do(m, "DELETE", "/api/v1/deals/B-1", "", ""); got.code != 204 {
			t.Errorf("delete: %d %s", got.code, got.body)
		}
	})
}

func TestMemberSeesOwnFigures(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	member := f.session(f.users["member"], false)
	got := f.do(member, "GET", "/api/v1/kpis/revenue/values?period=2026-Q1&by=owner", "", "")
	if got.code != 200 || !strings.Contains(got.body, `"owner":"Ana López"`) || strings.Contains(got.body, "Luis") {
		t.Errorf("member's revenue by owner: %d %s", got.code, got.body)
	}
	if got := f.do(member, "GET", "/api/v1/kpis/revenue/values?period=2026-Q1&filter=owner%3DLuis", "", ""); got.code != 403 {
		t.Errorf("member filtering on another rep: %d", got.code)
	}
	if got := f.do(member, "GET", "/api/v1/deals", "", ""); !strings.Contains(got.body, "ana-deal") || strings.Contains(got.body, "fx-deals") {
		t.Errorf("member's deals: %s", got.body)
	}
	// With the leaderboard on, members see every rep.
	admin := f.session(f.users["admin"], false)
	if got := f.do(admin, "PATCH", "/api/v1/org", "application/json", `{"leaderboard":true}`); got.code != 200 {
		t.Fatal(got.body)
	}
	if got := f.do(member, "GET", "/api/v1/kpis/revenue/values?period=2026-Q1&by=owner", "", ""); !strings.Contains(got.body, `"owner":"Luis"`) {
		t.Errorf("leaderboard on: %s", got.body)
	}
	// The currency is fixed once records exist.
	if got := f.do(admin, "PATCH", "/api/v1/org", "application/json", `{"currency":"USD"}`); got.code != 409 {
		t.Errorf("currency change with records: %d %s", got.code, got.body)
	}
}

func TestKPIValuesMatchEngine(t *testing.T) {
	f := newFixture(t, mustOpen(t))
	v := f.session(f.users["viewer"], false)
	for _, q := range []struct {
		path  string
		query metric.Query
	}{
		{"/api/v1/kpis/revenue/values?period=2026-Q1&grain=month", metric.Query{Key: "revenue", Grain: rumbo.GrainMonth}},
		{"/api/v1/kpis/win_rate/values?period=2026-Q1&by=owner", metric.Query{Key: "win_rate", By: "owner"}},
	} {
		got := f.do(v, "GET", q.path, "", "")
		loc, _ := f.acme.Location()
		p, _ := rumbo.ParsePeriod("2026-Q1", loc)
		q.query.Period = &p
		org, _ := f.db.FindOrg(context.Background(), "acme")
		res, err := metric.New(f.db, f.clock.now).Compute(context.Background(), org, q.query)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(res)
		if got.code != 200 || !bytes.Equal(bytes.TrimSpace([]byte(got.body)), want) {
			t.Errorf("%s:\n got %s\nwant %s", q.path, got.body, want)
		}
	}
	if got := f.do(v, "GET", "/api/v1/kpis/nope/values", "", ""); got.code != 404 {
		t.Errorf("unknown KPI: %d", got.code)
	}
	if got := f.do(v, "GET", "/api/v1/kpis/revenue/values?colour=red", "", ""); got.code != 400 {
		t.Errorf("unknown parameter: %d", got.code)
	}
}
