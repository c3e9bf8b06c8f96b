package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/rumbo-app/rumbo"
)

// filter selects the records a reader returns: all of an organisation, or
// the one with an external id.
type filter struct {
	org int64
	xid string
	one bool
	// where and args add conditions on the reader's aliases, and limit
	// caps the rows (0: none), for ListRecords.
	where []string
	args  []any
	limit int
}

// selectRows runs the query of a reader: base selects from the entity's
// table aliased x; rows are ordered by id.
func (db *DB) selectRows(ctx context.Context, q querier, base string, f filter) (*sql.Rows, error) {
	query := base + " WHERE x.org_id = ?"
	args := []any{f.org}
	if f.one {
		query += " AND x.external_id = ?"
		args = append(args, f.xid)
	}
	for _, w := range f.where {
		query += " AND " + w
	}
	args = append(args, f.args...)
	query += " ORDER BY x.id"
	if f.limit > 0 {
		query += " LIMIT " + strconv.Itoa(f.limit)
	}
	if q == querier(db.db) && !f.one && len(f.where) == 0 && f.limit == 0 {
		// A whole small table (people, campaigns…), read by every KPI batch
		// and OKR evaluation: one text per entity, prepared once.
		return db.queryStmt(ctx, query, args...)
	}
	return db.query(ctx, q, query, args...)
}

// readAll scans every row of the reader's query with scan.
func readAll[T any](ctx context.Context, db *DB, q querier, e rumbo.Entity, base string, f filter, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := db.selectRows(ctx, q, base, f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", e, err)
	}
	defer rows.Close()
	var list []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e, err)
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", e, err)
	}
	return list, nil
}

// ownerName is the SQL of a person's name as references show it: the name,
// or the e-mail of a person known only by e-mail.
const ownerName = "COALESCE(NULLIF(p.name, ''), p.email)"

// Teams returns the organisation's teams with their parent's name.
func (db *DB) Teams(ctx context.Context, orgID int64) ([]rumbo.Team, error) {
	return db.teams(ctx, db.db, filter{org: orgID})
}

func (db *DB) teams(ctx context.Context, q querier, f filter) ([]rumbo.Team, error) {
	const base = `SELECT x.id, x.external_id, x.name, t.name, x.fields
		FROM teams x LEFT JOIN teams t ON t.id = x.parent_id`
	return readAll(ctx, db, q, rumbo.EntityTeams, base, f, func(rows *sql.Rows) (rumbo.Team, error) {
		var r rumbo.Team
		var name, parent, fields sql.NullString
		if err := rows.Scan(&r.ID, &r.ExternalID, &name, &parent, &fields); err != nil {
			return r, err
		}
		r.Name, r.Parent = name.String, parent.String
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// People returns the organisation's people with their team's name.
func (db *DB) People(ctx context.Context, orgID int64) ([]rumbo.Person, error) {
	return db.people(ctx, db.db, filter{org: orgID})
}

func (db *DB) people(ctx context.Context, q querier, f filter) ([]rumbo.Person, error) {
	const base = `SELECT x.id, x.external_id, x.name, x.email, t.name, x.active_from, x.active_to, x.fields
		FROM people x LEFT JOIN teams t ON t.id = x.team_id`
	return readAll(ctx, db, q, rumbo.EntityPeople, base, f, func(rows *sql.Rows) (rumbo.Person, error) {
		var r rumbo.Person
		var name, email, team, fields sql.NullString
		var from, to sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &name, &email, &team, &from, &to, &fields); err != nil {
			return r, err
		}
		r.Name, r.Email, r.Team = name.String, email.String, team.String
		r.ActiveFrom, r.ActiveTo = timeOf(from), timeOf(to)
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// Markets returns the organisation's markets.
func (db *DB) Markets(ctx context.Context, orgID int64) ([]rumbo.Market, error) {
	return db.markets(ctx, db.db, filter{org: orgID})
}

func (db *DB) markets(ctx context.Context, q querier, f filter) ([]rumbo.Market, error) {
	const base = `SELECT x.id, x.external_id, x.name, x.region, x.status, x.identified_at, x.analysed_at,
		x.entered_at, x.is_new, x.fields FROM markets x`
	return readAll(ctx, db, q, rumbo.EntityMarkets, base, f, func(rows *sql.Rows) (rumbo.Market, error) {
		var r rumbo.Market
		var name, region, status, fields sql.NullString
		var identified, analysed, entered sql.NullInt64
		var isNew int64
		if err := rows.Scan(&r.ID, &r.ExternalID, &name, &region, &status, &identified, &analysed, &entered, &isNew, &fields); err != nil {
			return r, err
		}
		r.Name, r.Region, r.Status = name.String, region.String, status.String
		r.IdentifiedAt, r.AnalysedAt, r.EnteredAt = timeOf(identified), timeOf(analysed), timeOf(entered)
		r.New = isNew != 0
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// Campaigns returns the organisation's campaigns.
func (db *DB) Campaigns(ctx context.Context, orgID int64) ([]rumbo.Campaign, error) {
	return db.campaigns(ctx, db.db, filter{org: orgID})
}

func (db *DB) campaigns(ctx context.Context, q querier, f filter) ([]rumbo.Campaign, error) {
	const base = `SELECT x.id, x.external_id, x.name, x.channel, x.start_at, x.end_at, x.spend, x.fields FROM campaigns x`
	return readAll(ctx, db, q, rumbo.EntityCampaigns, base, f, func(rows *sql.Rows) (rumbo.Campaign, error) {
		var r rumbo.Campaign
		var name, channel, fields sql.NullString
		var start, end, spend sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &name, &channel, &start, &end, &spend, &fields); err != nil {
			return r, err
		}
		r.Name, r.Channel = name.String, channel.String
		r.Start, r.End, r.Spend = timeOf(start), timeOf(end), moneyOf(spend)
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// Leads returns the organisation's leads with owner, campaign, market and
// company names.
func (db *DB) Leads(ctx context.Context, orgID int64) ([]rumbo.Lead, error) {
	return db.leads(ctx, db.db, filter{org: orgID})
}

func (db *DB) leads(ctx context.Context, q querier, f filter) ([]rumbo.Lead, error) {
	const base = `SELECT x.id, x.external_id, x.created_at, ` + ownerName + `, x.channel, cp.name, m.name, c.name,
		x.status, x.fields FROM leads x
		LEFT JOIN people p ON p.id = x.owner_id
		LEFT JOIN campaigns cp ON cp.id = x.campaign_id
		LEFT JOIN markets m ON m.id = x.market_id
		LEFT JOIN customers c ON c.id = x.customer_id`
	return readAll(ctx, db, q, rumbo.EntityLeads, base, f, func(rows *sql.Rows) (rumbo.Lead, error) {
		var r rumbo.Lead
		var owner, channel, campaign, market, company, status, fields sql.NullString
		var created sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &created, &owner, &channel, &campaign, &market, &company, &status, &fields); err != nil {
			return r, err
		}
		r.CreatedAt = timeOf(created)
		r.Owner, r.Channel, r.Campaign, r.Market = owner.String, channel.String, campaign.String, market.String
		r.Company, r.Status = company.String, status.String
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// Deals returns the organisation's deals with customer, owner and market
// names and the lead's external id.
func (db *DB) Deals(ctx context.Context, orgID int64) ([]rumbo.Deal, error) {
	return db.deals(ctx, db.db, filter{org: orgID})
}

func (db *DB) deals(ctx context.Context, q querier, f filter) ([]rumbo.Deal, error) {
	const base = `SELECT x.id, x.external_id, x.lead_xid, c.name, ` + ownerName + `, m.name, x.amount, x.created_at,
		x.closed_at, x.stage, x.status, x.lost_reason, x.first_seen_at, x.fields FROM deals x
		LEFT JOIN customers c ON c.id = x.customer_id
		LEFT JOIN people p ON p.id = x.owner_id
		LEFT JOIN markets m ON m.id = x.market_id`
	return readAll(ctx, db, q, rumbo.EntityDeals, base, f, func(rows *sql.Rows) (rumbo.Deal, error) {
		var r rumbo.Deal
		var lead, customer, owner, market, stage, lost, fields sql.NullString
		var amount, created, closed, firstSeen sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &lead, &customer, &owner, &market, &amount, &created,
			&closed, &stage, &r.Status, &lost, &firstSeen, &fields); err != nil {
			return r, err
		}
		r.Lead, r.Customer, r.Owner, r.Market = lead.String, customer.String, owner.String, market.String
		r.Amount, r.CreatedAt, r.ClosedAt = moneyOf(amount), timeOf(created), timeOf(closed)
		r.Stage, r.LostReason, r.FirstSeenAt = stage.String, lost.String, timeOf(firstSeen)
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// Activities returns the organisation's activities with the owner's name.
func (db *DB) Activities(ctx context.Context, orgID int64) ([]rumbo.Activity, error) {
	return db.activities(ctx, db.db, filter{org: orgID})
}

func (db *DB) activities(ctx context.Context, q querier, f filter) ([]rumbo.Activity, error) {
	const base = `SELECT x.id, x.external_id, x.type, ` + ownerName + `, x.at, x.lead_xid, x.deal_xid, x.fields
		FROM activities x LEFT JOIN people p ON p.id = x.owner_id`
	return readAll(ctx, db, q, rumbo.EntityActivities, base, f, func(rows *sql.Rows) (rumbo.Activity, error) {
		var r rumbo.Activity
		var typ, owner, lead, deal, fields sql.NullString
		var at sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &typ, &owner, &at, &lead, &deal, &fields); err != nil {
			return r, err
		}
		r.Type, r.Owner, r.At, r.Lead, r.Deal = typ.String, owner.String, timeOf(at), lead.String, deal.String
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// Surveys returns the organisation's surveys with the customer's name.
func (db *DB) Surveys(ctx context.Context, orgID int64) ([]rumbo.Survey, error) {
	return db.surveys(ctx, db.db, filter{org: orgID})
}

func (db *DB) surveys(ctx context.Context, q querier, f filter) ([]rumbo.Survey, error) {
	const base = `SELECT x.id, x.external_id, c.name, x.sent_at, x.answered_at, x.score, x.scale, x.fields
		FROM surveys x LEFT JOIN customers c ON c.id = x.customer_id`
	return readAll(ctx, db, q, rumbo.EntitySurveys, base, f, func(rows *sql.Rows) (rumbo.Survey, error) {
		var r rumbo.Survey
		var customer, fields sql.NullString
		var sent, answered, score sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &customer, &sent, &answered, &score, &r.Scale, &fields); err != nil {
			return r, err
		}
		r.Customer, r.SentAt, r.AnsweredAt = customer.String, timeOf(sent), timeOf(answered)
		if score.Valid {
			s := int(score.Int64)
			r.Score = &s
		}
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}

// Inquiries returns the organisation's inquiries with the customer's name.
func (db *DB) Inquiries(ctx context.Context, orgID int64) ([]rumbo.Inquiry, error) {
	return db.inquiries(ctx, db.db, filter{org: orgID})
}

func (db *DB) inquiries(ctx context.Context, q querier, f filter) ([]rumbo.Inquiry, error) {
	const base = `SELECT x.id, x.external_id, c.name, x.channel, x.received_at, x.first_response_at, x.resolved_at,
		x.fields FROM inquiries x LEFT JOIN customers c ON c.id = x.customer_id`
	return readAll(ctx, db, q, rumbo.EntityInquiries, base, f, func(rows *sql.Rows) (rumbo.Inquiry, error) {
		var r rumbo.Inquiry
		var customer, channel, fields sql.NullString
		var received, responded, resolved sql.NullInt64
		if err := rows.Scan(&r.ID, &r.ExternalID, &customer, &channel, &received, &responded, &resolved, &fields); err != nil {
			return r, err
		}
		r.Customer, r.Channel = customer.String, channel.String
		r.ReceivedAt, r.FirstResponseAt, r.ResolvedAt = timeOf(received), timeOf(responded), timeOf(resolved)
		var err error
		r.Fields, err = fieldsOf(fields)
		return r, err
	})
}
