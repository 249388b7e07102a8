// Package audit defines sakimori's tamper-evident audit trail: append-only
// entries, each committing by SHA-256 to the one before it, and the
// verification that finds the first altered, removed or inserted entry.
//
// Entry i stores PrevHash = Hash(i-1) and Hash = SHA-256(PrevHash ||
// canonical(i)). Altering an entry breaks its own Hash; removing or inserting
// one breaks the sequence numbers or the PrevHash link of its successor;
// rewriting the whole tail is caught by comparing the head with an anchor
// recorded elsewhere (see Anchor).
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Outcome of an audited action.
type Outcome string

const (
	OutcomeSuccess Outcome = "success"
	OutcomeDenied  Outcome = "denied"
	OutcomeFailure Outcome = "failure"
)

// Entry is one audit record.
type Entry struct {
	Seq        int64     `json:"seq"` // 1, 2, 3, ... without gaps
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actor_id,omitempty"` // user id; empty for the system
	ActorName  string    `json:"actor"`              // email, "token:<id>", "cli" or "system"
	OrgID      string    `json:"org_id,omitempty"`   // actor's organisation
	Action     string    `json:"action"`             // e.g. "org.create", "login", "audit.read"
	ObjectType string    `json:"object_type,omitempty"`
	ObjectID   string    `json:"object_id,omitempty"`
	SourceAddr string    `json:"source_addr,omitempty"`
	Outcome    Outcome   `json:"outcome"`
	Detail     string    `json:"detail,omitempty"` // small JSON or text, never secrets
	PrevHash   []byte    `json:"-"`
	Hash       []byte    `json:"-"`
}

// HashSize is the size of an entry hash.
const HashSize = sha256.Size

// Genesis is the PrevHash of entry 1.
var Genesis = make([]byte, HashSize)

// Compute returns the hash of e given its PrevHash. The canonical encoding is
// length-prefixed fields in a fixed order, so no field can bleed into another.
func Compute(e *Entry) []byte {
	var buf [512]byte
	b := AppendCanonical(buf[:0], e)
	h := sha256.Sum256(b)
	return h[:]
}

// AppendCanonical appends e's canonical encoding (PrevHash first) to b.
func AppendCanonical(b []byte, e *Entry) []byte {
	b = append(b, 's', 'k', 'm', '1') // version tag of the encoding
	b = append(b, e.PrevHash...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixMicro()))
	for _, s := range [...]string{e.ActorID, e.ActorName, e.OrgID, e.Action, e.ObjectType,
		e.ObjectID, e.SourceAddr, string(e.Outcome), e.Detail} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

// Seal sets e's Seq, PrevHash and Hash to follow prev (nil for the first
// entry). Time is truncated to microseconds, the precision both stores keep.
func Seal(e *Entry, prevSeq int64, prevHash []byte) {
	if prevHash == nil {
		prevHash = Genesis
	}
	e.Seq = prevSeq + 1
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.PrevHash = append([]byte(nil), prevHash...)
	e.Hash = Compute(e)
}

// Problem kinds found by verification.
const (
	ProblemAltered  = "altered"  // the entry's content does not match its hash
	ProblemRemoved  = "removed"  // one or more entries before this one are missing
	ProblemInserted = "inserted" // an entry that does not belong to the chain
	ProblemBroken   = "broken"   // the link to the previous entry does not match
	ProblemAnchor   = "anchor"   // the chain no longer contains a recorded anchor
)

// Problem describes the first defect found in a chain.
type Problem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit chain %s at entry %d: %s", p.Kind, p.Seq, p.Detail)
}

// Anchor is a chain head recorded outside the store (printed by `sakimori
// audit verify`, kept by the oversight commission). A later verification
// with the anchor proves the chain still contains that exact entry.
type Anchor struct {
	Seq  int64
	Hash []byte
}

func (a Anchor) String() string { return fmt.Sprintf("%d:%s", a.Seq, hex.EncodeToString(a.Hash)) }

// ParseAnchor parses "seq:hexhash".
func ParseAnchor(s string) (Anchor, error) {
	var a Anchor
	var h string
	if _, err := fmt.Sscanf(s, "%d:%s", &a.Seq, &h); err != nil || a.Seq < 1 {
		return a, fmt.Errorf("anchor must look like 1234:<64 hex digits>")
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != HashSize {
		return a, fmt.Errorf("anchor hash must be 64 hex digits")
	}
	a.Hash = b
	return a, nil
}

// Actor is who performed an action, as the store records it.
type Actor struct {
	UserID     string
	Name       string
	OrgID      string
	SourceAddr string
}

// Event builds an entry for actor; the store seals it.
func (a Actor) Event(action, objectType, objectID string, outcome Outcome, detail string) Entry {
	return Entry{ActorID: a.UserID, ActorName: a.Name, OrgID: a.OrgID, SourceAddr: a.SourceAddr,
		Action: action, ObjectType: objectType, ObjectID: objectID, Outcome: outcome, Detail: detail}
}
