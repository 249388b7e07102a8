package match

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// The tables below are open-addressing hash tables with linear probing,
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

// u4Table holds IPv4 addresses: 8 bytes a slot.
type u4Table struct {
	e []u4Entry
}

type u4Entry struct {
	key  uint32
	meta int32
}

func newU4Table(n int) u4Table {
	t := u4Table{e: make([]u4Entry, tableSize(n))}
	for i := range t.e {
		t.e[i].meta = -1
	}
	return t
}

// find returns the slot holding k, or the empty slot where it would go
// (found false). The table must not be empty-sized.
func (t *u4Table) find(k uint32) (int, bool) {
	n := len(t.e)
	if n == 0 {
		return -1, false
	}
	i := slotOf(mix64(uint64(k)), n)
	for {
		e := &t.e[i]
		if e.meta < 0 {
			return i, false
		}
		if e.key == k {
			return i, true
		}
		i++
		if i == n {
			i = 0
		}
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

// domainHash hashes a name from its last byte to its first (FNV-1a
// order reversed), so that one backward pass over a name yields the
// hash of every parent (see suffixHashes).
func domainHash(k []byte) uint64 {
	h := domainBasis
	for i := len(k) - 1; i >= 0; i-- {
		h = (h ^ uint64(k[i])) * 0x100000001b3
	}
	return mix64(h)
}

// find returns the slot holding k or the empty slot where it would go.
func (t *strTable) find(k []byte) (int, bool) {
	return t.findHash(k, t.hash(k))
}

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
