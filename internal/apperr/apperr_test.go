package apperr

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
)

func TestStatus(t *testing.T) {
	cases := []struct {
		err  error
		want int
	}{
		{nil, http.StatusOK},
		{ErrNotFound, http.StatusNotFound},
		{NotFound("organisation", "x"), http.StatusNotFound},
		{Invalid("name.ja", "required"), http.StatusBadRequest},
		{Conflict("slug", "taken"), http.StatusConflict},
		{ErrUnauthenticated, http.StatusUnauthorized},
		{Forbidden("no"), http.StatusForbidden},
		{New(CodeTooLarge, "big"), http.StatusRequestEntityTooLarge},
		{New(CodeUnsupportedType, "xml"), http.StatusUnsupportedMediaType},
		{New(CodeNotAcceptable, "no"), http.StatusNotAcceptable},
		{New(CodeRateLimited, "slow down"), http.StatusTooManyRequests},
		{ErrUnavailable, http.StatusServiceUnavailable},
		{New(CodeInternal, "bug"), http.StatusInternalServerError},
		{New("made_up", "?"), http.StatusInternalServerError},
		{io.EOF, http.StatusInternalServerError},
		{fmt.Errorf("ctx: %w", Invalid("f", "bad")), http.StatusBadRequest},
	}
	for _, c := range cases {
		if got := Status(c.err); got != c.want {
			t.Errorf("Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	// Every code has an entry in the one table.
	for _, c := range []Code{CodeInvalid, CodeNotFound, CodeConflict, CodeUnauthenticated, CodeForbidden,
		CodeTooLarge, CodeUnsupportedType, CodeNotAcceptable, CodeRateLimited, CodeUnavailable, CodeInternal} {
		if _, ok := statusTable[c]; !ok {
			t.Errorf("code %s has no status", c)
		}
		if StatusOf(c) != statusTable[c] {
			t.Errorf("StatusOf(%s) = %d", c, StatusOf(c))
		}
	}
	if StatusOf("made_up") != http.StatusInternalServerError {
		t.Error("unknown code is not 500")
	}
}

func TestIsMatchesSentinelsByCode(t *testing.T) {
	cases := []struct {
		err    error
		target error
		want   bool
	}{
		{NotFound("user", "x"), ErrNotFound, true},
		{fmt.Errorf("wrapped: %w", NotFound("user", "x")), ErrNotFound, true},
		{Conflict("email", "taken"), ErrConflict, true},
		{Conflict("email", "taken"), ErrNotFound, false},
		{Invalid("f", "bad"), ErrInvalid, true},
		{Wrap(CodeUnavailable, io.EOF, "down"), ErrUnavailable, true},
		{Wrap(CodeUnavailable, io.EOF, "down"), io.EOF, true}, // the cause stays reachable
		{ErrNotFound, NotFound("user", "x"), false},           // only sentinels match by code
		{io.EOF, ErrNotFound, false},
		{Forbidden("no"), ErrForbidden, true},
		{ErrUnauthenticated, ErrUnauthenticated, true},
	}
	for _, c := range cases {
		if got := errors.Is(c.err, c.target); got != c.want {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", c.err, c.target, got, c.want)
		}
	}
}

func TestAs(t *testing.T) {
	if As(nil) != nil || CodeOf(nil) != "" {
		t.Fatal("nil is not an error")
	}
	// Foreign errors become internal errors that say nothing of the cause.
	secret := errors.New("pq: password authentication failed for user admin")
	e := As(secret)
	if e.Code != CodeInternal || e.Message != "internal error" || e.Field != "" {
		t.Fatalf("As(foreign) = %+v", e)
	}
	if !errors.Is(e, secret) {
		t.Error("the cause is lost for logging")
	}
	// Sentinels get a readable default message; the sentinel is not modified.
	for _, s := range []*Error{ErrNotFound, ErrConflict, ErrInvalid, ErrUnauthenticated, ErrForbidden, ErrUnavailable} {
		e := As(fmt.Errorf("x: %w", s))
		if e.Code != s.Code || e.Message == "" {
			t.Errorf("As(%s) = %+v", s.Code, e)
		}
		if s.Message != "" {
			t.Errorf("sentinel %s was modified", s.Code)
		}
	}
	// Application errors come back as they are.
	in := Invalid("emergency_contact.phone", "not a phone number")
	if As(fmt.Errorf("ctx: %w", in)) != in || CodeOf(in) != CodeInvalid {
		t.Error("As does not return the application error")
	}
	if CodeOf(io.EOF) != CodeInternal {
		t.Error("CodeOf(foreign)")
	}
}

func TestErrorStringAndFields(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{Invalid("name.ja", "required"), "invalid: name.ja: required"},
		{New(CodeForbidden, "only %s", "admins"), "forbidden: only admins"},
		{NotFound("organisation", "tokyo"), `not_found: organisation "tokyo" not found`},
		{Conflict("slug", "slug %q taken", "a"), `conflict: slug: slug "a" taken`},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	fields := []struct {
		field, prefix, want string
	}{
		{"", "roles", "roles"},
		{"name", "orgs[2]", "orgs[2].name"},
		{"[1]", "roles", "roles[1]"},
		{"phone", "emergency_contact", "emergency_contact.phone"},
	}
	for _, c := range fields {
		e := Invalid(c.field, "bad")
		got := e.WithField(c.prefix)
		if got.Field != c.want || got.Code != CodeInvalid || got.Message != "bad" {
			t.Errorf("WithField(%q) on %q = %+v, want field %q", c.prefix, c.field, got, c.want)
		}
		if e.Field != c.field {
			t.Errorf("WithField modified the original: %q", e.Field)
		}
	}
}
