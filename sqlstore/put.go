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

// put finishes a Put: it encodes the custom fields, upserts vals followed by
// the fields, and forgets cached references of the kind when a named record
// changed.
func (w *writer) put(ctx context.Context, e rumbo.Entity, xid string, fields rumbo.Fields, vals []any, extraCols []string, extraVals []any) (rumbo.Outcome, error) {
	f, err := fieldsJSON(fields)
	if err != nil {
		return 0, fieldErr("fields", "%v", err)
	}
	out, _, err := w.upsert(ctx, tables[e], xid, append(vals, f), extraCols, extraVals)
	if err != nil {
		return 0, err
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
	return w.put(ctx, rumbo.EntityTeams, xid, r.Fields, vals, nil, nil)
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
	return w.put(ctx, rumbo.EntityPeople, xid, r.Fields, vals, nil, nil)
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
	return w.put(ctx, rumbo.EntityMarkets, xid, r.Fields, vals, nil, nil)
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
	return w.put(ctx, rumbo.EntityCampaigns, xid, r.Fields, vals, nil, nil)
}

func (w *writer) putLead(ctx context.Context, r *rumbo.Lead) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if r.CreatedAt.IsZero() {
		return 0, fieldErr("created_at", "created_at required")
	}
	owner := &ref{kind: refPerson, field: "owner", value: r.Owner}
	campaign := &ref{kind: refCampaign, field: "campaign", value: r.Campaign}
	market := &ref{kind: refMarket, field: "market", value: r.Market}
	company := &ref{kind: refCustomer, field: "company", value: r.Company}
	if err := w.resolve(ctx, owner, campaign, market, company); err != nil {
		return 0, err
	}
	vals := []any{r.CreatedAt.Unix(), idOrNil(owner.id), textOrNil(r.Channel), idOrNil(campaign.id),
		idOrNil(market.id), idOrNil(company.id), textOrNil(r.Status)}
	return w.put(ctx, rumbo.EntityLeads, xid, r.Fields, vals, nil, nil)
}

func (w *writer) putDeal(ctx context.Context, r *rumbo.Deal) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	switch r.Status {
	case rumbo.DealOpen, rumbo.DealWon, rumbo.DealLost:
	case "":
		return 0, fieldErr("status", "status required (open, won or lost)")
	default:
		return 0, fieldErr("status", "invalid deal status %q (valid: open, won, lost)", r.Status)
	}
	lead := &ref{kind: refLead, field: "lead", value: r.Lead}
	owner := &ref{kind: refPerson, field: "owner", value: r.Owner}
	market := &ref{kind: refMarket, field: "market", value: r.Market}
	customer := &ref{kind: refCustomer, field: "customer", value: r.Customer}
	if err := w.resolve(ctx, lead, owner, market, customer); err != nil {
		return 0, err
	}
	vals := []any{textOrNil(lead.value), idOrNil(customer.id), idOrNil(owner.id), idOrNil(market.id),
		moneyOrNil(r.Amount), unixOrNil(r.CreatedAt), unixOrNil(r.ClosedAt), textOrNil(r.Stage), r.Status,
		textOrNil(r.LostReason)}
	// first_seen_at is set when the deal is first stored and kept after.
	return w.put(ctx, rumbo.EntityDeals, xid, r.Fields, vals, []string{"first_seen_at"}, []any{w.now})
}

func (w *writer) putActivity(ctx context.Context, r *rumbo.Activity) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if r.At.IsZero() {
		return 0, fieldErr("at", "at required")
	}
	owner := &ref{kind: refPerson, field: "owner", value: r.Owner}
	lead := &ref{kind: refLead, field: "lead", value: r.Lead}
	deal := &ref{kind: refDeal, field: "deal", value: r.Deal}
	if err := w.resolve(ctx, owner, lead, deal); err != nil {
		return 0, err
	}
	vals := []any{textOrNil(r.Type), idOrNil(owner.id), r.At.Unix(), textOrNil(lead.value), textOrNil(deal.value)}
	return w.put(ctx, rumbo.EntityActivities, xid, r.Fields, vals, nil, nil)
}

// scoreRanges are the valid scores of each survey scale.
var scoreRanges = map[string][2]int{rumbo.ScaleCSAT: {1, 5}, rumbo.ScaleNPS: {0, 10}}

func (w *writer) putSurvey(ctx context.Context, r *rumbo.Survey) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if r.SentAt.IsZero() {
		return 0, fieldErr("sent_at", "sent_at required")
	}
	scale := r.Scale
	if scale == "" {
		scale = rumbo.ScaleCSAT
	}
	rng, ok := scoreRanges[scale]
	if !ok {
		return 0, fieldErr("scale", "invalid scale %q (valid: csat, nps)", r.Scale)
	}
	if r.Score != nil && (*r.Score < rng[0] || *r.Score > rng[1]) {
		return 0, fieldErr("score", "score %d out of range %d–%d for %s", *r.Score, rng[0], rng[1], scale)
	}
	customer := &ref{kind: refCustomer, field: "customer", value: r.Customer}
	if err := w.resolve(ctx, customer); err != nil {
		return 0, err
	}
	vals := []any{idOrNil(customer.id), r.SentAt.Unix(), unixOrNil(r.AnsweredAt), intOrNil(r.Score), scale}
	return w.put(ctx, rumbo.EntitySurveys, xid, r.Fields, vals, nil, nil)
}

func (w *writer) putInquiry(ctx context.Context, r *rumbo.Inquiry) (rumbo.Outcome, error) {
	xid, err := checkKey(r.ExternalID)
	if err != nil {
		return 0, err
	}
	if r.ReceivedAt.IsZero() {
		return 0, fieldErr("received_at", "received_at required")
	}
	customer := &ref{kind: refCustomer, field: "customer", value: r.Customer}
	if err := w.resolve(ctx, customer); err != nil {
		return 0, err
	}
	vals := []any{idOrNil(customer.id), textOrNil(r.Channel), r.ReceivedAt.Unix(),
		unixOrNil(r.FirstResponseAt), unixOrNil(r.ResolvedAt)}
	return w.put(ctx, rumbo.EntityInquiries, xid, r.Fields, vals, nil, nil)
}
