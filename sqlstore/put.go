package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// The put functions validate a record (the store is the last line of
// defence: the importer validates first), resolve its references and upsert
// it. Validation comes first so that a bad record writes nothing.

// fieldErr returns a *rumbo.FieldError.
func fieldErr(field, format string, args ...any) error {
	return &rumbo.FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// checkKey returns the trimmed external id, or a FieldError when it is empty.
func checkKey(xid string) (string, error) {
	xid = strings.TrimSpace(xid)
	if xid == "" {
		return "", fieldErr("external_id", "external id required")
	}
	return xid, nil
}

// aggNames lists, per named entity, the columns (indexes in tables[e].cols)
// whose values the aggregates keep: changing one rebuilds the families the
// entity feeds.
var aggNames = map[rumbo.Entity][]int{
	rumbo.EntityPeople: {0, 2}, rumbo.EntityMarkets: {0}, rumbo.EntityCampaigns: {0},
}

// put finishes a Put of a named record: it encodes the custom fields,
// upserts vals followed by the fields, forgets cached references of the kind
// when the record changed, and has the aggregates rebuilt when a name they
// keep changed.
func (w *writer) put(ctx context.Context, e rumbo.Entity, xid string, fields rumbo.Fields, vals []any) (rumbo.Outcome, error) {
	f, err := fieldsJSON(fields)
	if err != nil {
		return 0, fieldErr("fields", "%v", err)
	}
	vals = append(vals, f)
	out, old, err := w.upsert(ctx, tables[e], xid, vals)
	if err != nil {
		return 0, err
	}
	if out == rumbo.Updated {
		for _, i := range aggNames[e] {
			if normalize(old[i]) != vals[i] {
				if err := w.rebuildFamilies(ctx, familiesOf(e)); err != nil {
					return 0, err
				}
				break
			}
		}
	}
	if out != rumbo.Unchanged {
		w.changed[e] = true
		switch e {
		case rumbo.EntityPeople:
			w.forget(refPerson)
		case rumbo.EntityTeams:
			w.forget(refTeam)
		case rumbo.EntityMarkets:
			w.forget(refMarket)
		case rumbo.EntityCampaigns:
			w.forget(refCampaign)
		}
	}
	return out, nil
}

func (w *writer) putTeam(ctx context.Context, r *rumbo.Team) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if err := w.adopt(ctx, refTeam, xid, r.Name); err != nil {
		return 0, err
	}
	parent := &ref{kind: refTeam, field: "parent", value: r.Parent}
	if err := w.resolve(ctx, parent); err != nil {
		return 0, err
	}
	vals := []any{textOrNil(r.Name), textOrNil(nameKey(r.Name)), idOrNil(parent.id)}
	return w.put(ctx, rumbo.EntityTeams, xid, r.Fields, vals)
}

func (w *writer) putPerson(ctx context.Context, r *rumbo.Person) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if !r.ActiveFrom.IsZero() && !r.ActiveTo.IsZero() && r.ActiveTo.Before(r.ActiveFrom) {
		return 0, fieldErr("active_to", "active_to is before active_from")
	}
	if err := w.adopt(ctx, refPerson, xid, r.Name, r.Email); err != nil {
		return 0, err
	}
	team := &ref{kind: refTeam, field: "team", value: r.Team}
	if err := w.resolve(ctx, team); err != nil {
		return 0, err
	}
	vals := []any{textOrNil(r.Name), textOrNil(nameKey(r.Name)), textOrNil(r.Email), textOrNil(nameKey(r.Email)),
		idOrNil(team.id), unixOrNil(r.ActiveFrom), unixOrNil(r.ActiveTo)}
	return w.put(ctx, rumbo.EntityPeople, xid, r.Fields, vals)
}

func (w *writer) putMarket(ctx context.Context, r *rumbo.Market) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if err := w.adopt(ctx, refMarket, xid, r.Name); err != nil {
		return 0, err
	}
	switch r.Status {
	case "", rumbo.MarketIdentified, rumbo.MarketAnalysed, rumbo.MarketEntered:
	default:
		return 0, fieldErr("status", "invalid market status %q (valid: identified, analysed, entered)", r.Status)
	}
	vals := []any{textOrNil(r.Name), textOrNil(nameKey(r.Name)), textOrNil(r.Region), textOrNil(r.Status),
		unixOrNil(r.IdentifiedAt), unixOrNil(r.AnalysedAt), unixOrNil(r.EnteredAt), boolInt(r.New)}
	return w.put(ctx, rumbo.EntityMarkets, xid, r.Fields, vals)
}

func (w *writer) putCampaign(ctx context.Context, r *rumbo.Campaign) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if err := w.adopt(ctx, refCampaign, xid, r.Name); err != nil {
		return 0, err
	}
	if !r.Start.IsZero() && !r.End.IsZero() && r.End.Before(r.Start) {
		return 0, fieldErr("end", "end is before start")
	}
	vals := []any{textOrNil(r.Name), textOrNil(nameKey(r.Name)), textOrNil(r.Channel),
		unixOrNil(r.Start), unixOrNil(r.End), moneyOrNil(r.Spend)}
	return w.put(ctx, rumbo.EntityCampaigns, xid, r.Fields, vals)
}

// row is a record of a batched entity (lead, deal, activity, survey,
// inquiry), checked, with the references it names; values gives the column
// values once they are resolved.
type row struct {
	rec    rumbo.Record
	xid    string
	refs   []*ref
	fields any // encoded custom fields
	buf    [4]ref
}

// batched reports whether records of e are written by putRun in batches;
// the named entities (teams, people, markets, campaigns), which others refer
// to by name, are written one at a time.
func batched(e rumbo.Entity) bool {
	switch e {
	case rumbo.EntityLeads, rumbo.EntityDeals, rumbo.EntityActivities, rumbo.EntitySurveys, rumbo.EntityInquiries:
		return true
	}
	return false
}

// newRow checks a record of a batched entity and lists its references.
func newRow(r rumbo.Record) (*row, error) {
	p := &row{rec: r}
	var err error
	var fields rumbo.Fields
	add := func(kind refKind, field, value string) {
		p.buf[len(p.refs)] = ref{kind: kind, field: field, value: strings.TrimSpace(value)}
		p.refs = append(p.refs, &p.buf[len(p.refs)])
	}
	switch r := r.(type) {
	case *rumbo.Lead:
		if p.xid, err = checkKey(r.ExternalID); err != nil {
			return nil, err
		}
		if r.CreatedAt.IsZero() {
			return nil, fieldErr("created_at", "created_at required")
		}
		add(refPerson, "owner", r.Owner)
		add(refCampaign, "campaign", r.Campaign)
		add(refMarket, "market", r.Market)
		add(refCustomer, "company", r.Company)
		fields = r.Fields
	case *rumbo.Deal:
		if p.xid, err = checkKey(r.ExternalID); err != nil {
			return nil, err
		}
		switch r.Status {
		case rumbo.DealOpen, rumbo.DealWon, rumbo.DealLost:
		case "":
			return nil, fieldErr("status", "status required (open, won or lost)")
		default:
			return nil, fieldErr("status", "invalid deal status %q (valid: open, won, lost)", r.Status)
		}
		add(refLead, "lead", r.Lead)
		add(refPerson, "owner", r.Owner)
		add(refMarket, "market", r.Market)
		add(refCustomer, "customer", r.Customer)
		fields = r.Fields
	case *rumbo.Activity:
		if p.xid, err = checkKey(r.ExternalID); err != nil {
			return nil, err
		}
		if r.At.IsZero() {
			return nil, fieldErr("at", "at required")
		}
		add(refPerson, "owner", r.Owner)
		add(refLead, "lead", r.Lead)
		add(refDeal, "deal", r.Deal)
		fields = r.Fields
	case *rumbo.Survey:
		if p.xid, err = checkKey(r.ExternalID); err != nil {
			return nil, err
		}
		if r.SentAt.IsZero() {
			return nil, fieldErr("sent_at", "sent_at required")
		}
		scale := r.Scale
		if scale == "" {
			scale = rumbo.ScaleCSAT
		}
		rng, ok := scoreRanges[scale]
		if !ok {
			return nil, fieldErr("scale", "invalid scale %q (valid: csat, nps)", r.Scale)
		}
		if r.Score != nil && (*r.Score < rng[0] || *r.Score > rng[1]) {
			return nil, fieldErr("score", "score %d out of range %d–%d for %s", *r.Score, rng[0], rng[1], scale)
		}
		add(refCustomer, "customer", r.Customer)
		fields = r.Fields
	case *rumbo.Inquiry:
		if p.xid, err = checkKey(r.ExternalID); err != nil {
			return nil, err
		}
		if r.ReceivedAt.IsZero() {
			return nil, fieldErr("received_at", "received_at required")
		}
		add(refCustomer, "customer", r.Customer)
		fields = r.Fields
	default:
		return nil, fmt.Errorf("put: unsupported record type %T", r)
	}
	if p.fields, err = fieldsJSON(fields); err != nil {
		return nil, fieldErr("fields", "%v", err)
	}
	return p, nil
}

// values returns the row's column values in table order (tables[e].cols),
// its references resolved.
func (p *row) values() []any {
	r := p.refs
	var v []any
	switch x := p.rec.(type) {
	case *rumbo.Lead:
		v = []any{x.CreatedAt.Unix(), idOrNil(r[0].id), textOrNil(x.Channel), idOrNil(r[1].id),
			idOrNil(r[2].id), idOrNil(r[3].id), textOrNil(x.Status)}
	case *rumbo.Deal:
		v = []any{textOrNil(r[0].value), idOrNil(r[3].id), idOrNil(r[1].id), idOrNil(r[2].id),
			moneyOrNil(x.Amount), unixOrNil(x.CreatedAt), unixOrNil(x.ClosedAt), textOrNil(x.Stage), x.Status,
			textOrNil(x.LostReason)}
	case *rumbo.Activity:
		v = []any{textOrNil(x.Type), idOrNil(r[0].id), x.At.Unix(), textOrNil(r[1].value), textOrNil(r[2].value)}
	case *rumbo.Survey:
		scale := x.Scale
		if scale == "" {
			scale = rumbo.ScaleCSAT
		}
		v = []any{idOrNil(r[0].id), x.SentAt.Unix(), unixOrNil(x.AnsweredAt), intOrNil(x.Score), scale}
	case *rumbo.Inquiry:
		v = []any{idOrNil(r[0].id), textOrNil(x.Channel), x.ReceivedAt.Unix(),
			unixOrNil(x.FirstResponseAt), unixOrNil(x.ResolvedAt)}
	}
	return append(v, p.fields)
}

// scoreRanges are the valid scores of each survey scale.
var scoreRanges = map[string][2]int{rumbo.ScaleCSAT: {1, 5}, rumbo.ScaleNPS: {0, 10}}
