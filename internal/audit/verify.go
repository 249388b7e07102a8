package audit

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
)

// Verifier checks a chain fed to it in sequence order, in batches. Each
// entry's own hash and its link to the previous entry are local checks, so
// batches are verified on several cores; the verifier reports the first
// problem in sequence order, exactly as a sequential check would.
type Verifier struct {
	// Workers is the number of goroutines hashing; 0 means GOMAXPROCS.
	Workers int
	// Anchors, if set, must each be found with the same hash.
	Anchors []Anchor

	count     int64
	lastSeq   int64
	lastHash  []byte
	lastHash2 []byte // hash of the entry before the last (to recognise insertions)
	first     *Problem
	anchors   map[int64][]byte
}

// Count returns the number of entries checked so far.
func (v *Verifier) Count() int64 { return v.count }

// Head returns the last entry's sequence number and hash (0 and the
// genesis hash before any entry).
func (v *Verifier) Head() Anchor {
	if v.lastHash == nil {
		return Anchor{Seq: 0, Hash: Genesis}
	}
	return Anchor{Seq: v.lastSeq, Hash: v.lastHash}
}

// Problem returns the first problem found, or nil.
func (v *Verifier) Problem() *Problem { return v.first }

// Add verifies the next batch of entries (which must follow the previous
// batch). It returns the first problem so far; callers may stop on it. Add
// keeps no reference to batch, so callers may reuse its memory.
func (v *Verifier) Add(batch []Entry) *Problem {
	if v.first != nil || len(batch) == 0 {
		return v.first
	}
	if v.anchors == nil {
		v.anchors = make(map[int64][]byte, len(v.Anchors))
		for _, a := range v.Anchors {
			v.anchors[a.Seq] = a.Hash
		}
	}
	// Parallel part: each entry's hash against its content.
	bad := v.hashCheck(batch)
	// Sequential part: sequence numbers and links, cheap comparisons.
	prevSeq, prevHash, prevHash2 := v.lastSeq, v.lastHash, v.lastHash2
	if prevHash == nil {
		prevHash = Genesis
	}
	// Whatever happens, Head and Count describe the last entry that passed.
	// The hashes are copied: callers may reuse the batch's memory.
	defer func() {
		v.lastSeq = prevSeq
		v.lastHash = append(v.lastHash[:0:0], prevHash...)
		v.lastHash2 = append(v.lastHash2[:0:0], prevHash2...)
		if prevHash2 == nil {
			v.lastHash2 = nil
		}
	}()
	for i := range batch {
		e := &batch[i]
		if p := linkCheck(e, prevSeq, prevHash, prevHash2, bad[i]); p != nil {
			v.first = p
			return p
		}
		if bad[i] {
			v.first = &Problem{Seq: e.Seq, Kind: ProblemAltered, Detail: "entry content does not match its recorded hash"}
			return v.first
		}
		if want, ok := v.anchors[e.Seq]; ok && !bytes.Equal(want, e.Hash) {
			v.first = &Problem{Seq: e.Seq, Kind: ProblemAnchor, Detail: "entry differs from the recorded anchor " + hex.EncodeToString(want)}
			return v.first
		}
		delete(v.anchors, e.Seq)
		prevSeq, prevHash, prevHash2 = e.Seq, e.Hash, prevHash
		v.count++
	}
	return nil
}

// Fail records a problem found outside the chain itself (e.g. by the store).
func (v *Verifier) Fail(p *Problem) {
	if v.first == nil {
		v.first = p
	}
}

// Finish reports anchors beyond the end of the chain (the tail was cut).
func (v *Verifier) Finish() *Problem {
	if v.first != nil {
		return v.first
	}
	// Report the nearest anchor past the end, so the result is deterministic.
	var beyond int64
	for seq := range v.anchors {
		if seq > v.lastSeq && (beyond == 0 || seq < beyond) {
			beyond = seq
		}
	}
	if beyond > 0 {
		v.first = &Problem{Seq: v.lastSeq + 1, Kind: ProblemRemoved,
			Detail: fmt.Sprintf("the chain ends at %d but an anchor records entry %d", v.lastSeq, beyond)}
		return v.first
	}
	if len(v.Anchors) > 0 && v.anchors == nil { // empty chain with anchors
		v.first = &Problem{Seq: 1, Kind: ProblemRemoved, Detail: "the chain is empty but anchors were given"}
	}
	return v.first
}

// linkCheck checks e's place in the chain after the entry (prevSeq,
// prevHash); prevHash2 is the hash of the entry before that one.
func linkCheck(e *Entry, prevSeq int64, prevHash, prevHash2 []byte, selfBad bool) *Problem {
	switch {
	case e.Seq > prevSeq+1:
		return &Problem{Seq: prevSeq + 1, Kind: ProblemRemoved,
			Detail: fmt.Sprintf("entries %d to %d are missing", prevSeq+1, e.Seq-1)}
	case e.Seq < 1:
		return &Problem{Seq: e.Seq, Kind: ProblemInserted,
			Detail: fmt.Sprintf("sequence number %d is not a position in the chain", e.Seq)}
	case e.Seq <= prevSeq:
		return &Problem{Seq: e.Seq, Kind: ProblemInserted,
			Detail: fmt.Sprintf("sequence number %d appears again after %d", e.Seq, prevSeq)}
	case !bytes.Equal(e.PrevHash, prevHash):
		if prevSeq > 0 && prevHash2 != nil && bytes.Equal(e.PrevHash, prevHash2) {
			// e links straight to the entry before its predecessor: the
			// predecessor was slipped in (and e renumbered to make room).
			return &Problem{Seq: prevSeq, Kind: ProblemInserted,
				Detail: fmt.Sprintf("entry %d links to entry %d: the entry between them does not belong to the chain", e.Seq, prevSeq-1)}
		}
		if selfBad {
			return &Problem{Seq: e.Seq, Kind: ProblemAltered, Detail: "entry content and link do not match its recorded hash"}
		}
		if prevSeq == 0 {
			return &Problem{Seq: e.Seq, Kind: ProblemInserted, Detail: "the first entry does not start from the genesis hash"}
		}
		// e is self-consistent but remembers a different predecessor: the
		// predecessor was changed and its hash recomputed to hide it.
		return &Problem{Seq: prevSeq, Kind: ProblemAltered,
			Detail: fmt.Sprintf("entry was changed and re-hashed: entry %d recorded a different hash for it", e.Seq)}
	}
	return nil
}

// hashCheck returns, for each entry, whether its recorded hash is wrong.
func (v *Verifier) hashCheck(batch []Entry) []bool {
	bad := make([]bool, len(batch))
	w := v.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	if w == 1 || len(batch) < 1024 {
		checkRange(batch, bad)
		return bad
	}
	var wg sync.WaitGroup
	chunk := (len(batch) + w - 1) / w
	for lo := 0; lo < len(batch); lo += chunk {
		hi := min(lo+chunk, len(batch))
		wg.Go(func() { checkRange(batch[lo:hi], bad[lo:hi]) })
	}
	wg.Wait()
	return bad
}

func checkRange(es []Entry, bad []bool) {
	var buf [1024]byte
	for i := range es {
		e := &es[i]
		b := AppendCanonical(buf[:0], e)
		h := sum256(b)
		bad[i] = !bytes.Equal(h[:], e.Hash)
	}
}
