package match

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"slices"
	"sort"
	"unsafe"
)

// IPv4 addresses are held in a sorted two-level index (u4Table); the other
// tables below are open-addressing hash tables with linear probing,
// sized for a load factor of at most 0.5 (slot = the high half of
// hash*size, so any size works). A slot whose meta is negative is empty.
// Each slot holds the index of the indicator metadata (meta) the value
// belongs to; a ref is the kind and the slot number.

const maxLoadNum, maxLoadDen = 1, 2

func tableSize(n int) int {
	s := n*maxLoadDen/maxLoadNum + 1
	if s < 8 {
		s = 8
	}
	return s
}

func slotOf(h uint64, n int) int {
	hi, _ := bits.Mul64(h, uint64(n))
	return int(hi)
}

// mix64 is a 64-bit finaliser (splitmix64).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// u4Table holds IPv4 addresses in a two-level sorted index: dir[h] is
// the position of the first address whose top 16 bits are h (dir has
// 65,537 entries, 256 KB, and stays in the CPU caches), lo holds the low
// 16 bits of every address, sorted by address, and meta the meta of each,
// read only on a hit. A lookup reads one bucket of lo (about 150 entries
// for 10M addresses, a few cache lines of one page): 6 bytes an address.
// The position in lo is the address's slot (its ref).
//
// A table of fewer than u4Small addresses (an overlay) holds them whole
// in small instead, without a directory.
type u4Table struct {
	dir   []uint32
	lo    []uint16
	small []uint32
	meta  []int32
}

// u4Small is the size from which a table has a directory.
const u4Small = 4096

// u4Entry is an address and its meta, as the builder stages them.
type u4Entry struct {
	key  uint32
	meta int32
}

// newU4Table builds the index from staged entries; among entries of the
// same address it keeps the first one no other beats (better(n, o)
// reports whether n beats o).
func newU4Table(es []u4Entry, better func(n, o int32) bool) u4Table {
	if len(es) == 0 {
		return u4Table{}
	}
	// Sort by address, then by staging order: address << 32 | position.
	// Large sets are first spread over the buckets of the top 16 bits (a
	// stable counting sort), so that each sort is small.
	if len(es) >= 1<<16 {
		var count [1<<16 + 1]uint32
		for _, e := range es {
			count[e.key>>16+1]++
		}
		for h := 1; h < len(count); h++ {
			count[h] += count[h-1]
		}
		spread := make([]u4Entry, len(es))
		for _, e := range es {
			h := e.key >> 16
			spread[count[h]] = e
			count[h]++
		}
		es = spread
	}
	ord := make([]uint64, len(es))
	for i, e := range es {
		ord[i] = uint64(e.key)<<32 | uint64(i)
	}
	if len(es) >= 1<<16 {
		for lo := 0; lo < len(ord); {
			hi := lo + 1
			for hi < len(ord) && ord[hi]>>48 == ord[lo]>>48 {
				hi++
			}
			slices.Sort(ord[lo:hi])
			lo = hi
		}
	} else {
		slices.Sort(ord)
	}
	t := u4Table{meta: make([]int32, 0, len(es))}
	small := len(es) < u4Small
	if small {
		t.small = make([]uint32, 0, len(es))
	} else {
		t.dir, t.lo = make([]uint32, 1<<16+1), make([]uint16, 0, len(es))
	}
	for i := 0; i < len(ord); {
		k := uint32(ord[i] >> 32)
		j, best := i+1, es[uint32(ord[i])].meta
		for ; j < len(ord) && uint32(ord[j]>>32) == k; j++ {
			if m := es[uint32(ord[j])].meta; better(m, best) {
				best = m
			}
		}
		if small {
			t.small = append(t.small, k)
		} else {
			t.dir[k>>16+1]++
			t.lo = append(t.lo, uint16(k))
		}
		t.meta = append(t.meta, best)
		i = j
	}
	for h := 1; h < len(t.dir); h++ {
		t.dir[h] += t.dir[h-1]
	}
	t.lo, t.meta = slices.Clip(t.lo), slices.Clip(t.meta)
	return t
}

// len is the number of addresses.
func (t *u4Table) len() int { return len(t.meta) }

// key returns the address in slot i.
func (t *u4Table) key(i int) uint32 {
	if t.dir == nil {
		return t.small[i]
	}
	// The bucket is the last h with dir[h] <= i: one before the first
	// with dir[h] > i.
	j := sort.Search(len(t.dir), func(j int) bool { return t.dir[j] > uint32(i) })
	return uint32(j-1)<<16 | uint32(t.lo[i])
}

// u4Window is half the window of a bucket searched around an
// interpolated guess.
const u4Window = 16

// find returns the slot holding k.
func (t *u4Table) find(k uint32) (int, bool) {
	if len(t.dir) == 0 {
		if i, ok := slices.BinarySearch(t.small, k); ok {
			return i, true
		}
		return -1, false
	}
	h := k >> 16
	a, b := t.dir[h], t.dir[h+1]
	if a >= b || int(b) > len(t.lo) {
		return -1, false
	}
	x := uint16(k)
	s := t.lo[a:b]
	// Interpolate where x would be if the bucket's addresses were spread
	// evenly and check that it lies within a window around the guess:
	// then only the window's cache lines are read (its two ends load
	// together). Otherwise search the whole bucket.
	if n := uint32(len(s)); n > 2*u4Window {
		g := uint32(x) * n >> 16
		lo, hi := max(g, u4Window)-u4Window, min(g+u4Window, n-1)
		if (lo == 0 || s[lo] <= x) && (hi == n-1 || x <= s[hi]) {
			a += lo
			s = s[lo : hi+1]
		}
	}
	// Branch-free lower bound: base ends at the last entry <= x.
	base, n := 0, len(s)
	for n > 1 {
		half := n >> 1
		if s[base+half] <= x {
			base += half
		}
		n -= half
	}
	if s[base] == x {
		return int(a) + base, true
	}
	return -1, false
}

// prefetch prefetches the cache lines where find(k) will look (both
// ends of the window around the interpolated guess), so that a batch of
// lookups overlaps its memory accesses.
func (t *u4Table) prefetch(k uint32) {
	if len(t.dir) == 0 {
		return
	}
	h := k >> 16
	a, b := t.dir[h], t.dir[h+1]
	if a >= b || int(b) > len(t.lo) {
		return
	}
	n := b - a
	g := a + uint32(uint16(k))*n>>16
	lo, hi := max(g, a+u4Window)-u4Window, min(g+u4Window, b-1)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(t.lo)))
	x, y := p+2*uintptr(lo), p+2*uintptr(hi)
	prefetch(x)
	if y>>6 != x>>6 {
		prefetch(y)
	}
}

// u6Table holds IPv6 addresses as two 64-bit halves.
type u6Table struct {
	e []u6Entry
}

type u6Entry struct {
	hi, lo uint64
	meta   int32
}

func newU6Table(n int) u6Table {
	t := u6Table{e: make([]u6Entry, tableSize(n))}
	for i := range t.e {
		t.e[i].meta = -1
	}
	return t
}

func (t *u6Table) find(hi, lo uint64) (int, bool) {
	n := len(t.e)
	if n == 0 {
		return -1, false
	}
	i := slotOf(mix64(hi^mix64(lo)), n)
	for {
		e := &t.e[i]
		if e.meta < 0 {
			return i, false
		}
		if e.hi == hi && e.lo == lo {
			return i, true
		}
		i++
		if i == n {
			i = 0
		}
	}
}

// strTable holds byte strings (domains, URLs, e-mail addresses) or
// fixed-size binary keys (hash digests) in one arena. A slot is 12 bytes:
// a 32-bit tag of the key's hash, the key's offset in the arena and the
// meta. Variable-length keys are stored with a uvarint length prefix.
type strTable struct {
	e      []sEntry
	arena  []byte
	fixed  int  // key size for binary keys, 0 for variable length
	domain bool // keys hashed with domainHash
}

type sEntry struct {
	tag  uint32
	off  uint32
	meta int32
}

// key returns the key stored at off.
func (t *strTable) key(off uint32) []byte {
	if t.fixed > 0 {
		return t.arena[off : int(off)+t.fixed]
	}
	l, n := binary.Uvarint(t.arena[off:])
	start := int(off) + n
	return t.arena[start : start+int(l)]
}

func (t *strTable) hash(k []byte) uint64 {
	if t.domain {
		return domainHash(k)
	}
	return maphash.Bytes(seed, k)
}

// domainBasis starts the domain hash: random per process.
var domainBasis = maphash.Comparable(seed, 0) | 1

// domainHash hashes a name label by label from the last (top-level) one:
// the state after each label is the hash of that suffix, so that one
// backward pass over a name yields the hash of every parent (prepDomain).
// A label is folded 8 bytes at a time with its length.
func domainHash(k []byte) uint64 {
	h := domainBasis
	end := len(k)
	for i := len(k) - 1; i >= -1; i-- {
		if i < 0 || k[i] == '.' {
			l := k[i+1 : end]
			h = labelLen(h, len(l))
			for len(l) >= 8 {
				h = labelWord(h, binary.LittleEndian.Uint64(l))
				l = l[8:]
			}
			if len(l) > 0 {
				var w uint64
				for j := len(l) - 1; j >= 0; j-- {
					w = w<<8 | uint64(l[j])
				}
				h = labelWord(h, w)
			}
			end = i
		}
	}
	return mix64(h)
}

func labelLen(h uint64, n int) uint64 { return (h ^ uint64(n)) * 0x9e3779b97f4a7c15 }

func labelWord(h, w uint64) uint64 {
	h = (h ^ w) * 0xff51afd7ed558ccd
	return h ^ h>>32
}

// findHash returns the slot holding k, whose hash is h, or the empty slot
// where it would go.
func (t *strTable) findHash(k []byte, h uint64) (int, bool) {
	n := len(t.e)
	if n == 0 {
		return -1, false
	}
	tag := uint32(h)
	i := slotOf(h, n)
	for {
		e := &t.e[i]
		if e.meta < 0 {
			return i, false
		}
		if e.tag == tag && string(t.key(e.off)) == string(k) {
			return i, true
		}
		i++
		if i == n {
			i = 0
		}
	}
}

// domFilter is a bit set over domain hashes (one bit a hash, the hash's
// top bits): a clear bit means no listed domain has that hash.
type domFilter struct {
	bits  []uint64
	shift uint // 64 - log2(len(bits)*64)
}

// newDomFilter is an empty filter for n domains: a power of two of at
// least 8 bits a domain (a false positive rate of 6 to 12%).
func newDomFilter(n int) domFilter {
	lg := uint(6)
	for 1<<lg < 8*n {
		lg++
	}
	return domFilter{bits: make([]uint64, 1<<(lg-6)), shift: 64 - lg}
}

func (f *domFilter) set(h uint64) {
	b := h >> f.shift
	f.bits[b>>6] |= 1 << (b & 63)
}

// may reports whether a domain of hash h may be listed.
func (f *domFilter) may(h uint64) bool {
	if f.bits == nil {
		return true
	}
	b := h >> f.shift
	return f.bits[b>>6]&(1<<(b&63)) != 0
}

// word is the address of h's word, to prefetch.
func (f *domFilter) word(h uint64) uintptr {
	return uintptr(unsafe.Pointer(&f.bits[h>>f.shift>>6]))
}
