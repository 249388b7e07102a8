// Package export writes a list of indicators (match.Indicator) in the
// formats that security tools load unchanged: plain text, CSV, Suricata
// rules and dataset files, Snort 3 rules, a Zeek intel file, an nftables
// script, an ipset restore file, a DNS RPZ zone, a hosts file, a STIX 2.1
// bundle and a MISP feed.
//
// Every writer sorts its input (kind, value, id), so the output depends only
// on the set of indicators and the options, never on their order; ETag is
// computed over the same canonical list. Values a format cannot express
// (a hash in an nftables set) or cannot express safely (a URL with a byte
// that would break a rule) are skipped and counted in Stats, never written
// half-escaped.
package export

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/match"
)

// Format names an export format.
type Format string

// Formats.
const (
	FormatTXT             Format = "txt"
	FormatCSV             Format = "csv"
	FormatSuricata        Format = "suricata"
	FormatSuricataDataset Format = "suricata-dataset"
	FormatSnort           Format = "snort"
	FormatZeek            Format = "zeek"
	FormatNFT             Format = "nft"
	FormatIPSet           Format = "ipset"
	FormatRPZ             Format = "rpz"
	FormatHosts           Format = "hosts"
	FormatSTIX            Format = "stix"
	FormatMISPFeed        Format = "misp-feed"
)

// Formats lists every format.
var Formats = []Format{FormatTXT, FormatCSV, FormatSuricata, FormatSuricataDataset, FormatSnort, FormatZeek,
	FormatNFT, FormatIPSet, FormatRPZ, FormatHosts, FormatSTIX, FormatMISPFeed}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if slices.Contains(Formats, f) {
		return f, nil
	}
	return "", apperr.Invalid("format", "unknown export format %q", s)
}

// Options tune a writer.
type Options struct {
	// Kinds restricts the export to these kinds; empty means every kind the
	// format supports. suricata-dataset needs exactly one kind.
	Kinds []match.Kind
	// Name names the set, list or table ("sakimori-block"): 1-31 of
	// [a-z0-9_-], starting with a letter; at most 28 for nft and ipset,
	// which append "-v4"/"-v6" and whose set names are limited to 31 bytes.
	// Default "sakimori".
	Name string
	// SIDBase is the first Suricata/Snort sid (default 9100000); sids are
	// taken from [SIDBase, SIDBase+SIDRange).
	SIDBase int
	// Zone is the RPZ zone origin (default "rpz.sakimori.local.").
	Zone string
	// Generated is written in headers; the RPZ SOA serial is its Unix time.
	Generated time.Time
	// Source (e.g. the server URL) is written in comments.
	Source string
}

// Defaults.
const (
	DefaultName    = "sakimori"
	DefaultSIDBase = 9_100_000
	DefaultZone    = "rpz.sakimori.local."
	// SIDRange is the size of the sid range an export uses.
	SIDRange = 1_000_000
)

// Stats says what a writer did with its input.
type Stats struct {
	Written int // indicators written (a value expressed by several rules counts once)
	Skipped int // indicators left out: kind not supported, not selected, or value not expressible
	// SkippedKinds counts the skipped indicators per kind.
	SkippedKinds map[match.Kind]int
}

func (s *Stats) skip(k match.Kind) {
	s.Skipped++
	if s.SkippedKinds == nil {
		s.SkippedKinds = map[match.Kind]int{}
	}
	s.SkippedKinds[k]++
}

// supported lists the kinds each format can express at all.
var supported = map[Format][]match.Kind{
	FormatTXT:             match.Kinds,
	FormatCSV:             match.Kinds,
	FormatSuricata:        {match.KindIPv4, match.KindIPv6, match.KindCIDR4, match.KindCIDR6, match.KindDomain, match.KindURL},
	FormatSuricataDataset: {match.KindIPv4, match.KindIPv6, match.KindDomain, match.KindEmail, match.KindMD5, match.KindSHA256},
	FormatSnort:           {match.KindIPv4, match.KindIPv6, match.KindCIDR4, match.KindCIDR6, match.KindDomain, match.KindURL},
	FormatZeek:            match.Kinds,
	FormatNFT:             {match.KindIPv4, match.KindIPv6, match.KindCIDR4, match.KindCIDR6},
	FormatIPSet:           {match.KindIPv4, match.KindIPv6, match.KindCIDR4, match.KindCIDR6},
	FormatRPZ:             {match.KindIPv4, match.KindIPv6, match.KindCIDR4, match.KindCIDR6, match.KindDomain},
	FormatHosts:           {match.KindDomain},
	FormatSTIX:            match.Kinds,
	FormatMISPFeed:        match.Kinds,
}

// Supported returns the kinds format f can express.
func Supported(f Format) []match.Kind { return slices.Clone(supported[f]) }

// normalized fills in defaults and validates o for format f.
func (o Options) normalized(f Format) (Options, error) {
	if _, ok := supported[f]; !ok {
		return o, apperr.Invalid("format", "unknown export format %q", string(f))
	}
	if o.Name == "" {
		o.Name = DefaultName
	}
	max := 31
	if f == FormatNFT || f == FormatIPSet {
		max = 28
	}
	if err := checkName(o.Name, max); err != nil {
		return o, err
	}
	if o.SIDBase == 0 {
		o.SIDBase = DefaultSIDBase
	}
	if o.SIDBase < 1 || o.SIDBase > 2_000_000_000 {
		return o, apperr.Invalid("sid_base", "must be between 1 and 2000000000")
	}
	if o.Zone == "" {
		o.Zone = DefaultZone
	}
	o.Zone = strings.ToLower(o.Zone)
	if !strings.HasSuffix(o.Zone, ".") {
		o.Zone += "."
	}
	if !validDomain(strings.TrimSuffix(o.Zone, ".")) || len(o.Zone) > 200 {
		return o, apperr.Invalid("zone", "must be a domain name such as %q", DefaultZone)
	}
	if strings.ContainsFunc(o.Source, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return o, apperr.Invalid("source", "must not contain control characters")
	}
	for i, k := range o.Kinds {
		if k <= match.KindNone || k > match.KindSHA512 {
			return o, apperr.Invalid(fmt.Sprintf("kinds[%d]", i), "unknown kind")
		}
	}
	if f == FormatSuricataDataset {
		if len(o.Kinds) != 1 {
			return o, apperr.Invalid("kinds", "a Suricata dataset file holds exactly one kind")
		}
		if !slices.Contains(supported[f], o.Kinds[0]) {
			return o, apperr.Invalid("kinds", "Suricata datasets cannot hold %s values", o.Kinds[0])
		}
	}
	return o, nil
}

func checkName(s string, max int) error {
	if len(s) > max {
		return apperr.Invalid("name", "must be at most %d characters", max)
	}
	if s[0] < 'a' || s[0] > 'z' {
		return apperr.Invalid("name", "must start with a letter a-z")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return apperr.Invalid("name", "may contain only a-z, 0-9, '_' and '-'")
		}
	}
	return nil
}

// wants reports whether kind k is selected by o and supported by f.
func (o *Options) wants(f Format, k match.Kind) bool {
	if len(o.Kinds) > 0 && !slices.Contains(o.Kinds, k) {
		return false
	}
	return slices.Contains(supported[f], k)
}

// entry is an indicator with its value in canonical form, ready to write.
type entry struct {
	match.Indicator
	prefix netip.Prefix // IP kinds: the address as a prefix
}

// prepare filters, canonicalises and sorts the indicators for format f.
// Indicators of unselected or unsupported kinds, or whose value is not a
// valid value of its kind, are counted as skipped. Exact duplicates (same
// kind, value and id) are written once.
func prepare(f Format, inds []match.Indicator, o *Options, st *Stats) []entry {
	out := make([]entry, 0, len(inds))
	for _, in := range inds {
		if !o.wants(f, in.Kind) {
			st.skip(in.Kind)
			continue
		}
		e, ok := canonical(in)
		if !ok {
			st.skip(in.Kind)
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value), cmp.Compare(a.ID, b.ID))
	})
	return slices.CompactFunc(out, func(a, b entry) bool { return a.Kind == b.Kind && a.Value == b.Value && a.ID == b.ID })
}

// canonical checks that v is a valid value of its kind and returns it in the
// canonical form package stix/pattern produces (hashes lower case, domains
// lower case without a trailing dot, addresses in netip's text form).
func canonical(in match.Indicator) (entry, bool) {
	e := entry{Indicator: in}
	v := in.Value
	switch in.Kind {
	case match.KindIPv4, match.KindIPv6:
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return e, false
		}
		a = a.Unmap()
		if a.Is4() != (in.Kind == match.KindIPv4) {
			return e, false
		}
		e.Value = a.String()
		e.prefix = netip.PrefixFrom(a, a.BitLen())
	case match.KindCIDR4, match.KindCIDR6:
		p, err := netip.ParsePrefix(v)
		if err != nil || p.Addr().Zone() != "" || p.Addr().Is4() != (in.Kind == match.KindCIDR4) {
			return e, false
		}
		e.prefix = p.Masked()
		e.Value = e.prefix.String()
	case match.KindDomain:
		v = strings.TrimSuffix(strings.ToLower(v), ".")
		if !validDomain(v) {
			return e, false
		}
		e.Value = v
	case match.KindURL:
		if !validURL(v) {
			return e, false
		}
	case match.KindEmail:
		at := strings.LastIndexByte(v, '@')
		if at <= 0 || at > 64 || !validDomain(v[at+1:]) || strings.ContainsFunc(v[:at], func(r rune) bool {
			return r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == '@' || r == 0xfffd
		}) {
			return e, false
		}
		e.Value = strings.ToLower(v)
	case match.KindMD5, match.KindSHA1, match.KindSHA256, match.KindSHA512:
		n := map[match.Kind]int{match.KindMD5: 32, match.KindSHA1: 40, match.KindSHA256: 64, match.KindSHA512: 128}[in.Kind]
		if len(v) != n {
			return e, false
		}
		if _, err := hex.DecodeString(v); err != nil {
			return e, false
		}
		e.Value = strings.ToLower(v)
	default:
		return e, false
	}
	return e, true
}

// validDomain reports whether s is a domain in canonical form: lower-case
// ASCII labels of letters, digits, '-' and '_', 1-63 octets each, at most
// 253 octets in all, at least two labels.
func validDomain(s string) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	labels := 0
	for l := range strings.SplitSeq(s, ".") {
		if len(l) == 0 || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
		labels++
	}
	return labels >= 2
}

// validURL accepts absolute URLs without white space or control
// characters and with a host. Non-ASCII bytes in the path are kept.
func validURL(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 || len(s) > 8192 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || j > 0 && (c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	for j := 0; j < len(s); j++ {
		if s[j] <= ' ' || s[j] == 0x7f {
			return false
		}
	}
	h, _ := urlHost(s)
	return h != ""
}

// urlHost splits an absolute URL into host (without port and user info; an
// IPv6 literal keeps its brackets) and the rest (path and query, "/" at
// least).
func urlHost(s string) (host, rest string) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", ""
	}
	auth := s[i+3:]
	rest = "/"
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth, rest = auth[:j], auth[j:]
		if rest[0] != '/' {
			rest = "/" + rest
		}
	}
	if j := strings.LastIndexByte(auth, '@'); j >= 0 {
		auth = auth[j+1:]
	}
	if strings.HasPrefix(auth, "[") {
		j := strings.IndexByte(auth, ']')
		if j < 0 {
			return "", ""
		}
		return auth[:j+1], rest
	}
	if j := strings.IndexByte(auth, ':'); j >= 0 {
		auth = auth[:j]
	}
	if _, err := netip.ParseAddr(auth); err != nil && !validDomain(auth) {
		return "", ""
	}
	return auth, rest
}

// header writes comment lines (prefix "# " or "; ") naming the export.
func header(w *writer, c string, f Format, o *Options) {
	w.line(c, " sakimori export: ", string(f), " ", o.Name)
	if !o.Generated.IsZero() {
		w.line(c, " generated: ", o.Generated.UTC().Format(time.RFC3339))
	}
	if o.Source != "" {
		w.line(c, " source: ", o.Source)
	}
	if len(o.Kinds) > 0 {
		names := make([]string, len(o.Kinds))
		for i, k := range o.Kinds {
			names[i] = k.String()
		}
		w.line(c, " kinds: ", strings.Join(names, ","))
	}
}

// writer accumulates the first write error.
type writer struct {
	w   io.Writer
	buf []byte
	err error
}

func (w *writer) str(ss ...string) {
	for _, s := range ss {
		w.buf = append(w.buf, s...)
	}
	if len(w.buf) >= 64<<10 {
		w.flush()
	}
}

func (w *writer) line(ss ...string) {
	w.str(ss...)
	w.str("\n")
}

func (w *writer) flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
	return w.err
}

// Write writes inds to w in format f. misp-feed is written as a gzipped tar
// of the feed's files (see MISPFeed).
func Write(w io.Writer, f Format, inds []match.Indicator, opt Options) (Stats, error) {
	o, err := opt.normalized(f)
	if err != nil {
		return Stats{}, err
	}
	var st Stats
	ents := prepare(f, inds, &o, &st)
	bw := &writer{w: w}
	switch f {
	case FormatTXT:
		writeTXT(bw, ents, &o, &st)
	case FormatCSV:
		err = writeCSV(bw, ents, &o, &st)
	case FormatHosts:
		writeHosts(bw, ents, &o, &st)
	case FormatZeek:
		writeZeek(bw, ents, &o, &st)
	case FormatSuricata:
		writeSuricata(bw, ents, &o, &st)
	case FormatSuricataDataset:
		writeDataset(bw, ents, &o, &st)
	case FormatSnort:
		writeSnort(bw, ents, &o, &st)
	case FormatNFT:
		writeNFT(bw, ents, &o, &st)
	case FormatIPSet:
		writeIPSet(bw, ents, &o, &st)
	case FormatRPZ:
		writeRPZ(bw, ents, &o, &st)
	case FormatSTIX:
		err = writeSTIX(bw, ents, &o, &st)
	case FormatMISPFeed:
		err = writeMISPTar(bw, ents, &o, &st)
	}
	if err != nil {
		return st, err
	}
	return st, bw.flush()
}

// ContentType is the media type to serve format f with.
func ContentType(f Format) string {
	switch f {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatSTIX:
		return "application/stix+json;version=2.1"
	case FormatMISPFeed:
		return "application/gzip"
	case FormatRPZ:
		return "text/dns; charset=utf-8"
	}
	return "text/plain; charset=utf-8"
}

// FileName is the file name to offer for format f.
func FileName(f Format, opt Options) string {
	name := opt.Name
	if name == "" || checkName(name, 31) != nil {
		name = DefaultName
	}
	switch f {
	case FormatTXT:
		if len(opt.Kinds) == 1 {
			return name + "-" + opt.Kinds[0].String() + ".txt"
		}
		return name + ".txt"
	case FormatCSV:
		return name + ".csv"
	case FormatSuricata:
		return name + ".rules"
	case FormatSuricataDataset:
		if len(opt.Kinds) == 1 {
			return name + "-" + opt.Kinds[0].String() + ".lst"
		}
		return name + ".lst"
	case FormatSnort:
		return name + ".snort3.rules"
	case FormatZeek:
		return name + ".intel"
	case FormatNFT:
		return name + ".nft"
	case FormatIPSet:
		return name + ".ipset"
	case FormatRPZ:
		return name + ".rpz.zone"
	case FormatHosts:
		return name + ".hosts"
	case FormatSTIX:
		return name + ".stix.json"
	case FormatMISPFeed:
		return name + "-misp-feed.tar.gz"
	}
	return name
}

// ETag is a strong entity tag for Write(f, inds, opt): a SHA-256 over the
// format, the normalised options and the sorted list of every indicator
// field any format writes (kind, value, id, modified, name, TLP,
// confidence, score, valid_until). It does not depend on the order of inds
// and changes whenever the exported bytes can change.
func ETag(f Format, opt Options, inds []match.Indicator) string {
	o, err := opt.normalized(f)
	if err != nil {
		o = opt
	}
	h := sha256.New()
	var num [8]byte
	wstr := func(s string) {
		binary.BigEndian.PutUint64(num[:], uint64(len(s)))
		h.Write(num[:])
		h.Write([]byte(s))
	}
	wint := func(n int64) {
		binary.BigEndian.PutUint64(num[:], uint64(n))
		h.Write(num[:])
	}
	wstr("sakimori-export-v1")
	wstr(string(f))
	wstr(o.Name)
	wint(int64(o.SIDBase))
	wstr(o.Zone)
	wstr(o.Source)
	wint(o.Generated.UnixNano())
	wint(int64(len(o.Kinds)))
	for _, k := range o.Kinds {
		wint(int64(k))
	}
	idx := make([]int, len(inds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		x, y := &inds[a], &inds[b]
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Value, y.Value), cmp.Compare(x.ID, y.ID),
			x.Modified.Compare(y.Modified), cmp.Compare(x.Name, y.Name), cmp.Compare(x.TLP, y.TLP),
			cmp.Compare(x.Confidence, y.Confidence), cmp.Compare(x.Score, y.Score), cmp.Compare(until(x), until(y)))
	})
	wint(int64(len(inds)))
	for _, i := range idx {
		x := &inds[i]
		wint(int64(x.Kind))
		wstr(x.Value)
		wstr(x.ID)
		wint(x.Modified.UnixNano())
		wstr(x.Name)
		wint(int64(x.TLP))
		wint(int64(x.Confidence))
		wint(int64(x.Score))
		wint(until(x))
	}
	return `"` + hex.EncodeToString(h.Sum(nil)[:20]) + `"`
}

func until(x *match.Indicator) int64 {
	if x.ValidUntil == nil {
		return -1 << 63
	}
	return x.ValidUntil.UnixNano()
}

// safeText returns s with everything but printable ASCII other than
// forbidden replaced by '?', clipped to max bytes: for msg and comment
// text.
func safeText(s, forbidden string, max int) string {
	b := make([]byte, 0, min(len(s), max))
	for i := 0; i < len(s) && len(b) < max; i++ {
		c := s[i]
		if c < ' ' || c >= 0x7f || strings.IndexByte(forbidden, c) >= 0 {
			c = '?'
		}
		b = append(b, c)
	}
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
