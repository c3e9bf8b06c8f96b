package rumbo

import (
	"context"
	"time"
)

// Org is an organisation: one company whose data never crosses to another.
type Org struct {
	ID        int64
	Slug      string
	Name      string
	Currency  string // ISO 4217, EUR by default; fixed once records exist
	TimeZone  string // IANA name, Europe/Madrid by default
	CreatedAt time.Time
}

// Default organisation settings.
const (
	DefaultOrgSlug  = "default"
	DefaultCurrency = "EUR"
	DefaultTimeZone = "Europe/Madrid"
)

// Location returns the organisation's time zone.
func (o *Org) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(o.TimeZone)
	if err != nil {
		return nil, Errorf(EINVALID, "organisation %s: unknown time zone %q", o.Slug, o.TimeZone)
	}
	return loc, nil
}

// OrgService manages organisations.
type OrgService interface {
	// CreateOrg stores a new organisation, filling defaults for empty
	// Currency and TimeZone, and sets o.ID. ECONFLICT if the slug exists.
	CreateOrg(ctx context.Context, o *Org) error
	// FindOrg returns the organisation with the slug, or ENOTFOUND.
	FindOrg(ctx context.Context, slug string) (*Org, error)
	// Orgs lists every organisation by slug.
	Orgs(ctx context.Context) ([]Org, error)
}

// Outcome says what a write did to a record.
type Outcome int

// Outcomes of Writer.Put.
const (
	Unchanged Outcome = iota
	Inserted
	Updated
)

// WriteOptions control a write transaction.
type WriteOptions struct {
	// StrictRefs makes a reference to a missing person, team, market,
	// campaign or lead a *FieldError instead of creating the referenced
	// record on first sight. Customers are always created on first sight.
	StrictRefs bool
	// Now is the time recorded as the import time of every entity written
	// and as first_seen_at of new deals.
	Now time.Time
}

// Writer upserts records inside one transaction.
type Writer interface {
	// Put inserts the record, or updates the stored one with the same
	// external id, and reports which. Writing a record identical to the
	// stored one changes nothing. A bad reference is a *FieldError; the
	// transaction stays usable after it.
	Put(ctx context.Context, r Record) (Outcome, error)
}

// RecordService creates, updates and deletes records.
type RecordService interface {
	// Write runs fn in one transaction on the organisation's records: if
	// fn returns an error, nothing fn wrote is kept. For every entity written,
	// the import time (data as of) becomes opts.Now.
	Write(ctx context.Context, orgID int64, opts WriteOptions, fn func(Writer) error) error
	// Delete removes the records with these external ids, all or none:
	// ENOTFOUND naming the first id that does not exist.
	Delete(ctx context.Context, orgID int64, e Entity, externalIDs []string) error
	// Get returns one record (a *Deal, *Lead…), or ENOTFOUND.
	Get(ctx context.Context, orgID int64, e Entity, externalID string) (Record, error)
	// Count returns how many records of the entity the organisation holds.
	Count(ctx context.Context, orgID int64, e Entity) (int, error)
}

// DataSpan is what is known about an entity's data in one organisation.
type DataSpan struct {
	Count      int
	First      time.Time // earliest time on any record's time fields; zero if none
	Last       time.Time // latest such time
	ImportedAt time.Time // last write of this entity (data as of); zero if never
}

// RecordReader reads an organisation's records with references resolved to
// names (Deal.Owner is the person's name, Person.Team the team's name…).
type RecordReader interface {
	Teams(ctx context.Context, orgID int64) ([]Team, error)
	People(ctx context.Context, orgID int64) ([]Person, error)
	Markets(ctx context.Context, orgID int64) ([]Market, error)
	Campaigns(ctx context.Context, orgID int64) ([]Campaign, error)
	Leads(ctx context.Context, orgID int64) ([]Lead, error)
	Deals(ctx context.Context, orgID int64) ([]Deal, error)
	Activities(ctx context.Context, orgID int64) ([]Activity, error)
	Surveys(ctx context.Context, orgID int64) ([]Survey, error)
	Inquiries(ctx context.Context, orgID int64) ([]Inquiry, error)
	// DataSpans returns the span of every entity, including entities with
	// no records (zero DataSpan).
	DataSpans(ctx context.Context, orgID int64) (map[Entity]DataSpan, error)
}

// TargetService stores KPI targets.
type TargetService interface {
	// SetTarget creates or replaces the target for the same KPI, period
	// and scope, and sets t.ID.
	SetTarget(ctx context.Context, orgID int64, t *Target) error
	// Targets lists the targets of one KPI, or of every KPI when kpi is "".
	Targets(ctx context.Context, orgID int64, kpi string) ([]Target, error)
	// DeleteTarget removes a target by id, or ENOTFOUND.
	DeleteTarget(ctx context.Context, orgID int64, id int64) error
}

// KPIService stores custom KPI definitions and per-KPI health bands.
type KPIService interface {
	// SaveKPI creates or replaces a custom KPI definition by key.
	SaveKPI(ctx context.Context, orgID int64, d *KPIDef) error
	// CustomKPIs lists the organisation's custom KPI definitions by key.
	CustomKPIs(ctx context.Context, orgID int64) ([]KPIDef, error)
	// DeleteKPI removes a custom KPI by key, or ENOTFOUND.
	DeleteKPI(ctx context.Context, orgID int64, key string) error
	// SetBands sets the health bands of a KPI (built-in or custom).
	SetBands(ctx context.Context, orgID int64, kpi string, b Bands) error
	// AllBands returns the bands set per KPI; KPIs not in the map use
	// DefaultBands.
	AllBands(ctx context.Context, orgID int64) (map[string]Bands, error)
}

// Store is everything Rumbo keeps in its database.
type Store interface {
	OrgService
	RecordService
	RecordReader
	TargetService
	KPIService
	Close() error
}
