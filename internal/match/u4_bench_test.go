package match

import (
	"math/rand/v2"
	"testing"
)

// hashU4 is the former open-addressing layout, for comparison.
type hashU4 struct{ e []u4Entry }

func (t *hashU4) find(k uint32) (int, bool) {
	n := len(t.e)
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

var u4B struct {
	t  u4Table
	h  hashU4
	qs []uint32
}

func u4Setup(b *testing.B) {
	if u4B.qs == nil {
		r := rand.New(rand.NewPCG(3, 4))
		es := make([]u4Entry, 10_000_000)
		h := hashU4{e: make([]u4Entry, tableSize(len(es)))}
		for i := range h.e {
			h.e[i].meta = -1
		}
		for i := range es {
			es[i] = u4Entry{key: r.Uint32(), meta: int32(i)}
			if j, ok := h.find(es[i].key); !ok {
				h.e[j] = es[i]
			}
		}
		qs := make([]uint32, 1<<20)
		for i := range qs {
			qs[i] = r.Uint32()
			if i%10 == 0 {
				qs[i] = es[r.IntN(len(es))].key
			}
		}
		u4B.t = newU4Table(es, func(n, o int32) bool { return false })
		u4B.h, u4B.qs = h, qs
	}
	b.ResetTimer()
}

func BenchmarkU4Sorted(b *testing.B) {
	u4Setup(b)
	n := 0
	for i := 0; i < b.N; i++ {
		if _, ok := u4B.t.find(u4B.qs[i&(1<<20-1)]); ok {
			n++
		}
	}
}

func BenchmarkU4Hash(b *testing.B) {
	u4Setup(b)
	n := 0
	for i := 0; i < b.N; i++ {
		if _, ok := u4B.h.find(u4B.qs[i&(1<<20-1)]); ok {
			n++
		}
	}
}

func BenchmarkU4Build(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	es := make([]u4Entry, 10_000_000)
	for i := range es {
		es[i] = u4Entry{key: r.Uint32(), meta: int32(i)}
	}
	b.ResetTimer()
	for range b.N {
		newU4Table(es, func(n, o int32) bool { return false })
	}
}

func BenchmarkU4BuildSmall(b *testing.B) {
	es := make([]u4Entry, 50)
	for i := range es {
		es[i] = u4Entry{key: uint32(i) * 7919 << 12, meta: int32(i)}
	}
	for range b.N {
		newU4Table(es, func(n, o int32) bool { return false })
	}
}
