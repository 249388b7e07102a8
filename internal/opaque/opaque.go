// Package opaque turns the server's internal sequence numbers into
// cursors that reveal neither a count nor an order. A sequence shared by
// the whole platform (the event log, the deletions of every collection)
// numbers everyone's rows; were it shown, the gaps between the numbers an
// organisation is given would count what others got. A cursor is the
// number encrypted with AES under the deployment's key, over a block of a
// four-byte purpose tag, four bytes of nonce and the number, written as 22
// characters of base64url; the server decrypts a cursor given back and
// refuses one it did not issue for that purpose (the tag does not match:
// edited, made up, from another deployment, or another kind of cursor).
// "0" is the one readable cursor: the start.
//
// Encode is deterministic (nonce zero): the id of a row the reader may
// see, which must stay the same wherever it is delivered (SSE ids, webhook
// delivery ids, deduplicated by clients). Fresh draws a nonce: a position
// in the sequence (where a stream starts, a page's next cursor), which
// may sit on a row the reader may not see; were it deterministic, two
// equal positions would tell the reader that nothing at all happened on
// the platform in between.
package opaque

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Start is the cursor of the start: before the first number.
const Start = "0"

var enc = base64.RawURLEncoding.Strict()

// Codec encodes the numbers of one purpose.
type Codec struct {
	b   cipher.Block
	tag uint32
}

// New returns the codec of purpose (at most 4 bytes; "" is the tag of
// zeros) under a 16-byte key.
func New(key []byte, purpose string) (*Codec, error) {
	if len(purpose) > 4 {
		return nil, fmt.Errorf("opaque: purpose %q is longer than 4 bytes", purpose)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var t [4]byte
	copy(t[:], purpose)
	return &Codec{b: b, tag: binary.BigEndian.Uint32(t[:])}, nil
}

// Encode returns the cursor of n, the same every time (Start for n <= 0).
func (c *Codec) Encode(n int64) string { return c.encode(n, 0) }

// Fresh returns a cursor of n that differs from every other one issued
// (Start for n <= 0): for positions, see the package comment.
func (c *Codec) Fresh(n int64) string {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return c.encode(n, binary.BigEndian.Uint32(r[:]))
}

func (c *Codec) encode(n int64, nonce uint32) string {
	if n <= 0 {
		return Start
	}
	var b [16]byte
	binary.BigEndian.PutUint32(b[:4], c.tag)
	binary.BigEndian.PutUint32(b[4:8], nonce)
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	c.b.Encrypt(b[:], b[:])
	return enc.EncodeToString(b[:])
}

// Decode returns the number of a cursor this codec issued (0 for Start;
// spaces around are ignored), or false.
func (c *Codec) Decode(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == Start {
		return 0, true
	}
	var b [16]byte
	if len(s) != 22 {
		return 0, false
	}
	if n, err := enc.Decode(b[:], []byte(s)); err != nil || n != 16 {
		return 0, false
	}
	c.b.Decrypt(b[:], b[:])
	if binary.BigEndian.Uint32(b[:4]) != c.tag {
		return 0, false
	}
	n := int64(binary.BigEndian.Uint64(b[8:]))
	return n, n > 0
}

// KeyMeta names the meta row holding the deployment's key (hex).
const KeyMeta = "opaque.key"

// KeyStore keeps the deployment's key (store.DB: a meta row).
type KeyStore interface {
	MetaInit(ctx context.Context, key, value string) (string, error)
}

// LoadKey returns the 16-byte key kept under name, creating it (at
// random) if this is the first node of the deployment to need it.
func LoadKey(ctx context.Context, ks KeyStore, name string) ([]byte, error) {
	var k [16]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, err
	}
	v, err := ks.MetaInit(ctx, name, hex.EncodeToString(k[:]))
	if err != nil {
		return nil, fmt.Errorf("opaque: key %s: %w", name, err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 16 {
		return nil, fmt.Errorf("opaque: the key in meta %s is not 32 hex digits", name)
	}
	return key, nil
}

// Lazy holds the codec of one purpose under the deployment's key (meta
// KeyMeta), loaded by the first Get and kept: a service holds one per
// purpose. Its zero value is ready.
type Lazy struct {
	mu sync.Mutex
	c  atomic.Pointer[Codec]
}

// Get returns the codec of purpose (the same at every call), reading (or,
// on the first node of the deployment to need it, creating) the key once.
func (l *Lazy) Get(ctx context.Context, ks KeyStore, purpose string) (*Codec, error) {
	if c := l.c.Load(); c != nil {
		return c, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.c.Load(); c != nil {
		return c, nil
	}
	key, err := LoadKey(ctx, ks, KeyMeta)
	if err != nil {
		return nil, err
	}
	c, err := New(key, purpose)
	if err != nil {
		return nil, err
	}
	l.c.Store(c)
	return c, nil
}

// Loaded returns the codec if a Get has loaded it, else nil (without
// waiting).
func (l *Lazy) Loaded() *Codec { return l.c.Load() }
