package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	nethttp "net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// listParams are the query parameters of a record list that are not filters.
var listParams = map[string]bool{"limit": true, "cursor": true}

// restrictOwner reports whether the caller sees only their own records of
// the entity: members, without the leaderboard, for records with an owner.
func restrictOwner(c *caller, e rumbo.Entity) bool {
	return !c.seesOthers() && ownedEntity(e)
}

// listRecords lists records, filtered by field=value parameters and paged
// with an opaque cursor.
func (s *Server) listRecords(e rumbo.Entity) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
		q := rumbo.ListQuery{}
		params, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return rumbo.Errorf(rumbo.EINVALID, "query string: %v", err)
		}
		for k, vs := range params {
			if len(vs) > 1 {
				return rumbo.Errorf(rumbo.EINVALID, "parameter %q given %d times", k, len(vs))
			}
			switch k {
			case "limit":
				n, err := strconv.Atoi(vs[0])
				if err != nil || n < 1 || n > rumbo.MaxPageSize {
					return rumbo.Errorf(rumbo.EINVALID, "limit %q: use 1 to %d", vs[0], rumbo.MaxPageSize)
				}
				q.Limit = n
			case "cursor":
				q.Cursor = vs[0]
			default:
				q.Filters = append(q.Filters, rumbo.FieldFilter{Field: k, Value: vs[0]})
			}
		}
		if restrictOwner(c, e) {
			q.Filters = append(q.Filters, rumbo.FieldFilter{Field: "owner", Value: c.member.Person})
		}
		page, err := s.store.ListRecords(r.Context(), c.org.ID, e, q)
		if err != nil {
			return err
		}
		// The member's own filter on an empty person name must match nothing.
		if restrictOwner(c, e) && c.member.Person == "" {
			page = &rumbo.RecordPage{}
		}
		data := make([]json.RawMessage, 0, len(page.Records))
		for _, rec := range page.Records {
			data = append(data, encodeRecord(rec))
		}
		var next *string
		if page.Next != "" {
			next = &page.Next
		}
		writeJSON(w, nethttp.StatusOK, map[string]any{"data": data, "next_cursor": next})
		return nil
	}
}

// findRecord returns the record named by the path's {id}, or ENOTFOUND,
// also for another rep's record that the caller may not see.
func (s *Server) findRecord(r *nethttp.Request, c *caller, e rumbo.Entity) (rumbo.Record, error) {
	rec, err := s.store.Get(r.Context(), c.org.ID, e, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if restrictOwner(c, e) {
		if owner, _ := recordOwner(rec); c.member.Person == "" || !strings.EqualFold(owner, c.member.Person) {
			return nil, rumbo.Errorf(rumbo.ENOTFOUND, "%s %q not found", e, r.PathValue("id"))
		}
	}
	return rec, nil
}

func (s *Server) getRecord(e rumbo.Entity) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
		rec, err := s.findRecord(r, c, e)
		if err != nil {
			return err
		}
		writeJSON(w, nethttp.StatusOK, encodeRecord(rec))
		return nil
	}
}

// readRecord decodes one record from the request body.
func readRecord(r *nethttp.Request, c *caller, e rumbo.Entity) (rumbo.Record, map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := decodeJSON(r, &obj); err != nil {
		return nil, nil, err
	}
	rec, err := buildRecord(c, e, obj, -1)
	return rec, obj, err
}

// buildRecord decodes a record; index ≥ 0 numbers the item of a bulk load.
func buildRecord(c *caller, e rumbo.Entity, obj map[string]json.RawMessage, index int) (rumbo.Record, error) {
	loc, err := c.org.Location()
	if err != nil {
		return nil, err
	}
	rec, details := decodeRecord(e, obj, loc)
	if len(details) > 0 {
		return nil, invalidRecord(details, index)
	}
	return rec, nil
}

func invalidRecord(details []Detail, index int) error {
	if index >= 0 {
		for i := range details {
			details[i].Index = &index
		}
	}
	return &detailedError{code: EUNPROCESSABLE, message: "invalid record: " + details[0].Field + ": " + details[0].Message, details: details}
}

// fieldDetail turns a store's *rumbo.FieldError into details.
func fieldDetail(err error, index int) error {
	var fe *rumbo.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return invalidRecord([]Detail{{Field: fe.Field, Message: fe.Message}}, index)
}

// write stores records in one transaction and returns their outcomes.
func (s *Server) write(ctx context.Context, c *caller, recs ...rumbo.Record) ([]rumbo.Outcome, error) {
	outs := make([]rumbo.Outcome, len(recs))
	err := s.store.Write(ctx, c.org.ID, rumbo.WriteOptions{Now: s.now()}, func(w rumbo.Writer) error {
		for i, rec := range recs {
			out, err := w.Put(ctx, rec)
			if err != nil {
				idx := -1
				if len(recs) > 1 {
					idx = i
				}
				return fieldDetail(err, idx)
			}
			outs[i] = out
		}
		return nil
	})
	return outs, err
}

// respondRecord answers with the record as stored.
func (s *Server) respondRecord(w nethttp.ResponseWriter, r *nethttp.Request, c *caller, e rumbo.Entity, xid string, status int) error {
	rec, err := s.store.Get(r.Context(), c.org.ID, e, xid)
	if err != nil {
		return err
	}
	writeJSON(w, status, encodeRecord(rec))
	return nil
}

// createRecord creates a record; ECONFLICT if its external id exists.
func (s *Server) createRecord(e rumbo.Entity) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
		rec, _, err := readRecord(r, c, e)
		if err != nil {
			return err
		}
		if strings.TrimSpace(rec.Key()) == "" {
			return invalidRecord([]Detail{{Field: "external_id", Message: "external id required"}}, -1)
		}
		if _, err := s.store.Get(r.Context(), c.org.ID, e, rec.Key()); err == nil {
			return rumbo.Errorf(rumbo.ECONFLICT, "%s %q already exists; PUT /api/v1/%s/%s replaces it", e, rec.Key(), e, rec.Key())
		} else if rumbo.ErrorCode(err) != rumbo.ENOTFOUND {
			return err
		}
		if _, err := s.write(r.Context(), c, rec); err != nil {
			return err
		}
		return s.respondRecord(w, r, c, e, strings.TrimSpace(rec.Key()), nethttp.StatusCreated)
	}
}

// setKey puts the path's {id} into the object, refusing a different one.
func setKey(r *nethttp.Request, obj map[string]json.RawMessage) error {
	id := r.PathValue("id")
	if raw, ok := obj["external_id"]; ok {
		var got string
		if json.Unmarshal(raw, &got) != nil || strings.TrimSpace(got) != id {
			return rumbo.Errorf(rumbo.EINVALID, "external_id %s differs from the path's %q", raw, id)
		}
	}
	obj["external_id"], _ = json.Marshal(id)
	return nil
}

// putRecord creates or replaces the record with the path's external id.
func (s *Server) putRecord(e rumbo.Entity) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
		var obj map[string]json.RawMessage
		if err := decodeJSON(r, &obj); err != nil {
			return err
		}
		if err := setKey(r, obj); err != nil {
			return err
		}
		rec, err := buildRecord(c, e, obj, -1)
		if err != nil {
			return err
		}
		outs, err := s.write(r.Context(), c, rec)
		if err != nil {
			return err
		}
		status := nethttp.StatusOK
		if outs[0] == rumbo.Inserted {
			status = nethttp.StatusCreated
		}
		return s.respondRecord(w, r, c, e, r.PathValue("id"), status)
	}
}

// patchRecord changes the given fields of an existing record.
func (s *Server) patchRecord(e rumbo.Entity) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
		var patch map[string]json.RawMessage
		if err := decodeJSON(r, &patch); err != nil {
			return err
		}
		if err := setKey(r, patch); err != nil {
			return err
		}
		cur, err := s.findRecord(r, c, e)
		if err != nil {
			return err
		}
		obj := recordToMap(cur)
		for k, v := range patch {
			obj[k] = v
		}
		rec, err := buildRecord(c, e, obj, -1)
		if err != nil {
			return err
		}
		if _, err := s.write(r.Context(), c, rec); err != nil {
			return err
		}
		return s.respondRecord(w, r, c, e, r.PathValue("id"), nethttp.StatusOK)
	}
}

// deleteRecord deletes a record; one that others refer to answers 409 and
// offers deactivation.
func (s *Server) deleteRecord(e rumbo.Entity) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
		id := r.PathValue("id")
		err := s.store.Delete(r.Context(), c.org.ID, e, []string{id})
		if rumbo.ErrorCode(err) == rumbo.ECONFLICT {
			msg := rumbo.ErrorMessage(err)
			var details []Detail
			if e == rumbo.EntityPeople {
				msg += fmt.Sprintf("; deactivate the person instead: PATCH /api/v1/people/%s with {\"active_to\": \"%s\"}", id, s.now().UTC().Format("2006-01-02"))
				details = []Detail{{Field: "active_to", Message: "set active_to to deactivate this person and keep their history"}}
			} else {
				msg += "; keep it, or delete the records that refer to it first"
			}
			return &detailedError{code: rumbo.ECONFLICT, message: msg, details: details}
		} else if err != nil {
			return err
		}
		w.WriteHeader(nethttp.StatusNoContent)
		return nil
	}
}

// bulkRecords upserts records by external id from a JSON array or NDJSON
// (Content-Type application/x-ndjson), all or nothing: any bad item fails
// the whole load with every problem listed by item index.
func (s *Server) bulkRecords(e rumbo.Entity) handlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request, c *caller) error {
		objs, err := readBulk(r)
		if err != nil {
			return err
		}
		var details []Detail
		recs := make([]rumbo.Record, 0, len(objs))
		for i, obj := range objs {
			rec, err := buildRecord(c, e, obj, i)
			var de *detailedError
			if errors.As(err, &de) {
				details = append(details, de.details...)
				continue
			} else if err != nil {
				return err
			}
			recs = append(recs, rec)
		}
		if len(details) == 0 {
			details, err = s.writeBulk(r.Context(), c, recs, w)
			if err != nil || len(details) == 0 {
				return err
			}
		}
		return &detailedError{code: EUNPROCESSABLE, details: details,
			message: fmt.Sprintf("%d invalid records; nothing was written", countItems(details))}
	}
}

// writeBulk writes the records in one transaction, collecting every
// record's problem; with any, nothing is kept.
func (s *Server) writeBulk(ctx context.Context, c *caller, recs []rumbo.Record, w nethttp.ResponseWriter) ([]Detail, error) {
	var details []Detail
	counts := map[string]int{"inserted": 0, "updated": 0, "unchanged": 0}
	errRejected := errors.New("rejected")
	err := s.store.Write(ctx, c.org.ID, rumbo.WriteOptions{Now: s.now()}, func(wr rumbo.Writer) error {
		outs, errs := make([]rumbo.Outcome, len(recs)), make([]error, len(recs))
		if err := rumbo.PutAll(ctx, wr, recs, outs, errs); err != nil {
			return err
		}
		for i, err := range errs {
			var fe *rumbo.FieldError
			if errors.As(err, &fe) {
				idx := i
				details = append(details, Detail{Index: &idx, Field: fe.Field, Message: fe.Message})
				continue
			} else if err != nil {
				return err
			}
			counts[[]string{"unchanged", "inserted", "updated"}[outs[i]]]++
		}
		if len(details) > 0 {
			return errRejected
		}
		return nil
	})
	if len(details) > 0 {
		return details, nil
	}
	if err != nil {
		return nil, err
	}
	writeJSON(w, nethttp.StatusOK, counts)
	return nil, nil
}

func countItems(details []Detail) int {
	seen := map[int]bool{}
	for _, d := range details {
		if d.Index != nil {
			seen[*d.Index] = true
		}
	}
	return len(seen)
}

// readBulk reads a JSON array of objects or NDJSON, one object a line.
func readBulk(r *nethttp.Request) ([]map[string]json.RawMessage, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-ndjson" {
		var objs []map[string]json.RawMessage
		if err := decodeJSON(r, &objs); err != nil {
			return nil, err
		}
		return objs, nil
	}
	var objs []map[string]json.RawMessage
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, rumbo.Errorf(rumbo.EINVALID, "NDJSON line %d: %s", line, strings.TrimPrefix(err.Error(), "json: "))
		}
		objs = append(objs, obj)
	}
	if err := sc.Err(); err != nil {
		var mbe *nethttp.MaxBytesError
		if errors.As(err, &mbe) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, err
		}
		return nil, rumbo.Errorf(rumbo.EINVALID, "NDJSON line %d: %v", line+1, err)
	}
	return objs, nil
}
