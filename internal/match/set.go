package match

import (
	"encoding/hex"
	"iter"
	"math"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gaissmai/bart"

	"sakimori/internal/marking"
	"sakimori/internal/stix/pattern"
)

// Set is a compiled, immutable set of indicator values. Lookups are
// safe for concurrent use and do not allocate.
//
// A ref (int32) names one value of a Set: its kind in the top bits and its
// slot in that kind's table below. Refs are valid only for the Set that
// returned them.
type Set struct {
	metas []meta
	ip4   u4Table
	ip6   u6Table
	cidr  [2]cidrSet // CIDR4, CIDR6
	strs  [numKinds]strTable
	count [numKinds]int
	total int
	// domLabels has bit n set when a listed domain has n labels (bit 63:
	// 63 or more): the subdomain walk probes only those suffixes.
	domLabels uint64
	// dom is a one-hash bit filter of the listed domains' hashes (about
	// 13 bits a domain): a suffix whose bit is clear is not listed, so the
	// subdomain walk reads the 12-byte slots (a cache miss each, in a table
	// of 24 bytes a domain) only for the few suffixes that may be.
	dom domFilter

	idOnce sync.Once
	byID   map[string][]int32 // STIX id -> metas, built on first use
}

// Problem is an indicator Build did not take: Index is its position in the
// input, Field the offending field ("kind", "value"), Message why.
type Problem struct {
	Index   int
	Field   string
	Message string
}

// meta is what a value's indicator says besides the value: shared by every
// value of the same indicator (an indicator whose pattern lists 10,000
// addresses stores this once).
type meta struct {
	id, name   string
	modified   int64 // Unix ns, noTime for the zero time
	validUntil int64 // Unix ns, noTime for none
	confidence int32
	score      int32
	tlp        marking.TLP
}

const noTime = math.MinInt64

func timeNS(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

func nsTime(n int64) time.Time {
	if n == noTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

type cidrSet struct {
	t     *bart.Table[int32] // prefix -> ref
	pfx   []netip.Prefix
	metas []int32
	// cover (IPv4 only) has bit n set when some block holds an address of
	// the /24 n: most addresses skip the tree (2 MB, cache-resident).
	cover []uint64
}

func (c *cidrSet) setCover(p netip.Prefix) {
	if c.cover == nil {
		c.cover = make([]uint64, 1<<24/64)
	}
	lo := u32(p.Addr()) >> 8
	n := uint32(1)
	if p.Bits() < 24 {
		n = 1 << (24 - p.Bits())
	}
	for i := lo; i < lo+n; i++ {
		c.cover[i>>6] |= 1 << (i & 63)
	}
}

// covers reports whether some IPv4 block may hold u.
func (c *cidrSet) covers(u uint32) bool {
	return c.cover[u>>14]&(1<<(u>>8&63)) != 0
}

const (
	refShift = 27
	refMask  = 1<<refShift - 1
	// MaxPerKind is the largest number of table slots of one kind; a kind
	// holds at most three quarters of it in values (about 100 million).
	MaxPerKind = refMask
)

func mkRef(k Kind, idx int) int32 { return int32(k)<<refShift | int32(idx) }

func refKind(ref int32) Kind { return Kind(ref >> refShift) }
func refIdx(ref int32) int   { return int(ref & refMask) }

// hashSize is the binary size of a digest kind.
func hashSize(k Kind) int {
	switch k {
	case KindMD5:
		return 16
	case KindSHA1:
		return 20
	case KindSHA256:
		return 32
	case KindSHA512:
		return 64
	}
	return 0
}

// Len is the number of values in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.total
}

// Count is the number of values of kind k.
func (s *Set) Count(k Kind) int {
	if s == nil || k >= numKinds {
		return 0
	}
	return s.count[k]
}

// metaOf returns the meta index of a valid ref.
func (s *Set) metaOf(ref int32) int32 {
	i := refIdx(ref)
	switch k := refKind(ref); k {
	case KindIPv4:
		return s.ip4.meta[i]
	case KindIPv6:
		return s.ip6.e[i].meta
	case KindCIDR4:
		return s.cidr[0].metas[i]
	case KindCIDR6:
		return s.cidr[1].metas[i]
	default:
		return s.strs[k].e[i].meta
	}
}

// valid reports whether ref names a value of s.
func (s *Set) valid(ref int32) bool {
	if s == nil || ref < 0 {
		return false
	}
	i := refIdx(ref)
	switch k := refKind(ref); k {
	case KindIPv4:
		return i < s.ip4.len()
	case KindIPv6:
		return i < len(s.ip6.e) && s.ip6.e[i].meta >= 0
	case KindCIDR4:
		return i < len(s.cidr[0].pfx)
	case KindCIDR6:
		return i < len(s.cidr[1].pfx)
	case KindDomain, KindURL, KindEmail, KindMD5, KindSHA1, KindSHA256, KindSHA512:
		return i < len(s.strs[k].e) && s.strs[k].e[i].meta >= 0
	}
	return false
}

// Value returns the normalised value ref names ("" for an invalid ref).
func (s *Set) Value(ref int32) string {
	if !s.valid(ref) {
		return ""
	}
	i := refIdx(ref)
	switch k := refKind(ref); k {
	case KindIPv4:
		u := s.ip4.key(i)
		return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}).String()
	case KindIPv6:
		return addr6(s.ip6.e[i].hi, s.ip6.e[i].lo).String()
	case KindCIDR4:
		return s.cidr[0].pfx[i].String()
	case KindCIDR6:
		return s.cidr[1].pfx[i].String()
	default:
		t := &s.strs[k]
		key := t.key(t.e[i].off)
		if t.fixed > 0 {
			return hex.EncodeToString(key)
		}
		return string(key)
	}
}

// Kind returns the kind of the value ref names.
func (s *Set) Kind(ref int32) Kind {
	if !s.valid(ref) {
		return KindNone
	}
	return refKind(ref)
}

// Indicator returns the indicator ref names (a new copy; nil for an
// invalid ref).
func (s *Set) Indicator(ref int32) *Indicator {
	if !s.valid(ref) {
		return nil
	}
	m := &s.metas[s.metaOf(ref)]
	ind := &Indicator{Kind: refKind(ref), Value: s.Value(ref), ID: m.id, Name: m.name, TLP: m.tlp,
		Confidence: int(m.confidence), Score: int(m.score), Modified: nsTime(m.modified)}
	if m.validUntil != noTime {
		t := nsTime(m.validUntil)
		ind.ValidUntil = &t
	}
	return ind
}

// Refs iterates over the refs of every value of kind k.
func (s *Set) Refs(k Kind) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		if s == nil {
			return
		}
		switch k {
		case KindIPv4:
			for i := range s.ip4.len() {
				if !yield(mkRef(k, i)) {
					return
				}
			}
		case KindIPv6:
			for i := range s.ip6.e {
				if s.ip6.e[i].meta >= 0 && !yield(mkRef(k, i)) {
					return
				}
			}
		case KindCIDR4, KindCIDR6:
			for i := range s.cidr[k-KindCIDR4].pfx {
				if !yield(mkRef(k, i)) {
					return
				}
			}
		case KindDomain, KindURL, KindEmail, KindMD5, KindSHA1, KindSHA256, KindSHA512:
			for i := range s.strs[k].e {
				if s.strs[k].e[i].meta >= 0 && !yield(mkRef(k, i)) {
					return
				}
			}
		}
	}
}

// metasByID returns the metas of the indicator with STIX id id.
func (s *Set) metasByID(id string) []int32 {
	s.idOnce.Do(func() {
		s.byID = make(map[string][]int32)
		for i := range s.metas {
			s.byID[s.metas[i].id] = append(s.byID[s.metas[i].id], int32(i))
		}
	})
	return s.byID[id]
}

// Build compiles indicators into a Set. Values are normalised as package
// stix/pattern normalises atoms (IPv4-mapped IPv6 addresses and blocks
// fold to IPv4; a /32 or /128 block is an address; any IP kind accepts
// any IP value, the value decides). When two indicators give the same
// kind and value, the one with the higher score is kept, then the one
// modified last, then the first. Indicators with a bad kind or value are
// left out and reported.
func Build(inds []Indicator) (*Set, []Problem) {
	b := newBuilder()
	probs := b.addIndicators(inds)
	return b.finish(), probs
}

// buildBatches builds a set from updates in order: a value of a later
// batch replaces the same value of an earlier one.
func buildBatches(batches [][]Indicator) *Set {
	b := newBuilder()
	for i, inds := range batches {
		if i > 0 {
			b.startOverride()
		}
		b.addIndicators(inds)
	}
	return b.finish()
}

func (b *builder) addIndicators(inds []Indicator) []Problem {
	var probs []Problem
	var buf []byte
	for i := range inds {
		var field, msg string
		buf, field, msg = b.addIndicator(&inds[i], buf)
		if msg != "" {
			probs = append(probs, Problem{Index: i, Field: field, Message: msg})
		}
	}
	return probs
}

// builder stages normalised values, then builds the tables.
type builder struct {
	metas   []meta
	metaIdx map[meta]int32
	lastM   meta
	lastIdx int32
	// batch numbers the updates a set is built from: a value of a later
	// batch replaces that of an earlier one regardless of score.
	batch     int32
	metaBatch []int32

	ip4   []u4Entry
	ip6   []u6Entry
	cidr  [2][]pfxEntry
	strs  [numKinds][]sEntry // off into arena[k], meta; tag unused
	arena [numKinds][]byte
}

type pfxEntry struct {
	p    netip.Prefix
	meta int32
}

func newBuilder() *builder {
	return &builder{metaIdx: make(map[meta]int32), lastIdx: -1}
}

func (b *builder) addMeta(m meta) int32 {
	if b.lastIdx >= 0 && m == b.lastM {
		return b.lastIdx
	}
	idx, ok := b.metaIdx[m]
	if !ok {
		idx = int32(len(b.metas))
		b.metas = append(b.metas, m)
		b.metaBatch = append(b.metaBatch, b.batch)
		b.metaIdx[m] = idx
	}
	b.lastM, b.lastIdx = m, idx
	return idx
}

// startOverride starts a new batch: every value added from now on
// replaces the same value added before.
func (b *builder) startOverride() {
	b.batch++
	b.metaIdx = make(map[meta]int32)
	b.lastIdx = -1
}

func metaOfIndicator(ind *Indicator) meta {
	m := meta{id: ind.ID, name: ind.Name, modified: timeNS(ind.Modified), validUntil: noTime,
		confidence: int32(ind.Confidence), score: int32(ind.Score), tlp: ind.TLP}
	if ind.ValidUntil != nil {
		m.validUntil = timeNS(*ind.ValidUntil)
	}
	return m
}

// addIndicator normalises and stages one indicator; field and msg say
// what is wrong with it.
func (b *builder) addIndicator(ind *Indicator, buf []byte) (_ []byte, field, msg string) {
	k := ind.Kind
	v := ind.Value
	switch k {
	case KindIPv4, KindIPv6, KindCIDR4, KindCIDR6:
		if u, ok := parseIPv4(v); ok {
			b.ip4 = append(b.ip4, u4Entry{key: u, meta: b.addMeta(metaOfIndicator(ind))})
			return buf, "", ""
		}
		_, canon, err := pattern.NormalizeIP(v)
		if err != nil {
			return buf, "value", err.Error()
		}
		m := b.addMeta(metaOfIndicator(ind))
		if strings.IndexByte(canon, '/') >= 0 {
			b.addPrefix(netip.MustParsePrefix(canon), m)
		} else {
			b.addAddr(netip.MustParseAddr(canon), m)
		}
	case KindDomain:
		if !validDomain(v) {
			n, err := pattern.NormalizeDomain(v)
			if err != nil {
				return buf, "value", err.Error()
			}
			v = n
		}
		b.addStr(k, []byte(v), b.addMeta(metaOfIndicator(ind)))
	case KindURL:
		n, err := pattern.NormalizeURL(v)
		if err != nil {
			return buf, "value", err.Error()
		}
		b.addStr(k, []byte(n), b.addMeta(metaOfIndicator(ind)))
	case KindEmail:
		n, err := pattern.NormalizeEmail(v)
		if err != nil {
			return buf, "value", err.Error()
		}
		b.addStr(k, []byte(n), b.addMeta(metaOfIndicator(ind)))
	case KindMD5, KindSHA1, KindSHA256, KindSHA512:
		var d [64]byte
		if !decodeHex(d[:hashSize(k)], v) {
			return buf, "value", "not a valid " + k.String() + " hash (" + itoa(2*hashSize(k)) + " hex digits)"
		}
		b.addStr(k, d[:hashSize(k)], b.addMeta(metaOfIndicator(ind)))
	default:
		return buf, "kind", "unknown indicator kind " + k.String()
	}
	return buf, "", ""
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func (b *builder) addAddr(a netip.Addr, m int32) {
	a = a.Unmap()
	if a.Is4() {
		b.ip4 = append(b.ip4, u4Entry{key: u32(a), meta: m})
		return
	}
	hi, lo := halves(a)
	b.ip6 = append(b.ip6, u6Entry{hi: hi, lo: lo, meta: m})
}

func (b *builder) addPrefix(p netip.Prefix, m int32) {
	p = p.Masked()
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		a = p.Addr()
	}
	if p.IsSingleIP() {
		b.addAddr(a, m)
		return
	}
	fam := 1
	if a.Is4() {
		fam = 0
	}
	b.cidr[fam] = append(b.cidr[fam], pfxEntry{p: p, meta: m})
}

func (b *builder) addStr(k Kind, v []byte, m int32) {
	a := b.arena[k]
	off := len(a)
	if hashSize(k) == 0 {
		a = appendUvarint(a, uint64(len(v)))
	}
	a = append(a, v...)
	b.arena[k] = a
	b.strs[k] = append(b.strs[k], sEntry{off: uint32(off), meta: m})
}

func appendUvarint(a []byte, x uint64) []byte {
	for x >= 0x80 {
		a = append(a, byte(x)|0x80)
		x >>= 7
	}
	return append(a, byte(x))
}

// better reports whether meta n should replace meta o for the same value.
func (b *builder) better(n, o int32) bool {
	if bn, bo := b.metaBatch[n], b.metaBatch[o]; bn != bo {
		return bn > bo
	}
	mn, mo := &b.metas[n], &b.metas[o]
	if mn.score != mo.score {
		return mn.score > mo.score
	}
	return mn.modified > mo.modified
}

func (b *builder) finish() *Set {
	s := &Set{metas: b.metas}
	// IPv4
	s.ip4 = newU4Table(b.ip4, b.better)
	s.count[KindIPv4] = s.ip4.len()
	b.ip4 = nil
	s.ip6 = newU6Table(len(b.ip6))
	for _, e := range b.ip6 {
		i, found := s.ip6.find(e.hi, e.lo)
		if found {
			if b.better(e.meta, s.ip6.e[i].meta) {
				s.ip6.e[i].meta = e.meta
			}
			continue
		}
		s.ip6.e[i] = e
		s.count[KindIPv6]++
	}
	b.ip6 = nil
	for fam := range 2 {
		c := &s.cidr[fam]
		c.t = new(bart.Table[int32])
		idx := make(map[netip.Prefix]int, len(b.cidr[fam]))
		for _, e := range b.cidr[fam] {
			if i, ok := idx[e.p]; ok {
				if b.better(e.meta, c.metas[i]) {
					c.metas[i] = e.meta
				}
				continue
			}
			i := len(c.pfx)
			idx[e.p] = i
			c.pfx = append(c.pfx, e.p)
			c.metas = append(c.metas, e.meta)
			c.t.Insert(e.p, mkRef(KindCIDR4+Kind(fam), i))
			if fam == 0 {
				c.setCover(e.p)
			}
		}
		s.count[KindCIDR4+Kind(fam)] = len(c.pfx)
		b.cidr[fam] = nil
	}
	for k := KindDomain; k < numKinds; k++ {
		t := &s.strs[k]
		t.fixed, t.arena, t.domain = hashSize(k), b.arena[k], k == KindDomain
		t.e = make([]sEntry, tableSize(len(b.strs[k])))
		for i := range t.e {
			t.e[i].meta = -1
		}
		if k == KindDomain && len(b.strs[k]) > 0 {
			s.dom = newDomFilter(len(b.strs[k]))
		}
		for _, e := range b.strs[k] {
			key := t.key(e.off)
			h := t.hash(key)
			i, found := t.findHash(key, h)
			if found {
				if b.better(e.meta, t.e[i].meta) {
					t.e[i].meta = e.meta
				}
				continue
			}
			t.e[i] = sEntry{tag: uint32(h), off: e.off, meta: e.meta}
			s.count[k]++
			if k == KindDomain {
				s.domLabels |= 1 << min(labels(key), 63)
				s.dom.set(h)
			}
		}
		b.strs[k] = nil
	}
	for _, c := range s.count {
		s.total += c
	}
	return s
}

// merge builds a new set from base (without the values of the hidden
// metas) and over, whose values win over base's.
func merge(base *Set, hidden map[int32]struct{}, over *Set) *Set {
	b := newBuilder()
	if base != nil {
		remap := make([]int32, len(base.metas))
		for i := range remap {
			remap[i] = -1
			if _, h := hidden[int32(i)]; !h {
				remap[i] = b.addMeta(base.metas[i])
			}
		}
		b.addSet(base, remap)
	}
	if over != nil {
		b.startOverride()
		remap := make([]int32, len(over.metas))
		for i := range remap {
			remap[i] = b.addMeta(over.metas[i])
		}
		b.addSet(over, remap)
	}
	return b.finish()
}

// addSet stages every value of s whose meta remaps to a meta of b.
func (b *builder) addSet(s *Set, remap []int32) {
	for i := range s.ip4.len() {
		if m := remap[s.ip4.meta[i]]; m >= 0 {
			b.ip4 = append(b.ip4, u4Entry{key: s.ip4.key(i), meta: m})
		}
	}
	for i := range s.ip6.e {
		if e := s.ip6.e[i]; e.meta >= 0 && remap[e.meta] >= 0 {
			b.ip6 = append(b.ip6, u6Entry{hi: e.hi, lo: e.lo, meta: remap[e.meta]})
		}
	}
	for fam := range 2 {
		c := &s.cidr[fam]
		for i, p := range c.pfx {
			if m := remap[c.metas[i]]; m >= 0 {
				b.cidr[fam] = append(b.cidr[fam], pfxEntry{p: p, meta: m})
			}
		}
	}
	for k := KindDomain; k < numKinds; k++ {
		t := &s.strs[k]
		for i := range t.e {
			if e := t.e[i]; e.meta >= 0 && remap[e.meta] >= 0 {
				b.addStr(k, t.key(e.off), remap[e.meta])
			}
		}
	}
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func halves(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return
}

func addr6(hi, lo uint64) netip.Addr {
	var b [16]byte
	for i := range 8 {
		b[7-i] = byte(hi >> (8 * i))
		b[15-i] = byte(lo >> (8 * i))
	}
	return netip.AddrFrom16(b)
}

// Builder compiles indicators given one at a time (Build without holding
// every Indicator in memory at once). It is not safe for concurrent use.
type Builder struct {
	b   *builder
	n   int
	buf []byte
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{b: newBuilder()} }

// Add normalises and stages one indicator (the same rules as Build); it
// returns what is wrong with it, Index counting the calls to Add from 0.
// The builder keeps no reference to ind.
func (b *Builder) Add(ind *Indicator) *Problem {
	var field, msg string
	b.buf, field, msg = b.b.addIndicator(ind, b.buf)
	b.n++
	if msg != "" {
		return &Problem{Index: b.n - 1, Field: field, Message: msg}
	}
	return nil
}

// Finish builds the set; the builder must not be used afterwards.
func (b *Builder) Finish() *Set {
	s := b.b.finish()
	b.b = nil
	return s
}

func labels(name []byte) int {
	n := 1
	for _, c := range name {
		if c == '.' {
			n++
		}
	}
	return n
}
