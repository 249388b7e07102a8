package match

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"unsafe"

	"sakimori/internal/stix/pattern"
)

// seed hashes the strings of every set of this process (sets read from a
// snapshot are re-hashed), so that a base and its overlay hash a domain
// suffix once.
var seed = maphash.MakeSeed()

// view is what a lookup searches: an optional overlay, whose values win,
// and a base without the values of the hidden metas.
type view struct {
	base, over *Set
	hidden     map[int32]struct{}
}

func (v *view) hid(m int32) bool {
	if v.hidden == nil {
		return false
	}
	_, h := v.hidden[m]
	return h
}

// Lookup looks up an observable of kind k (as a log parser found it) and
// returns the ref of the most specific value that matches it:
//
//   - KindIPv4, KindIPv6 (or a CIDR kind): the address (either family;
//     IPv4-mapped IPv6 is folded to IPv4), exactly, then the longest CIDR
//     block holding it;
//   - KindDomain: the name (case and a trailing dot ignored), then each
//     parent at a label boundary (a.b.evil.example, b.evil.example,
//     evil.example, example);
//   - KindURL, KindEmail: the value normalised as pattern.NormalizeURL and
//     pattern.NormalizeEmail do;
//   - hashes: the hex digest of the kind's length, in either case.
//
// Lookup does not allocate for ASCII values (non-ASCII domains, URLs and
// e-mail addresses take the allocating normalisers).
func (s *Set) Lookup(k Kind, v []byte) (ref int32, ok bool) {
	w := view{base: s}
	_, ref, ok = w.lookup(k, v)
	return ref, ok
}

// LookupIP looks up an address (exact, then longest CIDR block).
func (s *Set) LookupIP(a netip.Addr) (int32, bool) {
	w := view{base: s}
	_, ref, ok := w.lookupAddr(a)
	return ref, ok
}

func (w *view) lookup(k Kind, v []byte) (*Set, int32, bool) {
	switch k {
	case KindIPv4, KindIPv6, KindCIDR4, KindCIDR6:
		if u, ok := parseIPv4(v); ok {
			return w.lookup4(u)
		}
		a, ok := parseAddrBytes(v)
		if !ok {
			return nil, -1, false
		}
		return w.lookupAddr(a)
	case KindDomain:
		return w.lookupDomain(v)
	case KindURL:
		var buf [2048]byte
		n, st := normURL(buf[:], v)
		switch st {
		case normOK:
			return w.lookupExact(KindURL, buf[:n])
		case normSlow:
			u, err := pattern.NormalizeURL(string(v))
			if err != nil {
				return nil, -1, false
			}
			return w.lookupExact(KindURL, []byte(u))
		}
		return nil, -1, false
	case KindEmail:
		var buf [320]byte
		n, st := lowerEmail(buf[:], v)
		switch st {
		case normOK:
			return w.lookupExact(KindEmail, buf[:n])
		case normSlow:
			e, err := pattern.NormalizeEmail(string(v))
			if err != nil {
				return nil, -1, false
			}
			return w.lookupExact(KindEmail, []byte(e))
		}
		return nil, -1, false
	case KindMD5, KindSHA1, KindSHA256, KindSHA512:
		var d [64]byte
		n := hashSize(k)
		if !decodeHex(d[:n], v) {
			return nil, -1, false
		}
		return w.lookupExact(k, d[:n])
	}
	return nil, -1, false
}

func (w *view) lookupAddr(a netip.Addr) (*Set, int32, bool) {
	if !a.IsValid() {
		return nil, -1, false
	}
	a = a.Unmap()
	if a.Is4() {
		return w.lookup4(u32(a))
	}
	hi, lo := halves(a)
	if o := w.over; o != nil && o.count[KindIPv6] > 0 {
		if i, ok := o.ip6.find(hi, lo); ok {
			return o, mkRef(KindIPv6, i), true
		}
	}
	if b := w.base; b != nil && b.count[KindIPv6] > 0 {
		if i, ok := b.ip6.find(hi, lo); ok && !w.hid(b.ip6.e[i].meta) {
			return b, mkRef(KindIPv6, i), true
		}
	}
	return w.lookupCIDR(a.WithZone(""), 1)
}

func (w *view) lookup4(u uint32) (*Set, int32, bool) {
	// The base's /24 cover word is read first, so that its cache miss
	// overlaps the exact table's.
	var cover uint64
	if b := w.base; b != nil && b.count[KindCIDR4] > 0 {
		cover = b.cidr[0].cover[u>>14]
	}
	if o := w.over; o != nil && o.count[KindIPv4] > 0 {
		if i, ok := o.ip4.find(u); ok {
			return o, mkRef(KindIPv4, i), true
		}
	}
	if b := w.base; b != nil && b.count[KindIPv4] > 0 {
		// The meta (a separate array: a cache miss of its own) is read
		// only when some metas are hidden.
		if i, ok := b.ip4.find(u); ok && (w.hidden == nil || !w.hid(b.ip4.meta[i])) {
			return b, mkRef(KindIPv4, i), true
		}
	}
	if (w.over == nil || w.over.count[KindCIDR4] == 0) && cover&(1<<(u>>8&63)) == 0 {
		return nil, -1, false
	}
	return w.lookupCIDR(netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}), 0)
}

func (w *view) lookupCIDR(a netip.Addr, fam int) (*Set, int32, bool) {
	oref, obits, ook := w.over.cidrLPM(a, fam, nil)
	bref, bbits, bok := w.base.cidrLPM(a, fam, w)
	if ook && (!bok || obits >= bbits) {
		return w.over, oref, true
	}
	if bok {
		return w.base, bref, true
	}
	return nil, -1, false
}

// cidrLPM returns the longest block of family fam holding a whose meta
// is not hidden by w.
func (s *Set) cidrLPM(a netip.Addr, fam int, w *view) (int32, int, bool) {
	if s == nil || len(s.cidr[fam].pfx) == 0 {
		return -1, 0, false
	}
	c := &s.cidr[fam]
	if fam == 0 && !c.covers(u32(a)) {
		return -1, 0, false
	}
	ref, ok := c.t.Lookup(a)
	for ok {
		i := refIdx(ref)
		bits := c.pfx[i].Bits()
		if w == nil || !w.hid(c.metas[i]) {
			return ref, bits, true
		}
		if bits == 0 {
			break
		}
		p, _ := a.Prefix(bits - 1)
		_, ref, ok = c.t.LookupPrefixLPM(p)
	}
	return -1, 0, false
}

// lookupExact looks up a normalised key of a string or hash kind.
func (w *view) lookupExact(k Kind, key []byte) (*Set, int32, bool) {
	h := maphash.Bytes(seed, key)
	if o := w.over; o != nil && o.count[k] > 0 {
		if i, ok := o.strs[k].findHash(key, h); ok {
			return o, mkRef(k, i), true
		}
	}
	if b := w.base; b != nil && b.count[k] > 0 {
		if i, ok := b.strs[k].findHash(key, h); ok && !w.hid(b.strs[k].e[i].meta) {
			return b, mkRef(k, i), true
		}
	}
	return nil, -1, false
}

// domainClass maps a byte of a domain name to its lower-case form, '.'
// to itself, non-ASCII bytes to 0xff and bytes not allowed to 0.
var domainClass = func() (t [256]byte) {
	for c := 0x80; c < 0x100; c++ {
		t[c] = 0xff
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	t['-'], t['_'], t['.'] = '-', '_', '.'
	return
}()

// maxDomProbes bounds the suffixes of one name a prepared probe holds;
// a name with more listed label counts takes the unprepared path.
const maxDomProbes = 12

// domProbe is a domain name prepared for probing: lower-cased, checked,
// and the hashes of its suffixes whose label counts some listed name has,
// most labels first. Preparing is all the CPU work of a lookup; probing
// is the memory accesses, so a batch prepares (and prefetches) every name
// first and then probes, overlapping the cache misses.
type domProbe struct {
	st    uint8  // domMiss, domOK, domSlow
	n     uint8  // prepared suffixes
	live  uint16 // bit k: suffix k may be in the base (its filter bit is set)
	ln    uint8  // length of name
	start [maxDomProbes]uint8
	hash  [maxDomProbes]uint64
	name  [253 + 8]byte // 8 bytes of slack: labels are hashed a word at a time
}

const (
	domMiss = iota // not a valid name, or no suffix can be listed
	domOK          // prepared
	domSlow        // non-ASCII or too many probes: use lookupDomain
)

// prepDomain prepares v for probing tables whose listed label counts are
// mask (bit n: some listed name has n labels). One backward pass lowers
// and checks the bytes and notes the dots; the suffix hashes are then
// folded label by label, 8 bytes at a time (domainHash).
func prepDomain(d *domProbe, v []byte, mask uint64) {
	d.st, d.n = domMiss, 0
	if len(v) > 0 && v[len(v)-1] == '.' {
		v = v[:len(v)-1]
	}
	if len(v) == 0 {
		return
	}
	if len(v) > 253 {
		d.st = domSlow
		return
	}
	// dots[k] is the position of the dot before label k+1 (labels counted
	// from the top-level one, 0).
	var dots [128]int16
	nd, last := 0, len(v)
	for i := len(v) - 1; i >= 0; i-- {
		c := domainClass[v[i]]
		d.name[i] = c
		if c-1 >= 0xfe { // 0: not allowed; 0xff: non-ASCII
			if c == 0 {
				return
			}
			d.st = domSlow
			return
		}
		if c == '.' {
			if last-i-1 == 0 || last-i-1 > 63 {
				return
			}
			dots[nd] = int16(i)
			nd++
			last = i
		}
	}
	if last == 0 || last > 63 {
		return
	}
	// The top-level label must not be all digits.
	tld := len(v)
	if nd > 0 {
		tld = len(v) - int(dots[0]) - 1
	}
	numeric := true
	for _, c := range d.name[len(v)-tld : len(v)] {
		if c < '0' || c > '9' {
			numeric = false
			break
		}
	}
	if numeric {
		return
	}
	var starts [maxDomProbes]uint8
	var hashes [maxDomProbes]uint64
	n := 0
	h, end := domainBasis, len(v)
	for k := 0; k <= nd; k++ {
		start := 0
		if k < nd {
			start = int(dots[k]) + 1
		}
		h = labelLen(h, end-start)
		p := start
		for ; p+8 <= end; p += 8 {
			h = labelWord(h, binary.LittleEndian.Uint64(d.name[p:]))
		}
		if p < end {
			h = labelWord(h, binary.LittleEndian.Uint64(d.name[p:])&(1<<(8*uint(end-p))-1))
		}
		if mask&(1<<min(k+1, 63)) != 0 {
			if n == maxDomProbes {
				d.st = domSlow
				return
			}
			starts[n], hashes[n] = uint8(start), mix64(h)
			n++
		}
		end = start - 1
	}
	if n == 0 {
		return
	}
	for k := range n {
		d.start[k], d.hash[k] = starts[n-1-k], hashes[n-1-k]
	}
	d.st, d.n, d.ln, d.live = domOK, uint8(n), uint8(len(v)), 1<<n-1
}

// domMask is the union of the listed label counts of the view's sets, and
// whether the overlay and the base hold domains at all.
func (w *view) domMask() (mask uint64, over, base bool) {
	over = w.over != nil && w.over.count[KindDomain] > 0
	base = w.base != nil && w.base.count[KindDomain] > 0
	if over {
		mask |= w.over.domLabels
	}
	if base {
		mask |= w.base.domLabels
	}
	return mask, over, base
}

// touchFilter prefetches the base's filter word of every prepared suffix.
func (d *domProbe) touchFilter(b *Set) {
	if b.dom.bits == nil {
		return
	}
	for k := range d.n {
		prefetch(b.dom.word(d.hash[k]))
	}
}

// filter keeps live the suffixes the base's filter lets through, and
// prefetches their first slots (the few that may be listed: most names
// are not, and their slots are not read at all).
func (d *domProbe) filter(b *Set) {
	t := &b.strs[KindDomain]
	p := uintptr(unsafe.Pointer(unsafe.SliceData(t.e)))
	const slot = unsafe.Sizeof(sEntry{})
	d.live = 0
	for k := range d.n {
		if !b.dom.may(d.hash[k]) {
			continue
		}
		d.live |= 1 << k
		// A miss probes 2.5 slots on average (load factor 1/2), which
		// often run into the next cache line: prefetch it too.
		a := p + slot*uintptr(slotOf(d.hash[k], len(t.e)))
		prefetch(a)
		if end := a + 3*slot - 1; end>>6 != a>>6 {
			prefetch(end)
		}
	}
}

// probe looks the prepared suffixes up, most labels first (the most
// specific listed name wins), the overlay before the base.
func (w *view) probeDomain(d *domProbe, over, base bool) (*Set, int32, bool) {
	name := d.name[:d.ln]
	for k := range d.n {
		suffix, h := name[d.start[k]:], d.hash[k]
		if over {
			if j, ok := w.over.strs[KindDomain].findHash(suffix, h); ok {
				return w.over, mkRef(KindDomain, j), true
			}
		}
		if base && d.live&(1<<k) != 0 {
			t := &w.base.strs[KindDomain]
			if j, ok := t.findHash(suffix, h); ok && !w.hid(t.e[j].meta) {
				return w.base, mkRef(KindDomain, j), true
			}
		}
	}
	return nil, -1, false
}

// lookupDomain looks up a domain name as found (any case, a trailing dot)
// and then its parents, in one backward pass that lower-cases, checks
// and hashes every suffix whose label count some listed name has.
// Non-ASCII names take pattern.NormalizeDomain.
func (w *view) lookupDomain(v []byte) (*Set, int32, bool) {
	mask, over, base := w.domMask()
	if !over && !base {
		return nil, -1, false
	}
	var d domProbe
	prepDomain(&d, v, mask)
	switch d.st {
	case domSlow:
		return w.lookupDomainWalk(v, mask, over, base)
	case domMiss:
		return nil, -1, false
	}
	if base {
		// Filter the suffixes, touching the slots of those that may be
		// listed before probing, so that the cache misses overlap
		// instead of following one another.
		d.filter(w.base)
	}
	return w.probeDomain(&d, over, base)
}

// lookupDomainWalk is lookupDomain for names prepDomain leaves: non-ASCII
// names (normalised first) and names with more listed label counts than
// a probe holds (walked without the bound).
func (w *view) lookupDomainWalk(v []byte, mask uint64, over, base bool) (*Set, int32, bool) {
	if len(v) > 0 && v[len(v)-1] == '.' {
		v = v[:len(v)-1]
	}
	if len(v) > 253 {
		return w.lookupDomainSlow(v)
	}
	var buf [256]byte
	var starts [128]uint8
	n, label := 0, 0
	numeric := true
	for i := len(v) - 1; i >= 0; i-- {
		c := domainClass[v[i]]
		switch {
		case c == '.':
			if label == 0 || n == 0 && numeric {
				return nil, -1, false
			}
			starts[n] = uint8(i + 1)
			n++
			label = 0
		case c == 0:
			return nil, -1, false
		case c == 0xff:
			return w.lookupDomainSlow(v)
		default:
			if n == 0 && (c < '0' || c > '9') {
				numeric = false
			}
			label++
			if label > 63 {
				return nil, -1, false
			}
		}
		buf[i] = c
	}
	if label == 0 || n == 0 && numeric {
		return nil, -1, false
	}
	starts[n] = 0
	n++
	name := buf[:len(v)]
	for i := n - 1; i >= 0; i-- {
		if mask&(1<<min(i+1, 63)) == 0 {
			continue
		}
		suffix := name[starts[i]:]
		h := domainHash(suffix)
		if over {
			if j, ok := w.over.strs[KindDomain].findHash(suffix, h); ok {
				return w.over, mkRef(KindDomain, j), true
			}
		}
		if base && w.base.dom.may(h) {
			t := &w.base.strs[KindDomain]
			if j, ok := t.findHash(suffix, h); ok && !w.hid(t.e[j].meta) {
				return w.base, mkRef(KindDomain, j), true
			}
		}
	}
	return nil, -1, false
}

func (w *view) lookupDomainSlow(v []byte) (*Set, int32, bool) {
	d, err := pattern.NormalizeDomain(string(v))
	if err != nil {
		return nil, -1, false
	}
	return w.lookupDomain([]byte(d))
}

// Results of the allocation-free normalisers.
const (
	normFail = iota // not a valid value: nothing can match
	normOK          // normalised into the buffer
	normSlow        // needs the allocating normaliser (non-ASCII, rare forms)
)

// parseIPv4 parses a dotted-quad IPv4 address as netip does (no leading
// zeros).
func parseIPv4[T ~string | ~[]byte](b T) (uint32, bool) {
	if len(b) < 7 || len(b) > 15 {
		return 0, false
	}
	var out, n uint32
	digits, dots := 0, 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && n == 0 {
				return 0, false
			}
			n = n*10 + uint32(c-'0')
			digits++
			if n > 255 {
				return 0, false
			}
		case c == '.':
			if digits == 0 || dots == 3 {
				return 0, false
			}
			out = out<<8 | n
			n, digits = 0, 0
			dots++
		default:
			return 0, false
		}
	}
	if dots != 3 || digits == 0 {
		return 0, false
	}
	return out<<8 | n, true
}

// parseAddrBytes parses an IPv6 (or IPv4) address without allocating on
// success; zones are refused.
func parseAddrBytes(b []byte) (netip.Addr, bool) {
	if len(b) == 0 || len(b) > 45 {
		return netip.Addr{}, false
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
			return netip.Addr{}, false
		}
	}
	// The string aliases b only for the duration of the parse; a parsed
	// Addr without a zone keeps no reference to it.
	a, err := netip.ParseAddr(unsafe.String(&b[0], len(b)))
	if err != nil {
		return netip.Addr{}, false
	}
	return a, true
}

var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
		t[c-'a'+'A'] = byte(c - 'a' + 10)
	}
	return
}()

// decodeHex decodes exactly len(dst) bytes of hex digits of either case.
func decodeHex[T ~string | ~[]byte](dst []byte, s T) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		h, l := hexVal[s[2*i]], hexVal[s[2*i+1]]
		if h|l == 0xff {
			return false
		}
		dst[i] = h<<4 | l
	}
	return true
}

// validDomain reports whether s is already a normalised ASCII domain name
// (what pattern.NormalizeDomain would return unchanged).
func validDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	label, numeric := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label, numeric = 0, true
			continue
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z' || c == '-' || c == '_':
			numeric = false
		default:
			return false
		}
		label++
		if label > 63 {
			return false
		}
	}
	return label > 0 && !numeric
}

// lowerDomain writes the normalised form of an ASCII domain name into buf
// (lower case, without a trailing dot); names that are not valid fail.
func lowerDomain(buf []byte, v []byte) (int, int) {
	if len(v) > 0 && v[len(v)-1] == '.' {
		v = v[:len(v)-1]
	}
	if len(v) == 0 {
		return 0, normFail
	}
	if len(v) > 253 {
		for _, c := range v {
			if c >= 0x80 {
				return 0, normSlow
			}
		}
		return 0, normFail
	}
	label, numeric := 0, true
	for i, c := range v {
		switch {
		case c == '.':
			if label == 0 {
				return 0, normFail
			}
			label, numeric = 0, true
			buf[i] = c
			continue
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z' || c == '-' || c == '_':
			numeric = false
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
			numeric = false
		case c >= 0x80:
			return 0, normSlow
		default:
			return 0, normFail
		}
		buf[i] = c
		label++
		if label > 63 {
			return 0, normFail
		}
	}
	if label == 0 || numeric {
		return 0, normFail
	}
	return len(v), normOK
}

// lowerEmail writes an ASCII e-mail address in lower case into buf,
// without a trailing dot after the domain.
func lowerEmail(buf []byte, v []byte) (int, int) {
	if len(v) > len(buf) {
		return 0, normFail
	}
	at := -1
	for i, c := range v {
		if c >= 0x80 {
			return 0, normSlow
		}
		if c <= ' ' || c == 0x7f {
			return 0, normFail
		}
		if c == '@' {
			at = i
		}
	}
	if at <= 0 {
		return 0, normFail
	}
	n, st := lowerDomain(buf[at+1:], v[at+1:])
	if st != normOK {
		return 0, st
	}
	for i := 0; i < at; i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	buf[at] = '@'
	return at + 1 + n, normOK
}

// normURL writes what pattern.NormalizeURL returns for v into buf, for
// the common forms (scheme://host[:port][/path][?query] in ASCII without
// user info, IPv6 hosts or percent escapes); other forms return normSlow.
func normURL(buf []byte, v []byte) (int, int) {
	if len(v) > len(buf)-1 {
		return 0, normSlow
	}
	for _, c := range v {
		if c <= ' ' || c == 0x7f {
			return 0, normFail
		}
		if c >= 0x80 || c == '%' || c == '\\' {
			return 0, normSlow
		}
	}
	// Scheme.
	i := 0
	for i < len(v) && v[i] != ':' {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return 0, normSlow
		}
		i++
	}
	if i == 0 || i+3 > len(v) || v[i+1] != '/' || v[i+2] != '/' {
		return 0, normSlow
	}
	scheme := v[:i]
	n := 0
	for _, c := range scheme {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	n += copy(buf[n:], "://")
	lowScheme := buf[:i]
	rest := v[i+3:]
	end := len(rest)
	for j, c := range rest {
		if c == '/' || c == '?' || c == '#' {
			end = j
			break
		}
	}
	auth, tail := rest[:end], rest[end:]
	host, port := auth, []byte(nil)
	for j, c := range auth {
		switch {
		case c == ':':
			if port != nil {
				return 0, normSlow
			}
			host, port = auth[:j], auth[j+1:]
			if len(port) == 0 {
				return 0, normSlow
			}
		case port != nil:
			if c < '0' || c > '9' {
				return 0, normSlow
			}
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return 0, normSlow
		}
	}
	if len(host) == 0 {
		return 0, normFail
	}
	if _, ok := parseIPv4(host); ok {
		n += copy(buf[n:], host)
	} else {
		m, st := lowerDomain(buf[n:], host)
		if st != normOK {
			return 0, st
		}
		n += m
	}
	if port != nil {
		p := string(port)
		s := string(lowScheme)
		if !(p == "80" && s == "http" || p == "443" && s == "https" || p == "21" && s == "ftp") {
			buf[n] = ':'
			n++
			n += copy(buf[n:], port)
		}
	}
	for j, c := range tail {
		if c == '#' {
			tail = tail[:j]
			break
		}
	}
	if len(tail) == 0 || tail[0] == '?' {
		buf[n] = '/'
		n++
	}
	n += copy(buf[n:], tail)
	return n, normOK
}
