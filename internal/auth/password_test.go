package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashAndCheckPassword(t *testing.T) {
	h1, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	// The parameters are recorded in the hash (so they can be raised later).
	if want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", argonMemory, argonTime, argonThreads); !strings.HasPrefix(h1, want) {
		t.Fatalf("hash %q does not start with %q", h1, want)
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: no random salt")
	}
	cases := []struct {
		hash, pw string
		want     bool
	}{
		{h1, "correct horse battery staple", true},
		{h2, "correct horse battery staple", true},
		{h1, "correct horse battery stapl", false},
		{h1, "Correct horse battery staple", false},
		{h1, "", false},
	}
	for _, c := range cases {
		ok, err := CheckPassword(c.hash, c.pw)
		if err != nil || ok != c.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
}

// A hash made elsewhere with other parameters (here cheaper ones) verifies:
// the check reads the parameters from the hash.
func TestCheckPasswordUsesStoredParameters(t *testing.T) {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("パスワードは長いほうが良い"), salt, 1, 8*1024, 2, 32)
	h := fmt.Sprintf("$argon2id$v=19$m=8192,t=1,p=2$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key))
	if ok, err := CheckPassword(h, "パスワードは長いほうが良い"); !ok || err != nil {
		t.Fatalf("CheckPassword = %v, %v", ok, err)
	}
	if ok, err := CheckPassword(h, "パスワード"); ok || err != nil {
		t.Fatalf("wrong password: %v, %v", ok, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	salt := b64.EncodeToString([]byte("0123456789abcdef"))
	key := b64.EncodeToString(make([]byte, 32))
	ok := "$argon2id$v=19$m=8192,t=1,p=1$" + salt + "$" + key
	if _, err := CheckPassword(ok, "x"); err != nil {
		t.Fatalf("well-formed hash refused: %v", err)
	}
	bad := []string{
		"",
		"plain-text-password",
		"$argon2id$v=19$m=8192,t=1,p=1$" + salt, // five parts
		ok + "$extra",                           // seven parts
		"x" + ok,                                // something before the first $
		strings.Replace(ok, "argon2id", "argon2i", 1),          // other variant
		strings.Replace(ok, "argon2id", "bcrypt", 1),           // other scheme
		strings.Replace(ok, "v=19", "v=16", 1),                 // other version
		strings.Replace(ok, "v=19", "v=19x", 1),                // trailing garbage
		strings.Replace(ok, "v=19", "", 1),                     // no version
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8192,t=1", 1), // missing parameter
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8192,t=1,p=1,x=1", 1),
		strings.Replace(ok, "m=8192,t=1,p=1", "t=1,m=8192,p=1", 1), // wrong order
		strings.Replace(ok, "m=8192,t=1,p=1", "m=0,t=1,p=1", 1),
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8192,t=0,p=1", 1),
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8192,t=1,p=0", 1),
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8192,t=1,p=256", 1),    // p overflows a byte
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8388608,t=1,p=1", 1),   // 8 GiB of memory
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8192,t=100000,p=1", 1), // absurd time cost
		strings.Replace(ok, "m=8192,t=1,p=1", "m=-1,t=1,p=1", 1),
		strings.Replace(ok, "m=8192,t=1,p=1", "m=8192,t=1,p=1x", 1),
		strings.Replace(ok, "m=8192,t=1,p=1", "m= 8192,t=1,p=1", 1),
		strings.Replace(ok, "m=8192,t=1,p=1", "m=99999999999999999999,t=1,p=1", 1),
		strings.Replace(ok, salt, "not*base64", 1),
		strings.Replace(ok, salt, salt+"==", 1),                           // padded
		strings.Replace(ok, salt, b64.EncodeToString([]byte("short")), 1), // salt under 8 bytes
		strings.Replace(ok, salt, "", 1),
		strings.Replace(ok, key, "", 1),
		strings.Replace(ok, key, b64.EncodeToString([]byte{1}), 1), // one-byte key: 1 in 256 passwords would match
		strings.Replace(ok, key, "@@@@", 1),
	}
	for _, h := range bad {
		got, err := CheckPassword(h, "x")
		if got || !errors.Is(err, ErrBadHash) {
			t.Errorf("CheckPassword(%q) = %v, %v; want ErrBadHash", h, got, err)
		}
	}
}

func TestCheckDummyDoesNotPanic(t *testing.T) {
	if dummyHash() == "" {
		t.Fatal("no dummy hash")
	}
	if ok, err := CheckPassword(dummyHash(), "sakimori-dummy-password"); !ok || err != nil {
		t.Fatalf("dummy hash: %v %v", ok, err)
	}
	CheckDummy("anything")
}
