package match

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestU4Table checks the two-level IPv4 index against a map on layouts
// that exercise each path: evenly spread addresses (the interpolation
// window), dense and skewed buckets (the fallback to the whole bucket),
// the ends of the address space, small tables without a directory and
// duplicates (the first best wins).
func TestU4Table(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	tests := []struct {
		name string
		keys func() []uint32
	}{
		{"empty", func() []uint32 { return nil }},
		{"one", func() []uint32 { return []uint32{0x0a000001} }},
		{"ends", func() []uint32 {
			return []uint32{0, 1, 0xffff, 0x10000, 0xfffeffff, 0xffff0000, 0xfffffffe, 0xffffffff}
		}},
		{"below u4Small (no directory)", func() []uint32 {
			k := make([]uint32, u4Small-10)
			for i := range k {
				k[i] = r.Uint32() >> uint(r.IntN(32))
			}
			return k
		}},
		{"uniform", func() []uint32 {
			k := make([]uint32, 200_000)
			for i := range k {
				k[i] = r.Uint32()
			}
			return k
		}},
		{"dense /16 and a skewed one", func() []uint32 {
			var k []uint32
			for i := range uint32(1 << 16) {
				k = append(k, 0x0a000000|i)
			}
			for i := range uint32(300) {
				k = append(k, 0xc0a80000|i, 0xc0a8ff00|i&0xff) // bunched at both ends
			}
			for range 5000 {
				k = append(k, 0xac100000|r.Uint32()&0x3ff) // a /22 inside a /16
			}
			return k
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := tt.keys()
			var es []u4Entry
			want := map[uint32]int32{}
			for i, k := range keys {
				m := int32(i % 7)
				es = append(es, u4Entry{key: k, meta: m})
				es = append(es, u4Entry{key: k, meta: m + 100}) // a duplicate that wins
				if _, ok := want[k]; !ok {
					want[k] = m + 100
				}
			}
			tb := newU4Table(es, func(n, o int32) bool { return n > o && n-o == 100 })
			if tb.len() != len(want) {
				t.Fatalf("len %d, want %d", tb.len(), len(want))
			}
			for i := range tb.len() {
				k := tb.key(i)
				j, ok := tb.find(k)
				if !ok || j != i || tb.meta[i] != want[k] {
					t.Fatalf("slot %d: key %08x found at %d %v, meta %d want %d", i, k, j, ok, tb.meta[i], want[k])
				}
				if i > 0 && tb.key(i-1) >= k {
					t.Fatalf("slot %d not sorted", i)
				}
			}
			for range 100_000 {
				k := r.Uint32()
				if len(keys) > 0 && r.IntN(2) == 0 {
					k = keys[r.IntN(len(keys))] ^ uint32(r.IntN(4)) // near a listed one
				}
				_, ok := tb.find(k)
				tb.prefetch(k)
				if _, w := want[k]; ok != w {
					t.Fatalf("find(%08x) = %v, want %v", k, ok, w)
				}
			}
		})
	}
}

// TestDomFilter: every listed domain passes the filter (no false
// negative: a listed name would be missed), and most names that are not
// listed do not (the point of the filter).
func TestDomFilter(t *testing.T) {
	var listed []string
	var inds []Indicator
	for i := range 20000 {
		d := fmt.Sprintf("host%d.example%d.jp", i, i%97)
		listed = append(listed, d)
		inds = append(inds, ind(KindDomain, d, fmt.Sprint(i)))
	}
	s, probs := Build(inds)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	if s.dom.bits == nil {
		t.Fatal("no filter built")
	}
	if bits := len(s.dom.bits) * 64; bits < 8*len(listed) || bits > 16*len(listed) {
		t.Errorf("%d bits for %d domains, want 8 to 16 a domain", bits, len(listed))
	}
	for _, d := range listed {
		if !s.dom.may(domainHash([]byte(d))) {
			t.Fatalf("listed %s does not pass the filter", d)
		}
	}
	pass := 0
	const n = 100000
	for i := range n {
		if s.dom.may(domainHash([]byte(fmt.Sprintf("other%d.example.net", i)))) {
			pass++
		}
	}
	if rate := float64(pass) / n; rate > 0.15 {
		t.Errorf("%.1f%% of names not listed pass the filter, want at most 15%%", 100*rate)
	}
}
