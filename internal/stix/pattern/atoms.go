package pattern

import (
	"slices"
	"strconv"
	"strings"
)

// Kind is the kind of an atom.
type Kind string

// Atom kinds.
const (
	KindIPv4     Kind = "ipv4"     // single IPv4 address
	KindIPv6     Kind = "ipv6"     // single IPv6 address
	KindCIDR4    Kind = "cidr4"    // IPv4 network (host bits cleared)
	KindCIDR6    Kind = "cidr6"    // IPv6 network (host bits cleared)
	KindDomain   Kind = "domain"   // domain name (exact name, not its subdomains)
	KindURL      Kind = "url"      // absolute URL
	KindEmail    Kind = "email"    // e-mail address
	KindMD5      Kind = "md5"      // hashes: lower-case hex
	KindSHA1     Kind = "sha1"     //
	KindSHA224   Kind = "sha224"   //
	KindSHA256   Kind = "sha256"   //
	KindSHA384   Kind = "sha384"   //
	KindSHA512   Kind = "sha512"   //
	KindSHA3_224 Kind = "sha3-224" //
	KindSHA3_256 Kind = "sha3-256" //
	KindSHA3_384 Kind = "sha3-384" //
	KindSHA3_512 Kind = "sha3-512" //
)

// Atom is one concrete value a pattern looks for, normalised for lookup in an
// index of indicator values.
//
// Atoms are candidates, not verdicts. For a pattern whose parts are joined by
// AND (inside brackets, or between observations, or FOLLOWEDBY), every part
// must hold, so seeing one atom makes the pattern a candidate that still has
// to be evaluated as a whole. For parts joined by OR, any one part suffices.
// Exact marks the atoms that are sufficient on their own: seeing the atom (on
// the given ports, if Ports is set) means the pattern matches.
type Atom struct {
	Kind  Kind
	Value string // normalised: see NormalizeIP, NormalizeDomain, NormalizeURL, NormalizeEmail, NormalizeHash
	// Path is the object path the value was compared with, printed
	// canonically (e.g. "file:hashes.'SHA-256'", "network-traffic:dst_ref.value").
	Path string
	// Role says which end of a relationship the value is: "src" or "dst"
	// for network-traffic endpoints; "from", "sender", "to", "cc" or "bcc"
	// for e-mail messages; "resolves_to" for domain-name resolutions; ""
	// when the value is the object itself.
	Role string
	// Ports restricts network-traffic endpoints to these ports, from
	// dst_port/src_port equality (or IN) comparisons ANDed in the same
	// observation. Nil means any port.
	Ports []int
	// Exact is true when the atom alone decides the match: it comes from a
	// positive equality (=, IN, or ISSUBSET for CIDR atoms) that is joined
	// to the rest of the pattern only by OR, with no qualifier, and any
	// other condition next to it is folded into the atom (Ports, or a
	// *_ref.type consistent with the value).
	Exact bool
	// Pos is the byte offset of the comparison in the pattern text.
	Pos int
}

// Skipped is a comparison on an indicator-bearing property (an address,
// domain, URL, e-mail address or hash) that yields no atom, and why.
type Skipped struct {
	Path   string
	Pos    int
	Reason string
}

// Extraction is the result of Atoms.
type Extraction struct {
	Atoms   []Atom
	Skipped []Skipped
	// Complete is true when every way the pattern can match involves at
	// least one of Atoms, so looking up observed values in an index of
	// atoms finds every candidate. When false, some branch of the pattern
	// (an OR alternative, say a LIKE or a file name test) can match without
	// any atom, and atom lookup alone would miss it.
	Complete bool
}

// Atoms extracts the matchable atoms of the pattern: IP addresses and CIDR
// blocks, domain names, URLs, e-mail addresses and file hashes compared for
// equality, with IN, or (for addresses) with ISSUBSET. Comparisons on those
// properties that cannot be looked up (negated, !=, LIKE, MATCHES,
// orderings, ISSUPERSET, EXISTS, invalid values) are reported in Skipped.
// Atoms are de-duplicated and listed in source order.
func (p *Pattern) Atoms() Extraction {
	x := &extractor{}
	x.res.Complete = x.expr(p.Expr, true)
	return x.res
}

type extractor struct {
	res  Extraction
	seen map[string]int // atom identity -> index in res.Atoms
}

// expr walks an observation expression; plain is false below observation
// AND, FOLLOWEDBY and qualifiers. It returns whether every match of e
// involves an atom.
func (x *extractor) expr(e Expr, plain bool) bool {
	switch e := e.(type) {
	case *Observation:
		return x.cmp(e.Cmp, cmpCtx{plain: plain})
	case *Qualified:
		return x.expr(e.X, false)
	case *ObsGroup:
		if e.Op == ObsOr {
			all := true
			for _, it := range e.Items {
				if !x.expr(it, plain) {
					all = false
				}
			}
			return all
		}
		anyCovers := false
		for _, it := range e.Items {
			if x.expr(it, false) {
				anyCovers = true
			}
		}
		return anyCovers
	}
	return false
}

// cmpCtx carries what surrounds a comparison inside one observation.
type cmpCtx struct {
	plain bool // no observation-level AND/FOLLOWEDBY/qualifier above
	extra bool // ANDed with conditions that are not folded into atoms
	// Port and type constraints from ANDed network-traffic comparisons.
	ports [2]portSet // index 0: src, 1: dst
	types [2][]string
}

type portSet struct {
	set   bool  // a constraint exists
	ports []int // allowed ports (empty when contradictory)
}

func (ps portSet) and(ports []int) portSet {
	slices.Sort(ports)
	ports = slices.Compact(ports)
	if !ps.set {
		return portSet{set: true, ports: ports}
	}
	var out []int
	for _, p := range ps.ports {
		if slices.Contains(ports, p) {
			out = append(out, p)
		}
	}
	return portSet{set: true, ports: out}
}

func (x *extractor) cmp(c CmpExpr, ctx cmpCtx) bool {
	switch c := c.(type) {
	case *Comparison:
		return x.leaf(c, ctx)
	case *CmpGroup:
		if c.Op == Or {
			all := true
			for _, it := range c.Items {
				if !x.cmp(it, ctx) {
					all = false
				}
			}
			return all
		}
		var rest []CmpExpr
		for _, it := range c.Items {
			if !ctx.fold(it) {
				rest = append(rest, it)
			}
		}
		if len(rest) > 1 {
			ctx.extra = true
		}
		anyCovers := false
		for _, it := range rest {
			if x.cmp(it, ctx) {
				anyCovers = true
			}
		}
		return anyCovers
	}
	return false
}

// fold records a network-traffic port or ref-type equality in ctx and
// reports whether it was one.
func (ctx *cmpCtx) fold(e CmpExpr) bool {
	c, ok := e.(*Comparison)
	if !ok || c.Not || c.Path.Type != "network-traffic" || (c.Op != OpEq && c.Op != OpIn) {
		return false
	}
	vals := c.Set
	if c.Op == OpEq {
		vals = []Literal{c.Value}
	}
	side := -1
	st := c.Path.Steps
	switch {
	case len(st) == 1 && (st[0].Key == "src_port" || st[0].Key == "dst_port"):
		if st[0].Key == "dst_port" {
			side = 1
		} else {
			side = 0
		}
		ports := make([]int, 0, len(vals))
		for _, v := range vals {
			if v.Kind != LitInt {
				return false
			}
			if v.Int >= 0 && v.Int <= 65535 {
				ports = append(ports, int(v.Int))
			}
		}
		ctx.ports[side] = ctx.ports[side].and(ports)
		return true
	case len(st) == 2 && st[1].Kind == StepKey && st[1].Key == "type" && (st[0].Key == "src_ref" || st[0].Key == "dst_ref"):
		if c.Op != OpEq || c.Value.Kind != LitString {
			return false
		}
		if st[0].Key == "dst_ref" {
			side = 1
		} else {
			side = 0
		}
		ctx.types[side] = append(slices.Clip(ctx.types[side]), c.Value.Str)
		return true
	}
	return false
}

// target describes what an atom-bearing path holds.
type target struct {
	value string // "ip4", "ip6", "endpoint" (IP or domain), "domain", "url", "email", "hash"
	role  string
	side  int // network-traffic: 0 src, 1 dst; otherwise -1
}

// classify returns what path holds, if it bears atoms.
func classify(path ObjectPath) (target, bool) {
	if _, ok := hashSelector(path); ok {
		return target{value: "hash", side: -1}, true
	}
	var b strings.Builder
	b.WriteString(path.Type)
	for i, s := range path.Steps {
		switch s.Kind {
		case StepKey:
			if i == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
		default:
			b.WriteString("[*]")
		}
	}
	switch b.String() {
	case "ipv4-addr:value":
		return target{value: "ip4", side: -1}, true
	case "ipv6-addr:value":
		return target{value: "ip6", side: -1}, true
	case "domain-name:value":
		return target{value: "domain", side: -1}, true
	case "domain-name:resolves_to_refs[*].value":
		return target{value: "endpoint", role: "resolves_to", side: -1}, true
	case "url:value":
		return target{value: "url", side: -1}, true
	case "email-addr:value":
		return target{value: "email", side: -1}, true
	case "email-message:from_ref.value":
		return target{value: "email", role: "from", side: -1}, true
	case "email-message:sender_ref.value":
		return target{value: "email", role: "sender", side: -1}, true
	case "email-message:to_refs[*].value":
		return target{value: "email", role: "to", side: -1}, true
	case "email-message:cc_refs[*].value":
		return target{value: "email", role: "cc", side: -1}, true
	case "email-message:bcc_refs[*].value":
		return target{value: "email", role: "bcc", side: -1}, true
	case "network-traffic:src_ref.value":
		return target{value: "endpoint", role: "src", side: 0}, true
	case "network-traffic:dst_ref.value":
		return target{value: "endpoint", role: "dst", side: 1}, true
	}
	return target{}, false
}

func (x *extractor) skip(c *Comparison, reason string) {
	x.res.Skipped = append(x.res.Skipped, Skipped{Path: c.Path.String(), Pos: c.Start, Reason: reason})
}

// leaf extracts the atoms of one comparison and reports whether every match
// of it involves one of them.
func (x *extractor) leaf(c *Comparison, ctx cmpCtx) bool {
	tg, ok := classify(c.Path)
	if !ok {
		return false
	}
	if c.Not {
		x.skip(c, "negated comparison (NOT): not a value to look up")
		return false
	}
	var vals []Literal
	switch c.Op {
	case OpEq:
		vals = []Literal{c.Value}
	case OpIn:
		vals = c.Set
	case OpIsSubset:
		if tg.value == "ip4" || tg.value == "ip6" || tg.value == "endpoint" {
			vals = []Literal{c.Value}
		} else {
			x.skip(c, "ISSUBSET on a property that is not an address")
			return false
		}
	case OpNeq:
		x.skip(c, "!= matches every other value: not a value to look up")
		return false
	case OpLike:
		x.skip(c, "LIKE is a wildcard pattern, not an exact value")
		return false
	case OpMatches:
		x.skip(c, "MATCHES is a regular expression, not an exact value")
		return false
	case OpIsSuperset:
		x.skip(c, "ISSUPERSET tests for containing a value: not a value to look up")
		return false
	case OpExists:
		x.skip(c, "EXISTS only tests that the property is present")
		return false
	default:
		x.skip(c, c.Op.String()+" is an ordering comparison, not an exact value")
		return false
	}
	if len(vals) == 0 {
		x.skip(c, "IN with an empty set never matches")
		return false
	}

	// Network-traffic endpoints take the port and type constraints of their
	// side; the other side's constraints remain extra conditions.
	exact := ctx.plain && !ctx.extra
	var ports []int
	var types []string
	for side := 0; side < 2; side++ {
		if side == tg.side {
			if ctx.ports[side].set {
				ports = ctx.ports[side].ports
				if len(ports) == 0 {
					x.skip(c, "the port conditions ANDed with it contradict each other")
					return false
				}
			}
			types = ctx.types[side]
			continue
		}
		if ctx.ports[side].set || len(ctx.types[side]) > 0 {
			exact = false
		}
	}

	path := c.Path.String()
	covers := true
	for _, v := range vals {
		if v.Kind != LitString {
			x.skip(c, "the value "+v.String()+" is not a string")
			covers = false
			continue
		}
		kind, value, err := x.normalize(tg, c.Path, v.Str)
		if err != "" {
			x.skip(c, quoteString(clip(v.Str))+": "+err)
			covers = false
			continue
		}
		if c.Op == OpIsSubset && kind != KindCIDR4 && kind != KindCIDR6 && kind != KindIPv4 && kind != KindIPv6 {
			x.skip(c, "ISSUBSET needs an address or CIDR block")
			covers = false
			continue
		}
		if msg := typeConflict(kind, types); msg != "" {
			x.skip(c, quoteString(clip(v.Str))+": "+msg)
			covers = false
			continue
		}
		x.add(Atom{Kind: kind, Value: value, Path: path, Role: tg.role, Ports: ports, Exact: exact, Pos: c.Start})
	}
	return covers
}

// typeConflict checks a value's kind against ANDed *_ref.type conditions.
func typeConflict(kind Kind, types []string) string {
	want := map[Kind]string{
		KindIPv4: "ipv4-addr", KindCIDR4: "ipv4-addr",
		KindIPv6: "ipv6-addr", KindCIDR6: "ipv6-addr",
		KindDomain: "domain-name",
	}[kind]
	for _, t := range types {
		if t != want {
			return "contradicts the ANDed condition type = " + quoteString(t)
		}
	}
	return ""
}

// normalize turns a compared string into an atom kind and value.
func (x *extractor) normalize(tg target, path ObjectPath, s string) (Kind, string, string) {
	switch tg.value {
	case "ip4", "ip6":
		kind, v, err := NormalizeIP(s)
		if err != nil {
			return "", "", err.Error()
		}
		if tg.value == "ip4" && kind != KindIPv4 && kind != KindCIDR4 {
			return "", "", "not an IPv4 address or CIDR block"
		}
		if tg.value == "ip6" && kind != KindIPv6 && kind != KindCIDR6 {
			return "", "", "not an IPv6 address or CIDR block"
		}
		return kind, v, ""
	case "endpoint":
		if kind, v, err := NormalizeIP(s); err == nil {
			return kind, v, ""
		}
		v, err := NormalizeDomain(s)
		if err != nil {
			return "", "", "neither an IP address nor a domain name (" + err.Error() + ")"
		}
		return KindDomain, v, ""
	case "domain":
		v, err := NormalizeDomain(s)
		if err != nil {
			return "", "", "invalid domain name: " + err.Error()
		}
		return KindDomain, v, ""
	case "url":
		v, err := NormalizeURL(s)
		if err != nil {
			return "", "", err.Error()
		}
		return KindURL, v, ""
	case "email":
		v, err := NormalizeEmail(s)
		if err != nil {
			return "", "", err.Error()
		}
		return KindEmail, v, ""
	case "hash":
		alg, _ := hashSelector(path)
		kind, v, err := NormalizeHash(alg, s)
		if err != nil {
			return "", "", err.Error()
		}
		return kind, v, ""
	}
	return "", "", "unsupported"
}

// add appends a, merging it with an identical earlier atom.
func (x *extractor) add(a Atom) {
	var k strings.Builder
	k.WriteString(string(a.Kind))
	k.WriteByte(0)
	k.WriteString(a.Value)
	k.WriteByte(0)
	k.WriteString(a.Path)
	k.WriteByte(0)
	k.WriteString(a.Role)
	for _, p := range a.Ports {
		k.WriteByte(0)
		k.WriteString(strconv.Itoa(p))
	}
	key := k.String()
	if i, ok := x.seen[key]; ok {
		x.res.Atoms[i].Exact = x.res.Atoms[i].Exact || a.Exact
		return
	}
	if x.seen == nil {
		x.seen = make(map[string]int)
	}
	x.seen[key] = len(x.res.Atoms)
	x.res.Atoms = append(x.res.Atoms, a)
}

// String prints the atom compactly, e.g. "ipv4 198.51.100.7 dst:443 (network-traffic:dst_ref.value) exact".
func (a Atom) String() string {
	var b strings.Builder
	b.WriteString(string(a.Kind))
	b.WriteByte(' ')
	b.WriteString(a.Value)
	if a.Role != "" {
		b.WriteByte(' ')
		b.WriteString(a.Role)
		for i, p := range a.Ports {
			if i == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(p))
		}
	}
	b.WriteString(" (")
	b.WriteString(a.Path)
	b.WriteByte(')')
	if a.Exact {
		b.WriteString(" exact")
	}
	return b.String()
}
