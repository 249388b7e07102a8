package export

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
)

// addrSets splits the IP entries into IPv4 and IPv6 prefixes, sorted by
// address then prefix length, each counted as written.
func addrSets(ents []entry, st *Stats, skip func(netip.Prefix) bool) (v4, v6 []netip.Prefix) {
	for _, e := range ents {
		p := e.prefix
		if !p.IsValid() || skip != nil && skip(p) {
			st.skip(e.Kind)
			continue
		}
		st.Written++
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return sortPrefixes(v4), sortPrefixes(v6)
}

func sortPrefixes(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		return cmp.Or(a.Addr().Compare(b.Addr()), cmp.Compare(a.Bits(), b.Bits()))
	})
	return ps
}

// collapse drops every prefix contained in an earlier one and exact
// duplicates (ps sorted by address, then prefix length): interval sets
// refuse overlapping elements.
func collapse(ps []netip.Prefix) []netip.Prefix {
	out := ps[:0:0]
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].Bits() <= p.Bits() && out[n-1].Contains(p.Addr()) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func prefixText(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// nft: an nftables script for `nft -f`. It declares table inet sakimori
// with two interval sets, <name>-v4 and <name>-v6 (created if missing,
// left alone if present), flushes them and adds the elements, all in one
// transaction: loading it again replaces the contents. Addresses inside a
// listed CIDR are dropped (interval sets refuse overlaps); they are still
// counted as written, being covered. Use the sets from your own chains,
// e.g. `ip saddr @sakimori-v4 drop`.
func writeNFT(w *writer, ents []entry, o *Options, st *Stats) {
	v4, v6 := addrSets(ents, st, nil)
	header(w, "#", FormatNFT, o)
	w.line("table inet sakimori {")
	for _, s := range []struct{ suffix, typ string }{{"-v4", "ipv4_addr"}, {"-v6", "ipv6_addr"}} {
		w.line("\tset ", o.Name, s.suffix, " {")
		w.line("\t\ttype ", s.typ)
		w.line("\t\tflags interval")
		w.line("\t}")
	}
	w.line("}")
	for _, s := range []struct {
		suffix string
		ps     []netip.Prefix
	}{{"-v4", collapse(v4)}, {"-v6", collapse(v6)}} {
		set := "inet sakimori " + o.Name + s.suffix
		w.line("flush set ", set)
		for i := 0; i < len(s.ps); i += 1000 {
			chunk := s.ps[i:min(i+1000, len(s.ps))]
			w.str("add element ", set, " { ")
			for j, p := range chunk {
				if j > 0 {
					w.str(", ")
				}
				w.str(prefixText(p))
			}
			w.line(" }")
		}
	}
}

// ipset: a file for `ipset restore -!`: two hash:net sets, <name>-v4 and
// <name>-v6, created if missing, flushed and filled. hash:net cannot hold
// a /0, which is skipped. maxelem is at least 65536 and at least the
// number of elements; an existing set keeps its own maxelem.
func writeIPSet(w *writer, ents []entry, o *Options, st *Stats) {
	v4, v6 := addrSets(ents, st, func(p netip.Prefix) bool { return p.Bits() == 0 })
	for _, s := range []struct {
		suffix, family string
		ps             []netip.Prefix
	}{{"-v4", "inet", v4}, {"-v6", "inet6", v6}} {
		name := o.Name + s.suffix
		ps := dedupe(s.ps)
		w.line("create ", name, " hash:net family ", s.family, " hashsize 1024 maxelem ", itoa(max(65536, len(ps))), " -exist")
		w.line("flush ", name)
		for _, p := range ps {
			w.line("add ", name, " ", prefixText(p), " -exist")
		}
	}
}

func dedupe(ps []netip.Prefix) []netip.Prefix {
	out := ps[:0:0]
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1] == p {
			continue
		}
		out = append(out, p)
	}
	return out
}

// RPZ: a zone file in master format relative to the zone origin. Each
// domain gets "name CNAME ." and "*.name CNAME ." (NXDOMAIN for the name
// and everything below it); each address or CIDR an rpz-ip trigger
// (response contains that address): "32.4.3.2.1.rpz-ip CNAME .". Names
// too long to fit under the origin are skipped.
func writeRPZ(w *writer, ents []entry, o *Options, st *Stats) {
	serial := o.Generated.Unix()
	if serial <= 0 || serial > 0xffffffff {
		serial = 1
	}
	header(w, ";", FormatRPZ, o)
	w.line("$ORIGIN ", o.Zone)
	w.line("$TTL 300")
	w.line("@ IN SOA localhost. hostmaster.localhost. ( ", itoa(int(serial)), " 3600 600 86400 300 )")
	w.line("@ IN NS localhost.")
	prev := ""
	for _, e := range ents {
		var owners []string
		if e.prefix.IsValid() {
			owners = []string{rpzIP(e.prefix)}
		} else {
			// owner plus origin must fit in 253 octets (255 on the wire),
			// "*." included.
			if len(e.Value)+2+len(o.Zone) > 254 {
				st.skip(e.Kind)
				continue
			}
			owners = []string{e.Value, "*." + e.Value}
		}
		st.Written++
		if owners[0] == prev {
			continue
		}
		prev = owners[0]
		for _, n := range owners {
			w.line(n, " CNAME .")
		}
	}
}

// rpzIP is the rpz-ip trigger name of a prefix: the prefix length, then the
// address's parts in reverse order (IPv6 groups in hex, "zz" for the "::"
// run), then "rpz-ip".
func rpzIP(p netip.Prefix) string {
	var parts []string
	if p.Addr().Is4() {
		parts = strings.Split(p.Addr().String(), ".")
	} else {
		s := p.Addr().String()
		left, right, ok := strings.Cut(s, "::")
		if ok {
			if left != "" {
				parts = strings.Split(left, ":")
			}
			parts = append(parts, "zz")
			if right != "" {
				parts = append(parts, strings.Split(right, ":")...)
			}
		} else {
			parts = strings.Split(s, ":")
		}
	}
	var sb strings.Builder
	sb.WriteString(itoa(p.Bits()))
	for i := len(parts) - 1; i >= 0; i-- {
		sb.WriteByte('.')
		sb.WriteString(parts[i])
	}
	sb.WriteString(".rpz-ip")
	return sb.String()
}
