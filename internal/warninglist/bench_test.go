package warninglist

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
)

// Benchmarks run against every real list in ../../../shared/warninglists
// (16 lists, about 144,000 entries). Each workload is a fixed set of 4,096
// values cycled through; see docs/warninglists.md for the measured figures.

type query struct {
	kind  Kind
	value string
}

// ipQueries: a quarter listed public resolvers (hits), a quarter addresses
// in the listed special-use ranges (hits), the rest random IPv4 and IPv6
// addresses (almost all misses).
func ipQueries(b *testing.B, s *Set) []query {
	rng := rand.New(rand.NewPCG(7, 8))
	resolvers := entriesOf(b, s, "List of known IPv4 public DNS resolvers")
	special := []netip.Prefix{ // /8 and /16 networks of rfc1918, rfc5735 and multicast
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("172.16.0.0/16"), netip.MustParsePrefix("224.0.0.0/16"), netip.MustParsePrefix("127.0.0.0/8"),
	}
	qs := make([]query, 4096)
	for i := range qs {
		var v string
		switch i % 8 {
		case 0, 1:
			v = resolvers[rng.IntN(len(resolvers))]
		case 2, 3:
			p := special[rng.IntN(len(special))]
			a := p.Addr().As4()
			for j := p.Bits() / 8; j < 4; j++ {
				a[j] = byte(rng.IntN(256))
			}
			v = netip.AddrFrom4(a).String()
		case 4, 5, 6:
			var a [4]byte
			for j := range a {
				a[j] = byte(rng.IntN(256))
			}
			v = netip.AddrFrom4(a).String()
		case 7:
			var a [16]byte
			a[0], a[1] = 0x20, 0x01
			for j := 2; j < 16; j++ {
				a[j] = byte(rng.IntN(256))
			}
			v = netip.AddrFrom16(a).String()
		}
		qs[i] = query{KindIP, v}
	}
	return qs
}

// domainQueries: half subdomains of listed names (hits in the dynamic DNS,
// Tranco or resolver lists), half random names under common TLDs (misses).
func domainQueries(b *testing.B, s *Set) []query {
	rng := rand.New(rand.NewPCG(9, 10))
	var names []string
	for _, l := range []string{"List of known dynamic DNS domains", "Top 10K most-used sites from Tranco", "List of known public DNS resolvers expressed as hostname"} {
		list, _ := s.List(l)
		for _, e := range list.Entries {
			names = append(names, e.key)
		}
	}
	tlds := []string{"com", "net", "org", "jp", "co.jp", "example"}
	qs := make([]query, 4096)
	for i := range qs {
		if i%2 == 0 {
			qs[i] = query{KindDomain, fmt.Sprintf("host%d.%s", rng.IntN(1000), names[rng.IntN(len(names))])}
		} else {
			qs[i] = query{KindDomain, fmt.Sprintf("www.s%08x.%s", rng.Uint32(), tlds[rng.IntN(len(tlds))])}
		}
	}
	return qs
}

func entriesOf(b *testing.B, s *Set, name string) []string {
	l, ok := s.List(name)
	if !ok {
		b.Fatalf("list %q not loaded", name)
	}
	out := make([]string, len(l.Entries))
	for i, e := range l.Entries {
		out[i] = e.Value
	}
	return out
}

func only(qs []query, hit bool, s *Set) []query {
	var out []query
	for _, q := range qs {
		if (len(s.Check(q.kind, q.value)) > 0) == hit {
			out = append(out, q)
		}
	}
	return out
}

func runQueries(b *testing.B, s *Set, qs []query) {
	b.ReportAllocs()
	hits := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := qs[i%len(qs)]
		hits += len(s.Check(q.kind, q.value))
	}
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
}

func BenchmarkCheck(b *testing.B) {
	s := loadShared(b)
	ips, domains := ipQueries(b, s), domainQueries(b, s)
	rng := rand.New(rand.NewPCG(11, 12))
	urls := make([]query, len(domains))
	for i, q := range domains {
		urls[i] = query{KindURL, fmt.Sprintf("https://%s/path/%d?q=%d", q.value, rng.IntN(100), i)}
	}
	hashes := make([]query, 4096)
	for i := range hashes {
		if i%16 == 0 {
			hashes[i] = query{KindMD5, "d41d8cd98f00b204e9800998ecf8427e"}
		} else {
			hashes[i] = query{KindMD5, fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())}
		}
	}
	for _, w := range []struct {
		name string
		qs   []query
	}{
		{"ip/mixed", ips},
		{"ip/hit", only(ips, true, s)},
		{"ip/miss", only(ips, false, s)},
		{"domain/mixed", domains},
		{"domain/hit", only(domains, true, s)},
		{"domain/miss", only(domains, false, s)},
		{"url/mixed", urls},
		{"md5/mixed", hashes},
	} {
		b.Run(w.name, func(b *testing.B) { runQueries(b, s, w.qs) })
	}
}

// BenchmarkCheckParallel runs the mixed IP workload on every core.
func BenchmarkCheckParallel(b *testing.B) {
	s := loadShared(b)
	qs := ipQueries(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			q := qs[i%len(qs)]
			s.Check(q.kind, q.value)
			i++
		}
	})
}

// BenchmarkLoadDir loads (parses, validates and indexes) every real list,
// and reports the memory a loaded Set keeps (MB-retained).
func BenchmarkLoadDir(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var s Set
		res, err := s.LoadDir(sharedDir)
		if err != nil || len(res) != 16 {
			b.Fatal(err, len(res))
		}
	}
	b.StopTimer()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := new(Set)
	if _, err := s.LoadDir(sharedDir); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "MB-retained")
	runtime.KeepAlive(s)
}
