package rumbo

import "time"

// Entity names a kind of record Rumbo imports and measures.
type Entity string

// The entities of the canonical model, in the order an import of a whole
// CRM should load them (referenced records first).
const (
	EntityTeams      Entity = "teams"
	EntityPeople     Entity = "people"
	EntityMarkets    Entity = "markets"
	EntityCampaigns  Entity = "campaigns"
	EntityLeads      Entity = "leads"
	EntityDeals      Entity = "deals"
	EntityActivities Entity = "activities"
	EntitySurveys    Entity = "surveys"
	EntityInquiries  Entity = "inquiries"
)

// Entities lists every entity in load order.
var Entities = []Entity{
	EntityTeams, EntityPeople, EntityMarkets, EntityCampaigns, EntityLeads,
	EntityDeals, EntityActivities, EntitySurveys, EntityInquiries,
}

// ParseEntity returns the Entity named s, or an EINVALID error listing the
// valid names.
func ParseEntity(s string) (Entity, error) {
	for _, e := range Entities {
		if string(e) == s {
			return e, nil
		}
	}
	return "", Errorf(EINVALID, "unknown entity %q (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)", s)
}

// Record is any imported record. Every record has an external id, unique per
// organisation and entity, so that re-importing updates instead of duplicating.
type Record interface {
	Entity() Entity
	Key() string // the external id
}

// Fields holds a record's custom fields, by name. Values are kept as imported.
type Fields map[string]string

// Team is a group of people; teams may nest through Parent.
type Team struct {
	ID         int64
	ExternalID string
	Name       string
	Parent     string // parent team's name; "" for none
	Fields     Fields
}

// Person is a sales or marketing rep.
type Person struct {
	ID         int64
	ExternalID string
	Name       string
	Email      string
	Team       string    // team name; "" for none
	ActiveFrom time.Time // zero: unknown
	ActiveTo   time.Time // zero: still active
	Fields     Fields
}

// Market statuses, in the order a market goes through them.
const (
	MarketIdentified = "identified"
	MarketAnalysed   = "analysed"
	MarketEntered    = "entered"
)

// Market is a geographic or vertical market.
type Market struct {
	ID           int64
	ExternalID   string
	Name         string
	Region       string
	Status       string // identified, analysed, entered or ""
	IdentifiedAt time.Time
	AnalysedAt   time.Time
	EnteredAt    time.Time
	New          bool // flagged as a new market
	Fields       Fields
}

// Campaign is a marketing campaign with a spend.
type Campaign struct {
	ID         int64
	ExternalID string
	Name       string
	Channel    string
	Start      time.Time
	End        time.Time // inclusive last instant; zero: open-ended
	Spend      *Money
	Fields     Fields
}

// Lead is a first contact with a potential customer.
type Lead struct {
	ID         int64
	ExternalID string
	CreatedAt  time.Time // first contact; required
	Owner      string    // person name or e-mail
	Channel    string    // source channel, free text as imported
	Campaign   string    // campaign name
	Market     string    // market name
	Company    string    // customer name
	Status     string
	Fields     Fields
}

// Deal statuses.
const (
	DealOpen = "open"
	DealWon  = "won"
	DealLost = "lost"
)

// Deal is a sales opportunity.
type Deal struct {
	ID          int64
	ExternalID  string
	Lead        string // the lead's external id; "" for none
	Customer    string // customer (company) name
	Owner       string // person name or e-mail
	Market      string // market name
	Amount      *Money // nil: unknown
	CreatedAt   time.Time
	ClosedAt    time.Time
	Stage       string
	Status      string // open, won or lost; required
	LostReason  string
	FirstSeenAt time.Time // set by Rumbo when first stored
	Fields      Fields
}

// Activity is a call, meeting, presentation or other touch by a rep.
type Activity struct {
	ID         int64
	ExternalID string
	Type       string // call, follow_up_call, presentation, meeting, demo, email…
	Owner      string
	At         time.Time // required
	Lead       string    // lead external id
	Deal       string    // deal external id
	Fields     Fields
}

// Survey scales.
const (
	ScaleCSAT = "csat" // 1–5
	ScaleNPS  = "nps"  // 0–10
)

// Survey is a satisfaction survey sent to a customer.
type Survey struct {
	ID         int64
	ExternalID string
	Customer   string
	SentAt     time.Time // required
	AnsweredAt time.Time
	Score      *int
	Scale      string // csat (default) or nps
	Fields     Fields
}

// Inquiry is a customer's question or request and how fast it was handled.
type Inquiry struct {
	ID              int64
	ExternalID      string
	Customer        string
	Channel         string
	ReceivedAt      time.Time // required
	FirstResponseAt time.Time
	ResolvedAt      time.Time
	Fields          Fields
}

// Entity implements Record.
func (*Team) Entity() Entity     { return EntityTeams }
func (*Person) Entity() Entity   { return EntityPeople }
func (*Market) Entity() Entity   { return EntityMarkets }
func (*Campaign) Entity() Entity { return EntityCampaigns }
func (*Lead) Entity() Entity     { return EntityLeads }
func (*Deal) Entity() Entity     { return EntityDeals }
func (*Activity) Entity() Entity { return EntityActivities }
func (*Survey) Entity() Entity   { return EntitySurveys }
func (*Inquiry) Entity() Entity  { return EntityInquiries }

// Key implements Record.
func (r *Team) Key() string     { return r.ExternalID }
func (r *Person) Key() string   { return r.ExternalID }
func (r *Market) Key() string   { return r.ExternalID }
func (r *Campaign) Key() string { return r.ExternalID }
func (r *Lead) Key() string     { return r.ExternalID }
func (r *Deal) Key() string     { return r.ExternalID }
func (r *Activity) Key() string { return r.ExternalID }
func (r *Survey) Key() string   { return r.ExternalID }
func (r *Inquiry) Key() string  { return r.ExternalID }
