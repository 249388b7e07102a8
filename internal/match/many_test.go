package match

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// manyQuery draws an observable of every kind the engine answers: IPv4
// (exact, inside a block, IPv4-mapped IPv6, not an address), domains
// (listed, below a listed parent, misses, upper case, trailing dot),
// digests, URLs and e-mail addresses.
func manyQuery(r *rand.Rand) Observable {
	var v string
	k := KindIPv4
	switch r.IntN(10) {
	case 0, 1, 2:
		v = fmt.Sprintf("10.0.%d.%d", r.IntN(5), r.IntN(10))
	case 3:
		k, v = KindIPv6, fmt.Sprintf("::ffff:10.0.%d.%d", r.IntN(5), r.IntN(10))
	case 4:
		v = fmt.Sprintf("10.%d.%d.%d", r.IntN(3), r.IntN(256), r.IntN(256))
	case 5, 6:
		k, v = KindDomain, randDomain(r)
		switch r.IntN(4) {
		case 0:
			v = "WWW." + v + "."
		case 1:
			v = "miss" + fmt.Sprint(r.IntN(50)) + ".other.test"
		}
	case 7:
		k, v = KindMD5, fmt.Sprintf("%032X", r.IntN(22))
	case 8:
		k, v = KindURL, fmt.Sprintf("HTTP://%s:80/p%d", randDomain(r), r.IntN(3))
	default:
		k, v = KindEmail, fmt.Sprintf("u%d@%s", r.IntN(3), randDomain(r))
	}
	return Observable{Kind: k, Value: []byte(v)}
}

func manyIndicator(r *rand.Rand, nIDs int) Indicator {
	in := randIndicator(r, nIDs)
	switch r.IntN(8) {
	case 0:
		in.Kind, in.Value = KindURL, fmt.Sprintf("http://%s/p%d", randDomain(r), r.IntN(3))
	case 1:
		in.Kind, in.Value = KindEmail, fmt.Sprintf("u%d@%s", r.IntN(3), randDomain(r))
	}
	return in
}

// checkMany compares LookupMany (and Set.LookupMany on the base when the
// matcher has no overlay) with Lookup on the same batch.
func checkMany(t *testing.T, m *Matcher, obs []Observable, out []Hit, sc *Scratch, what string) {
	t.Helper()
	n := m.LookupMany(obs, out, sc)
	want := 0
	for i, o := range obs {
		h, ok := m.Lookup(o.Kind, o.Value)
		if ok {
			want++
		}
		if ok != (out[i].Set != nil) || ok && (h.Set != out[i].Set || h.Ref != out[i].Ref) {
			t.Fatalf("%s: %s %s: LookupMany %+v, Lookup %+v %v", what, o.Kind, o.Value, out[i], h, ok)
		}
	}
	if n != want {
		t.Fatalf("%s: LookupMany matched %d, Lookup %d", what, n, want)
	}
}

// TestLookupManyDifferential: LookupMany answers as Lookup does on random
// mixes, through overlays, removals and compactions, and for batch sizes
// on both sides of the LookupBatch hand-over.
func TestLookupManyDifferential(t *testing.T) {
	autoCompact = false
	defer func() { autoCompact = true }()
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 7))
		nIDs := 5 + r.IntN(60)
		var base []Indicator
		for range 50 + r.IntN(300) {
			base = append(base, manyIndicator(r, nIDs))
		}
		s, probs := Build(base)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		m := NewMatcher(s)
		sc := new(Scratch)
		size := []int{5, manyMin, 3000, 9000}[seed%4]
		obs := make([]Observable, size)
		out := make([]Hit, size)
		batch := func(step string) {
			t.Helper()
			for i := range obs {
				obs[i] = manyQuery(r)
			}
			checkMany(t, m, obs, out, sc, fmt.Sprintf("seed %d %s", seed, step))
		}
		batch("base")
		// Set.LookupMany on the base alone.
		if n := s.LookupMany(obs, out, nil); n < 0 {
			t.Fatal(n)
		}
		for i, o := range obs {
			ref, ok := s.Lookup(o.Kind, o.Value)
			if ok != (out[i].Set != nil) || ok && (out[i].Set != s || out[i].Ref != ref) {
				t.Fatalf("seed %d: Set.LookupMany(%s %s) = %+v, Lookup %d %v", seed, o.Kind, o.Value, out[i], ref, ok)
			}
		}
		for step := range 12 {
			var add []Indicator
			for range r.IntN(10) {
				add = append(add, manyIndicator(r, nIDs))
			}
			var remove []string
			for range r.IntN(3) {
				remove = append(remove, fmt.Sprintf("indicator--%d", r.IntN(nIDs)))
			}
			if probs := m.Apply(add, remove); len(probs) > 0 {
				t.Fatal(probs)
			}
			batch(fmt.Sprintf("apply %d", step))
			if r.IntN(5) == 0 {
				m.Compact()
				batch(fmt.Sprintf("compact %d", step))
			}
		}
	}
}

// TestLookupManyLarge: a set with a directory-indexed IPv4 table, many
// domains and CIDR blocks, against Lookup; and no allocations once the
// Scratch is warm.
func TestLookupManyLarge(t *testing.T) {
	inds := genIndicators(20_000, 10_000)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range 300 {
		inds = append(inds, Indicator{Kind: KindCIDR4, Value: fmt.Sprintf("%d.%d.%d.0/%d", r.IntN(256), r.IntN(256), r.IntN(256), 20+r.IntN(8)),
			ID: fmt.Sprintf("indicator--cidr-%d", i), Confidence: -1})
	}
	s, probs := Build(inds)
	if len(probs) > 0 {
		t.Fatal(probs[0])
	}
	m := NewMatcher(s)
	m.Apply([]Indicator{{Kind: KindIPv4, Value: inds[3].Value, ID: "indicator--new", Confidence: -1},
		{Kind: KindDomain, Value: "example", ID: "indicator--tld", Confidence: -1}}, []string{"indicator--ip-1", "indicator--dom-2"})
	obs := make([]Observable, 20_000)
	for i := range obs {
		switch i % 6 {
		case 0:
			obs[i] = Observable{Kind: KindIPv4, Value: []byte(inds[r.IntN(20_000)].Value)}
		case 1, 2:
			u := r.Uint32()
			obs[i] = Observable{Kind: KindIPv4, Value: fmt.Appendf(nil, "%d.%d.%d.%d", u>>24, u>>16&255, u>>8&255, u&255)}
		case 3:
			obs[i] = Observable{Kind: KindDomain, Value: []byte("a.b." + inds[20_000+r.IntN(10_000)].Value)}
		case 4:
			obs[i] = Observable{Kind: KindDomain, Value: fmt.Appendf(nil, "x%d.miss.test", i)}
		default:
			obs[i] = Observable{Kind: KindIPv6, Value: []byte("::ffff:" + inds[r.IntN(20_000)].Value)}
		}
	}
	out := make([]Hit, len(obs))
	sc := new(Scratch)
	checkMany(t, m, obs, out, sc, "large")
	if a := testing.AllocsPerRun(5, func() { m.LookupMany(obs, out, sc) }); a != 0 {
		t.Errorf("LookupMany: %.1f allocs", a)
	}
	m.Compact()
	checkMany(t, m, obs, out, sc, "large compacted")
}

func BenchmarkLookupMany(b *testing.B) {
	nIP, nD := benchSizes()
	inds := genIndicators(nIP, nD)
	s, _ := Build(inds)
	m := NewMatcher(s)
	r := rand.New(rand.NewPCG(9, 9))
	obs := make([]Observable, 1<<16)
	for i := range obs {
		hit := r.IntN(10) == 0
		switch {
		case i%3 == 2 && hit:
			obs[i] = Observable{Kind: KindDomain, Value: []byte("www." + inds[nIP+r.IntN(nD)].Value)}
		case i%3 == 2:
			obs[i] = Observable{Kind: KindDomain, Value: fmt.Appendf(nil, "a%d.b.c%d.miss.example", r.Uint32(), i%7)}
		case hit:
			obs[i] = Observable{Kind: KindIPv4, Value: []byte(inds[r.IntN(nIP)].Value)}
		default:
			u := r.Uint32()
			obs[i] = Observable{Kind: KindIPv4, Value: fmt.Appendf(nil, "%d.%d.%d.%d", u>>24, u>>16&255, u>>8&255, u&255)}
		}
	}
	out := make([]Hit, len(obs))
	for _, size := range []int{4096, 16384, 65536} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			sc := new(Scratch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				lo := i * size % len(obs)
				m.LookupMany(obs[lo:lo+size], out, sc)
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
	b.Run("batch64", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			lo := i * 64 % len(obs)
			m.LookupBatch(obs[lo:lo+64], out)
		}
		b.ReportMetric(float64(b.N*64)/b.Elapsed().Seconds(), "lookups/s")
	})
}
