package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Decoder reads the records of one CSV file. NewDecoder checks the file and
// decides the format of every column from all its values; Next then decodes
// one row at a time. Memory stays bounded whatever the file size: the
// detection pass finds the repeated external ids by sorting their hashes in
// bounded chunks (dups.go).
type Decoder struct {
	src      *source
	spec     *entitySpec
	loc      *time.Location
	currency string
	progress func(bytesRead, totalBytes int64)

	cols   []column // per canonical field, in spec order
	custom []customColumn
	width  int // fields in the header

	closer  io.Closer
	r       *csv.Reader
	line    int // line of the current row
	nfields int // fields in the current row
	vals    []value
	errs    []RowError
	rows    int             // data rows the detection pass counted
	ids     *dupFinder      // hashes the external ids
	dups    map[idKey]int32 // the repeated ids' hashes → first line
}

// column is where one canonical field comes from and how it is read.
type column struct {
	idx    int    // in the header; -1 when the file lacks it
	name   string // the source column as the header writes it
	def    string // the mapping's default
	values map[string]string
	order  dateOrder // time fields
	dec    byte      // money fields
}

// customColumn feeds a custom field.
type customColumn struct {
	name string // the custom field
	col  string // the source column as the header writes it
	idx  int
}

// NewDecoder opens the file at path ("-" for standard input, spooled to a
// temporary file) for opts.Entity under opts.Mapping, reads it once to decide
// the date layout and decimal separator of every column, and returns a
// decoder positioned on the first data row. Every problem with the file as a
// whole is an EINVALID error naming it. Close the decoder when done.
func NewDecoder(path string, opts Options) (*Decoder, error) {
	name := path
	if path == "-" {
		name = "stdin"
	}
	m, err := resolveMapping(name, opts)
	if err != nil {
		return nil, err
	}
	stdin := opts.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	src, err := openSource(path, stdin)
	if err != nil {
		return nil, err
	}
	d := &Decoder{src: src, spec: specs[m.Entity], loc: opts.Location, currency: opts.Currency,
		progress: opts.Progress, ids: newDupFinder()}
	if d.loc == nil {
		d.loc = time.UTC
	}
	if d.currency == "" {
		d.currency = rumbo.DefaultCurrency
	}
	if err := d.start(m); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// resolveMapping returns the mapping to use, checked against opts.Entity.
func resolveMapping(file string, opts Options) (*Mapping, error) {
	if opts.Mapping == nil {
		if opts.Entity == "" {
			return nil, NewFileError(file, 0, ErrNoEntity)
		}
		if _, err := spec(opts.Entity); err != nil {
			return nil, err
		}
		return CanonicalMapping(opts.Entity), nil
	}
	m := *opts.Mapping
	if m.Entity == "" {
		m.Entity = opts.Entity
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	if opts.Entity != "" && m.Entity != opts.Entity {
		if m.name == "" {
			return nil, NewFileError(file, 0, ErrMappingEntity, string(m.Entity), string(opts.Entity))
		}
		return nil, NewFileError(file, 0, ErrMappingFileEntity, m.name, string(m.Entity), string(opts.Entity))
	}
	return &m, nil
}

// File returns the file's name as messages show it.
func (d *Decoder) File() string { return d.src.name }

// Rows returns how many data rows the file holds, bad ones included but for
// rows with the wrong number of columns or that cannot be parsed.
func (d *Decoder) Rows() int { return d.rows }

// Line returns the line of the row Next returned last.
func (d *Decoder) Line() int { return d.line }

// Close releases the file and removes a spooled copy of standard input.
func (d *Decoder) Close() error {
	var err error
	if d.closer != nil {
		err = d.closer.Close()
		d.closer = nil
	}
	d.src.close()
	return err
}

// reader opens a fresh pass over the file and reads the header.
func (d *Decoder) reader(pass int) ([]string, error) {
	if d.closer != nil {
		d.closer.Close()
		d.closer = nil
	}
	var progress func(int64)
	if d.progress != nil {
		size := d.src.size
		offset := int64(pass) * size
		progress = func(n int64) { d.progress(offset+n, 2*size) }
	}
	br, closer, err := d.src.open(progress)
	if err != nil {
		return nil, err
	}
	d.closer = closer
	if d.src.comma == 0 {
		d.src.comma = detectDelimiter(br)
	}
	d.r = csv.NewReader(br)
	d.r.Comma = d.src.comma
	d.r.FieldsPerRecord = -1
	d.r.ReuseRecord = true
	header, err := d.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, headerError(d.File(), pe.Line, pe.Err)
	} else if err != nil {
		return nil, fmt.Errorf("read header of %s: %w", d.File(), err)
	}
	return header, nil
}

// start reads the header, binds the mapping to it, runs the detection pass
// if any column needs one, and opens the decoding pass.
func (d *Decoder) start(m *Mapping) error {
	header, err := d.reader(0)
	if err != nil {
		return err
	}
	if err := d.bind(m, header); err != nil {
		return err
	}
	if err := d.detect(m); err != nil {
		return err
	}
	for i := range d.cols {
		if d.cols[i].order == orderAuto {
			d.cols[i].order = orderDMY
		}
		if d.cols[i].dec == 0 {
			d.cols[i].dec = '.'
		}
	}
	if _, err := d.reader(1); err != nil {
		return err
	}
	d.vals = make([]value, len(d.spec.fields))
	return nil
}

// bind finds the source column of every field.
func (d *Decoder) bind(m *Mapping, header []string) error {
	// Empty names at the header's end (a trailing delimiter, as some
	// exports write on the header line alone) are no columns: rows need
	// not have them.
	d.width = len(header)
	for d.width > 0 && strings.TrimSpace(header[d.width-1]) == "" {
		d.width--
	}
	index := map[string]int{}
	dup := map[string]bool{}
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		if k == "" {
			continue
		}
		if _, ok := index[k]; ok {
			dup[k] = true
			continue
		}
		index[k] = i
	}
	find := func(col string) (int, error) {
		k := strings.ToLower(strings.TrimSpace(col))
		if dup[k] {
			return -1, NewFileError(d.File(), 1, ErrDuplicateColumn, col)
		}
		if i, ok := index[k]; ok {
			return i, nil
		}
		return -1, nil
	}
	order, _ := parseDateFormat(m.DateFormat)
	dec, _ := parseDecimal(m.Decimal)
	var missing []string
	allRequired := true
	d.cols = make([]column, len(d.spec.fields))
	for i, f := range d.spec.fields {
		c := column{idx: -1, def: m.Defaults[f.name], values: m.Values[f.name], order: order, dec: dec}
		if src, ok := m.Columns[f.name]; ok {
			idx, err := find(src)
			if err != nil {
				return err
			}
			c.idx, c.name = idx, strings.TrimSpace(src)
			if idx >= 0 {
				c.name = strings.TrimSpace(header[idx])
			} else if m.canonical && f.required && c.def == "" {
				missing = append(missing, strconv.Quote(src))
			} else if !m.canonical {
				missing = append(missing, quoteFor(src, f.name))
				allRequired = allRequired && f.required
			}
		}
		d.cols[i] = c
	}
	for _, k := range sortedKeys(m.Fields) {
		idx, err := find(m.Fields[k])
		if err != nil {
			return err
		}
		if idx < 0 {
			missing = append(missing, quoteFor(m.Fields[k], k))
			allRequired = false
			continue
		}
		d.custom = append(d.custom, customColumn{name: k, col: strings.TrimSpace(header[idx]), idx: idx})
	}
	if m.canonical {
		for i, h := range header {
			k := strings.TrimSpace(h)
			lk := strings.ToLower(k)
			if k != "" && d.spec.field(lk) < 0 && !ignoredColumn(lk) {
				d.custom = append(d.custom, customColumn{name: k, col: k, idx: i})
			}
		}
	}
	if len(missing) > 0 {
		code := map[[2]bool]ErrorCode{{false, false}: ErrMissingColumn, {false, true}: ErrMissingColumns,
			{true, false}: ErrMissingRequired, {true, true}: ErrMissingRequiredAll}[[2]bool{allRequired, len(missing) > 1}]
		return NewFileError(d.File(), 1, code, strings.Join(missing, ", "))
	}
	if len(d.spec.oneOf) > 0 {
		found := false
		for _, f := range d.spec.oneOf {
			c := d.cols[d.spec.field(f)]
			found = found || c.idx >= 0 || c.def != ""
		}
		if !found {
			return NewFileError(d.File(), 1, ErrMissingOneOf, d.spec.oneOf[0], d.spec.oneOf[1])
		}
	}
	return nil
}

// quoteFor names a source column and the field it feeds.
func quoteFor(col, field string) string {
	if col == field {
		return strconv.Quote(col)
	}
	return strconv.Quote(col) + " (" + field + ")"
}

// detect reads every row once to decide, per column, the day/month order
// of dates and the decimal separator of amounts.
func (d *Decoder) detect(m *Mapping) error {
	type watch struct {
		c     *column
		dates *dateColumn
		nums  *decimalColumn
	}
	var watches []watch
	for i, f := range d.spec.fields {
		c := &d.cols[i]
		switch {
		case c.idx < 0:
		case f.kind == kTime && c.order == orderAuto:
			watches = append(watches, watch{c: c, dates: &dateColumn{}})
		case f.kind == kMoney && c.dec == 0:
			watches = append(watches, watch{c: c, nums: &decimalColumn{}})
		}
	}
	defer d.ids.close()
	idc := &d.cols[0] // external_id
	for {
		rec, err := d.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue // reported by the decoding pass
			}
			return fmt.Errorf("read %s: %w", d.File(), err)
		}
		if blank(rec) || len(rec) < d.width || len(rec) > d.width && !blank(rec[d.width:]) {
			continue // skipped or refused whole by the decoding pass
		}
		d.rows++
		if id := d.cell(idc, rec); id != "" {
			line, _ := d.r.FieldPos(0)
			if err := d.ids.add(id, line); err != nil {
				return err
			}
		}
		for _, w := range watches {
			if w.c.idx >= len(rec) {
				continue
			}
			raw := strings.TrimSpace(rec[w.c.idx])
			if w.c.values != nil {
				if v, ok := w.c.values[raw]; ok {
					raw = v
				}
			}
			if raw == "" {
				continue
			}
			line, _ := d.r.FieldPos(w.c.idx)
			if w.dates != nil {
				w.dates.observe(raw, line)
			} else {
				w.nums.observe(raw, line)
			}
		}
	}
	var err error
	if d.dups, err = d.ids.repeated(); err != nil {
		return err
	}
	for _, w := range watches {
		var p problem
		if w.dates != nil {
			w.c.order, p = w.dates.decide()
		} else {
			w.c.dec, p = w.nums.decide()
		}
		if p.code != "" {
			fe := fileProblem(d.File(), 0, p)
			fe.Column = w.c.name
			return fe
		}
	}
	return nil
}

// ignoredColumn reports whether a column (its lower-case name) is neither a
// field nor a custom field: the store's own id and first_seen_at, as an
// export of Rumbo has them.
func ignoredColumn(k string) bool { return k == "id" || k == "first_seen_at" }
