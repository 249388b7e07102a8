package taxii

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/intel"
	"sakimori/internal/share"
)

// filters says which URL parameters an endpoint supports (TAXII 2.1,
// section 3.4); others are ignored, as the standard allows.
type filters struct {
	ids, types, version, spec bool
}

var (
	objectsFilters  = filters{ids: true, types: true, version: true, spec: true} // objects, manifest
	objectFilters   = filters{version: true, spec: true}                         // one object, delete
	versionsFilters = filters{spec: true}                                        // versions
)

// parseQuery reads added_after, limit, next and the match[...] filters f
// allows into a share.Query.
func parseQuery(v url.Values, f filters) (share.Query, error) {
	var q share.Query
	if s, ok := last(v, "added_after"); ok {
		t, err := parseTimestamp(s)
		if err != nil {
			return q, apperr.Invalid("added_after", "%q is not an RFC 3339 timestamp (e.g. 2026-11-01T00:00:00.000000Z)", clip(s))
		}
		q.AddedAfter = t
	}
	if s, ok := last(v, "limit"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return q, apperr.Invalid("limit", "must be a positive integer, not %q", clip(s))
		}
		q.Limit = n
	}
	if s, ok := last(v, "next"); ok {
		q.Next = s
	}
	var err error
	if f.ids {
		if q.IDs, err = list(v, "match[id]"); err != nil {
			return q, err
		}
	}
	if f.types {
		if q.Types, err = list(v, "match[type]"); err != nil {
			return q, err
		}
	}
	if f.spec {
		if q.SpecVersions, err = list(v, "match[spec_version]"); err != nil {
			return q, err
		}
	}
	if f.version {
		if vs, ok := v["match[version]"]; ok {
			if q.Versions, err = intel.ParseVersionMatch(vs); err != nil {
				return q, err
			}
		}
	}
	return q, nil
}

// parseTimestamp reads a TAXII timestamp (RFC 3339; any precision).
func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// formatTimestamp writes a TAXII timestamp: UTC, microseconds, "Z".
func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func last(v url.Values, key string) (string, bool) {
	l, ok := v[key]
	if !ok || len(l) == 0 {
		return "", false
	}
	return l[len(l)-1], true
}

// list reads a comma-separated filter that may also be repeated.
func list(v url.Values, key string) ([]string, error) {
	raw, ok := v[key]
	if !ok {
		return nil, nil
	}
	var out []string
	for _, r := range raw {
		for _, x := range strings.Split(r, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	if len(out) == 0 {
		return nil, apperr.Invalid(key, "give at least one value")
	}
	if len(out) > 1000 {
		return nil, apperr.Invalid(key, "at most 1000 values")
	}
	return out, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
