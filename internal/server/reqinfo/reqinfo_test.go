package reqinfo

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{
		"abc": true, "lb-7f3a.42:x_y": true, strings.Repeat("a", 128): true,
		"": false, strings.Repeat("a", 129): false, "a b": false, "a\nb": false, "日本": false, "a/b": false,
	} {
		if got := ValidID(s); got != want {
			t.Errorf("ValidID(%q) = %v", s, got)
		}
	}
	if id := NewID(); !ValidID(id) || len(id) != 16 || id == NewID() {
		t.Errorf("NewID() = %q", id)
	}
}

func TestContextAndClientIP(t *testing.T) {
	if ID(context.Background()) != "" || ID(WithID(context.Background(), "x")) != "x" {
		t.Error("ID round trip")
	}
	r := httptest.NewRequest("GET", "/", nil)
	for addr, want := range map[string]string{"192.0.2.1:80": "192.0.2.1", "[2001:db8::1]:0": "2001:db8::1", "192.0.2.9": "192.0.2.9"} {
		r.RemoteAddr = addr
		if got := ClientIP(r); got != want {
			t.Errorf("ClientIP(%q) = %q, want %q", addr, got, want)
		}
	}
}
