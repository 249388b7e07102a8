package match

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// model is the naive map-based reference: the base's winners, the
// removed ids, and the overlay batches in order.
type model struct {
	base    map[mkey]Indicator
	removed map[string]bool
	batches [][]Indicator
}

type mkey struct {
	k Kind
	v string
}

// winners applies the duplicate rule: within a batch the higher score,
// then the later Modified, then the first; a later batch replaces.
func winners(batches [][]Indicator) map[mkey]Indicator {
	out := map[mkey]Indicator{}
	for _, b := range batches {
		seen := map[mkey]bool{}
		for _, ind := range b {
			k := mkey{ind.Kind, ind.Value}
			if old, ok := out[k]; ok && seen[k] {
				if ind.Score < old.Score || ind.Score == old.Score && !ind.Modified.After(old.Modified) {
					continue
				}
			}
			out[k] = ind
			seen[k] = true
		}
	}
	return out
}

func (m *model) apply(add []Indicator, remove []string) {
	drop := map[string]bool{}
	for _, id := range remove {
		drop[id] = true
	}
	for _, ind := range add {
		drop[ind.ID] = true
	}
	var nb [][]Indicator
	for _, b := range m.batches {
		var keep []Indicator
		for _, ind := range b {
			if !drop[ind.ID] {
				keep = append(keep, ind)
			}
		}
		if len(keep) > 0 {
			nb = append(nb, keep)
		}
	}
	if len(add) > 0 {
		nb = append(nb, add)
	}
	m.batches = nb
	for id := range drop {
		m.removed[id] = true
	}
}

func (m *model) compact() {
	nb := map[mkey]Indicator{}
	for k, ind := range m.base {
		if !m.removed[ind.ID] {
			nb[k] = ind
		}
	}
	for k, ind := range winners(m.batches) {
		nb[k] = ind
	}
	m.base, m.removed, m.batches = nb, map[string]bool{}, nil
}

// candidates lists the keys a query may match, most specific first.
func candidates(k Kind, v string) []mkey {
	switch k {
	case KindIPv4:
		a := netip.MustParseAddr(v)
		out := []mkey{{KindIPv4, v}}
		for bits := 31; bits >= 0; bits-- {
			p, _ := a.Prefix(bits)
			out = append(out, mkey{KindCIDR4, p.String()})
		}
		return out
	case KindDomain:
		var out []mkey
		for {
			out = append(out, mkey{KindDomain, v})
			i := strings.IndexByte(v, '.')
			if i < 0 {
				return out
			}
			v = v[i+1:]
		}
	}
	return []mkey{{k, v}}
}

func (m *model) lookup(k Kind, v string) (Indicator, bool) {
	ov := winners(m.batches)
	for _, c := range candidates(k, v) {
		if ind, ok := ov[c]; ok {
			return ind, true
		}
		if ind, ok := m.base[c]; ok && !m.removed[ind.ID] {
			return ind, true
		}
	}
	return Indicator{}, false
}

// randIndicator draws from small value spaces so that duplicates,
// nested blocks and parent domains are common.
func randIndicator(r *rand.Rand, nIDs int) Indicator {
	ind := Indicator{ID: fmt.Sprintf("indicator--%d", r.IntN(nIDs)), Score: r.IntN(3) * 10, Confidence: -1,
		Modified: time.Unix(int64(r.IntN(3))*3600, 0).UTC()}
	ind.Name = "n" + ind.ID
	switch r.IntN(6) {
	case 0, 1:
		ind.Kind, ind.Value = KindIPv4, fmt.Sprintf("10.0.%d.%d", r.IntN(4), r.IntN(8))
	case 2:
		bits := []int{8, 16, 24, 28, 30}[r.IntN(5)]
		p, _ := netip.MustParseAddr(fmt.Sprintf("10.0.%d.%d", r.IntN(4), r.IntN(8))).Prefix(bits)
		ind.Kind, ind.Value = KindCIDR4, p.String()
	case 3, 4:
		ind.Kind, ind.Value = KindDomain, randDomain(r)
	default:
		ind.Kind, ind.Value = KindMD5, fmt.Sprintf("%032x", r.IntN(20))
	}
	return ind
}

func randDomain(r *rand.Rand) string {
	labels := []string{"a", "b", "evil", "notevil", "x-y"}
	n := 1 + r.IntN(3)
	parts := make([]string, 0, n+1)
	for range n {
		parts = append(parts, labels[r.IntN(len(labels))])
	}
	return strings.Join(append(parts, []string{"example", "test"}[r.IntN(2)]), ".")
}

func randQuery(r *rand.Rand) (Kind, string) {
	switch r.IntN(3) {
	case 0:
		return KindIPv4, fmt.Sprintf("10.0.%d.%d", r.IntN(5), r.IntN(10))
	case 1:
		return KindDomain, randDomain(r)
	}
	return KindMD5, fmt.Sprintf("%032x", r.IntN(22))
}

func TestDifferential(t *testing.T) {
	autoCompact = false
	defer func() { autoCompact = true }()
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 99))
		nIDs := 5 + r.IntN(60)
		var base []Indicator
		for range r.IntN(200) {
			base = append(base, randIndicator(r, nIDs))
		}
		s, probs := Build(base)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		m := NewMatcher(s)
		md := &model{base: winners([][]Indicator{base}), removed: map[string]bool{}}
		check := func(step string) {
			t.Helper()
			for range 300 {
				k, v := randQuery(r)
				want, wok := md.lookup(k, v)
				h, ok := m.Lookup(k, []byte(v))
				if ok != wok {
					t.Fatalf("seed %d %s: Lookup(%s %s) = %v, model %v (%s %s)", seed, step, k, v, ok, wok, want.ID, want.Value)
				}
				if !ok {
					continue
				}
				got := h.Indicator()
				if got.ID != want.ID || got.Value != want.Value || got.Kind != want.Kind || got.Score != want.Score || !got.Modified.Equal(want.Modified) {
					t.Fatalf("seed %d %s: Lookup(%s %s) = %s %s %s, model %s %s %s", seed, step, k, v, got.ID, got.Kind, got.Value, want.ID, want.Kind, want.Value)
				}
			}
		}
		check("base")
		for step := range 30 {
			var add []Indicator
			for range r.IntN(8) {
				add = append(add, randIndicator(r, nIDs))
			}
			var remove []string
			for range r.IntN(3) {
				remove = append(remove, fmt.Sprintf("indicator--%d", r.IntN(nIDs)))
			}
			if probs := m.Apply(add, remove); len(probs) > 0 {
				t.Fatal(probs)
			}
			md.apply(add, remove)
			check(fmt.Sprintf("apply %d", step))
			if r.IntN(8) == 0 {
				m.Compact()
				md.compact()
				check(fmt.Sprintf("compact %d", step))
			}
		}
		// Set() merges everything: the same answers from the set alone.
		all := m.Set()
		for range 300 {
			k, v := randQuery(r)
			_, wok := md.lookup(k, v)
			if _, ok := all.Lookup(k, []byte(v)); ok != wok {
				t.Fatalf("seed %d: Set().Lookup(%s %s) = %v, model %v", seed, k, v, ok, wok)
			}
		}
	}
}

func TestApplyProblemsAndSwap(t *testing.T) {
	m := NewMatcher(nil)
	probs := m.Apply([]Indicator{{Kind: KindIPv4, Value: "nope", ID: "x"}, {Kind: KindIPv4, Value: "1.1.1.1", ID: "y"}}, nil)
	if len(probs) != 1 || probs[0].Index != 0 || probs[0].Field != "value" {
		t.Fatalf("problems %+v", probs)
	}
	if h, ok := m.Lookup(KindIPv4, []byte("1.1.1.1")); !ok || h.Indicator().ID != "y" || h.Kind() != KindIPv4 || h.Value() != "1.1.1.1" {
		t.Fatal("added value not found")
	}
	if _, ok := m.LookupIP(netip.MustParseAddr("::ffff:1.1.1.1")); !ok {
		t.Fatal("LookupIP")
	}
	m.Swap(testSet(t))
	if _, ok := m.Lookup(KindIPv4, []byte("1.1.1.1")); ok {
		t.Fatal("Swap kept the overlay")
	}
	if _, ok := m.Lookup(KindDomain, []byte("x.evil.example")); !ok {
		t.Fatal("Swap: new set not used")
	}
	if m.Set().Len() != 17 {
		t.Fatal("Set after Swap")
	}
}

// TestBackgroundCompaction: past the threshold the overlay is merged in
// the background and updates made meanwhile survive.
func TestBackgroundCompaction(t *testing.T) {
	m := NewMatcher(nil)
	var add []Indicator
	for i := range MinCompact + 10 {
		add = append(add, Indicator{Kind: KindIPv4, Value: fmt.Sprintf("10.%d.%d.1", i/256, i%256), ID: fmt.Sprintf("i%d", i)})
	}
	m.Apply(add, nil)
	m.Apply([]Indicator{{Kind: KindDomain, Value: "late.example", ID: "late"}}, []string{"i0"})
	m.Wait()
	m.Wait()
	st := m.cur.Load()
	if st.base.Len() < MinCompact {
		t.Fatalf("not compacted: base %d", st.base.Len())
	}
	if _, ok := m.Lookup(KindDomain, []byte("a.late.example")); !ok {
		t.Error("update during rebuild lost")
	}
	if _, ok := m.Lookup(KindIPv4, []byte("10.0.0.1")); ok {
		t.Error("removal during rebuild lost")
	}
	if _, ok := m.Lookup(KindIPv4, []byte("10.0.1.1")); !ok {
		t.Error("value lost")
	}
}

// TestConcurrent: readers see a stable value throughout updates, swaps
// and compactions (run with -race).
func TestConcurrent(t *testing.T) {
	m := NewMatcher(testSet(t))
	var stop atomic.Bool
	var wg sync.WaitGroup
	var errs atomic.Int64
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, q := range []struct {
					k Kind
					v string
				}{{KindIPv4, "192.0.2.1"}, {KindDomain, "a.evil.example"}, {KindIPv4, "10.1.2.3"}, {KindMD5, md5Hex}} {
					h, ok := m.Lookup(q.k, []byte(q.v))
					if !ok || h.Indicator() == nil {
						errs.Add(1)
					}
				}
				m.Lookup(KindIPv4, []byte("172.16.0.1"))
			}
		}()
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 60 {
		var add []Indicator
		for range 200 {
			add = append(add, Indicator{Kind: KindIPv4, Value: fmt.Sprintf("172.16.%d.%d", r.IntN(256), r.IntN(256)), ID: fmt.Sprintf("c%d", r.IntN(500))})
		}
		m.Apply(add, []string{fmt.Sprintf("c%d", r.IntN(500))})
		if i%20 == 19 {
			m.Swap(testSet(t))
		}
		if i%7 == 0 {
			_ = m.Set()
		}
	}
	stop.Store(true)
	wg.Wait()
	m.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d lookups of stable values failed", errs.Load())
	}
}

// TestLookupAllocs: no kind allocates, hit or miss, on a set or a matcher
// with an overlay and removals.
func TestLookupAllocs(t *testing.T) {
	s := testSet(t)
	m := NewMatcher(s)
	m.Apply([]Indicator{ind(KindDomain, "other.example", "o"), ind(KindIPv4, "192.0.2.99", "o2"), ind(KindCIDR4, "10.1.2.128/25", "o3")}, []string{"i-c16"})
	queries := []struct {
		k Kind
		v string
	}{
		{KindIPv4, "192.0.2.1"}, {KindIPv4, "10.1.3.3"}, {KindIPv4, "10.1.2.200"}, {KindIPv4, "8.8.8.8"},
		{KindIPv6, "::ffff:192.0.2.1"}, {KindIPv6, "2001:db8::1"}, {KindIPv6, "2001:db8:abcd::9"}, {KindIPv6, "2001:db9::1"},
		{KindDomain, "A.B.EVIL.example."}, {KindDomain, "a.b.c.d.notevil.example"}, {KindURL, "HTTP://phish.example:80"},
		{KindURL, "https://x.example/a?b=1#f"}, {KindURL, "https://nothing.example/"}, {KindEmail, "Boss@Corp.Example"},
		{KindEmail, "x@y.example"}, {KindMD5, strings.ToUpper(md5Hex)}, {KindSHA1, sha1Hex}, {KindSHA256, sha256Hex},
		{KindSHA512, sha512Hex}, {KindSHA256, strings.Repeat("0", 64)},
	}
	for _, q := range queries {
		v := []byte(q.v)
		if n := testing.AllocsPerRun(100, func() { s.Lookup(q.k, v) }); n != 0 {
			t.Errorf("Set.Lookup(%s %s): %.1f allocs", q.k, q.v, n)
		}
		if n := testing.AllocsPerRun(100, func() { m.Lookup(q.k, v) }); n != 0 {
			t.Errorf("Matcher.Lookup(%s %s): %.1f allocs", q.k, q.v, n)
		}
	}
	a := netip.MustParseAddr("10.1.2.3")
	if n := testing.AllocsPerRun(100, func() { s.LookupIP(a) }); n != 0 {
		t.Errorf("LookupIP: %.1f allocs", n)
	}
}

// genIPv4 and genDomains make deterministic benchmark data.
func genIndicators(nIP, nDomain int) []Indicator {
	r := rand.New(rand.NewPCG(7, 7))
	out := make([]Indicator, 0, nIP+nDomain)
	mod := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range nIP {
		u := r.Uint32()
		out = append(out, Indicator{Kind: KindIPv4, Value: netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}).String(),
			ID: fmt.Sprintf("indicator--ip-%d", i/1000), Score: 50, Confidence: -1, Modified: mod})
	}
	for i := range nDomain {
		out = append(out, Indicator{Kind: KindDomain, Value: fmt.Sprintf("d%x-%d.example", r.Uint32(), i%97),
			ID: fmt.Sprintf("indicator--dom-%d", i/1000), Score: 50, Confidence: -1, Modified: mod})
	}
	return out
}

func benchSizes() (int, int) {
	if testing.Short() {
		return 100_000, 50_000
	}
	return 1_000_000, 500_000
}

func BenchmarkBuild(b *testing.B) {
	nIP, nD := benchSizes()
	inds := genIndicators(nIP, nD)
	b.ResetTimer()
	for range b.N {
		Build(inds)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(inds)), "ns/value")
}

func BenchmarkLookupIPv4(b *testing.B) {
	nIP, nD := benchSizes()
	inds := genIndicators(nIP, nD)
	s, _ := Build(inds)
	qs := make([][]byte, 4096)
	for i := range qs {
		if i%10 == 0 {
			qs[i] = []byte(inds[i*7%nIP].Value)
		} else {
			qs[i] = fmt.Appendf(nil, "172.%d.%d.%d", i%256, i*7%256, i*13%256)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s.Lookup(KindIPv4, qs[i&4095])
	}
}

func BenchmarkLookupDomainWalk(b *testing.B) {
	nIP, nD := benchSizes()
	inds := genIndicators(nIP, nD)
	s, _ := Build(inds)
	qs := make([][]byte, 4096)
	for i := range qs {
		if i%10 == 0 {
			qs[i] = []byte("www.cdn." + inds[nIP+i*7%nD].Value)
		} else {
			qs[i] = fmt.Appendf(nil, "a%d.b.c%d.miss%d.example", i, i%7, i)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s.Lookup(KindDomain, qs[i&4095])
	}
}

// TestLookupBatch: the batch answers as Lookup does, without allocating.
func TestLookupBatch(t *testing.T) {
	s := testSet(t)
	m := NewMatcher(s)
	m.Apply([]Indicator{ind(KindIPv4, "192.0.2.77", "o")}, []string{"i-c24"})
	r := rand.New(rand.NewPCG(5, 5))
	var obs []Observable
	for i := range 100 {
		switch i % 4 {
		case 0:
			obs = append(obs, Observable{Kind: KindIPv4, Value: fmt.Appendf(nil, "192.0.2.%d", r.IntN(100))})
		case 1:
			obs = append(obs, Observable{Kind: KindIPv4, Value: fmt.Appendf(nil, "10.1.%d.%d", r.IntN(4), r.IntN(256))})
		case 2:
			obs = append(obs, Observable{Kind: KindDomain, Value: []byte(randDomain(r) + ".evil.example")})
		default:
			obs = append(obs, Observable{Kind: KindIPv6, Value: fmt.Appendf(nil, "::ffff:192.0.2.%d", r.IntN(3))})
		}
	}
	out := make([]Hit, len(obs))
	n := m.LookupBatch(obs, out)
	want := 0
	for i, o := range obs {
		h, ok := m.Lookup(o.Kind, o.Value)
		if ok {
			want++
		}
		if ok != (out[i].Set != nil) || ok && (h.Set != out[i].Set || h.Ref != out[i].Ref) {
			t.Errorf("%s %s: batch %+v, Lookup %+v %v", o.Kind, o.Value, out[i], h, ok)
		}
	}
	if n != want || n == 0 {
		t.Errorf("batch matched %d, Lookup %d", n, want)
	}
	if a := testing.AllocsPerRun(50, func() { m.LookupBatch(obs, out) }); a != 0 {
		t.Errorf("LookupBatch: %.1f allocs", a)
	}
}

// BenchmarkLookupBatchDomains: domains through LookupBatch, 64 a call
// (the batch path of the domain walk; 10% listed one or two levels down).
func BenchmarkLookupBatchDomains(b *testing.B) {
	nIP, nD := benchSizes()
	inds := genIndicators(nIP, nD)
	m := NewMatcher(must(Build(inds)))
	obs := make([]Observable, 4096)
	for i := range obs {
		v := fmt.Appendf(nil, "host%d.svc%d.region%d.cloud-%x.example.com", i%1000, i%50, i%20, i*2654435761)
		if i%10 == 0 {
			v = []byte("www.cdn." + inds[nIP+i*7%nD].Value)
		}
		obs[i] = Observable{Kind: KindDomain, Value: v}
	}
	out := make([]Hit, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 64 {
		lo := i & 4095
		m.LookupBatch(obs[lo:lo+64], out)
	}
}

func must(s *Set, _ []Problem) *Set { return s }

// TestBatch: observables added to a Batch (their buffers reused at once)
// match exactly as Lookup says, in order, through arena growth and
// several flushes.
func TestBatch(t *testing.T) {
	s := testSet(t)
	m := NewMatcher(s)
	r := rand.New(rand.NewPCG(9, 9))
	b := NewBatch(m)
	var want, got []int32
	buf := make([]byte, 0, 4096)
	flush := func() {
		if err := b.Flush(func(tag int32, o *Observable, h Hit) error {
			if ref, ok := m.Lookup(o.Kind, o.Value); !ok || ref.Ref != h.Ref {
				t.Errorf("tag %d %s: batch hit %+v, Lookup %+v %v", tag, o.Value, h, ref, ok)
			}
			got = append(got, tag)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2000 {
		var o Observable
		switch i % 5 {
		case 0:
			o = Observable{Kind: KindIPv4, Value: fmt.Appendf(buf[:0], "192.0.2.%d", r.IntN(100))}
		case 1:
			o = Observable{Kind: KindIPv4, Value: fmt.Appendf(buf[:0], "10.1.%d.%d", r.IntN(4), r.IntN(256))}
		case 2:
			o = Observable{Kind: KindDomain, Value: append(buf[:0], randDomain(r)+".evil.example"...)}
		case 3:
			// Long values grow the arena.
			o = Observable{Kind: KindURL, Value: fmt.Appendf(buf[:0], "http://phish.example/%s", strings.Repeat("x", r.IntN(3000)))}
		default:
			o = Observable{Kind: KindDomain, Value: fmt.Appendf(buf[:0], "n%d.example.org", r.IntN(1000))}
		}
		if _, ok := m.Lookup(o.Kind, o.Value); ok {
			want = append(want, int32(i))
		}
		full := b.Add(&o, int32(i))
		for j := range buf[:cap(buf)] {
			buf[:cap(buf)][j] = 'Z' // the caller reuses its buffer
		}
		if full {
			flush()
		}
	}
	flush()
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("batch hits %v, want %v", got, want)
	}
	if b.Len() != 0 {
		t.Errorf("%d left after flush", b.Len())
	}
}
