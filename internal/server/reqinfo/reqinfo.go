// Package reqinfo carries per-request facts that the server's middleware
// establishes for every handler: the request id and the client address.
// It is a leaf package so the API and the dashboard can read them without
// importing the server.
package reqinfo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"net"
	"net/http"
	"strings"
)

// Header is the request id header, read from trusted proxies and always
// set on responses.
const Header = "X-Request-Id"

type idKey struct{}

// WithID returns ctx carrying request id id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// ID returns the request id in ctx, or "".
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns a new random request id (16 characters).
func NewID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return strings.ToLower(enc.EncodeToString(b))
}

// ValidID reports whether s is acceptable as a request id passed in by a
// proxy: 1 to 128 characters of letters, digits and "-_.:".
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// ClientIP returns the client's IP address as text: the host part of
// r.RemoteAddr, which the server has already rewritten from
// X-Forwarded-For when the request came through a trusted proxy.
func ClientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
