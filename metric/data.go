package metric

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// dataset holds the records one computation reads, loaded from the Source on
// first use, with the indexes that resolve references.
type dataset struct {
	ctx   context.Context
	src   Source
	orgID int64

	spans      map[rumbo.Entity]rumbo.DataSpan
	people     []rumbo.Person
	leads      []rumbo.Lead
	deals      []rumbo.Deal
	campaigns  []rumbo.Campaign
	activities []rumbo.Activity
	surveys    []rumbo.Survey
	inquiries  []rumbo.Inquiry
	loaded     map[rumbo.Entity]bool

	teamOf     map[string]string          // person name or lower-case e-mail → team
	leadByID   map[string]*rumbo.Lead     // lead external id → lead
	dealByID   map[string]*rumbo.Deal     // deal external id → deal
	campByName map[string]*rumbo.Campaign // campaign name → campaign
}

func newDataset(ctx context.Context, src Source, orgID int64) *dataset {
	return &dataset{ctx: ctx, src: src, orgID: orgID, loaded: map[rumbo.Entity]bool{}}
}

// load reads the entities (and the ones needed to resolve their references)
// that are not loaded yet.
func (d *dataset) load(es ...rumbo.Entity) error {
	if d.spans == nil {
		s, err := d.src.DataSpans(d.ctx, d.orgID)
		if err != nil {
			return fmt.Errorf("data spans: %w", err)
		}
		d.spans = s
	}
	// References: every subject resolves owner → team, deal → lead, lead → campaign.
	all := append([]rumbo.Entity{rumbo.EntityPeople, rumbo.EntityLeads, rumbo.EntityCampaigns}, es...)
	for _, e := range es {
		if e == rumbo.EntityActivities {
			// An activity resolves its market, channel… through its deal.
			all = append(all, rumbo.EntityDeals)
		}
	}
	for _, e := range all {
		if d.loaded[e] {
			continue
		}
		if err := d.loadOne(e); err != nil {
			return fmt.Errorf("load %s: %w", e, err)
		}
		d.loaded[e] = true
	}
	return nil
}

func (d *dataset) loadOne(e rumbo.Entity) error {
	var err error
	switch e {
	case rumbo.EntityPeople:
		if d.people, err = d.src.People(d.ctx, d.orgID); err != nil {
			return err
		}
		d.teamOf = make(map[string]string, 2*len(d.people))
		for _, p := range d.people {
			if p.Email != "" {
				d.teamOf[strings.ToLower(p.Email)] = p.Team
			}
			if p.Name != "" { // a person known by e-mail alone has no name to match
				d.teamOf[p.Name] = p.Team
			}
		}
	case rumbo.EntityLeads:
		if d.leads, err = d.src.Leads(d.ctx, d.orgID); err != nil {
			return err
		}
		d.leadByID = make(map[string]*rumbo.Lead, len(d.leads))
		for i := range d.leads {
			d.leadByID[d.leads[i].ExternalID] = &d.leads[i]
		}
	case rumbo.EntityDeals:
		if d.deals, err = d.src.Deals(d.ctx, d.orgID); err != nil {
			return err
		}
		d.dealByID = make(map[string]*rumbo.Deal, len(d.deals))
		for i := range d.deals {
			d.dealByID[d.deals[i].ExternalID] = &d.deals[i]
		}
	case rumbo.EntityCampaigns:
		if d.campaigns, err = d.src.Campaigns(d.ctx, d.orgID); err != nil {
			return err
		}
		d.campByName = make(map[string]*rumbo.Campaign, len(d.campaigns))
		for i := range d.campaigns {
			d.campByName[d.campaigns[i].Name] = &d.campaigns[i]
		}
	case rumbo.EntityActivities:
		d.activities, err = d.src.Activities(d.ctx, d.orgID)
	case rumbo.EntitySurveys:
		d.surveys, err = d.src.Surveys(d.ctx, d.orgID)
	case rumbo.EntityInquiries:
		d.inquiries, err = d.src.Inquiries(d.ctx, d.orgID)
	}
	return err
}

// spanEnd returns the end of an entity's data span: the later of its last
// record time and its last import.
func (d *dataset) span(e rumbo.Entity) (first, last time.Time, ok bool) {
	s, found := d.spans[e]
	if !found || s.Count == 0 || s.First.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	last = s.Last
	if s.ImportedAt.After(last) {
		last = s.ImportedAt
	}
	return s.First, last, true
}

// covers reports whether the period p intersects the data span of e, the
// condition for an additive KPI to be 0 rather than null.
func (d *dataset) covers(e rumbo.Entity, p rumbo.Period) bool {
	first, last, ok := d.span(e)
	return ok && !p.Start.After(last) && p.End.After(first)
}

// team returns the current team of the person named (by name or e-mail).
func (d *dataset) team(owner string) string {
	if owner == "" {
		return "" // no owner, no team
	}
	if t, ok := d.teamOf[owner]; ok {
		return t
	}
	return d.teamOf[strings.ToLower(owner)]
}

// subject is a kind of record a KPI counts; breakdowns and filters resolve
// through it.
type subject int

const (
	subjDeal subject = iota
	subjLead
	subjActivity
	subjSurvey
	subjInquiry
	subjCampaign
)

func (s subject) String() string {
	return [...]string{"deals", "leads", "activities", "surveys", "inquiries", "campaigns"}[s]
}

// dimensions are the named breakdowns; each subject resolves some of them.
// Any other name is a native field or a custom field of the record.
var dimensions = map[string][]subject{
	"owner":    {subjDeal, subjLead, subjActivity},
	"team":     {subjDeal, subjLead, subjActivity},
	"market":   {subjDeal, subjLead, subjActivity},
	"channel":  {subjDeal, subjLead, subjActivity, subjInquiry, subjCampaign},
	"campaign": {subjDeal, subjLead, subjActivity, subjCampaign},
	"type":     {subjActivity},
	"customer": {subjDeal, subjLead, subjActivity, subjSurvey, subjInquiry},
}

// checkDims returns an EINVALID error when a KPI counting the subjects
// cannot resolve one of the named dimensions.
func checkDims(key string, subjects []subject, names ...string) error {
	for _, n := range names {
		ok, known := dimensions[n]
		if !known || n == "" {
			continue
		}
		for _, s := range subjects {
			if !hasSubject(ok, s) {
				return rumbo.Errorf(rumbo.EINVALID, "KPI %s counts %s, which have no %s", key, s, n)
			}
		}
	}
	return nil
}

func hasSubject(list []subject, s subject) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d *dataset) leadChannel(l *rumbo.Lead) string {
	if l.Channel != "" {
		return l.Channel
	}
	if c := d.campByName[l.Campaign]; c != nil {
		return c.Channel
	}
	return ""
}

// leadField resolves a dimension or field on a lead.
func (d *dataset) leadField(l *rumbo.Lead, name string) string {
	if l == nil {
		return ""
	}
	switch name {
	case "owner":
		return l.Owner
	case "team":
		return d.team(l.Owner)
	case "market":
		return l.Market
	case "channel":
		return d.leadChannel(l)
	case "campaign":
		return l.Campaign
	case "customer", "company":
		return l.Company
	case "status":
		return l.Status
	case "external_id", "lead":
		return l.ExternalID
	}
	return l.Fields[name]
}

// dealField resolves a dimension or field on a deal: channel and campaign
// through the deal's lead, market and customer from the deal else its lead,
// custom fields from the deal else its lead.
func (d *dataset) dealField(x *rumbo.Deal, name string) string {
	l := d.leadByID[x.Lead]
	switch name {
	case "owner":
		return x.Owner
	case "team":
		return d.team(x.Owner)
	case "market":
		if x.Market != "" {
			return x.Market
		}
		return d.leadField(l, "market")
	case "channel", "campaign":
		return d.leadField(l, name)
	case "customer":
		if x.Customer != "" {
			return x.Customer
		}
		return d.leadField(l, "customer")
	case "status":
		return x.Status
	case "stage":
		return x.Stage
	case "lost_reason":
		return x.LostReason
	case "lead":
		return x.Lead
	case "external_id":
		return x.ExternalID
	}
	if v, ok := x.Fields[name]; ok {
		return v
	}
	return d.leadField(l, name)
}

// activityField resolves a dimension or field on an activity; market,
// channel, campaign and customer come from its deal or lead.
func (d *dataset) activityField(a *rumbo.Activity, name string) string {
	switch name {
	case "owner":
		return a.Owner
	case "team":
		return d.team(a.Owner)
	case "type":
		return a.Type
	case "lead":
		return a.Lead
	case "deal":
		return a.Deal
	case "external_id":
		return a.ExternalID
	}
	if v, ok := a.Fields[name]; ok {
		return v
	}
	if x := d.dealByID[a.Deal]; x != nil {
		return d.dealField(x, name)
	}
	return d.leadField(d.leadByID[a.Lead], name)
}

func (d *dataset) surveyField(s *rumbo.Survey, name string) string {
	switch name {
	case "customer":
		return s.Customer
	case "scale":
		return s.Scale
	case "external_id":
		return s.ExternalID
	}
	return s.Fields[name]
}

func (d *dataset) inquiryField(q *rumbo.Inquiry, name string) string {
	switch name {
	case "customer":
		return q.Customer
	case "channel":
		return q.Channel
	case "external_id":
		return q.ExternalID
	}
	return q.Fields[name]
}

func (d *dataset) campaignField(c *rumbo.Campaign, name string) string {
	switch name {
	case "campaign", "name":
		return c.Name
	case "channel":
		return c.Channel
	case "external_id":
		return c.ExternalID
	}
	return c.Fields[name]
}

// resolver applies a query's breakdown and filters to records.
type resolver struct {
	d       *dataset
	by      string
	filters []Filter
}

// pick applies the filters through field and returns the record's group.
func (r *resolver) pick(field func(string) string) (string, bool) {
	for _, f := range r.filters {
		if !strings.EqualFold(strings.TrimSpace(field(f.Field)), strings.TrimSpace(f.Value)) {
			return "", false
		}
	}
	if r.by == "" {
		return "", true
	}
	return field(r.by), true
}

func (r *resolver) deal(x *rumbo.Deal) (string, bool) {
	return r.pick(func(n string) string { return r.d.dealField(x, n) })
}

func (r *resolver) lead(l *rumbo.Lead) (string, bool) {
	return r.pick(func(n string) string { return r.d.leadField(l, n) })
}

func (r *resolver) activity(a *rumbo.Activity) (string, bool) {
	return r.pick(func(n string) string { return r.d.activityField(a, n) })
}

func (r *resolver) survey(s *rumbo.Survey) (string, bool) {
	return r.pick(func(n string) string { return r.d.surveyField(s, n) })
}

func (r *resolver) inquiry(q *rumbo.Inquiry) (string, bool) {
	return r.pick(func(n string) string { return r.d.inquiryField(q, n) })
}

func (r *resolver) campaign(c *rumbo.Campaign) (string, bool) {
	return r.pick(func(n string) string { return r.d.campaignField(c, n) })
}
