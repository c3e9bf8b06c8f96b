package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rumbo-app/rumbo"
)

// Error codes of the API beyond the domain's.
const (
	ETOOLARGE      = "too_large"      // 413: the body is over the limit
	EUNPROCESSABLE = "unprocessable"  // 422: well-formed records that fail validation
	ERATELIMITED   = "rate_limited"   // 429: wait before trying again
	EUNAVAILABLE   = "unavailable"    // 503: the database does not answer
	EMEDIATYPE     = "bad_media_type" // 415: a body in a format the route does not read
)

// statuses maps error codes to HTTP statuses; anything else is 500.
var statuses = map[string]int{
	rumbo.EINVALID:      nethttp.StatusBadRequest,
	rumbo.EUNAUTHORIZED: nethttp.StatusUnauthorized,
	rumbo.EFORBIDDEN:    nethttp.StatusForbidden,
	rumbo.ENOTFOUND:     nethttp.StatusNotFound,
	rumbo.ECONFLICT:     nethttp.StatusConflict,
	ETOOLARGE:           nethttp.StatusRequestEntityTooLarge,
	EMEDIATYPE:          nethttp.StatusUnsupportedMediaType,
	EUNPROCESSABLE:      nethttp.StatusUnprocessableEntity,
	ERATELIMITED:        nethttp.StatusTooManyRequests,
	EUNAVAILABLE:        nethttp.StatusServiceUnavailable,
	rumbo.EINTERNAL:     nethttp.StatusInternalServerError,
}

// Detail is one problem of a request body: the item (0-based, for bulk
// loads) and field it concerns.
type Detail struct {
	Index   *int   `json:"index,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// detailedError is an API error with details, e.g. every bad item of a bulk load.
type detailedError struct {
	code, message string
	details       []Detail
	retryAfter    time.Duration // for ERATELIMITED
}

func (e *detailedError) Error() string { return e.message }

// errorBody is the JSON of every error: {"error": {"code", "message", "details"}},
// plus "text", the message in the language HeaderLang asks for.
type errorBody struct {
	Error struct {
		Code    string   `json:"code"`
		Message string   `json:"message"`
		Text    string   `json:"text,omitempty"`
		Details []Detail `json:"details"`
	} `json:"error"`
}

// error writes err as the API's error JSON with the status of its code.
// Internal errors are logged and shown as "internal error".
func (s *Server) error(w nethttp.ResponseWriter, r *nethttp.Request, err error) {
	var body errorBody
	var de *detailedError
	var mbe *nethttp.MaxBytesError
	switch {
	case errors.As(err, &de):
		body.Error.Code, body.Error.Message, body.Error.Details = de.code, de.message, de.details
		if de.retryAfter > 0 {
			secs := int((de.retryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
	case errors.As(err, &mbe):
		body.Error.Code, body.Error.Message = ETOOLARGE, fmt.Sprintf("request body over the limit of %d bytes", mbe.Limit)
	default:
		body.Error.Code, body.Error.Message = rumbo.ErrorCode(err), rumbo.ErrorMessage(err)
	}
	status, ok := statuses[body.Error.Code]
	if !ok {
		status = nethttp.StatusInternalServerError
	}
	if status == nethttp.StatusInternalServerError {
		s.log.Error("internal error", "request_id", infoOf(r).id, "method", r.Method, "path", r.URL.Path, "error", err)
		body.Error.Code, body.Error.Message = rumbo.EINTERNAL, "internal error"
	}
	if lang := requestLang(r); lang != "" {
		if body.Error.Code == rumbo.EINTERNAL || de != nil {
			body.Error.Text = localMessage(lang, body.Error.Code, body.Error.Message)
		} else {
			body.Error.Text = errorText(lang, err)
		}
	}
	if body.Error.Details == nil {
		body.Error.Details = []Detail{}
	}
	if status == nethttp.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rumbo"`)
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as JSON with the status.
func writeJSON(w nethttp.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// decodeJSON reads one JSON object from the body into v, refusing unknown
// fields and trailing data. A body over the limit is a 413.
func decodeJSON(r *nethttp.Request, v any) error {
	if err := checkJSONType(r); err != nil {
		return err
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return jsonError(err)
		}
		return rumbo.Errorf(rumbo.EINVALID, "request body: one JSON value expected")
	}
	return nil
}

// checkJSONType refuses a body declared as anything but JSON.
func checkJSONType(r *nethttp.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &detailedError{code: EMEDIATYPE, message: fmt.Sprintf("Content-Type %q: send application/json", ct)}
	}
	return nil
}

// jsonError turns a decoding error into an API error: 413 for a body over
// the limit, 400 for anything else.
func jsonError(err error) error {
	var mbe *nethttp.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	if errors.Is(err, io.EOF) {
		return rumbo.Errorf(rumbo.EINVALID, "request body: JSON expected, got nothing")
	}
	return rumbo.Errorf(rumbo.EINVALID, "request body: %s", strings.TrimPrefix(err.Error(), "json: "))
}
