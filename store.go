package rumbo

import (
	"context"
	"errors"
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
	// Lang is the organisation's language: "es" (default) or "en".
	Lang string
	// Leaderboard lets members see other reps' individual figures.
	Leaderboard bool
}

// Default organisation settings.
const (
	DefaultOrgSlug  = "default"
	DefaultCurrency = "EUR"
	DefaultTimeZone = "Europe/Madrid"
	DefaultLang     = "es"
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
	// Expect, when known, is how many records the write will put (the rows
	// of an import file): a hint that lets the store choose up front how to
	// keep what it derives from them.
	Expect int
}

// Writer upserts records inside one transaction.
type Writer interface {
	// Put inserts the record, or updates the stored one with the same
	// external id, and reports which. Writing a record identical to the
	// stored one changes nothing. A bad reference is a *FieldError; the
	// transaction stays usable after it.
	Put(ctx context.Context, r Record) (Outcome, error)
}

// BatchWriter is a Writer that also stores many records per call, faster.
type BatchWriter interface {
	Writer
	// PutBatch stores the records as successive calls of Put would: outs[i]
	// is record i's outcome and errs[i] the *FieldError refusing it (nothing
	// of it written). Any other error is returned and ends the write.
	PutBatch(ctx context.Context, recs []Record, outs []Outcome, errs []error) error
}

// PutAll stores the records with w's PutBatch when it has one, else with
// Put, one at a time; see BatchWriter.
func PutAll(ctx context.Context, w Writer, recs []Record, outs []Outcome, errs []error) error {
	if bw, ok := w.(BatchWriter); ok {
		return bw.PutBatch(ctx, recs, outs, errs)
	}
	for i, r := range recs {
		out, err := w.Put(ctx, r)
		var fe *FieldError
		if errors.As(err, &fe) {
			errs[i] = err
			continue
		} else if err != nil {
			return err
		}
		outs[i] = out
	}
	return nil
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

// OKRService stores objectives with their key results, check-ins,
// snapshots, score overrides and the weeks the organisation excludes.
// Check-ins and snapshots are insert-only: history is never rewritten.
type OKRService interface {
	// CreateObjective stores an objective and its key results (0 to
	// MaxKeyResults: key results may be added later) and sets their IDs.
	CreateObjective(ctx context.Context, orgID int64, o *Objective) error
	// UpdateObjective replaces an objective's own fields (not its key
	// results nor its score), or ENOTFOUND.
	UpdateObjective(ctx context.Context, orgID int64, o *Objective) error
	// DeleteObjective removes an objective with its key results and their
	// history, or ENOTFOUND; ECONFLICT while other objectives align with it.
	DeleteObjective(ctx context.Context, orgID int64, id int64) error
	// Objective returns an objective with its key results, or ENOTFOUND.
	Objective(ctx context.Context, orgID int64, id int64) (*Objective, error)
	// Objectives lists the objectives whose period starts in p (every one
	// when p is nil), with their key results, by period start and id.
	Objectives(ctx context.Context, orgID int64, p *Period) ([]Objective, error)
	// CreateKeyResult adds a key result to objective kr.ObjectiveID and sets
	// kr.ID; EINVALID when the objective already has MaxKeyResults.
	CreateKeyResult(ctx context.Context, orgID int64, kr *KeyResult) error
	// UpdateKeyResult replaces a key result's fields (its items included,
	// its score not), or ENOTFOUND.
	UpdateKeyResult(ctx context.Context, orgID int64, kr *KeyResult) error
	// DeleteKeyResult removes a key result with its history, or ENOTFOUND.
	DeleteKeyResult(ctx context.Context, orgID int64, id int64) error
	// KeyResult returns one key result, or ENOTFOUND.
	KeyResult(ctx context.Context, orgID int64, id int64) (*KeyResult, error)
	// SaveScores stores the computed scores of an objective and of its key
	// results (o.Score and each KeyResults[i].Score).
	SaveScores(ctx context.Context, orgID int64, o *Objective) error
	// OverrideScore records a manual score with its note for an objective
	// (objective true) or a key result; the latest override is the one
	// shown, and the computed score is kept.
	OverrideScore(ctx context.Context, orgID int64, objective bool, id int64, score float64, note string, at time.Time) error
	// AddCheckIn stores a check-in and sets c.ID.
	AddCheckIn(ctx context.Context, orgID int64, c *CheckIn) error
	// CheckIns lists a key result's check-ins by time.
	CheckIns(ctx context.Context, orgID int64, krID int64) ([]CheckIn, error)
	// AddSnapshot stores a key result's value at an instant.
	AddSnapshot(ctx context.Context, orgID int64, s Snapshot) error
	// Snapshots lists a key result's snapshots by time.
	Snapshots(ctx context.Context, orgID int64, krID int64) ([]Snapshot, error)
	// ExcludeWeek leaves an ISO week ("2026-W15") out of rate and guardrail
	// key results; excluding it twice changes nothing.
	ExcludeWeek(ctx context.Context, orgID int64, week string) error
	// IncludeWeek takes an excluded week back, or ENOTFOUND.
	IncludeWeek(ctx context.Context, orgID int64, week string) error
	// ExcludedWeeks lists the excluded weeks, sorted.
	ExcludedWeeks(ctx context.Context, orgID int64) ([]string, error)
}

// Store is everything Rumbo keeps in its database.
type Store interface {
	OrgService
	RecordService
	RecordReader
	TargetService
	KPIService
	OKRService
	Close() error
}
