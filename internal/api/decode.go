package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"sakimori/internal/apperr"
)

// decode reads the request body as exactly one JSON object into dst,
// strictly: JSON content type, size limit, no unknown fields, no trailing
// data. Errors name the field (as a JSON path) or the byte offset.
func decode(r *http.Request, limit int64, dst any) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return &apperr.Error{Code: apperr.CodeUnsupportedType, Field: "Content-Type",
			Message: fmt.Sprintf("the body must be application/json, not %q", ct)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.CodeTooLarge, "the body is larger than %d bytes", limit)
		}
		return apperr.Invalid("", "could not read the body: %v", err)
	}
	return decodeBytes(body, dst)
}

// decodeBytes is decode without the HTTP parts (and what the fuzzers drive).
func decodeBytes(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.Invalid("", "the body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, dec)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.Invalid("", "unexpected data after the JSON object at byte %d", dec.InputOffset())
	}
	return nil
}

func decodeError(err error, dec *json.Decoder) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &se):
		return apperr.Invalid("", "malformed JSON at byte %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return apperr.Invalid("", "the body must be a JSON %s, not %s", kindOf(te.Type.Kind().String()), te.Value)
		}
		return apperr.Invalid(field, "must be %s, not %s", kindOf(te.Type.Kind().String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.Invalid("", "the JSON body ends early at byte %d", dec.InputOffset())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalid(name, "unknown field")
	}
	// Time and other TextUnmarshaler errors: no field from encoding/json.
	return apperr.Invalid("", "invalid value: %v", err)
}

func kindOf(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "a " + k
}
