package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// Next decodes the next data row. It returns io.EOF after the last one. For
// a bad row it returns a nil record and every problem found in the row;
// the caller may go on with the next row. Rows whose cells are all empty are
// skipped. Any other error means the file could not be read.
func (d *Decoder) Next() (rumbo.Record, []RowError, error) {
	for {
		rec, err := d.r.Read()
		if err == io.EOF {
			return nil, nil, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				d.line = pe.StartLine
				return nil, []RowError{rowError(d.File(), pe.Line, "", "", csvProblem(pe.Err))}, nil
			}
			return nil, nil, fmt.Errorf("read %s: %w", d.File(), err)
		}
		d.line, _ = d.r.FieldPos(0)
		d.nfields = len(rec)
		if blank(rec) {
			continue
		}
		return d.decode(rec)
	}
}

// cell returns the value of column c in the row: the cell trimmed and
// mapped through the mapping's values, else the mapping's default.
func (d *Decoder) cell(c *column, rec []string) string {
	raw := ""
	if c.idx >= 0 {
		raw = strings.TrimSpace(rec[c.idx])
	}
	if c.values != nil {
		if mv, ok := c.values[raw]; ok {
			raw = mv
		}
	}
	if raw == "" {
		raw = c.def
	}
	return raw
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// decode turns one row into a record.
func (d *Decoder) decode(rec []string) (rumbo.Record, []RowError, error) {
	d.errs = d.errs[:0]
	if len(rec) < d.width || len(rec) > d.width && !blank(rec[d.width:]) {
		return nil, []RowError{rowError(d.File(), d.line, "", "",
			newProblem(ErrRowWidth, strconv.Itoa(len(rec)), strconv.Itoa(d.width)))}, nil
	}
	for i := range d.spec.fields {
		f, c, v := &d.spec.fields[i], &d.cols[i], &d.vals[i]
		*v = value{}
		raw := d.cell(c, rec)
		if raw == "" {
			if f.required {
				d.cellError(c, f.name, newProblem(ErrRequired))
			}
			continue
		}
		if p, ok := d.parse(f, c, v, raw); !ok {
			d.cellError(c, f.name, p)
			continue
		}
		v.set = true
	}
	d.checkRow()
	if id := d.vals[0].s; id != "" && len(d.dups) > 0 {
		if first, ok := d.dups[d.ids.key(id)]; ok && int(first) != d.line {
			d.cellError(&d.cols[0], "external_id", newProblem(ErrDuplicateID, id, strconv.Itoa(int(first))))
		}
	}
	if len(d.errs) > 0 {
		return nil, append([]RowError(nil), d.errs...), nil
	}
	var fields rumbo.Fields
	for _, cc := range d.custom {
		if s := strings.TrimSpace(rec[cc.idx]); s != "" {
			if fields == nil {
				fields = make(rumbo.Fields, len(d.custom))
			}
			fields[cc.name] = s
		}
	}
	return d.spec.build(d.vals, fields), nil, nil
}

// parse reads raw into v according to the field's kind, or says why not.
func (d *Decoder) parse(f *fieldSpec, c *column, v *value, raw string) (problem, bool) {
	switch f.kind {
	case kString:
		v.s = raw
	case kTime:
		p, ok := scanDate(raw)
		if ok {
			v.t, ok = p.time(c.order, d.loc, f.endOfDay)
		}
		if !ok {
			if c.order == orderYMD {
				return newProblem(ErrDateYMD, raw), false
			}
			return newProblem(ErrDate, raw), false
		}
	case kMoney:
		m, p, ok := parseMoney(raw, c.dec, d.currency)
		if !ok {
			return p, false
		}
		v.m = m
	case kInt:
		n, err := strconv.Atoi(strings.TrimPrefix(raw, "+"))
		if err != nil {
			return newProblem(ErrWholeNumber, raw), false
		}
		v.i = n
	case kBool:
		b, ok := parseBool(raw)
		if !ok {
			return newProblem(ErrYesNo, raw), false
		}
		v.b = b
	case kEnum:
		for _, e := range f.enum {
			if strings.EqualFold(raw, e) {
				v.s = e
				return problem{}, true
			}
		}
		return newProblem(ErrNotAllowed, raw, strings.Join(f.enum, ", ")), false
	}
	return problem{}, true
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "1", "sí", "si", "s", "x":
		return true, true
	case "no", "n", "false", "0":
		return false, true
	}
	return false, false
}

// checkRow applies the rules that involve several fields of a row.
func (d *Decoder) checkRow() {
	switch d.spec.entity {
	case rumbo.EntityPeople:
		if !d.vals[1].set && !d.vals[2].set {
			d.cellError(&d.cols[1], "name", newProblem(ErrNameOrEmail))
		}
		d.checkOrder(4, 5) // active_from, active_to
	case rumbo.EntityCampaigns:
		d.checkOrder(3, 4) // start, end
	case rumbo.EntitySurveys:
		score, scale := &d.vals[4], d.vals[5].s
		if !score.set {
			return
		}
		lo, hi := 1, 5
		if scale == rumbo.ScaleNPS {
			lo, hi = 0, 10
		} else {
			scale = rumbo.ScaleCSAT
		}
		if score.i < lo || score.i > hi {
			d.cellError(&d.cols[4], "score", newProblem(ErrScoreRange, strconv.Itoa(score.i), scale, strconv.Itoa(lo), strconv.Itoa(hi)))
		}
	}
}

// checkOrder refuses a row whose time field at index to is before the one
// at index from, as the store would.
func (d *Decoder) checkOrder(from, to int) {
	f, t := &d.vals[from], &d.vals[to]
	if f.set && t.set && t.t.Before(f.t) {
		name := d.spec.fields[to].name
		d.cellError(&d.cols[to], name, newProblem(ErrBefore, name, d.spec.fields[from].name))
	}
}

// cellError records a problem with the cell feeding column c of this row,
// for the named field.
func (d *Decoder) cellError(c *column, field string, p problem) {
	line, col := d.line, ""
	if c.idx >= 0 {
		col = c.name
		line, _ = d.r.FieldPos(c.idx)
	}
	d.errs = append(d.errs, rowError(d.File(), line, col, field, p))
}

// Pos is where a decoded row sits in its file: its line and, for a row
// spanning several lines, the line of each field.
type Pos struct {
	Line   int
	fields []int
}

// Pos returns the position of the row Next returned last.
func (d *Decoder) Pos() Pos {
	p := Pos{Line: d.line}
	if n := d.nfields; n > 0 {
		if last, _ := d.r.FieldPos(n - 1); last != d.line {
			p.fields = make([]int, n)
			for i := range p.fields {
				p.fields[i], _ = d.r.FieldPos(i)
			}
		}
	}
	return p
}

// line returns the line of the field at index idx of the header.
func (p Pos) line(idx int) int {
	if idx < len(p.fields) {
		return p.fields[idx]
	}
	return p.Line
}

// FieldError locates an error the store returned for the row at p: the
// source column that fed the field, on that row's line.
func (d *Decoder) FieldError(p Pos, fe *rumbo.FieldError) RowError {
	e := rowError(d.File(), p.Line, "", fe.Field, storeProblem(fe))
	if i := d.spec.field(fe.Field); i >= 0 && d.cols[i].idx >= 0 {
		e.Column = d.cols[i].name
		e.Line = p.line(d.cols[i].idx)
		return e
	}
	for _, cc := range d.custom {
		if cc.name == fe.Field {
			e.Column = cc.col
			e.Line = p.line(cc.idx)
		}
	}
	return e
}
