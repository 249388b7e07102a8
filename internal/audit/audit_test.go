package audit

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.FixedZone("JST", 9*3600))

// chain returns n sealed entries with varied content.
func chain(n int) []Entry {
	es := make([]Entry, n)
	var prevSeq int64
	var prevHash []byte
	actions := []string{"login", "org.create", "user.update", "token.create", "audit.read"}
	outcomes := []Outcome{OutcomeSuccess, OutcomeDenied, OutcomeFailure}
	for i := range es {
		e := Entry{
			Time:       t0.Add(time.Duration(i) * time.Millisecond),
			ActorID:    "0190c1e0-0000-7000-8000-" + strings.Repeat("0", 8) + hex.EncodeToString([]byte{byte(i >> 8), byte(i)}),
			ActorName:  "analyst@tokyo-power.example.jp",
			OrgID:      "0190c1e0-1111-7000-8000-000000000001",
			Action:     actions[i%len(actions)],
			ObjectType: "user",
			ObjectID:   "obj-" + hex.EncodeToString([]byte{byte(i)}),
			SourceAddr: "192.0.2.10",
			Outcome:    outcomes[i%len(outcomes)],
			Detail:     "roles=analyst,reporter 東京電力",
		}
		Seal(&e, prevSeq, prevHash)
		es[i] = e
		prevSeq, prevHash = e.Seq, e.Hash
	}
	return es
}

func TestSealLinksEntries(t *testing.T) {
	es := chain(3)
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d: seq %d", i, e.Seq)
		}
		if !bytes.Equal(e.Hash, Compute(&e)) {
			t.Errorf("entry %d: hash does not match content", i)
		}
		if e.Time.Location() != time.UTC || e.Time.Nanosecond()%1000 != 0 {
			t.Errorf("entry %d: time %v not UTC microseconds", i, e.Time)
		}
	}
	if !bytes.Equal(es[0].PrevHash, Genesis) {
		t.Error("first entry does not start from genesis")
	}
	if !bytes.Equal(es[1].PrevHash, es[0].Hash) || !bytes.Equal(es[2].PrevHash, es[1].Hash) {
		t.Error("entries are not linked")
	}
	// Seal copies prevHash: changing the caller's slice later changes nothing.
	prev := append([]byte(nil), es[2].Hash...)
	e := Entry{Action: "x", Outcome: OutcomeSuccess}
	Seal(&e, 3, prev)
	prev[0] ^= 0xff
	if !bytes.Equal(e.PrevHash, es[2].Hash) {
		t.Error("Seal aliases the previous hash")
	}
}

// Every field is covered by the hash, and the length prefixes keep one
// field from bleeding into the next.
func TestComputeCoversEveryField(t *testing.T) {
	base := chain(2)[1]
	h := Compute(&base)
	muts := map[string]func(e *Entry){
		"seq":         func(e *Entry) { e.Seq++ },
		"time":        func(e *Entry) { e.Time = e.Time.Add(time.Microsecond) },
		"actor_id":    func(e *Entry) { e.ActorID += "x" },
		"actor_name":  func(e *Entry) { e.ActorName = "mallory@example.jp" },
		"org_id":      func(e *Entry) { e.OrgID = "" },
		"action":      func(e *Entry) { e.Action = "org.delete" },
		"object_type": func(e *Entry) { e.ObjectType = "org" },
		"object_id":   func(e *Entry) { e.ObjectID = "other" },
		"source_addr": func(e *Entry) { e.SourceAddr = "198.51.100.1" },
		"outcome":     func(e *Entry) { e.Outcome = OutcomeSuccess + "!" },
		"detail":      func(e *Entry) { e.Detail = "" },
		"prev_hash":   func(e *Entry) { e.PrevHash = Genesis },
		"shift":       func(e *Entry) { e.ActorName, e.OrgID = e.ActorName+e.OrgID[:1], e.OrgID[1:] },
	}
	for name, mut := range muts {
		e := base
		mut(&e)
		if bytes.Equal(Compute(&e), h) {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
	// The stored hash itself is not part of the content.
	e := base
	e.Hash = nil
	if !bytes.Equal(Compute(&e), h) {
		t.Error("hash depends on the Hash field")
	}
}

func TestAnchorRoundTrip(t *testing.T) {
	es := chain(5)
	a := Anchor{Seq: 5, Hash: es[4].Hash}
	got, err := ParseAnchor(a.String())
	if err != nil || got.Seq != 5 || !bytes.Equal(got.Hash, a.Hash) {
		t.Fatalf("ParseAnchor(%q) = %v, %v", a.String(), got, err)
	}
	h64 := strings.Repeat("ab", 32)
	for _, bad := range []string{"", "5", "5:", ":" + h64, "0:" + h64, "-1:" + h64, "x:" + h64,
		"5:" + h64[:62], "5:" + h64 + "ab", "5:" + strings.Repeat("zz", 32)} {
		if _, err := ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) accepted", bad)
		}
	}
}

func TestActorEvent(t *testing.T) {
	a := Actor{UserID: "u1", Name: "alice@example.jp", OrgID: "o1", SourceAddr: "192.0.2.1"}
	e := a.Event("user.update", "user", "u2", OutcomeDenied, "why")
	want := Entry{ActorID: "u1", ActorName: "alice@example.jp", OrgID: "o1", SourceAddr: "192.0.2.1",
		Action: "user.update", ObjectType: "user", ObjectID: "u2", Outcome: OutcomeDenied, Detail: "why"}
	if e.ActorID != want.ActorID || e.ActorName != want.ActorName || e.OrgID != want.OrgID ||
		e.SourceAddr != want.SourceAddr || e.Action != want.Action || e.ObjectType != want.ObjectType ||
		e.ObjectID != want.ObjectID || e.Outcome != want.Outcome || e.Detail != want.Detail {
		t.Fatalf("Event = %+v, want %+v", e, want)
	}
}
