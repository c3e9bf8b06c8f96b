package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rumbo-app/rumbo"
)

// Mapping says how the columns of a source file become the fields of one
// entity. Its YAML keys are entity, columns, values, defaults, fields,
// date_format and decimal; docs/import.md is the reference.
type Mapping struct {
	// Entity is the entity the file holds.
	Entity rumbo.Entity `yaml:"entity"`
	// Columns maps a canonical field to the source column that feeds it.
	// One source column may feed several fields.
	Columns map[string]string `yaml:"columns"`
	// Values maps, per canonical field, raw source values to canonical ones
	// (status: {Won: won}).
	Values map[string]map[string]string `yaml:"values"`
	// Defaults are constants for fields the file lacks or leaves empty.
	Defaults map[string]string `yaml:"defaults"`
	// Fields maps a custom field name to the source column that feeds it.
	Fields map[string]string `yaml:"fields"`
	// DateFormat is "auto" (or "") to detect the day/month order per column,
	// or a layout such as "dd/mm/yyyy", "mm/dd/yyyy", "yyyy-mm-dd".
	DateFormat string `yaml:"date_format"`
	// Decimal is "auto" (or "") to detect the decimal separator per column,
	// "," or ".".
	Decimal string `yaml:"decimal"`

	name      string // the mapping file's path, for messages; "" if built in code
	canonical bool   // headers are canonical field names; other columns are custom fields
}

// CanonicalMapping returns the mapping of a file whose headers are the
// canonical field names of the entity. Optional columns may be absent, and
// every other column is imported as a custom field of the same name.
func CanonicalMapping(e rumbo.Entity) *Mapping {
	m := &Mapping{Entity: e, Columns: map[string]string{}, canonical: true}
	for _, f := range FieldNames(e) {
		m.Columns[f] = f
	}
	return m
}

var yamlUnknownKey = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)

// LoadMapping reads and validates a mapping file: the entity must exist, every
// key must be known, and every field named must be a canonical field of the
// entity. Errors are EINVALID and name the file and the key.
func LoadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, rumbo.Errorf(rumbo.EINVALID, "%s: mapping file not found", path)
	} else if err != nil {
		return nil, fmt.Errorf("read mapping %s: %w", path, err)
	}
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); errors.Is(err, io.EOF) {
		return nil, rumbo.Errorf(rumbo.EINVALID, "%s: empty mapping file", path)
	} else if err != nil {
		if sub := yamlUnknownKey.FindStringSubmatch(err.Error()); sub != nil {
			return nil, rumbo.Errorf(rumbo.EINVALID, "%s:%s: unknown key %q (valid: entity, columns, values, defaults, fields, date_format, decimal)", path, sub[1], sub[2])
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.ReplaceAll(msg, "\n ", "")
		return nil, rumbo.Errorf(rumbo.EINVALID, "%s: not a valid mapping file: %s", path, msg)
	}
	m.name = path
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// label names the mapping in messages.
func (m *Mapping) label() string {
	if m.name == "" {
		return "mapping"
	}
	return m.name
}

// validate checks the mapping on its own, without a file.
func (m *Mapping) validate() error {
	if m.Entity == "" {
		return NewFileError(m.label(), 0, ErrMappingNoEntity)
	}
	s, ok := specs[m.Entity]
	if !ok {
		return NewFileError(m.label(), 0, ErrMappingBadEntity, string(m.Entity))
	}
	check := func(section string, keys []string) error {
		sort.Strings(keys)
		for _, k := range keys {
			if s.field(k) < 0 {
				return NewFileError(m.label(), 0, ErrMappingField, section, string(m.Entity), k, s.names())
			}
		}
		return nil
	}
	if err := check("columns", keys(m.Columns)); err != nil {
		return err
	}
	if err := check("defaults", keys(m.Defaults)); err != nil {
		return err
	}
	vk := make([]string, 0, len(m.Values))
	for k := range m.Values {
		vk = append(vk, k)
	}
	if err := check("values", vk); err != nil {
		return err
	}
	for _, k := range sortedKeys(m.Columns) {
		if strings.TrimSpace(m.Columns[k]) == "" {
			return NewFileError(m.label(), 0, ErrMappingEmptyColumn, k)
		}
	}
	for _, k := range sortedKeys(m.Fields) {
		if s.field(k) >= 0 {
			return NewFileError(m.label(), 0, ErrMappingCustomIsStd, k, string(m.Entity))
		}
		if strings.TrimSpace(k) == "" || strings.TrimSpace(m.Fields[k]) == "" {
			return NewFileError(m.label(), 0, ErrMappingCustomBad, k)
		}
	}
	for _, f := range s.fields {
		_, col := m.Columns[f.name]
		_, def := m.Defaults[f.name]
		if f.required && !col && !def {
			return NewFileError(m.label(), 0, ErrMappingRequired, f.name)
		}
	}
	if len(s.oneOf) > 0 && !m.canonical {
		found := false
		for _, f := range s.oneOf {
			_, col := m.Columns[f]
			_, def := m.Defaults[f]
			found = found || col || def
		}
		if !found {
			// Every entity with a choice of fields has two (entitySpec.oneOf).
			return NewFileError(m.label(), 0, ErrMappingOneOf, string(m.Entity), s.oneOf[0], s.oneOf[1])
		}
	}
	if _, ok := parseDateFormat(m.DateFormat); !ok {
		return NewFileError(m.label(), 0, ErrMappingDateFormat, m.DateFormat)
	}
	if _, ok := parseDecimal(m.Decimal); !ok {
		return NewFileError(m.label(), 0, ErrMappingDecimal, m.Decimal)
	}
	return nil
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := keys(m)
	sort.Strings(out)
	return out
}

// parseDecimal returns the decimal separator a mapping asks for: 0 for auto.
func parseDecimal(s string) (byte, bool) {
	switch strings.TrimSpace(s) {
	case "", "auto":
		return 0, true
	case ",":
		return ',', true
	case ".":
		return '.', true
	}
	return 0, false
}
