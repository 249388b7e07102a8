package push

// Event ids as subscribers see them. The event log numbers every event of
// the platform in one dense sequence; were that seq the id a subscriber
// sees, the gaps between the ids it receives (and the id at which a new
// stream starts) would tell it how many events other organisations got:
// how busy the platform is, and when a burst of activity it is not told
// about happens. So the seq never leaves the server: a subscriber gets it
// encrypted under the deployment's key (AES over a block of eight zero
// bytes and the seq), 22 characters of base64url that reveal neither the
// seq nor the order, and it gives such an id back to resume. An id from
// elsewhere, edited or made up fails the zero check and is refused.
// "0" is the one readable id: the start of the log.

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/event"
)

// idKeyMeta names the meta row holding the deployment's event id key
// (hex), created by the first node that needs it.
const idKeyMeta = "push.id_key"

// LogStart is the event id of the start of the log: resuming from it
// replays everything the log still holds.
const LogStart = "0"

var idEncoding = base64.RawURLEncoding.Strict()

// idCodec turns seqs into event ids and back.
type idCodec struct{ b cipher.Block }

func newIDCodec(key []byte) (*idCodec, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &idCodec{b}, nil
}

func (c *idCodec) encode(seq int64) string {
	if seq <= 0 {
		return LogStart
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], uint64(seq))
	c.b.Encrypt(b[:], b[:])
	return idEncoding.EncodeToString(b[:])
}

func (c *idCodec) decode(id string) (int64, bool) {
	if id == LogStart {
		return 0, true
	}
	var b [16]byte
	if len(id) != 22 {
		return 0, false
	}
	if n, err := idEncoding.Decode(b[:], []byte(id)); err != nil || n != 16 {
		return 0, false
	}
	c.b.Decrypt(b[:], b[:])
	if binary.BigEndian.Uint64(b[:8]) != 0 {
		return 0, false
	}
	seq := int64(binary.BigEndian.Uint64(b[8:]))
	return seq, seq > 0
}

// codec returns the deployment's id codec, reading (or, on the first
// node to need it, creating) its key once.
func (s *Service) codec(ctx context.Context) (*idCodec, error) {
	if c := s.idc.Load(); c != nil {
		return c, nil
	}
	s.idMu.Lock()
	defer s.idMu.Unlock()
	if c := s.idc.Load(); c != nil {
		return c, nil
	}
	var k [16]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, err
	}
	v, err := s.DB.MetaInit(ctx, idKeyMeta, hex.EncodeToString(k[:]))
	if err != nil {
		return nil, fmt.Errorf("push: event id key: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 16 {
		return nil, fmt.Errorf("push: event id key in meta %s is not 32 hex digits", idKeyMeta)
	}
	c, err := newIDCodec(key)
	if err != nil {
		return nil, err
	}
	s.idc.Store(c)
	return c, nil
}

// EventID returns the id subscribers see for the event of seq (LogStart
// for 0).
func (s *Service) EventID(ctx context.Context, seq int64) (string, error) {
	c, err := s.codec(ctx)
	if err != nil {
		return "", err
	}
	return c.encode(seq), nil
}

// ParseEventID returns the seq of an event id given back by a subscriber
// in field (Last-Event-ID, after, ...); an id this deployment did not
// issue is an apperr.Invalid naming field.
func (s *Service) ParseEventID(ctx context.Context, field, id string) (int64, error) {
	c, err := s.codec(ctx)
	if err != nil {
		return 0, err
	}
	seq, ok := c.decode(strings.TrimSpace(id))
	if !ok {
		return 0, apperr.Invalid(field, "not an event id of this server (give back an id it sent, or %q for the start of the log)", LogStart)
	}
	return seq, nil
}

// Wire is an event as subscribers receive it: on an SSE stream (the
// data of a message whose SSE id is ID), in a page of the event log and
// in webhook deliveries.
type Wire struct {
	ID      string          `json:"id"`
	Kind    event.Kind      `json:"kind"`
	At      time.Time       `json:"at"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

func (c *idCodec) wire(e *event.Event) *Wire {
	return &Wire{ID: c.encode(e.Seq), Kind: e.Kind, At: e.At, Subject: e.Subject, Data: e.Data}
}
