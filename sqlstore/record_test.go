package sqlstore_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rumbo-app/rumbo"
	"github.com/rumbo-app/rumbo/sqlstore"
)

// sampleRecords returns one or more records of every entity, referenced
// records first, every reference resolvable by name.
func sampleRecords() []rumbo.Record {
	return []rumbo.Record{
		&rumbo.Team{ExternalID: "T1", Name: "Ventas"},
		&rumbo.Team{ExternalID: "T2", Name: "Norte", Parent: "Ventas", Fields: rumbo.Fields{"zona": "N"}},
		&rumbo.Person{ExternalID: "P1", Name: "Ana García", Email: "ana@example.com", Team: "Norte", ActiveFrom: day(1)},
		&rumbo.Person{ExternalID: "P2", Name: "Luis Pérez", Email: "luis@example.com", Team: "Ventas", ActiveFrom: day(2), ActiveTo: day(20)},
		&rumbo.Market{ExternalID: "M1", Name: "España", Region: "EU", Status: rumbo.MarketEntered, IdentifiedAt: day(1), AnalysedAt: day(2), EnteredAt: day(3)},
		&rumbo.Market{ExternalID: "M2", Name: "Portugal", Status: rumbo.MarketAnalysed, IdentifiedAt: day(4), AnalysedAt: day(5), New: true},
		&rumbo.Campaign{ExternalID: "C1", Name: "Feria", Channel: "events", Start: day(1), End: day(10), Spend: money(150000)},
		&rumbo.Lead{ExternalID: "L1", CreatedAt: day(3), Owner: "Ana García", Channel: "Web", Campaign: "Feria", Market: "España", Company: "Acme SL", Status: "qualified"},
		&rumbo.Lead{ExternalID: "L2", CreatedAt: day(4), Owner: "luis@example.com", Company: "Beta SA"},
		&rumbo.Deal{ExternalID: "D1", Lead: "L1", Customer: "Acme SL", Owner: "Ana García", Market: "España", Amount: money(1234567), CreatedAt: day(3), ClosedAt: day(15), Stage: "Won", Status: rumbo.DealWon, Fields: rumbo.Fields{"product": "GTX Pro"}},
		&rumbo.Deal{ExternalID: "D2", Customer: "Beta SA", Owner: "Luis Pérez", Status: rumbo.DealOpen},
		&rumbo.Deal{ExternalID: "D3", Lead: "L2", Customer: "Beta SA", Owner: "Luis Pérez", Amount: money(0), CreatedAt: day(5), ClosedAt: day(9), Status: rumbo.DealLost, LostReason: "precio"},
		&rumbo.Activity{ExternalID: "A1", Type: "follow_up_call", Owner: "Ana García", At: day(6), Lead: "L1", Deal: "D1"},
		&rumbo.Survey{ExternalID: "S1", Customer: "Acme SL", SentAt: day(16), AnsweredAt: day(17), Score: intp(4), Scale: rumbo.ScaleCSAT},
		&rumbo.Survey{ExternalID: "S2", Customer: "Beta SA", SentAt: day(16), Scale: rumbo.ScaleNPS},
		&rumbo.Inquiry{ExternalID: "I1", Customer: "Acme SL", Channel: "email", ReceivedAt: day(7), FirstResponseAt: day(8), ResolvedAt: day(21)},
	}
}

func TestPut_Idempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		org := mustOrg(t, db, "acme")
		recs := sampleRecords()
		for i, out := range mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, recs...) {
			if out != rumbo.Inserted {
				t.Errorf("first Put of %s %s = %v, want Inserted", recs[i].Entity(), recs[i].Key(), out)
			}
		}
		first := counts(t, db, org)
		for i, out := range mustPut(t, db, org, rumbo.WriteOptions{Now: t0.Add(time.Hour)}, sampleRecords()...) {
			if out != rumbo.Unchanged {
				t.Errorf("second Put of %s %s = %v, want Unchanged", recs[i].Entity(), recs[i].Key(), out)
			}
		}
		if got := counts(t, db, org); !reflect.DeepEqual(got, first) {
			t.Errorf("counts after second Put = %v, want %v", got, first)
		}
		want := map[rumbo.Entity]int{"teams": 2, "people": 2, "markets": 2, "campaigns": 1, "leads": 2,
			"deals": 3, "activities": 1, "surveys": 2, "inquiries": 1}
		if !reflect.DeepEqual(first, want) {
			t.Errorf("counts = %v, want %v", first, want)
		}
	})
}

// Records read back and written again are unchanged: the readers return
// exactly what Put stores.
func TestPut_ReadBackUnchanged(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, sampleRecords()...)
		var back []rumbo.Record
		for _, e := range rumbo.Entities {
			recs, err := readAll(ctx, db, org, e)
			if err != nil {
				t.Fatal(err)
			}
			back = append(back, recs...)
		}
		for i, out := range mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, back...) {
			if out != rumbo.Unchanged {
				t.Errorf("Put of read-back %s %s = %v, want Unchanged", back[i].Entity(), back[i].Key(), out)
			}
		}
	})
}

func TestPut_Update(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		d := &rumbo.Deal{ExternalID: "D1", Owner: "Ana", Status: rumbo.DealOpen, CreatedAt: day(2)}
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, d)

		d2 := *d
		d2.Status, d2.ClosedAt, d2.Amount = rumbo.DealWon, day(9), money(5000)
		later := t0.Add(48 * time.Hour)
		if outs := mustPut(t, db, org, rumbo.WriteOptions{Now: later}, &d2); outs[0] != rumbo.Updated {
			t.Fatalf("Put of changed deal = %v, want Updated", outs[0])
		}
		got, err := db.Get(ctx, org, rumbo.EntityDeals, "D1")
		if err != nil {
			t.Fatal(err)
		}
		g := got.(*rumbo.Deal)
		if g.Status != rumbo.DealWon || !g.ClosedAt.Equal(day(9)) || g.Amount == nil || *g.Amount != 5000 {
			t.Errorf("stored deal = %+v, want won on day 9 for 5000", g)
		}
		if !g.FirstSeenAt.Equal(t0) {
			t.Errorf("FirstSeenAt = %v, want %v (kept from the first write)", g.FirstSeenAt, t0)
		}
		if n := mustCount(t, db, org, rumbo.EntityDeals); n != 1 {
			t.Errorf("deals = %d, want 1", n)
		}
		spans, err := db.DataSpans(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if !spans[rumbo.EntityDeals].ImportedAt.Equal(later) {
			t.Errorf("deals ImportedAt = %v, want %v", spans[rumbo.EntityDeals].ImportedAt, later)
		}
	})
}

func TestPut_ResolvesReferences(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0},
			&rumbo.Person{ExternalID: "P1", Name: "Ana García", Email: "Ana@Example.com"},
			&rumbo.Deal{ExternalID: "D1", Owner: "Ana García", Status: "open"},
			&rumbo.Deal{ExternalID: "D2", Owner: "  ana@example.COM ", Status: "open"},
			&rumbo.Deal{ExternalID: "D3", Owner: "ANA GARCÍA", Status: "open"},
			&rumbo.Deal{ExternalID: "D4", Owner: "nuevo@example.com", Status: "open"},
			&rumbo.Deal{ExternalID: "D5", Owner: "Pablo", Customer: "Acme", Status: "open"},
			&rumbo.Deal{ExternalID: "D6", Owner: "pablo", Customer: "ACME ", Status: "open"},
		)
		deals, err := db.Deals(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		var got [][2]string
		for _, d := range deals {
			got = append(got, [2]string{d.Owner, d.Customer})
		}
		want := [][2]string{{"Ana García", ""}, {"Ana García", ""}, {"Ana García", ""},
			{"nuevo@example.com", ""}, {"Pablo", "Acme"}, {"Pablo", "Acme"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("deal owners, customers = %q, want %q", got, want)
		}
		people, err := db.People(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		wantPeople := []rumbo.Person{
			{ID: people[0].ID, ExternalID: "P1", Name: "Ana García", Email: "Ana@Example.com"},
			{ID: people[1].ID, ExternalID: "auto:person:nuevo@example.com", Email: "nuevo@example.com"},
			{ID: people[2].ID, ExternalID: "auto:person:Pablo", Name: "Pablo"},
		}
		if !reflect.DeepEqual(people, wantPeople) {
			t.Errorf("people = %+v, want %+v", people, wantPeople)
		}
	})
}

func TestPut_CreatesOnFirstSight(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0},
			&rumbo.Person{ExternalID: "P1", Name: "Ana", Team: "Norte"},
			&rumbo.Team{ExternalID: "T9", Name: "Sub", Parent: "Norte"},
			&rumbo.Lead{ExternalID: "L1", CreatedAt: day(1), Campaign: "Feria", Market: "Chile", Company: "Acme"},
			&rumbo.Deal{ExternalID: "D1", Lead: "L404", Status: "open"},
			&rumbo.Activity{ExternalID: "A1", At: day(2), Lead: "L1", Deal: "D404"},
		)
		teams, _ := db.Teams(ctx, org)
		if len(teams) != 2 || teams[0].ExternalID != "auto:team:Norte" || teams[1].Parent != "Norte" {
			t.Errorf("teams = %+v, want auto:team:Norte and Sub under it", teams)
		}
		leads, _ := db.Leads(ctx, org)
		if l := leads[0]; l.Campaign != "Feria" || l.Market != "Chile" || l.Company != "Acme" {
			t.Errorf("lead = %+v, want campaign Feria, market Chile, company Acme", l)
		}
		deals, _ := db.Deals(ctx, org)
		if deals[0].Lead != "L404" {
			t.Errorf("deal lead = %q, want the soft reference L404", deals[0].Lead)
		}
		acts, _ := db.Activities(ctx, org)
		if acts[0].Lead != "L1" || acts[0].Deal != "D404" {
			t.Errorf("activity lead, deal = %q, %q; want L1, D404", acts[0].Lead, acts[0].Deal)
		}
		for e, want := range map[rumbo.Entity]int{"campaigns": 1, "markets": 1, "teams": 2, "people": 1} {
			if n := mustCount(t, db, org, e); n != want {
				t.Errorf("%s = %d, want %d", e, n, want)
			}
		}
	})
}

func TestPut_StrictRefs(t *testing.T) {
	tests := []struct {
		name, field, msg string
		rec              rumbo.Record
	}{
		{"owner", "owner", `unknown person "Ana"`, &rumbo.Deal{ExternalID: "X", Owner: "Ana", Status: "open"}},
		{"team", "team", `unknown team "Sur"`, &rumbo.Person{ExternalID: "X", Name: "Eva", Team: "Sur"}},
		{"parent", "parent", `unknown team "Sur"`, &rumbo.Team{ExternalID: "X", Name: "Eva", Parent: "Sur"}},
		{"market", "market", `unknown market "Chile"`, &rumbo.Deal{ExternalID: "X", Market: "Chile", Status: "open"}},
		{"campaign", "campaign", `unknown campaign "Feria"`, &rumbo.Lead{ExternalID: "X", CreatedAt: day(1), Campaign: "Feria", Company: "NewCo"}},
		{"deal lead", "lead", `unknown lead "L9"`, &rumbo.Deal{ExternalID: "X", Lead: "L9", Customer: "NewCo", Status: "open"}},
		{"activity lead", "lead", `unknown lead "L9"`, &rumbo.Activity{ExternalID: "X", At: day(1), Lead: "L9"}},
		{"activity deal", "deal", `unknown deal "D9"`, &rumbo.Activity{ExternalID: "X", At: day(1), Deal: "D9"}},
	}
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				org := mustOrg(t, db, "strict-"+tt.field+tt.name[:3])
				opts := rumbo.WriteOptions{Now: t0, StrictRefs: true}
				err := db.Write(ctx, org, opts, func(w rumbo.Writer) error {
					_, err := w.Put(ctx, tt.rec)
					wantFieldError(t, err, tt.field, tt.msg)
					// The transaction stays usable: later rows are kept.
					_, err = w.Put(ctx, &rumbo.Team{ExternalID: "OK", Name: "Válido"})
					return err
				})
				if err != nil {
					t.Fatalf("Write after a FieldError: %v", err)
				}
				want := map[rumbo.Entity]int{"teams": 1, "people": 0, "markets": 0, "campaigns": 0,
					"leads": 0, "deals": 0, "activities": 0, "surveys": 0, "inquiries": 0}
				if got := counts(t, db, org); !reflect.DeepEqual(got, want) {
					t.Errorf("counts = %v, want %v (only the valid team)", got, want)
				}
				// Strict refs still resolve what exists, and create customers.
				if tt.name == "owner" {
					mustPut(t, db, org, opts, &rumbo.Person{ExternalID: "P", Name: "Ana"}, tt.rec)
				}
			})
		}
	})
}

func TestPut_Invalid(t *testing.T) {
	tests := []struct {
		name, field, msg string
		rec              rumbo.Record
	}{
		{"empty id", "external_id", "external id required", &rumbo.Team{ExternalID: "  ", Name: "x"}},
		{"deal status", "status", `invalid deal status "Won" (valid: open, won, lost)`, &rumbo.Deal{ExternalID: "D", Status: "Won"}},
		{"deal no status", "status", "status required (open, won or lost)", &rumbo.Deal{ExternalID: "D"}},
		{"lead created", "created_at", "created_at required", &rumbo.Lead{ExternalID: "L"}},
		{"activity at", "at", "at required", &rumbo.Activity{ExternalID: "A"}},
		{"survey sent", "sent_at", "sent_at required", &rumbo.Survey{ExternalID: "S"}},
		{"survey scale", "scale", `invalid scale "ces" (valid: csat, nps)`, &rumbo.Survey{ExternalID: "S", SentAt: day(1), Scale: "ces"}},
		{"survey score", "score", "score 6 out of range 1–5 for csat", &rumbo.Survey{ExternalID: "S", SentAt: day(1), Score: intp(6)}},
		{"inquiry received", "received_at", "received_at required", &rumbo.Inquiry{ExternalID: "I"}},
		{"market status", "status", `invalid market status "won" (valid: identified, analysed, entered)`, &rumbo.Market{ExternalID: "M", Status: "won"}},
		{"campaign dates", "end", "end is before start", &rumbo.Campaign{ExternalID: "C", Start: day(5), End: day(4)}},
	}
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Write(ctx, org, rumbo.WriteOptions{Now: t0}, func(w rumbo.Writer) error {
					_, err := w.Put(ctx, tt.rec)
					wantFieldError(t, err, tt.field, tt.msg)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if n := mustCount(t, db, org, tt.rec.Entity()); n != 0 {
					t.Errorf("%s = %d after an invalid Put, want 0", tt.rec.Entity(), n)
				}
			})
		}
	})
}

func TestWrite_RollsBackOnError(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0}, &rumbo.Deal{ExternalID: "D0", Status: "open"})
		boom := errors.New("boom")
		err := db.Write(ctx, org, rumbo.WriteOptions{Now: t0.Add(time.Hour)}, func(w rumbo.Writer) error {
			for _, r := range sampleRecords() {
				if _, err := w.Put(ctx, r); err != nil {
					return err
				}
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write error = %v, want boom", err)
		}
		want := map[rumbo.Entity]int{"teams": 0, "people": 0, "markets": 0, "campaigns": 0,
			"leads": 0, "deals": 1, "activities": 0, "surveys": 0, "inquiries": 0}
		if got := counts(t, db, org); !reflect.DeepEqual(got, want) {
			t.Errorf("counts after rollback = %v, want %v", got, want)
		}
		spans, err := db.DataSpans(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if got := spans[rumbo.EntityDeals].ImportedAt; !got.Equal(t0) {
			t.Errorf("deals ImportedAt = %v, want %v (unchanged)", got, t0)
		}
		if got := spans[rumbo.EntityTeams].ImportedAt; !got.IsZero() {
			t.Errorf("teams ImportedAt = %v, want zero", got)
		}
	})
}

// readAll returns every record of an entity through the typed readers.
func readAll(ctx context.Context, db *sqlstore.DB, org int64, e rumbo.Entity) ([]rumbo.Record, error) {
	var out []rumbo.Record
	var err error
	switch e {
	case rumbo.EntityTeams:
		var l []rumbo.Team
		l, err = db.Teams(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntityPeople:
		var l []rumbo.Person
		l, err = db.People(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntityMarkets:
		var l []rumbo.Market
		l, err = db.Markets(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntityCampaigns:
		var l []rumbo.Campaign
		l, err = db.Campaigns(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntityLeads:
		var l []rumbo.Lead
		l, err = db.Leads(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntityDeals:
		var l []rumbo.Deal
		l, err = db.Deals(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntityActivities:
		var l []rumbo.Activity
		l, err = db.Activities(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntitySurveys:
		var l []rumbo.Survey
		l, err = db.Surveys(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	case rumbo.EntityInquiries:
		var l []rumbo.Inquiry
		l, err = db.Inquiries(ctx, org)
		for i := range l {
			out = append(out, &l[i])
		}
	}
	return out, err
}

// A rep first seen as a deal's owner and imported as a person later is one
// person: the record created on first sight takes the real external id.
func TestPut_AdoptsRecordsCreatedOnFirstSight(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqlstore.DB) {
		org := mustOrg(t, db, "acme")
		mustPut(t, db, org, rumbo.WriteOptions{Now: t0},
			&rumbo.Deal{ExternalID: "D1", Owner: "Ana García", Market: "Chile", Status: rumbo.DealOpen},
			&rumbo.Deal{ExternalID: "D2", Owner: "luis@example.com", Status: rumbo.DealOpen})
		outs := mustPut(t, db, org, rumbo.WriteOptions{Now: t0},
			&rumbo.Person{ExternalID: "P1", Name: "Ana García", Team: "Norte"},
			&rumbo.Person{ExternalID: "P2", Name: "Luis Pérez", Email: "luis@example.com"},
			&rumbo.Market{ExternalID: "M1", Name: "Chile", New: true})
		for i, out := range outs {
			if out != rumbo.Updated {
				t.Errorf("Put %d = %v, want Updated (adopted)", i, out)
			}
		}
		people, err := db.People(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		if len(people) != 2 || people[0].ExternalID != "P1" || people[1].ExternalID != "P2" || people[1].Name != "Luis Pérez" {
			t.Errorf("people = %+v, want P1 Ana García and P2 Luis Pérez only", people)
		}
		deals, err := db.Deals(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		if deals[0].Owner != "Ana García" || deals[1].Owner != "Luis Pérez" {
			t.Errorf("deal owners = %q, %q; want Ana García, Luis Pérez", deals[0].Owner, deals[1].Owner)
		}
		if n := mustCount(t, db, org, rumbo.EntityMarkets); n != 1 {
			t.Errorf("markets = %d, want 1", n)
		}
	})
}
