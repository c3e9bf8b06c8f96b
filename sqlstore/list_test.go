package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

func TestListRecords(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org, other := mustOrg(t, db, "acme"), mustOrg(t, db, "other")
		recs := []rumbo.Record{
			&rumbo.Person{ExternalID: "p1", Name: "Ana López", Email: "ana@acme.es"},
			&rumbo.Person{ExternalID: "p2", Name: "Luis"},
		}
		for i := range 7 {
			owner := "Ana López"
			if i%2 == 1 {
				owner = "Luis"
			}
			status := rumbo.DealWon
			if i == 6 {
				status = rumbo.DealOpen
			}
			recs = append(recs, &rumbo.Deal{ExternalID: fmt.Sprintf("d%d", i), Owner: owner, Status: status,
				Customer: "Cliente " + fmt.Sprint(i%3), CreatedAt: day(i + 1), ClosedAt: day(i + 2), Amount: money(100)})
		}
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, recs...)
		mustPut(t, db, other, rumbo.WriteOptions{Now: t0}, &rumbo.Deal{ExternalID: "x1", Owner: "Ana López", Status: rumbo.DealWon})

		xids := func(p *rumbo.RecordPage) []string {
			var s []string
			for _, r := range p.Records {
				s = append(s, r.Key())
			}
			return s
		}
		tests := []struct {
			name    string
			q       rumbo.ListQuery
			want    string
			wantErr string
		}{
			{"all", rumbo.ListQuery{}, "[d0 d1 d2 d3 d4 d5 d6]", ""},
			{"owner by name, any case", rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "owner", Value: "ana lópez"}}}, "[d0 d2 d4 d6]", ""},
			{"owner by e-mail", rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "owner", Value: "ANA@acme.es"}}}, "[d0 d2 d4 d6]", ""},
			{"two filters", rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "owner", Value: "Ana López"}, {Field: "status", Value: "open"}}}, "[d6]", ""},
			{"customer", rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "customer", Value: "cliente 1"}}}, "[d1 d4]", ""},
			{"no match", rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "status", Value: "lost"}}}, "[]", ""},
			{"injection is a value", rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "status", Value: "won' OR '1'='1"}}}, "[]", ""},
			{"unknown field", rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "amount; DROP TABLE deals", Value: "1"}}}, "", rumbo.EINVALID},
			{"limit too big", rumbo.ListQuery{Limit: 501}, "", rumbo.EINVALID},
			{"bad cursor", rumbo.ListQuery{Cursor: "abc"}, "", rumbo.EINVALID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := db.ListRecords(ctx, org, rumbo.EntityDeals, tt.q)
				if tt.wantErr != "" {
					wantCode(t, err, tt.wantErr, "")
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(xids(p)); got != tt.want || p.Next != "" {
					t.Errorf("got %s (next %q), want %s", got, p.Next, tt.want)
				}
			})
		}
		// Pages of three follow one another and end with an empty cursor.
		var got []string
		q := rumbo.ListQuery{Limit: 3}
		for pages := 0; ; pages++ {
			p, err := db.ListRecords(ctx, org, rumbo.EntityDeals, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, xids(p)...)
			if p.Next == "" {
				if pages != 2 {
					t.Errorf("%d pages, want 3", pages+1)
				}
				break
			}
			q.Cursor = p.Next
		}
		if fmt.Sprint(got) != "[d0 d1 d2 d3 d4 d5 d6]" {
			t.Errorf("paged = %v", got)
		}
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 7 {
			t.Errorf("deals after the injection attempt: %d, want 7", n)
		}
		people, err := db.ListRecords(ctx, org, rumbo.EntityPeople, rumbo.ListQuery{Filters: []rumbo.FieldFilter{{Field: "name", Value: "luis"}}})
		if err != nil || fmt.Sprint(xids(people)) != "[p2]" {
			t.Errorf("people named luis = %v, %v", people, err)
		}
	})
}
