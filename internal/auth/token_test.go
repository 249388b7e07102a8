package auth

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := NewSecret(TokenPrefix)
		if !strings.HasPrefix(s, "skm_") || len(s) != 4+52 {
			t.Fatalf("secret %q", s)
		}
		if strings.Trim(s[4:], "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("secret %q is not lower-case base32", s)
		}
		if !LooksLikeToken(s) {
			t.Fatalf("LooksLikeToken(%q) = false", s)
		}
		if seen[s] {
			t.Fatal("secret repeated")
		}
		seen[s] = true
	}
	if s := NewSecret(""); len(s) != 52 || LooksLikeToken(s) {
		t.Fatalf("session secret %q", s)
	}
}

func TestLooksLikeToken(t *testing.T) {
	good := NewSecret(TokenPrefix)
	for _, c := range []struct {
		s    string
		want bool
	}{
		{good, true},
		{"", false},
		{"skm_", false},
		{good[:len(good)-1], false},
		{good + "a", false},
		{"SKM_" + good[4:], false},
		{"ghp_" + good[4:], false},
		{"Bearer " + good, false},
	} {
		if got := LooksLikeToken(c.s); got != c.want {
			t.Errorf("LooksLikeToken(%q) = %v", c.s, got)
		}
	}
}

func TestHashSecretAndPrefix(t *testing.T) {
	s := NewSecret(TokenPrefix)
	want := sha256.Sum256([]byte(s))
	if got := HashSecret(s); string(got) != string(want[:]) {
		t.Fatal("HashSecret is not SHA-256 of the secret")
	}
	if string(HashSecret(s)) == string(HashSecret(s+"x")) {
		t.Fatal("different secrets, same hash")
	}
	if p := DisplayPrefix(s); p != s[:10] || !strings.HasPrefix(p, TokenPrefix) {
		t.Fatalf("DisplayPrefix = %q", p)
	}
	for _, short := range []string{"", "skm_", "skm_abcdef"} {
		if p := DisplayPrefix(short); p != short {
			t.Errorf("DisplayPrefix(%q) = %q", short, p)
		}
	}
}
