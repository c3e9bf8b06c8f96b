// Package rumbo is the domain of Rumbo, a self-hosted KPI and OKR tracker for
// sales and marketing teams: the records it measures, the KPIs it computes,
// the rules that turn numbers into health and progress, and the interfaces the
// storage, engine and importer packages implement. It imports only the
// standard library.
package rumbo

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status and one CLI exit behaviour.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
)

// Error is a domain error: a code and a message fit to show a user.
// Everything that is not an *Error is an internal error.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the *Error in err's chain,
// or "internal error" for any other non-nil error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// FieldError reports a problem with one field of one record, so that an
// importer can point at the file, line and column it came from.
type FieldError struct {
	Field   string // canonical field name, e.g. "owner"
	Message string // e.g. `unknown person "Ana"`
}

// Error implements the error interface.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }
