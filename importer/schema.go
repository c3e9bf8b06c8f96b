// Package importer reads CSV exports of a CRM or a spreadsheet into Rumbo's
// canonical records: it detects the delimiter, the encoding, the date layout
// and the decimal separator of every column, applies a column mapping, and
// writes the records of one file in one all-or-nothing transaction, reporting
// every bad row as file:line:column: reason.
package importer

import (
	"time"

	"github.com/rumbo-app/rumbo"
)

// kind is how a cell is parsed into a record field.
type kind uint8

const (
	kString kind = iota // kept as imported, trimmed
	kTime               // a date or date and time
	kMoney              // an amount in the organisation's currency
	kInt                // a whole number
	kBool               // yes / no
	kEnum               // one of a fixed set of lower-case values
)

// fieldSpec describes one canonical field of an entity.
type fieldSpec struct {
	name     string
	kind     kind
	required bool
	enum     []string // kEnum: the canonical values
	endOfDay bool     // kTime: a date without a time means the end of that day
}

// entitySpec describes the importable fields of one entity, in the order of
// the record struct, and builds a record from parsed values in that order.
type entitySpec struct {
	entity rumbo.Entity
	fields []fieldSpec
	// oneOf names fields of which at least one is required (people: name or email).
	oneOf []string
	build func(v []value, f rumbo.Fields) rumbo.Record
}

// value is one parsed cell.
type value struct {
	s   string
	t   time.Time
	m   rumbo.Money
	i   int
	b   bool
	set bool // false for an empty cell: nil amount, zero time
}

func (v *value) money() *rumbo.Money {
	if !v.set {
		return nil
	}
	m := v.m
	return &m
}

func (v *value) int() *int {
	if !v.set {
		return nil
	}
	i := v.i
	return &i
}

func str(name string) fieldSpec { return fieldSpec{name: name} }
func tim(name string) fieldSpec { return fieldSpec{name: name, kind: kTime} }
func req(f fieldSpec) fieldSpec { f.required = true; return f }
func enum(name string, values ...string) fieldSpec {
	return fieldSpec{name: name, kind: kEnum, enum: values}
}

var specs = map[rumbo.Entity]*entitySpec{
	rumbo.EntityTeams: {
		entity: rumbo.EntityTeams,
		fields: []fieldSpec{req(str("external_id")), req(str("name")), str("parent")},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Team{ExternalID: v[0].s, Name: v[1].s, Parent: v[2].s, Fields: f}
		},
	},
	rumbo.EntityPeople: {
		entity: rumbo.EntityPeople,
		fields: []fieldSpec{req(str("external_id")), str("name"), str("email"), str("team"),
			tim("active_from"), tim("active_to")},
		oneOf: []string{"name", "email"},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Person{ExternalID: v[0].s, Name: v[1].s, Email: v[2].s, Team: v[3].s,
				ActiveFrom: v[4].t, ActiveTo: v[5].t, Fields: f}
		},
	},
	rumbo.EntityMarkets: {
		entity: rumbo.EntityMarkets,
		fields: []fieldSpec{req(str("external_id")), req(str("name")), str("region"),
			enum("status", rumbo.MarketIdentified, rumbo.MarketAnalysed, rumbo.MarketEntered),
			tim("identified_at"), tim("analysed_at"), tim("entered_at"), {name: "new", kind: kBool}},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Market{ExternalID: v[0].s, Name: v[1].s, Region: v[2].s, Status: v[3].s,
				IdentifiedAt: v[4].t, AnalysedAt: v[5].t, EnteredAt: v[6].t, New: v[7].b, Fields: f}
		},
	},
	rumbo.EntityCampaigns: {
		entity: rumbo.EntityCampaigns,
		fields: []fieldSpec{req(str("external_id")), req(str("name")), str("channel"), tim("start"),
			{name: "end", kind: kTime, endOfDay: true}, {name: "spend", kind: kMoney}},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Campaign{ExternalID: v[0].s, Name: v[1].s, Channel: v[2].s, Start: v[3].t,
				End: v[4].t, Spend: v[5].money(), Fields: f}
		},
	},
	rumbo.EntityLeads: {
		entity: rumbo.EntityLeads,
		fields: []fieldSpec{req(str("external_id")), req(tim("created_at")), str("owner"), str("channel"),
			str("campaign"), str("market"), str("company"), str("status")},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Lead{ExternalID: v[0].s, CreatedAt: v[1].t, Owner: v[2].s, Channel: v[3].s,
				Campaign: v[4].s, Market: v[5].s, Company: v[6].s, Status: v[7].s, Fields: f}
		},
	},
	rumbo.EntityDeals: {
		entity: rumbo.EntityDeals,
		fields: []fieldSpec{req(str("external_id")), str("lead"), str("customer"), str("owner"),
			str("market"), {name: "amount", kind: kMoney}, tim("created_at"), tim("closed_at"),
			str("stage"), req(enum("status", rumbo.DealOpen, rumbo.DealWon, rumbo.DealLost)),
			str("lost_reason")},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Deal{ExternalID: v[0].s, Lead: v[1].s, Customer: v[2].s, Owner: v[3].s,
				Market: v[4].s, Amount: v[5].money(), CreatedAt: v[6].t, ClosedAt: v[7].t,
				Stage: v[8].s, Status: v[9].s, LostReason: v[10].s, Fields: f}
		},
	},
	rumbo.EntityActivities: {
		entity: rumbo.EntityActivities,
		fields: []fieldSpec{req(str("external_id")), req(str("type")), str("owner"), req(tim("at")),
			str("lead"), str("deal")},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Activity{ExternalID: v[0].s, Type: v[1].s, Owner: v[2].s, At: v[3].t,
				Lead: v[4].s, Deal: v[5].s, Fields: f}
		},
	},
	rumbo.EntitySurveys: {
		entity: rumbo.EntitySurveys,
		fields: []fieldSpec{req(str("external_id")), str("customer"), req(tim("sent_at")),
			tim("answered_at"), {name: "score", kind: kInt}, enum("scale", rumbo.ScaleCSAT, rumbo.ScaleNPS)},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			scale := v[5].s
			if scale == "" {
				scale = rumbo.ScaleCSAT
			}
			return &rumbo.Survey{ExternalID: v[0].s, Customer: v[1].s, SentAt: v[2].t,
				AnsweredAt: v[3].t, Score: v[4].int(), Scale: scale, Fields: f}
		},
	},
	rumbo.EntityInquiries: {
		entity: rumbo.EntityInquiries,
		fields: []fieldSpec{req(str("external_id")), str("customer"), str("channel"),
			req(tim("received_at")), tim("first_response_at"), tim("resolved_at")},
		build: func(v []value, f rumbo.Fields) rumbo.Record {
			return &rumbo.Inquiry{ExternalID: v[0].s, Customer: v[1].s, Channel: v[2].s,
				ReceivedAt: v[3].t, FirstResponseAt: v[4].t, ResolvedAt: v[5].t, Fields: f}
		},
	},
}

// spec returns the spec of an entity, or an EINVALID error.
func spec(e rumbo.Entity) (*entitySpec, error) {
	s, ok := specs[e]
	if !ok {
		_, err := rumbo.ParseEntity(string(e))
		return nil, err
	}
	return s, nil
}

// field returns the index of the named field, or -1.
func (s *entitySpec) field(name string) int {
	for i := range s.fields {
		if s.fields[i].name == name {
			return i
		}
	}
	return -1
}

// names lists the entity's canonical field names, comma separated.
func (s *entitySpec) names() string {
	out := ""
	for i, f := range s.fields {
		if i > 0 {
			out += ", "
		}
		out += f.name
	}
	return out
}

// FieldNames returns the canonical field names (the canonical CSV headers) of an
// entity, in the order of its record, or nil for an unknown entity.
func FieldNames(e rumbo.Entity) []string {
	s, ok := specs[e]
	if !ok {
		return nil
	}
	out := make([]string, len(s.fields))
	for i, f := range s.fields {
		out[i] = f.name
	}
	return out
}

// Required returns the fields an import of the entity cannot do without. For
// people, a name or an e-mail is also required; see docs/import.md.
func Required(e rumbo.Entity) []string {
	s, ok := specs[e]
	if !ok {
		return nil
	}
	var out []string
	for _, f := range s.fields {
		if f.required {
			out = append(out, f.name)
		}
	}
	return out
}
