package sqlstore

import (
	"context"
	"encoding/base64"
	"sort"
	"strconv"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// listField is a field a record list can be filtered on: a condition on
// the aliases of the entity's reader query, with n placeholders that all
// take the (normalised) value.
type listField struct {
	cond string
	n    int
	name bool // a name: matched on its lower-case key
	flag bool // a yes/no flag stored as 0 or 1
}

var (
	xidField   = listField{cond: "x.external_id = ?", n: 1}
	ownerField = listField{cond: "(p.name_key = ? OR p.email_key = ?)", n: 2, name: true}
)

func exact(col string) listField { return listField{cond: col + " = ?", n: 1} }
func named(col string) listField { return listField{cond: col + " = ?", n: 1, name: true} }

// listFields are the filterable fields of each entity, named as in the API
// and the importer; the aliases are those of the readers in reader.go.
var listFields = map[rumbo.Entity]map[string]listField{
	rumbo.EntityTeams:     {"external_id": xidField, "name": named("x.name_key"), "parent": named("t.name_key")},
	rumbo.EntityPeople:    {"external_id": xidField, "name": named("x.name_key"), "email": named("x.email_key"), "team": named("t.name_key")},
	rumbo.EntityMarkets:   {"external_id": xidField, "name": named("x.name_key"), "region": exact("x.region"), "status": exact("x.status"), "new": {cond: "x.is_new = ?", n: 1, flag: true}},
	rumbo.EntityCampaigns: {"external_id": xidField, "name": named("x.name_key"), "channel": exact("x.channel")},
	rumbo.EntityLeads: {"external_id": xidField, "owner": ownerField, "channel": exact("x.channel"),
		"campaign": named("cp.name_key"), "market": named("m.name_key"), "company": named("c.name_key"), "status": exact("x.status")},
	rumbo.EntityDeals: {"external_id": xidField, "lead": exact("x.lead_xid"), "customer": named("c.name_key"),
		"owner": ownerField, "market": named("m.name_key"), "stage": exact("x.stage"), "status": exact("x.status"),
		"lost_reason": exact("x.lost_reason")},
	rumbo.EntityActivities: {"external_id": xidField, "type": exact("x.type"), "owner": ownerField,
		"lead": exact("x.lead_xid"), "deal": exact("x.deal_xid")},
	rumbo.EntitySurveys:   {"external_id": xidField, "customer": named("c.name_key"), "scale": exact("x.scale")},
	rumbo.EntityInquiries: {"external_id": xidField, "customer": named("c.name_key"), "channel": exact("x.channel")},
}

// ListFields returns the names of the fields a list of the entity can be
// filtered on, sorted.
func ListFields(e rumbo.Entity) []string {
	var names []string
	for n := range listFields[e] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ListRecords returns one page of the organisation's records of entity e
// that match every filter, in the order they were created. An unknown
// filter field, a bad cursor or a limit above rumbo.MaxPageSize is EINVALID.
// Filter values are always bound as parameters, never spliced into SQL.
func (db *DB) ListRecords(ctx context.Context, orgID int64, e rumbo.Entity, q rumbo.ListQuery) (*rumbo.RecordPage, error) {
	fields, ok := listFields[e]
	if !ok {
		_, err := rumbo.ParseEntity(string(e))
		return nil, err
	}
	limit := q.Limit
	switch {
	case limit == 0:
		limit = rumbo.DefaultPageSize
	case limit < 0 || limit > rumbo.MaxPageSize:
		return nil, rumbo.Errorf(rumbo.EINVALID, "limit %d: use 1 to %d", limit, rumbo.MaxPageSize)
	}
	f := filter{org: orgID, limit: limit + 1}
	for _, ff := range q.Filters {
		lf, ok := fields[ff.Field]
		if !ok {
			return nil, rumbo.Errorf(rumbo.EINVALID, "unknown field %q for %s (valid: %s)", ff.Field, e, strings.Join(ListFields(e), ", "))
		}
		var v any = ff.Value
		switch {
		case lf.name:
			v = strings.ToLower(strings.TrimSpace(ff.Value))
		case lf.flag:
			b, err := strconv.ParseBool(ff.Value)
			if err != nil {
				return nil, rumbo.Errorf(rumbo.EINVALID, "%s=%q: use true or false", ff.Field, ff.Value)
			}
			v = sqlBool(b)
		}
		f.where = append(f.where, lf.cond)
		for range lf.n {
			f.args = append(f.args, v)
		}
	}
	if q.Cursor != "" {
		after, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		f.where = append(f.where, "x.id > ?")
		f.args = append(f.args, after)
	}
	recs, err := db.readPage(ctx, e, f)
	if err != nil {
		return nil, err
	}
	page := &rumbo.RecordPage{Records: recs}
	if len(recs) > limit {
		page.Records = recs[:limit]
		page.Next = encodeCursor(recordID(recs[limit-1]))
	}
	return page, nil
}

// readPage reads the records of f with the entity's reader.
func (db *DB) readPage(ctx context.Context, e rumbo.Entity, f filter) ([]rumbo.Record, error) {
	switch e {
	case rumbo.EntityTeams:
		return asRecords(db.teams(ctx, db.db, f))
	case rumbo.EntityPeople:
		return asRecords(db.people(ctx, db.db, f))
	case rumbo.EntityMarkets:
		return asRecords(db.markets(ctx, db.db, f))
	case rumbo.EntityCampaigns:
		return asRecords(db.campaigns(ctx, db.db, f))
	case rumbo.EntityLeads:
		return asRecords(db.leads(ctx, db.db, f))
	case rumbo.EntityDeals:
		return asRecords(db.deals(ctx, db.db, f))
	case rumbo.EntityActivities:
		return asRecords(db.activities(ctx, db.db, f))
	case rumbo.EntitySurveys:
		return asRecords(db.surveys(ctx, db.db, f))
	case rumbo.EntityInquiries:
		return asRecords(db.inquiries(ctx, db.db, f))
	}
	_, err := rumbo.ParseEntity(string(e))
	return nil, err
}

// asRecords turns a slice of records into rumbo.Record pointers.
func asRecords[T any, P interface {
	*T
	rumbo.Record
}](list []T, err error) ([]rumbo.Record, error) {
	if err != nil {
		return nil, err
	}
	out := make([]rumbo.Record, len(list))
	for i := range list {
		out[i] = P(&list[i])
	}
	return out, nil
}

// recordID returns the database id of a record read by a reader.
func recordID(r rumbo.Record) int64 {
	switch r := r.(type) {
	case *rumbo.Team:
		return r.ID
	case *rumbo.Person:
		return r.ID
	case *rumbo.Market:
		return r.ID
	case *rumbo.Campaign:
		return r.ID
	case *rumbo.Lead:
		return r.ID
	case *rumbo.Deal:
		return r.ID
	case *rumbo.Activity:
		return r.ID
	case *rumbo.Survey:
		return r.ID
	case *rumbo.Inquiry:
		return r.ID
	}
	return 0
}

// cursorPrefix versions the cursor format.
const cursorPrefix = "r1:"

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id >= 0 {
				return id, nil
			}
		}
	}
	return 0, rumbo.Errorf(rumbo.EINVALID, "cursor %q is not one this server gave", s)
}
