// Package apperr defines sakimori's one application error type and the table
// that maps its codes to HTTP status codes. Every layer returns *Error (or
// wraps one of the sentinels); the HTTP surfaces translate it in one place.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code classifies an application error. Codes are stable strings that appear
// in API error bodies; clients may switch on them.
type Code string

const (
	CodeInvalid         Code = "invalid"          // bad input: the field says which
	CodeNotFound        Code = "not_found"        // no such object (or not visible to the caller)
	CodeConflict        Code = "conflict"         // uniqueness or state conflict
	CodeUnauthenticated Code = "unauthenticated"  // no or bad credentials
	CodeForbidden       Code = "forbidden"        // authenticated but not allowed
	CodeTooLarge        Code = "too_large"        // request body over the limit
	CodeUnsupportedType Code = "unsupported_type" // wrong Content-Type
	CodeNotAcceptable   Code = "not_acceptable"   // Accept cannot be satisfied
	CodeRateLimited     Code = "rate_limited"     // throttled (e.g. login attempts)
	CodeUnavailable     Code = "unavailable"      // dependency down (e.g. store)
	CodeInternal        Code = "internal"         // a bug or unexpected failure
)

// statusTable is the single mapping from application codes to HTTP statuses.
var statusTable = map[Code]int{
	CodeInvalid:         http.StatusBadRequest,
	CodeNotFound:        http.StatusNotFound,
	CodeConflict:        http.StatusConflict,
	CodeUnauthenticated: http.StatusUnauthorized,
	CodeForbidden:       http.StatusForbidden,
	CodeTooLarge:        http.StatusRequestEntityTooLarge,
	CodeUnsupportedType: http.StatusUnsupportedMediaType,
	CodeNotAcceptable:   http.StatusNotAcceptable,
	CodeRateLimited:     http.StatusTooManyRequests,
	CodeUnavailable:     http.StatusServiceUnavailable,
	CodeInternal:        http.StatusInternalServerError,
}

// Error is the application error. Field names the offending input field as a
// JSON path (e.g. "name.ja", "roles[1]") when the error is about input.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// MessageKey, if set, is an i18n catalogue key the UI can translate.
	MessageKey string `json:"-"`
	err        error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the wrapped cause, if any.
func (e *Error) Unwrap() error { return e.err }

// Is lets errors.Is(err, apperr.ErrNotFound) match any error with that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && t.Message == "" && t.Field == ""
}

// Sentinels: compare with errors.Is. They carry only a code.
var (
	ErrNotFound        = &Error{Code: CodeNotFound}
	ErrConflict        = &Error{Code: CodeConflict}
	ErrInvalid         = &Error{Code: CodeInvalid}
	ErrUnauthenticated = &Error{Code: CodeUnauthenticated}
	ErrForbidden       = &Error{Code: CodeForbidden}
	ErrUnavailable     = &Error{Code: CodeUnavailable}
)

// New returns an error with a code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a CodeInvalid error naming the field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a CodeNotFound error for the kind of object and id.
func NotFound(kind, id string) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %q not found", kind, id)}
}

// Conflict returns a CodeConflict error.
func Conflict(field, format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Forbidden returns a CodeForbidden error.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the given code that wraps cause.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), err: cause}
}

// WithField returns a copy of e with Field set (prefixing any existing path).
func (e *Error) WithField(prefix string) *Error {
	c := *e
	switch {
	case c.Field == "":
		c.Field = prefix
	case len(c.Field) > 0 && c.Field[0] == '[':
		c.Field = prefix + c.Field
	default:
		c.Field = prefix + "." + c.Field
	}
	return &c
}

// Prefix puts path before the field of an application error (WithField);
// other errors are returned as they are.
func Prefix(err error, path string) error {
	var e *Error
	if errors.As(err, &e) {
		return e.WithField(path)
	}
	return err
}

// As extracts the *Error from err. Errors that are not application errors
// become CodeInternal with a generic message, so internals never leak.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Message == "" {
			c := *e
			c.Message = defaultMessage(c.Code)
			return &c
		}
		return e
	}
	return &Error{Code: CodeInternal, Message: "internal error", err: err}
}

// CodeOf returns the code of err (CodeInternal for foreign errors, "" for nil).
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return As(err).Code
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if s, ok := statusTable[CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// StatusOf returns the HTTP status for a code.
func StatusOf(c Code) int {
	if s, ok := statusTable[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

func defaultMessage(c Code) string {
	switch c {
	case CodeNotFound:
		return "not found"
	case CodeConflict:
		return "conflict"
	case CodeInvalid:
		return "invalid input"
	case CodeUnauthenticated:
		return "authentication required"
	case CodeForbidden:
		return "forbidden"
	case CodeUnavailable:
		return "service unavailable"
	}
	return string(c)
}
