package match

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Matcher holds the current indicator set and takes incremental updates
// while lookups continue. Lookups read an immutable snapshot through an
// atomic pointer and never wait; updates are serialised among themselves.
//
// An update (Apply) publishes a new snapshot made of the unchanged base
// set, a small overlay set built from the indicators added since the
// base was built, and the base's indicators hidden since (removed, or
// replaced by a newer version in the overlay). When the overlay grows past
// 5% of the base (at least MinCompact changes), a new base is built in the
// background (at most MaxOverlay changes) from base and overlay and swapped in; updates that arrive
// meanwhile are replayed onto it.
type Matcher struct {
	cur atomic.Pointer[state]

	mu         sync.Mutex // serialises writers
	gen        uint64     // bumped by Swap: a background rebuild of an older generation is dropped
	rebuilding bool
	pending    []op // updates applied while a rebuild runs, replayed onto its result
	done       chan struct{}
}

// MinCompact is the number of changes (added plus removed indicators)
// below which the overlay is never merged into the base.
const MinCompact = 1024

// MaxOverlay is the number of changes above which the overlay is always
// merged (each update rebuilds the overlay, so it must stay small).
const MaxOverlay = 65536

type state struct {
	view
	ovInds  [][]Indicator       // the overlay's indicators, one batch per update
	removed map[string]struct{} // STIX ids whose base values are hidden
}

type op struct {
	add    []Indicator
	remove []string
}

// Hit is what a Matcher lookup found: a value of one of its sets.
type Hit struct {
	Set *Set
	Ref int32
}

// Indicator returns the indicator that matched (a new copy).
func (h Hit) Indicator() *Indicator { return h.Set.Indicator(h.Ref) }

// Kind is the kind of the value that matched (KindCIDR4 for an IPv4
// observable inside a listed block, KindDomain for a listed parent).
func (h Hit) Kind() Kind { return h.Set.Kind(h.Ref) }

// Value is the normalised value that matched.
func (h Hit) Value() string { return h.Set.Value(h.Ref) }

// NewMatcher returns a matcher whose snapshot is s (nil: an empty set).
func NewMatcher(s *Set) *Matcher {
	if s == nil {
		s, _ = Build(nil)
	}
	m := &Matcher{}
	m.cur.Store(&state{view: view{base: s}})
	return m
}

// Lookup looks an observable up in the current snapshot (see
// Set.Lookup): the most specific match wins; at equal specificity the
// overlay wins. It does not allocate.
func (m *Matcher) Lookup(k Kind, v []byte) (Hit, bool) {
	st := m.cur.Load()
	s, ref, ok := st.view.lookup(k, v)
	return Hit{Set: s, Ref: ref}, ok
}

// LookupIP looks an address up in the current snapshot.
func (m *Matcher) LookupIP(a netip.Addr) (Hit, bool) {
	st := m.cur.Load()
	s, ref, ok := st.view.lookupAddr(a)
	return Hit{Set: s, Ref: ref}, ok
}

// Set returns one set holding everything the matcher currently matches:
// the base itself when no update is pending, otherwise a merge of base
// and overlay built now (and kept as the new base).
func (m *Matcher) Set() *Set {
	st := m.cur.Load()
	if st.over == nil && len(st.hidden) == 0 {
		return st.base
	}
	m.Compact()
	return m.cur.Load().base
}

// Swap replaces the whole snapshot by s (a full reload); pending updates
// and any background rebuild are dropped.
func (m *Matcher) Swap(s *Set) {
	if s == nil {
		s, _ = Build(nil)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	m.rebuilding, m.pending = false, nil
	m.cur.Store(&state{view: view{base: s}})
}

// Apply removes the indicators with the given STIX ids, then adds add.
// An added indicator replaces every value the snapshot held for its id
// (a new version of a STIX indicator). Indicators with a bad kind or value
// are not taken and are reported by their index in add.
func (m *Matcher) Apply(add []Indicator, remove []string) []Problem {
	_, probs := Build(add)
	if len(probs) > 0 {
		good := make([]Indicator, 0, len(add)-len(probs))
		j := 0
		for i := range add {
			if j < len(probs) && probs[j].Index == i {
				j++
				continue
			}
			good = append(good, add[i])
		}
		add = good
	} else {
		add = append([]Indicator(nil), add...)
	}
	remove = append([]string(nil), remove...)
	m.mu.Lock()
	defer m.mu.Unlock()
	st := applyOp(m.cur.Load(), op{add, remove})
	m.cur.Store(st)
	if m.rebuilding {
		m.pending = append(m.pending, op{add, remove})
	} else {
		m.maybeRebuild(st)
	}
	return probs
}

// Compact merges the overlay into the base now (after any background
// rebuild has finished).
func (m *Matcher) Compact() {
	m.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.cur.Load()
	if st.over == nil && len(st.hidden) == 0 {
		return
	}
	m.cur.Store(&state{view: view{base: merge(st.base, st.hidden, st.over)}})
}

// Wait waits for a background rebuild to finish.
func (m *Matcher) Wait() {
	m.mu.Lock()
	d := m.done
	m.mu.Unlock()
	if d != nil {
		<-d
	}
}

// overlaySize is the number of changes a state carries over its base.
func (st *state) overlaySize() int {
	n := len(st.removed)
	for _, b := range st.ovInds {
		n += len(b)
	}
	return n
}

// autoCompact lets Apply start background rebuilds (tests turn it off to
// compact at chosen points).
var autoCompact = true

func (m *Matcher) maybeRebuild(st *state) {
	if !autoCompact || st.overlaySize() <= min(max(MinCompact, st.base.Len()/20), MaxOverlay) {
		return
	}
	m.rebuilding = true
	gen := m.gen
	done := make(chan struct{})
	m.done = done
	go func() {
		defer close(done)
		nb := merge(st.base, st.hidden, st.over)
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.gen != gen {
			return
		}
		ns := &state{view: view{base: nb}}
		for _, o := range m.pending {
			ns = applyOp(ns, o)
		}
		m.rebuilding, m.pending = false, nil
		m.cur.Store(ns)
		m.maybeRebuild(ns)
	}()
}

// applyOp returns st with the removals and additions of o.
func applyOp(st *state, o op) *state {
	drop := make(map[string]struct{}, len(o.remove)+len(o.add))
	for _, id := range o.remove {
		drop[id] = struct{}{}
	}
	for i := range o.add {
		if o.add[i].ID != "" {
			drop[o.add[i].ID] = struct{}{}
		}
	}
	ns := &state{view: view{base: st.base}, removed: make(map[string]struct{}, len(st.removed)+len(drop))}
	for id := range st.removed {
		ns.removed[id] = struct{}{}
	}
	for id := range drop {
		ns.removed[id] = struct{}{}
	}
	ns.ovInds = make([][]Indicator, 0, len(st.ovInds)+1)
	n := 0
	for _, batch := range st.ovInds {
		keep := batch // batches are never modified: shared unless filtered
		for i := range batch {
			if _, d := drop[batch[i].ID]; d && batch[i].ID != "" {
				keep = make([]Indicator, 0, len(batch))
				for j := range batch {
					if _, d := drop[batch[j].ID]; !d || batch[j].ID == "" {
						keep = append(keep, batch[j])
					}
				}
				break
			}
		}
		if len(keep) > 0 {
			ns.ovInds = append(ns.ovInds, keep)
			n += len(keep)
		}
	}
	if len(o.add) > 0 {
		ns.ovInds = append(ns.ovInds, o.add)
		n += len(o.add)
	}
	if n > 0 {
		ns.over = buildBatches(ns.ovInds)
	}
	for id := range ns.removed {
		for _, mi := range st.base.metasByID(id) {
			if ns.hidden == nil {
				ns.hidden = make(map[int32]struct{})
			}
			ns.hidden[mi] = struct{}{}
		}
	}
	return ns
}

// LookupBatch looks up every observable of obs as Lookup does and stores
// the result in out[i] (out must be at least as long as obs; out[i].Set
// is nil where nothing matched). It returns the number of matches.
//
// IPv4 addresses and domains of a batch are looked up in two passes,
// first touching the memory each lookup will read (the address's bucket
// and /24 cover word, the table slot of each parent of a domain that may
// be listed), then probing, so that their memory accesses overlap: on a set larger than the CPU caches a batch of 16 to 64
// observables costs a fraction of as many calls to Lookup. It does not
// allocate.
func (m *Matcher) LookupBatch(obs []Observable, out []Hit) int {
	st := m.cur.Load()
	out = out[:len(obs)]
	const chunk = 32
	var keys [chunk]uint32
	var isV4 [chunk]bool
	// Domains are prepared (lower-cased, checked, every probed suffix
	// hashed) in the first pass, which prefetches their slots; the second
	// pass only probes.
	var doms [chunk]domProbe
	var domAt [chunk]uint8
	mask, dOver, dBase := st.view.domMask()
	n := 0
	for lo := 0; lo < len(obs); lo += chunk {
		part := obs[lo:min(lo+chunk, len(obs))]
		base := st.base
		t := &base.ip4
		var cover uintptr
		if base.count[KindCIDR4] > 0 {
			cover = uintptr(unsafe.Pointer(unsafe.SliceData(base.cidr[0].cover)))
		}
		nd := 0
		for i := range part {
			isV4[i] = false
			switch part[i].Kind {
			case KindIPv4, KindIPv6, KindCIDR4, KindCIDR6:
				if u, ok := parseIPv4(part[i].Value); ok {
					keys[i], isV4[i] = u, true
					t.prefetch(u)
					if cover != 0 {
						prefetch(cover + 8*uintptr(u>>14))
					}
				}
			case KindDomain:
				d := &doms[nd]
				domAt[i] = uint8(nd)
				nd++
				if !dOver && !dBase {
					d.st = domMiss
					continue
				}
				prepDomain(d, part[i].Value, mask)
				if d.st == domOK && dBase {
					d.touchFilter(base)
				}
			}
		}
		// The filter words have arrived: keep the suffixes that may be
		// listed and touch their slots.
		if dBase {
			for j := range nd {
				if doms[j].st == domOK {
					doms[j].filter(base)
				}
			}
		}
		for i := range part {
			var s *Set
			var ref int32
			var ok bool
			switch {
			case isV4[i]:
				s, ref, ok = st.view.lookup4(keys[i])
			case part[i].Kind == KindDomain:
				switch d := &doms[domAt[i]]; d.st {
				case domOK:
					s, ref, ok = st.view.probeDomain(d, dOver, dBase)
				case domSlow:
					s, ref, ok = st.view.lookupDomainWalk(part[i].Value, mask, dOver, dBase)
				}
			default:
				s, ref, ok = st.view.lookup(part[i].Kind, part[i].Value)
			}
			if ok {
				out[lo+i] = Hit{Set: s, Ref: ref}
				n++
			} else {
				out[lo+i] = Hit{Ref: -1}
			}
		}
	}
	return n
}
