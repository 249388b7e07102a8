package audit

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// verify feeds es to a fresh verifier in batches of size batch.
func verify(es []Entry, batch, workers int, anchors []Anchor) *Verifier {
	v := &Verifier{Workers: workers, Anchors: anchors}
	for lo := 0; lo < len(es); lo += batch {
		if v.Add(es[lo:min(lo+batch, len(es))]) != nil {
			break
		}
	}
	v.Finish()
	return v
}

func clone(es []Entry) []Entry { return slices.Clone(es) }

// rehash recomputes e's hash, as an attacker who knows the scheme would.
func rehash(e *Entry) { e.Hash = Compute(e) }

func TestVerifierTampering(t *testing.T) {
	const n = 3000 // more than one parallel batch
	orig := chain(n)
	head := Anchor{Seq: n, Hash: orig[n-1].Hash}
	at := func(seq int64) Anchor { return Anchor{Seq: seq, Hash: orig[seq-1].Hash} }
	cases := []struct {
		name    string
		tamper  func(es []Entry) []Entry
		anchors []Anchor
		seq     int64  // 0: no problem expected
		kind    string // expected problem kind
		count   int64  // entries verified before the problem
	}{
		{name: "intact", tamper: func(es []Entry) []Entry { return es }, seq: 0, count: n},
		{name: "intact with anchors", tamper: func(es []Entry) []Entry { return es },
			anchors: []Anchor{at(1), at(1500), head}, count: n},
		{name: "detail altered", tamper: func(es []Entry) []Entry { es[1233].Detail = "nothing happened"; return es },
			seq: 1234, kind: ProblemAltered, count: 1233},
		{name: "outcome altered in first entry", tamper: func(es []Entry) []Entry { es[0].Outcome = OutcomeSuccess + "x"; return es },
			seq: 1, kind: ProblemAltered, count: 0},
		{name: "time altered in last entry", tamper: func(es []Entry) []Entry { es[n-1].Time = es[n-1].Time.Add(-1e9); return es },
			seq: n, kind: ProblemAltered, count: n - 1},
		{name: "stored hash overwritten", tamper: func(es []Entry) []Entry { es[99].Hash = bytes.Repeat([]byte{1}, HashSize); return es },
			seq: 100, kind: ProblemAltered, count: 99},
		{name: "prev_hash overwritten", tamper: func(es []Entry) []Entry { es[99].PrevHash = bytes.Repeat([]byte{1}, HashSize); return es },
			seq: 100, kind: ProblemAltered, count: 99},
		{name: "altered and re-hashed", tamper: func(es []Entry) []Entry {
			es[1999].ActorName = "someone-else@example.jp"
			rehash(&es[1999])
			return es
		}, seq: 2000, kind: ProblemAltered, count: 2000},
		{name: "first entry altered and re-hashed", tamper: func(es []Entry) []Entry {
			es[0].Action = "nothing"
			rehash(&es[0])
			return es
		}, seq: 1, kind: ProblemAltered, count: 1},
		{name: "last entry altered and re-hashed, no anchor", tamper: func(es []Entry) []Entry {
			es[n-1].Detail = "x"
			rehash(&es[n-1])
			return es
		}, count: n}, // undetectable without an anchor: that is what anchors are for
		{name: "last entry altered and re-hashed, head anchor", tamper: func(es []Entry) []Entry {
			es[n-1].Detail = "x"
			rehash(&es[n-1])
			return es
		}, anchors: []Anchor{head}, seq: n, kind: ProblemAnchor, count: n - 1},
		{name: "entry removed", tamper: func(es []Entry) []Entry { return slices.Delete(es, 1023, 1024) },
			seq: 1024, kind: ProblemRemoved, count: 1023},
		{name: "first entry removed", tamper: func(es []Entry) []Entry { return es[1:] },
			seq: 1, kind: ProblemRemoved, count: 0},
		{name: "run of entries removed", tamper: func(es []Entry) []Entry { return slices.Delete(es, 10, 20) },
			seq: 11, kind: ProblemRemoved, count: 10},
		{name: "tail cut, no anchor", tamper: func(es []Entry) []Entry { return es[:2500] }, count: 2500},
		{name: "tail cut, head anchor", tamper: func(es []Entry) []Entry { return es[:2500] },
			anchors: []Anchor{at(100), head}, seq: 2501, kind: ProblemRemoved, count: 2500},
		{name: "everything removed, anchor", tamper: func(es []Entry) []Entry { return nil },
			anchors: []Anchor{head}, seq: 1, kind: ProblemRemoved, count: 0},
		{name: "forged entry inserted, later entries renumbered", tamper: func(es []Entry) []Entry {
			k := 700 // the forged entry takes seq 701
			f := Entry{Time: es[k].Time, ActorName: "system", Action: "login", Outcome: OutcomeSuccess}
			Seal(&f, es[k-1].Seq, es[k-1].Hash)
			es = slices.Insert(es, k, f)
			for i := k + 1; i < len(es); i++ {
				es[i].Seq++
			}
			return es
		}, seq: 701, kind: ProblemInserted, count: 701}, // the forged entry itself looked fine
		{name: "forged first entry", tamper: func(es []Entry) []Entry {
			f := Entry{Time: es[0].Time, ActorName: "system", Action: "login", Outcome: OutcomeSuccess}
			Seal(&f, 0, nil)
			es = slices.Insert(es, 0, f)
			for i := 1; i < len(es); i++ {
				es[i].Seq++
			}
			return es
		}, seq: 1, kind: ProblemInserted, count: 1},
		{name: "forged entry, whole tail rewritten, anchor after it", tamper: func(es []Entry) []Entry {
			k := 700
			f := Entry{Time: es[k].Time, ActorName: "system", Action: "login", Outcome: OutcomeSuccess}
			Seal(&f, es[k-1].Seq, es[k-1].Hash)
			es = slices.Insert(es, k, f)
			for i := k + 1; i < len(es); i++ {
				Seal(&es[i], es[i-1].Seq, es[i-1].Hash)
			}
			return es
		}, anchors: []Anchor{at(1000)}, seq: 1000, kind: ProblemAnchor, count: 999},
		{name: "sequence number repeated", tamper: func(es []Entry) []Entry {
			return slices.Insert(es, 51, es[50])
		}, seq: 51, kind: ProblemInserted, count: 51},
		{name: "chain not starting from genesis", tamper: func(es []Entry) []Entry {
			es[0].PrevHash = bytes.Repeat([]byte{7}, HashSize)
			rehash(&es[0])
			return es
		}, seq: 1, kind: ProblemInserted, count: 0},
		{name: "anchor on a different hash", tamper: func(es []Entry) []Entry { return es },
			anchors: []Anchor{{Seq: 42, Hash: bytes.Repeat([]byte{9}, HashSize)}}, seq: 42, kind: ProblemAnchor, count: 41},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es := c.tamper(clone(orig))
			var ref *Verifier
			for _, batch := range []int{1, 7, 1024, 1500, len(es) + 1} {
				for _, workers := range []int{1, 2, 8} {
					v := verify(es, batch, workers, c.anchors)
					where := fmt.Sprintf("batch %d workers %d", batch, workers)
					p := v.Problem()
					switch {
					case c.seq == 0 && p != nil:
						t.Fatalf("%s: unexpected problem %v", where, p)
					case c.seq != 0 && p == nil:
						t.Fatalf("%s: no problem found, want %s at %d", where, c.kind, c.seq)
					case c.seq != 0 && (p.Seq != c.seq || p.Kind != c.kind):
						t.Fatalf("%s: problem %v, want %s at %d", where, p, c.kind, c.seq)
					}
					if v.Count() != c.count {
						t.Errorf("%s: count %d, want %d", where, v.Count(), c.count)
					}
					if ref == nil {
						ref = v
						continue
					}
					// Batching and parallelism never change the result.
					if (p == nil) != (ref.Problem() == nil) || p != nil && *p != *ref.Problem() ||
						v.Head().Seq != ref.Head().Seq || !bytes.Equal(v.Head().Hash, ref.Head().Hash) {
						t.Fatalf("%s: %v head %v differs from sequential %v head %v", where, p, v.Head(), ref.Problem(), ref.Head())
					}
				}
			}
		})
	}
}

func TestVerifierHead(t *testing.T) {
	v := &Verifier{}
	if h := v.Head(); h.Seq != 0 || !bytes.Equal(h.Hash, Genesis) {
		t.Fatalf("empty head = %v", h)
	}
	if p := v.Finish(); p != nil {
		t.Fatalf("empty chain without anchors: %v", p)
	}
	es := chain(10)
	v = verify(es, 3, 1, nil)
	if h := v.Head(); h.Seq != 10 || !bytes.Equal(h.Hash, es[9].Hash) || v.Count() != 10 {
		t.Fatalf("head = %v count %d", h, v.Count())
	}
	// The head verifies as an anchor on a later run.
	if p := verify(es, 4, 2, []Anchor{v.Head()}).Problem(); p != nil {
		t.Fatalf("own head as anchor: %v", p)
	}
}

func TestVerifierStopsAtFirstProblem(t *testing.T) {
	es := chain(20)
	es[4].Detail = "x"
	es[14].Detail = "y"
	v := &Verifier{Workers: 1}
	p := v.Add(es[:10])
	if p == nil || p.Seq != 5 {
		t.Fatalf("first batch: %v", p)
	}
	if p2 := v.Add(es[10:]); p2 != p {
		t.Fatalf("later batch replaced the first problem: %v", p2)
	}
	v.Fail(&Problem{Seq: 1, Kind: ProblemBroken})
	if v.Finish() != p || v.Count() != 4 {
		t.Fatalf("Fail/Finish replaced the first problem: %v, count %d", v.Problem(), v.Count())
	}
	if p.Error() == "" || p.Kind != ProblemAltered {
		t.Fatalf("problem %#v", p)
	}
}

// Fail records a problem found outside the chain, unless one is known.
func TestVerifierFail(t *testing.T) {
	v := &Verifier{}
	v.Add(chain(3))
	want := &Problem{Seq: 4, Kind: ProblemRemoved, Detail: "head"}
	v.Fail(want)
	if v.Finish() != want || v.Problem() != want {
		t.Fatalf("Problem = %v", v.Problem())
	}
}

// A large entry (longer than the hashing buffer) verifies like any other.
func TestVerifierLargeEntry(t *testing.T) {
	e := Entry{Action: "import", Outcome: OutcomeSuccess, Detail: string(bytes.Repeat([]byte("あ"), 4000))}
	Seal(&e, 0, nil)
	if p := verify([]Entry{e}, 1, 1, nil).Problem(); p != nil {
		t.Fatal(p)
	}
	e.Detail = e.Detail[:len(e.Detail)-3] + "い"
	if p := verify([]Entry{e}, 1, 1, nil).Problem(); p == nil || p.Kind != ProblemAltered {
		t.Fatalf("altered large entry: %v", p)
	}
}

// Add keeps no reference to a batch: a caller reusing the batch's memory
// (as the store's scanner does) gets the same result.
func TestVerifierBatchReuse(t *testing.T) {
	es := chain(100)
	v := &Verifier{Workers: 1}
	buf := make([]Entry, 10)
	for lo := 0; lo < len(es); lo += 10 {
		for i := range buf {
			buf[i] = es[lo+i]
			buf[i].Hash = slices.Clone(es[lo+i].Hash)
			buf[i].PrevHash = slices.Clone(es[lo+i].PrevHash)
		}
		if p := v.Add(buf); p != nil {
			t.Fatalf("batch at %d: %v", lo, p)
		}
		for i := range buf { // scribble over the previous batch
			for j := range buf[i].Hash {
				buf[i].Hash[j] = 0xee
			}
		}
	}
	if p := v.Finish(); p != nil || v.Count() != 100 || !bytes.Equal(v.Head().Hash, es[99].Hash) {
		t.Fatalf("problem %v count %d head %v", p, v.Count(), v.Head())
	}
}
