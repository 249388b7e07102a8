package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// TokenPrefix starts every API token, so secret scanners can spot them.
const TokenPrefix = "skm_"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a new random secret with the given prefix: 32 random
// bytes, base32 (lower case).
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return prefix + strings.ToLower(b32.EncodeToString(b))
}

// HashSecret returns the SHA-256 of a token or session secret, as stored.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// DisplayPrefix returns the part of a token that is shown to recognise it.
func DisplayPrefix(secret string) string {
	if len(secret) > len(TokenPrefix)+6 {
		return secret[:len(TokenPrefix)+6]
	}
	return secret
}

// LooksLikeToken reports whether s has the shape of an API token.
func LooksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+52
}
