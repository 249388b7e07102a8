package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/match"
)

func init() {
	Register(Bench{Name: "match",
		Description: "indicator matching engine: building a set of 10M IPv4 + 100k CIDR + 5M domains, bytes per value, pre-parsed lookups/s on one and two cores, domain lookup with subdomain walk, allocations, snapshot write/read, an incremental update",
		Run:         runMatch})
}

// Workload sizes of the matching-engine benchmark (Quick: 1/100).
const (
	MatchSetIPv4    = 10_000_000
	MatchSetCIDR    = 100_000
	MatchSetDomains = 5_000_000
	// MatchValuesPerIndicator is how many values share one indicator's
	// metadata (a feed indicator lists many addresses).
	MatchValuesPerIndicator = 1000
	matchQueries            = 1 << 20
)

var matchMod = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// MatchIPv4 returns listed address i (deterministic).
func MatchIPv4(i int) uint32 { return uint32(mix(uint64(i), 1)) }

// MatchDomain appends listed domain i (deterministic): two or three
// labels under a handful of top-level domains.
func MatchDomain(dst []byte, i int) []byte {
	x := mix(uint64(i), 2)
	words := []string{"login", "secure", "update", "cdn", "mail", "portal", "account", "verify"}
	tlds := []string{"com", "net", "org", "jp", "co.jp", "info", "xyz", "top"}
	dst = append(dst, words[x&7]...)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, x>>8&0xffffff, 36)
	dst = strconv.AppendInt(dst, int64(i), 36)
	dst = append(dst, '.')
	dst = append(dst, tlds[x>>40&7]...)
	return dst
}

func mix(x, salt uint64) uint64 {
	x += salt * 0x9e3779b97f4a7c15
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func appendIPv4(dst []byte, u uint32) []byte {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}).AppendTo(dst)
}

type matchSizes struct{ ip, cidr, dom int }

func (z matchSizes) addIPv4(b *match.Builder, ind *match.Indicator, buf []byte) {
	for i := range z.ip {
		ind.Kind, ind.ID = match.KindIPv4, "indicator--ip-"+strconv.Itoa(i/MatchValuesPerIndicator)
		ind.Value = string(appendIPv4(buf[:0], MatchIPv4(i)))
		b.Add(ind)
	}
}

func (z matchSizes) addCIDR(b *match.Builder, ind *match.Indicator, buf []byte) {
	for i := range z.cidr {
		bits := 22 + int(mix(uint64(i), 3)%9) // /22 to /30
		u := uint32(mix(uint64(i), 4))
		p, _ := netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}).Prefix(bits)
		ind.Kind, ind.ID = match.KindCIDR4, "indicator--cidr-"+strconv.Itoa(i/MatchValuesPerIndicator)
		ind.Value = string(p.AppendTo(buf[:0]))
		b.Add(ind)
	}
}

func (z matchSizes) addDomains(b *match.Builder, ind *match.Indicator, buf []byte) {
	for i := range z.dom {
		ind.Kind, ind.ID = match.KindDomain, "indicator--dom-"+strconv.Itoa(i/MatchValuesPerIndicator)
		ind.Value = string(MatchDomain(buf[:0], i))
		b.Add(ind)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func runMatch(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	z := matchSizes{MatchSetIPv4, MatchSetCIDR, MatchSetDomains}
	if cfg.Quick {
		z = matchSizes{MatchSetIPv4 / 100, MatchSetCIDR / 100, MatchSetDomains / 100}
	}
	var out []Result
	emit := func(r Result) {
		out = append(out, r)
		fmt.Fprintln(progress, r)
	}
	tmpl := match.Indicator{Name: "bench feed", TLP: marking.TLPGreen, Confidence: 80, Score: 70, Modified: matchMod}
	buf := make([]byte, 0, 64)

	// Memory per value: each kind alone, heap in use before and after.
	fmt.Fprintf(progress, "match: building %d IPv4 alone\n", z.ip)
	h0 := heapInUse()
	b := match.NewBuilder()
	ind := tmpl
	z.addIPv4(b, &ind, buf)
	s := b.Finish()
	h1 := heapInUse()
	emit(Result{Name: "match/bytes-per-ipv4", Value: float64(int64(h1)-int64(h0)) / float64(z.ip), Unit: "B", N: int64(s.Count(match.KindIPv4)),
		Note: fmt.Sprintf("MemStats.HeapInuse delta of a set of %d IPv4 addresses (metadata shared by %d values)", z.ip, MatchValuesPerIndicator)})
	runtime.KeepAlive(s)
	s = nil
	fmt.Fprintf(progress, "match: building %d domains alone\n", z.dom)
	h0 = heapInUse()
	b = match.NewBuilder()
	z.addDomains(b, &ind, buf)
	s = b.Finish()
	h1 = heapInUse()
	emit(Result{Name: "match/bytes-per-domain", Value: float64(int64(h1)-int64(h0)) / float64(z.dom), Unit: "B", N: int64(s.Count(match.KindDomain)),
		Note: fmt.Sprintf("MemStats.HeapInuse delta of a set of %d domains (average %d bytes)", z.dom, len(MatchDomain(nil, z.dom/2)))})
	runtime.KeepAlive(s)
	s = nil
	heapInUse()

	// The whole set, timed (values generated as strings on the way, as a
	// reload from the store would).
	fmt.Fprintf(progress, "match: building %d IPv4 + %d CIDR + %d domains\n", z.ip, z.cidr, z.dom)
	start := time.Now()
	b = match.NewBuilder()
	z.addIPv4(b, &ind, buf)
	z.addCIDR(b, &ind, buf)
	z.addDomains(b, &ind, buf)
	s = b.Finish()
	took := time.Since(start)
	emit(Result{Name: "match/build", Value: took.Seconds(), Unit: "s", N: int64(s.Len()),
		Note: fmt.Sprintf("match.Builder: %d IPv4 + %d CIDR + %d domains normalised and compiled (%.0f ns/value)", z.ip, z.cidr, z.dom, float64(took.Nanoseconds())/float64(z.ip+z.cidr+z.dom))})
	if s.Len() < z.ip+z.cidr+z.dom-z.ip/100 { // random addresses repeat a little
		return out, fmt.Errorf("match: set holds %d values", s.Len())
	}
	m := match.NewMatcher(s)

	// Pre-parsed observables: 2/3 IPv4, 1/3 domains; 10% listed (domains
	// one or two levels below a listed name), 90% not.
	type query struct {
		k   match.Kind
		off uint32
		n   uint8
	}
	r := rand.New(rand.NewPCG(6, 6))
	var arena []byte
	qs := make([]query, matchQueries)
	for i := range qs {
		hit := r.IntN(10) == 0
		off := len(arena)
		k := match.KindIPv4
		if r.IntN(3) == 0 {
			k = match.KindDomain
			switch {
			case hit && r.IntN(2) == 0:
				arena = append(arena, "www."...)
				arena = MatchDomain(arena, r.IntN(z.dom))
			case hit:
				arena = append(arena, "a.static."...)
				arena = MatchDomain(arena, r.IntN(z.dom))
			default:
				arena = fmt.Appendf(arena, "host%d.svc%d.region%d.cloud-%x.example.com", r.IntN(1000), r.IntN(50), r.IntN(20), r.Uint32())
			}
		} else if hit {
			arena = appendIPv4(arena, MatchIPv4(r.IntN(z.ip)))
		} else {
			arena = appendIPv4(arena, r.Uint32())
		}
		qs[i] = query{k: k, off: uint32(off), n: uint8(len(arena) - off)}
	}
	hits := 0
	for _, q := range qs {
		if _, ok := m.Lookup(q.k, arena[q.off:q.off+uint32(q.n)]); ok {
			hits++
		}
	}
	run := func(qs []query, rounds int) {
		for range rounds {
			for _, q := range qs {
				m.Lookup(q.k, arena[q.off:q.off+uint32(q.n)])
			}
		}
	}
	rounds := 3
	if cfg.Quick {
		rounds = 1
	}
	runtime.GC()
	start = time.Now()
	run(qs, rounds)
	took = time.Since(start)
	emit(Result{Name: "match/lookup-1core", Value: float64(len(qs)*rounds) / took.Seconds(), Unit: "lookups/s", N: int64(len(qs) * rounds),
		Note: fmt.Sprintf("Matcher.Lookup of pre-parsed observables on one goroutine: 2/3 IPv4, 1/3 domains with subdomain walk; %.1f%% matched", 100*float64(hits)/float64(len(qs)))})
	var q4 []query
	for _, q := range qs {
		if q.k == match.KindIPv4 {
			q4 = append(q4, q)
		}
	}
	start = time.Now()
	run(q4, rounds)
	took = time.Since(start)
	emit(Result{Name: "match/lookup-ipv4-1core", Value: float64(len(q4)*rounds) / took.Seconds(), Unit: "lookups/s", N: int64(len(q4) * rounds),
		Note: "the IPv4 part of the mix alone (a conn log's addresses): exact table, then the CIDR blocks"})
	obs := make([]match.Observable, len(qs))
	for i, q := range qs {
		obs[i] = match.Observable{Kind: q.k, Value: arena[q.off : q.off+uint32(q.n)]}
	}
	hitBuf := make([]match.Hit, 64)
	runBatch := func(obs []match.Observable, rounds int) int {
		n := 0
		for range rounds {
			for lo := 0; lo < len(obs); lo += 64 {
				n += m.LookupBatch(obs[lo:min(lo+64, len(obs))], hitBuf)
			}
		}
		return n
	}
	start = time.Now()
	bhits := runBatch(obs, rounds)
	took = time.Since(start)
	if bhits != hits*rounds {
		return out, fmt.Errorf("match: LookupBatch matched %d, Lookup %d", bhits, hits*rounds)
	}
	emit(Result{Name: "match/lookup-batch-1core", Value: float64(len(obs)*rounds) / took.Seconds(), Unit: "lookups/s", N: int64(len(obs) * rounds),
		Note: "the same mix through Matcher.LookupBatch, 64 observables a call (the memory of IPv4 and domain probes prefetched first, so that misses overlap)"})
	var ob4 []match.Observable
	for _, o := range obs {
		if o.Kind == match.KindIPv4 {
			ob4 = append(ob4, o)
		}
	}
	start = time.Now()
	runBatch(ob4, rounds)
	took = time.Since(start)
	emit(Result{Name: "match/lookup-batch-ipv4-1core", Value: float64(len(ob4)*rounds) / took.Seconds(), Unit: "lookups/s", N: int64(len(ob4) * rounds),
		Note: "the IPv4 part alone through Matcher.LookupBatch, 64 a call"})
	var wg sync.WaitGroup
	start = time.Now()
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(qs[g*len(qs)/2:(g+1)*len(qs)/2], 2*rounds)
		}()
	}
	wg.Wait()
	took = time.Since(start)
	emit(Result{Name: "match/lookup-2cores", Value: float64(len(qs)*2*rounds) / took.Seconds(), Unit: "lookups/s", N: int64(len(qs) * 2 * rounds),
		Note: "the same mix on two goroutines (GOMAXPROCS " + strconv.Itoa(runtime.GOMAXPROCS(0)) + ")"})
	start = time.Now()
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hb := make([]match.Hit, 64)
			part := obs[g*len(obs)/2 : (g+1)*len(obs)/2]
			for range 2 * rounds {
				for lo := 0; lo < len(part); lo += 64 {
					m.LookupBatch(part[lo:min(lo+64, len(part))], hb)
				}
			}
		}()
	}
	wg.Wait()
	took = time.Since(start)
	emit(Result{Name: "match/lookup-batch-2cores", Value: float64(len(obs)*2*rounds) / took.Seconds(), Unit: "lookups/s", N: int64(len(obs) * 2 * rounds),
		Note: "the same mix through Matcher.LookupBatch on two goroutines (GOMAXPROCS " + strconv.Itoa(runtime.GOMAXPROCS(0)) + ")"})
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	run(qs, 1)
	runtime.ReadMemStats(&ms1)
	emit(Result{Name: "match/allocs", Value: float64(ms1.Mallocs-ms0.Mallocs) / float64(len(qs)), Unit: "allocs/op", N: int64(len(qs)),
		Note: "MemStats.Mallocs delta over the lookup mix"})

	// Domain lookups alone, in batches of 256: the mean of each batch.
	var dq []query
	for _, q := range qs {
		if q.k == match.KindDomain {
			dq = append(dq, q)
		}
	}
	const batch = 256
	var lat []time.Duration
	var total time.Duration
	for lo := 0; lo+batch <= len(dq); lo += batch {
		t := time.Now()
		run(dq[lo:lo+batch], 1)
		d := time.Since(t)
		total += d
		lat = append(lat, d/batch)
	}
	if len(lat) == 0 {
		return out, fmt.Errorf("match: no domain queries")
	}
	p50, p99, _ := percentiles(lat)
	emit(Result{Name: "match/domain-walk", Value: float64(total.Nanoseconds()) / float64(len(lat)*batch), Unit: "ns mean", N: int64(len(lat) * batch),
		Note: fmt.Sprintf("Matcher.Lookup of a domain walking up to its listed parent (3-6 labels, 10%% listed); mean of %d-lookup batches p50 %d ns, p99 %d ns", batch, p50.Nanoseconds(), p99.Nanoseconds())})

	// Snapshot export and offline load.
	var snap bytes.Buffer
	start = time.Now()
	if _, err := s.WriteTo(&snap); err != nil {
		return out, err
	}
	took = time.Since(start)
	emit(Result{Name: "match/snapshot-write", Value: took.Seconds(), Unit: "s", N: int64(s.Len()),
		Note: fmt.Sprintf("Set.WriteTo: %.1f MB, %.1f B/value", float64(snap.Len())/1e6, float64(snap.Len())/float64(s.Len()))})
	start = time.Now()
	s2, err := match.ReadSet(&snap)
	if err != nil {
		return out, err
	}
	took = time.Since(start)
	if s2.Len() != s.Len() {
		return out, fmt.Errorf("match: snapshot read %d values, wrote %d", s2.Len(), s.Len())
	}
	emit(Result{Name: "match/snapshot-read", Value: took.Seconds(), Unit: "s", N: int64(s2.Len()), Note: "match.ReadSet: checked and rebuilt"})
	s2, snap = nil, bytes.Buffer{}

	// An incremental update on the full set.
	add := make([]match.Indicator, 1000)
	for i := range add {
		add[i] = tmpl
		add[i].Kind, add[i].ID = match.KindIPv4, "indicator--update-"+strconv.Itoa(i/50)
		add[i].Value = string(appendIPv4(nil, uint32(mix(uint64(i), 9))))
	}
	lat = lat[:0]
	for i := range 20 {
		t := time.Now()
		m.Apply(add[i*50:(i+1)*50], []string{"indicator--ip-" + strconv.Itoa(i)})
		lat = append(lat, time.Since(t))
	}
	if _, ok := m.Lookup(match.KindIPv4, appendIPv4(nil, uint32(mix(0, 9)))); !ok {
		return out, fmt.Errorf("match: update not visible")
	}
	p50, p99, _ = percentiles(lat)
	emit(Result{Name: "match/apply", Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("Matcher.Apply of 50 indicators and the removal of one %d-value indicator, overlay rebuilt and published; p50 %.2f ms", MatchValuesPerIndicator, ms(p50))})
	runtime.KeepAlive(m)
	return out, ctx.Err()
}
