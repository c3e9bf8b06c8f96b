package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rumbo-app/rumbo"
)

// ParseMapping reads and validates a mapping given as YAML or JSON text (JSON
// is YAML too), as LoadMapping does for a file; name labels it in messages.
func ParseMapping(name string, b []byte) (*Mapping, error) {
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); errors.Is(err, io.EOF) {
		return nil, NewFileError(name, 0, ErrMappingEmpty)
	} else if err != nil {
		if sub := yamlUnknownKey.FindStringSubmatch(err.Error()); sub != nil {
			line, _ := strconv.Atoi(sub[1])
			return nil, NewFileError(name, line, ErrMappingKey, sub[2])
		}
		msg := strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n ", "")
		return nil, NewFileError(name, 0, ErrMappingSyntax, msg)
	}
	m.name = name
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// PreviewOptions control PreviewFile.
type PreviewOptions struct {
	// Name is the file's name in messages; the path when empty.
	Name string
	// Rows is how many data rows to return; 20 when 0.
	Rows int
	// Entity and Mapping, when set, name the field each column feeds; the
	// mapping's date_format and decimal override what is detected.
	Entity  rumbo.Entity
	Mapping *Mapping
}

// Column kinds of a preview.
const (
	ColumnText   = "text"
	ColumnDate   = "date"
	ColumnNumber = "number"
	ColumnEmpty  = "empty"
)

// PreviewColumn is what a preview found about one column.
type PreviewColumn struct {
	Name string `json:"name"` // as the header writes it
	// Field is the canonical field the column feeds under the mapping (or
	// as a canonical header), "fields.NAME" for a custom field, "" for none.
	Field string `json:"field,omitempty"`
	Kind  string `json:"kind"` // ColumnText, ColumnDate, ColumnNumber or ColumnEmpty
	// DateFormat is the day/month order of a date column: dd/mm/yyyy,
	// mm/dd/yyyy or yyyy-mm-dd.
	DateFormat string `json:"date_format,omitempty"`
	// Decimal is the decimal separator of a number column: "." or ",".
	Decimal string `json:"decimal,omitempty"`
	// Problem says in English why the format cannot be decided (mixed or
	// ambiguous); ProblemCode and ProblemArgs say the same for a user
	// interface to translate (a file code, as in FileError).
	Problem     string    `json:"problem,omitempty"`
	ProblemCode ErrorCode `json:"problem_code,omitempty"`
	ProblemArgs []string  `json:"problem_args,omitempty"`
}

// setProblem records why the column's format cannot be decided; a zero
// problem clears it.
func (c *PreviewColumn) setProblem(p problem) {
	c.Problem, c.ProblemCode, c.ProblemArgs = "", p.code, p.args
	if p.code != "" {
		c.Problem = "column " + p.english()
	}
}

// Preview is the first rows of a file as the importer reads them, with
// what it detects: the delimiter, the encoding and each column's format.
type Preview struct {
	File      string          `json:"file"`
	Delimiter string          `json:"delimiter"` // ",", ";" or "\t"
	Encoding  string          `json:"encoding"`  // utf-8, utf-8-bom or windows-1252
	Header    []string        `json:"header"`
	Columns   []PreviewColumn `json:"columns"`
	Rows      [][]string      `json:"rows"`       // the first data rows, decoded to UTF-8
	TotalRows int             `json:"total_rows"` // data rows in the file
}

// PreviewFile reads the CSV file at path and returns its first rows with the
// delimiter, encoding, and the kind, date format and decimal separator of
// every column, decided from all of its values as an import does. Problems
// with the file as a whole are EINVALID errors naming it.
func PreviewFile(path string, opts PreviewOptions) (*Preview, error) {
	if opts.Rows <= 0 {
		opts.Rows = 20
	}
	src := &source{path: path, name: path}
	if opts.Name != "" {
		src.name = opts.Name
	}
	if err := src.scan(); err != nil {
		return nil, err
	}
	br, closer, err := src.open(nil)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	p := &Preview{File: src.name, Encoding: "utf-8", Rows: [][]string{}}
	switch {
	case src.cp1252:
		p.Encoding = "windows-1252"
	case src.bom:
		p.Encoding = "utf-8-bom"
	}
	comma := detectDelimiter(br)
	p.Delimiter = string(comma)
	r := csv.NewReader(br)
	r.Comma, r.FieldsPerRecord = comma, -1
	header, err := r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, headerError(src.name, pe.Line, pe.Err)
	} else if err != nil {
		return nil, fmt.Errorf("read header of %s: %w", src.name, err)
	}
	p.Header = header
	type colState struct {
		dates            dateColumn
		nums             decimalColumn
		values, isDate   int
		isNum, yearFirst int
	}
	st := make([]colState, len(header))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if errors.As(err, &pe) {
			continue // the import reports it as a row error
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", src.name, err)
		}
		if blank(rec) {
			continue
		}
		p.TotalRows++
		if len(p.Rows) < opts.Rows {
			p.Rows = append(p.Rows, append([]string(nil), rec...))
		}
		line, _ := r.FieldPos(0)
		for i := range st {
			if i >= len(rec) {
				continue
			}
			raw := strings.TrimSpace(rec[i])
			if raw == "" {
				continue
			}
			c := &st[i]
			c.values++
			if d, ok := scanDate(raw); ok {
				c.isDate++
				if d.yearFirst {
					c.yearFirst++
				}
				c.dates.observe(raw, line)
			}
			if num, _, _, ok := splitCurrency(raw); ok {
				_, _, commaOK := splitDecimal(num, ',')
				_, _, dotOK := splitDecimal(num, '.')
				if commaOK || dotOK {
					c.isNum++
					c.nums.observe(raw, line)
				}
			}
		}
	}
	fields := previewFields(header, opts)
	for i, h := range header {
		c := &st[i]
		col := PreviewColumn{Name: h, Field: fields[i], Kind: ColumnText}
		switch {
		case c.values == 0:
			col.Kind = ColumnEmpty
		case c.isDate == c.values:
			col.Kind = ColumnDate
			if c.yearFirst == c.values {
				col.DateFormat = orderYMD.String()
			} else if o, p := c.dates.decide(); p.code != "" {
				col.setProblem(p)
			} else {
				col.DateFormat = o.String()
			}
			if opts.Mapping != nil && col.Field != "" {
				if o, _ := parseDateFormat(opts.Mapping.DateFormat); o != orderAuto {
					col.DateFormat = o.String()
					col.setProblem(problem{})
				}
			}
		case c.isNum == c.values:
			col.Kind = ColumnNumber
			if dec, p := c.nums.decide(); p.code != "" {
				col.setProblem(p)
			} else {
				col.Decimal = string(dec)
			}
			if opts.Mapping != nil && col.Field != "" {
				if dec, _ := parseDecimal(opts.Mapping.Decimal); dec != 0 {
					col.Decimal = string(dec)
					col.setProblem(problem{})
				}
			}
		}
		p.Columns = append(p.Columns, col)
	}
	return p, nil
}

// previewFields names the field each header column feeds: under the
// mapping, or as a canonical header of the entity.
func previewFields(header []string, opts PreviewOptions) []string {
	out := make([]string, len(header))
	m := opts.Mapping
	if m == nil && opts.Entity != "" {
		if _, err := spec(opts.Entity); err == nil {
			m = CanonicalMapping(opts.Entity)
		}
	}
	if m == nil {
		return out
	}
	byCol := map[string]string{}
	for _, f := range sortedKeys(m.Columns) {
		k := strings.ToLower(strings.TrimSpace(m.Columns[f]))
		if _, ok := byCol[k]; !ok {
			byCol[k] = f
		}
	}
	for _, f := range sortedKeys(m.Fields) {
		k := strings.ToLower(strings.TrimSpace(m.Fields[f]))
		if _, ok := byCol[k]; !ok {
			byCol[k] = "fields." + f
		}
	}
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		if f, ok := byCol[k]; ok {
			out[i] = f
		} else if m.canonical && k != "" && !ignoredColumn(k) {
			out[i] = "fields." + strings.TrimSpace(h)
		}
	}
	return out
}
