package match

import (
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// Scratch is the reusable working memory of LookupMany: after the first
// call of a given batch size, LookupMany does not allocate. A Scratch
// must not be used by two goroutines at once; give each its own.
type Scratch struct {
	key   []uint32 // per observable: group<<bucketBits | bucket
	aux   []uint32 // per observable: the parsed IPv4 address
	order []uint32 // observable indices sorted by key
	count []uint32
}

// Groups of the probe order: IPv4 addresses by their bucket of the
// two-level index, domains by the table slot of their first probe,
// digests by their table slot, and the rest (IPv6, URLs, e-mail, values
// that do not parse) in input order at the end.
const (
	groupIPv4 = iota
	groupDomain
	groupHash
	groupRest
	numGroups
)

// manyMin is the batch size below which LookupMany hands over to
// LookupBatch: sorting pays only when the probes of a batch are dense
// enough to share pages and cache lines.
const manyMin = 1024

// manyAhead is how many probes ahead (in probe order) LookupMany
// prefetches.
const manyAhead = 8

// LookupMany looks up every observable of obs as Lookup does and stores
// the result in out[i] (out must be at least as long as obs; out[i].Set
// is nil where nothing matched). It returns the number of matches.
//
// It is meant for large batches (thousands to tens of thousands of
// observables): it first computes where each lookup will probe (the
// bucket of an IPv4 address in the two-level index, the table slot of
// the first listed-length suffix of a domain, the slot of a digest),
// sorts the batch by that position with a counting sort into sc, then
// looks the observables up in position order, so that neighbouring
// probes share pages and cache lines instead of each missing, and writes
// each result to its observable's place. Results are those of Lookup.
// With a warmed-up Scratch (sc may be nil: one is allocated) it does
// not allocate. Batches smaller than 1,024 go through LookupBatch.
func (m *Matcher) LookupMany(obs []Observable, out []Hit, sc *Scratch) int {
	st := m.cur.Load()
	if len(obs) < manyMin {
		return m.LookupBatch(obs, out)
	}
	return st.view.lookupMany(obs, out, sc)
}

// LookupMany is Matcher.LookupMany on the set alone.
func (s *Set) LookupMany(obs []Observable, out []Hit, sc *Scratch) int {
	w := view{base: s}
	return w.lookupMany(obs, out, sc)
}

func (sc *Scratch) grow(n, buckets int) {
	if cap(sc.key) < n {
		sc.key = make([]uint32, n)
		sc.aux = make([]uint32, n)
		sc.order = make([]uint32, n)
	}
	sc.key, sc.aux, sc.order = sc.key[:n], sc.aux[:n], sc.order[:n]
	if cap(sc.count) < buckets+1 {
		sc.count = make([]uint32, buckets+1)
	}
	sc.count = sc.count[:buckets+1]
	clear(sc.count)
}

func (w *view) lookupMany(obs []Observable, out []Hit, sc *Scratch) int {
	if sc == nil {
		sc = new(Scratch)
	}
	out = out[:len(obs)]
	// Buckets per group: about one observable per bucket up to 2^16.
	bb := min(max(bits.Len(uint(len(obs))), 8), 16)
	shift := 64 - bb
	buckets := numGroups << bb
	sc.grow(len(obs), buckets)
	key, aux, order, count := sc.key, sc.aux, sc.order, sc.count

	base := w.base
	var domMask uint64
	if w.over != nil {
		domMask |= w.over.domLabels
	}
	domains := base != nil && base.count[KindDomain] > 0
	if domains {
		domMask |= base.domLabels
	}
	// Positions.
	for i := range obs {
		o := &obs[i]
		g, b := uint32(groupRest), uint32(0)
		switch o.Kind {
		case KindIPv4, KindIPv6, KindCIDR4, KindCIDR6:
			if u, ok := parseIPv4(o.Value); ok {
				g, b = groupIPv4, u>>(32-bb)
				aux[i] = u
			}
		case KindDomain:
			if domains {
				if h, ok := firstProbe(o.Value, domMask); ok {
					g, b = groupDomain, uint32(h>>shift)
				}
			}
		case KindMD5, KindSHA1, KindSHA256, KindSHA512:
			var d [64]byte
			n := hashSize(o.Kind)
			if base != nil && base.count[o.Kind] > 0 && decodeHex(d[:n], o.Value) {
				g, b = groupHash, uint32(maphash.Bytes(seed, d[:n])>>shift)
			}
		}
		k := g<<bb | b
		key[i] = k
		count[k+1]++
	}
	for j := 1; j < len(count); j++ {
		count[j] += count[j-1]
	}
	for i, k := range key {
		order[count[k]] = uint32(i)
		count[k]++
	}

	// Probes in position order, prefetching a few ahead.
	var cover uintptr
	if base != nil && base.count[KindCIDR4] > 0 {
		cover = uintptr(unsafe.Pointer(unsafe.SliceData(base.cidr[0].cover)))
	}
	n := 0
	for p, i := range order {
		if p+manyAhead < len(order) && base != nil {
			j := order[p+manyAhead]
			switch key[j] >> bb {
			case groupIPv4:
				u := aux[j]
				base.ip4.prefetch(u)
				if cover != 0 {
					prefetch(cover + 8*uintptr(u>>14))
				}
			case groupDomain:
				base.prefetchDomain(obs[j].Value)
			}
		}
		var s *Set
		var ref int32
		var ok bool
		if key[i]>>bb == groupIPv4 {
			s, ref, ok = w.lookup4(aux[i])
		} else {
			s, ref, ok = w.lookup(obs[i].Kind, obs[i].Value)
		}
		if ok {
			out[i] = Hit{Set: s, Ref: ref}
			n++
		} else {
			out[i] = Hit{Ref: -1}
		}
	}
	return n
}

// firstProbe returns the hash of the longest suffix of the domain name v
// whose label count is in mask (the first table slot lookupDomain
// probes), without checking the name (the lookup does).
func firstProbe(v []byte, mask uint64) (uint64, bool) {
	if len(v) > 0 && v[len(v)-1] == '.' {
		v = v[:len(v)-1]
	}
	if len(v) == 0 || len(v) > 253 {
		return 0, false
	}
	h, labels := domainBasis, 1
	var first uint64
	found := false
	for i := len(v) - 1; i >= 0; i-- {
		c := domainClass[v[i]]
		if c == '.' {
			if mask&(1<<min(labels, 63)) != 0 {
				first, found = h, true
			}
			labels++
		}
		h = (h ^ uint64(c)) * 0x100000001b3
	}
	if mask&(1<<min(labels, 63)) != 0 {
		first, found = h, true
	}
	if !found {
		return 0, false
	}
	return mix64(first), true
}
