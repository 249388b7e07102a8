// Package auth authenticates people and programs and decides what they may
// do. Passwords are hashed with Argon2id (memory-hard), API tokens and
// session ids with SHA-256 (they are 256-bit random, so a fast hash is
// enough). Every surface asks Authorize in policy.go; nothing else decides.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters, above OWASP's minimum (m=19 MiB, t=2, p=1).
// They are stored in every hash, so they can be raised later.
var (
	argonTime    uint32 = 2
	argonMemory  uint32 = 19 * 1024 // KiB
	argonThreads uint8  = 1
)

const argonKeyLen = 32

// HashPassword returns a PHC-format Argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime,
		argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var b64 = base64.RawStdEncoding

// ErrBadHash is returned for a stored hash that cannot be parsed.
var ErrBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether password matches the PHC hash. A hash that
// does not parse exactly, or whose parameters are out of range (salt under
// 8 bytes, key under 16 bytes, absurd cost), is ErrBadHash.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false, ErrBadHash
	}
	var m, t, p uint64
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return false, ErrBadHash
	}
	for i, kv := range []struct {
		key string
		dst *uint64
		max uint64
	}{{"m", &m, 1 << 22}, {"t", &t, 1 << 10}, {"p", &p, 255}} {
		k, v, ok := strings.Cut(params[i], "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || k != kv.key || err != nil || n == 0 || n > kv.max {
			return false, ErrBadHash
		}
		*kv.dst = n
	}
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, ErrBadHash
	}
	want, err := b64.Strict().DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 1024 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked when a login names an unknown user, so the response
// time does not reveal whether the account exists.
// It is made on first use, not at start-up: every command would otherwise
// pay an Argon2id hash it rarely needs.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("sakimori-dummy-password")
	return h
})

// CheckDummy spends the same time as a real password check.
func CheckDummy(password string) { _, _ = CheckPassword(dummyHash(), password) }
