package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"

	"github.com/rumbo-app/rumbo"
)

// The codes of problems with a file as a whole or with its mapping, which
// stop an import before any row is read (FileError). They are distinct from
// the row codes. The comment gives each one's Args, in order.
const (
	ErrFileNotFound       ErrorCode = "file_not_found"       // none
	ErrFileOpen           ErrorCode = "file_open"            // the system's reason, in English
	ErrFileDirectory      ErrorCode = "file_directory"       // none
	ErrFileUTF16          ErrorCode = "file_utf16"           // none
	ErrFileBinary         ErrorCode = "file_binary"          // the byte, as 0x00
	ErrFileEmpty          ErrorCode = "file_empty"           // none
	ErrNoEntity           ErrorCode = "no_entity"            // none
	ErrEntityRequired     ErrorCode = "entity_required"      // none (an upload without entity nor mapping)
	ErrMappingEntity      ErrorCode = "mapping_entity"       // the mapping's entity, the entity asked for
	ErrMappingFileEntity  ErrorCode = "mapping_file_entity"  // the mapping file, its entity, the entity asked for
	ErrHeaderQuote        ErrorCode = "header_quote"         // none
	ErrHeaderBareQuote    ErrorCode = "header_bare_quote"    // none
	ErrHeaderSyntax       ErrorCode = "header_syntax"        // the CSV reader's reason, in English
	ErrDuplicateColumn    ErrorCode = "duplicate_column"     // the column
	ErrMissingColumn      ErrorCode = "missing_column"       // the column, quoted, with the field it feeds
	ErrMissingColumns     ErrorCode = "missing_columns"      // the columns, quoted, comma separated
	ErrMissingRequired    ErrorCode = "missing_required"     // the column, quoted
	ErrMissingRequiredAll ErrorCode = "missing_required_all" // the columns, quoted, comma separated
	ErrMissingOneOf       ErrorCode = "missing_one_of"       // the two columns of which one is needed
	ErrDatesMixed         ErrorCode = "dates_mixed"          // line and value of a dd/mm date, line and value of a mm/dd one
	ErrDatesAmbiguous     ErrorCode = "dates_ambiguous"      // the line and the value
	ErrDecimalsMixed      ErrorCode = "decimals_mixed"       // line and value with a decimal comma, line and value with a point
	ErrDecimalsAmbiguous  ErrorCode = "decimals_ambiguous"   // the line and the value
	ErrMappingEmpty       ErrorCode = "mapping_empty"        // none
	ErrMappingKey         ErrorCode = "mapping_key"          // the key (the line is the error's)
	ErrMappingSyntax      ErrorCode = "mapping_syntax"       // the YAML parser's reason, in English
	ErrMappingNoEntity    ErrorCode = "mapping_no_entity"    // none
	ErrMappingBadEntity   ErrorCode = "mapping_bad_entity"   // the entity
	ErrMappingField       ErrorCode = "mapping_field"        // the section, the entity, the key, the entity's fields
	ErrMappingEmptyColumn ErrorCode = "mapping_empty_column" // the field
	ErrMappingCustomIsStd ErrorCode = "mapping_custom_std"   // the key, the entity
	ErrMappingCustomBad   ErrorCode = "mapping_custom_bad"   // the key
	ErrMappingRequired    ErrorCode = "mapping_required"     // the field
	ErrMappingOneOf       ErrorCode = "mapping_one_of"       // the entity, the two fields of which one is needed
	ErrMappingDateFormat  ErrorCode = "mapping_date_format"  // the layout
	ErrMappingDecimal     ErrorCode = "mapping_decimal"      // the separator
)

// fileReasons are the English messages of the file codes, as the CLI and
// the API have always written them after the file's name.
var fileReasons = map[ErrorCode]string{
	ErrFileNotFound:       "file not found",
	ErrFileOpen:           "cannot open: %s",
	ErrFileDirectory:      "is a directory, not a CSV file",
	ErrFileUTF16:          "UTF-16 text is not supported; save the file as CSV UTF-8",
	ErrFileBinary:         "binary data (byte %s); not a CSV text file",
	ErrFileEmpty:          "empty file",
	ErrNoEntity:           "no entity given",
	ErrEntityRequired:     "entity required (or a mapping that names it)",
	ErrMappingEntity:      "the mapping is for %s, not %s",
	ErrMappingFileEntity:  "mapping %s is for %s, not %s",
	ErrHeaderQuote:        "cannot read the header: " + csv.ErrQuote.Error(),
	ErrHeaderBareQuote:    "cannot read the header: " + csv.ErrBareQuote.Error(),
	ErrHeaderSyntax:       "cannot read the header: %s",
	ErrDuplicateColumn:    "column %q appears more than once in the header",
	ErrMissingColumn:      "missing column %s",
	ErrMissingColumns:     "missing columns %s",
	ErrMissingRequired:    "missing required column %s",
	ErrMissingRequiredAll: "missing required columns %s",
	ErrMissingOneOf:       "missing required column %q or %q",
	ErrDatesMixed:         "mixes dd/mm/yyyy (line %s: %q) and mm/dd/yyyy (line %s: %q) dates; set date_format in a mapping file",
	ErrDatesAmbiguous:     "is ambiguous: every date fits both dd/mm/yyyy and mm/dd/yyyy (line %s: %q); set date_format in a mapping file",
	ErrDecimalsMixed:      "mixes decimal comma (line %s: %q) and decimal point (line %s: %q); set decimal in a mapping file",
	ErrDecimalsAmbiguous:  `is ambiguous: line %s: %q may use a thousands separator or a decimal one; set decimal: "," or decimal: "." in a mapping file`,
	ErrMappingEmpty:       "empty mapping",
	ErrMappingKey:         "unknown key %q (valid: entity, columns, values, defaults, fields, date_format, decimal)",
	ErrMappingSyntax:      "not a valid mapping: %s",
	ErrMappingNoEntity:    "entity is missing (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)",
	ErrMappingBadEntity:   "unknown entity %q (valid: teams, people, markets, campaigns, leads, deals, activities, surveys, inquiries)",
	ErrMappingField:       "%s: unknown %s field %q (valid: %s)",
	ErrMappingEmptyColumn: "columns: field %q has an empty column name",
	ErrMappingCustomIsStd: "fields: %q is a canonical %s field; map it under columns",
	ErrMappingCustomBad:   "fields: custom field %q needs a name and a column",
	ErrMappingRequired:    "required field %q has no column or default",
	ErrMappingOneOf:       "%s need a column for %s or %s",
	ErrMappingDateFormat:  "date_format: unknown layout %q (valid: auto, dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd, optionally with hh:mm or hh:mm:ss)",
	ErrMappingDecimal:     `decimal: unknown separator %q (valid: auto, ",", ".")`,
}

// FileErrorCodes returns every code a FileError may carry, so that a user
// interface can check that it translates them all.
func FileErrorCodes() []ErrorCode {
	out := make([]ErrorCode, 0, len(fileReasons))
	for c := range fileReasons {
		out = append(out, c)
	}
	return out
}

// IsFileCode reports whether c is the code of a problem with a whole file.
func IsFileCode(c ErrorCode) bool {
	_, ok := fileReasons[c]
	return ok
}

// FileError is a problem with a file as a whole, or with its mapping, that
// stops an import or a preview. Its Error is the English message the CLI and
// the API show ("file:line: column "x" message"); Code, Args and the
// position let a user interface say the same in its own language. It is an
// EINVALID domain error: rumbo.ErrorCode and rumbo.ErrorMessage see it as one.
type FileError struct {
	File   string // the data or mapping file the message names; "" for none
	Line   int    // the line, 0 when the problem has none
	Column string // the source column the problem is in, "" for none
	Code   ErrorCode
	Args   []string
}

// NewFileError returns the FileError of code with its Args; file and line
// place it ("" and 0 for none).
func NewFileError(file string, line int, code ErrorCode, args ...string) *FileError {
	return &FileError{File: file, Line: line, Code: code, Args: args}
}

// Reason is the English message without the file's name and line.
func (e *FileError) Reason() string {
	msg := problem{e.Code, e.Args}.english()
	if e.Column != "" {
		msg = "column " + strconv.Quote(e.Column) + " " + msg
	}
	return msg
}

// Prefix is "file:line: ", "file: " or "", what comes before the reason.
func (e *FileError) Prefix() string {
	switch {
	case e.File == "":
		return ""
	case e.Line > 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": "
	}
	return e.File + ": "
}

// Error implements the error interface with the English message.
func (e *FileError) Error() string { return e.Prefix() + e.Reason() }

// Unwrap makes the error an EINVALID *rumbo.Error with the same message, so
// that every caller that maps domain errors to statuses and exit codes
// treats it as before.
func (e *FileError) Unwrap() error { return &rumbo.Error{Code: rumbo.EINVALID, Message: e.Error()} }

// fileProblem places a problem on a file.
func fileProblem(file string, line int, p problem) *FileError {
	return &FileError{File: file, Line: line, Code: p.code, Args: p.args}
}

// args are the arguments of a sample in a message: its line and its value.
func (s sample) args() []string { return []string{strconv.Itoa(s.line), s.val} }

// english writes the problem's English message: the layout of its code,
// row or file, with the Args as strings.
func (p problem) english() string {
	layout, ok := reasons[p.code]
	if !ok {
		layout = fileReasons[p.code]
	}
	vals := make([]any, len(p.args))
	for i, a := range p.args {
		vals[i] = a
	}
	return fmt.Sprintf(layout, vals...)
}

// headerError is the FileError of a header the CSV reader cannot read.
func headerError(file string, line int, err error) *FileError {
	switch {
	case errors.Is(err, csv.ErrQuote):
		return NewFileError(file, line, ErrHeaderQuote)
	case errors.Is(err, csv.ErrBareQuote):
		return NewFileError(file, line, ErrHeaderBareQuote)
	}
	return NewFileError(file, line, ErrHeaderSyntax, err.Error())
}
