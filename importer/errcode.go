package importer

import (
	"encoding/csv"
	"errors"
	"strconv"
	"strings"

	"github.com/rumbo-app/rumbo"
)

// ErrorCode names what is wrong with a row, whatever the language: a user
// interface shows RowError.Code with RowError.Args in its own words, while
// RowError.Reason keeps the English text for the CLI and the API. Codes are
// stable; docs/import.md lists them.
type ErrorCode string

// The codes of row errors. The comment gives each one's Args, in order.
const (
	ErrCSVQuote        ErrorCode = "csv_quote"        // none: a quote missing or extra in a quoted cell
	ErrCSVBareQuote    ErrorCode = "csv_bare_quote"   // none: a quote inside an unquoted cell
	ErrCSVSyntax       ErrorCode = "csv_syntax"       // the CSV reader's reason, in English
	ErrRowWidth        ErrorCode = "row_width"        // the row's cells, the header's columns
	ErrRequired        ErrorCode = "required"         // none
	ErrDate            ErrorCode = "date"             // the value
	ErrDateYMD         ErrorCode = "date_ymd"         // the value (the mapping says yyyy-mm-dd)
	ErrNumber          ErrorCode = "number"           // the value
	ErrCurrency        ErrorCode = "currency"         // the value, the organisation's currency
	ErrDecimals        ErrorCode = "decimals"         // the value, the decimals allowed
	ErrTooLarge        ErrorCode = "too_large"        // the value
	ErrWholeNumber     ErrorCode = "whole_number"     // the value
	ErrYesNo           ErrorCode = "yes_no"           // the value
	ErrNotAllowed      ErrorCode = "not_allowed"      // the value, the valid values comma separated
	ErrNameOrEmail     ErrorCode = "name_or_email"    // none
	ErrScoreRange      ErrorCode = "score_range"      // the score, the scale, its lowest and highest score
	ErrDuplicateID     ErrorCode = "duplicate_id"     // the external id, the line it first appears on
	ErrBefore          ErrorCode = "before"           // the field, the field it may not precede
	ErrUnknownPerson   ErrorCode = "unknown_person"   // the name (strict references)
	ErrUnknownTeam     ErrorCode = "unknown_team"     // the name
	ErrUnknownMarket   ErrorCode = "unknown_market"   // the name
	ErrUnknownCampaign ErrorCode = "unknown_campaign" // the name
	ErrUnknownCustomer ErrorCode = "unknown_customer" // the name
	ErrUnknownLead     ErrorCode = "unknown_lead"     // the external id
	ErrUnknownDeal     ErrorCode = "unknown_deal"     // the external id
	ErrRejected        ErrorCode = "rejected"         // the store's reason, in English
)

// reasons are the English messages of the codes: fmt layouts taking the
// Args as strings, so that %q quotes a value as the CLI always has.
var reasons = map[ErrorCode]string{
	ErrCSVQuote:        csv.ErrQuote.Error(),
	ErrCSVBareQuote:    csv.ErrBareQuote.Error(),
	ErrCSVSyntax:       "%s",
	ErrRowWidth:        "row has %s columns, the header has %s",
	ErrRequired:        "required value is empty",
	ErrDate:            "%q is not a valid date",
	ErrDateYMD:         "%q is not a valid date (expected yyyy-mm-dd)",
	ErrNumber:          "%q is not a number",
	ErrCurrency:        "%q is not in the organisation's currency (%s)",
	ErrDecimals:        "%q has more than %s decimals",
	ErrTooLarge:        "%q is too large (at most %s)",
	ErrWholeNumber:     "%q is not a whole number",
	ErrYesNo:           "%q is not yes or no (valid: yes, no, sí, true, false, 1, 0)",
	ErrNotAllowed:      "%q is not a valid value (valid: %s)",
	ErrNameOrEmail:     "name and email are both empty",
	ErrScoreRange:      "%s is out of range for %s (%s to %s)",
	ErrDuplicateID:     "%q already appears on line %s",
	ErrBefore:          "%s is before %s",
	ErrUnknownPerson:   "unknown person %q",
	ErrUnknownTeam:     "unknown team %q",
	ErrUnknownMarket:   "unknown market %q",
	ErrUnknownCampaign: "unknown campaign %q",
	ErrUnknownCustomer: "unknown customer %q",
	ErrUnknownLead:     "unknown lead %q",
	ErrUnknownDeal:     "unknown deal %q",
	ErrRejected:        "%s",
}

// ErrorCodes returns every code a row error may carry, so that a user
// interface can check that it translates them all.
func ErrorCodes() []ErrorCode {
	out := make([]ErrorCode, 0, len(reasons))
	for c := range reasons {
		out = append(out, c)
	}
	return out
}

// problem is what is wrong with one cell or row, before it is placed in the
// file: a code and its arguments.
type problem struct {
	code ErrorCode
	args []string
}

func newProblem(code ErrorCode, args ...string) problem { return problem{code, args} }

// rowError places a problem with the named field ("" for the whole row) on
// a line of the file; its Reason is "field: message" in English.
func rowError(file string, line int, column, field string, p problem) RowError {
	reason := p.english()
	if field != "" {
		reason = field + ": " + reason
	}
	return RowError{File: file, Line: line, Column: column, Field: field, Code: p.code, Args: p.args, Reason: reason}
}

// csvProblem is the problem of a row the CSV reader could not read.
func csvProblem(err error) problem {
	switch {
	case errors.Is(err, csv.ErrQuote):
		return newProblem(ErrCSVQuote)
	case errors.Is(err, csv.ErrBareQuote):
		return newProblem(ErrCSVBareQuote)
	}
	return newProblem(ErrCSVSyntax, err.Error())
}

// unknownRefs are the codes of the store's "unknown NOUN %q" errors.
var unknownRefs = map[string]ErrorCode{
	"person": ErrUnknownPerson, "team": ErrUnknownTeam, "market": ErrUnknownMarket,
	"campaign": ErrUnknownCampaign, "customer": ErrUnknownCustomer, "lead": ErrUnknownLead, "deal": ErrUnknownDeal,
}

// storeProblem is the problem of a row the store refused: a reference to a
// missing record under strict references has its code; any other refusal
// keeps the store's English reason.
func storeProblem(fe *rumbo.FieldError) problem {
	if rest, ok := strings.CutPrefix(fe.Message, "unknown "); ok {
		noun, quoted, _ := strings.Cut(rest, " ")
		if code, ok := unknownRefs[noun]; ok {
			if v, err := strconv.Unquote(quoted); err == nil {
				return newProblem(code, v)
			}
		}
	}
	return newProblem(ErrRejected, fe.Message)
}
