// Package exposure is the service behind the critical-computer registry
// and vulnerability handling (issue #4): operators notify their critical
// computers, the government records vulnerabilities, and every new or
// changed vulnerability or registration is matched at once to find the
// exposed computers, notify exactly their operators, and let the
// government ask vendors for information and turn answers into
// advisories. Index is the in-memory matching engine; Service is what the
// API, CLI and dashboard call.
package exposure

import (
	"slices"
	"strings"
	"sync"

	"sakimori/internal/cpe"
	"sakimori/internal/registry"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

// entry is one identity of one computer: its own CPE name or a
// component's, with the installed version parsed once in the scheme its
// vendor uses.
type entry struct {
	computerID      string
	orgID           string
	computerVersion int
	name            cpe.Name
	computer        int32  // the computer's number in the index
	key             string // name.VendorProduct()
	installed       string // as registered ("22.7R2.3", "15.2(4)M11")
	scheme          version.Scheme
	parsed          version.V
	parsedOK        bool
}

// Index holds the matchable computers by CPE vendor:product. It is built
// with Add, prepared (sorted) once, and then kept current with Update and
// Remove; Match may run concurrently with all of them.
type Index struct {
	mu    sync.RWMutex // Match reads; Update and Remove after Prepare write
	byKey map[string][]int32
	// byComputer: each computer's entries, to remove them.
	byComputer map[string][]int32
	live       int
	// entries in chunks of entryChunk: growing one slice of large entries
	// copied them over and over (a third of building an index).
	chunks [][]entry
	n      int
	// computers counts the computer numbers given out (seen flags).
	computers int
	// sorted: each key's entries with a parsed version first, in version
	// order, then the others; parsed[key] counts the first. Made once, at
	// the first Match, so that a range is a binary search and a walk over
	// exactly the versions inside it instead of a scan of every computer
	// running the product.
	sortOnce sync.Once
	parsed   map[string]int
}

const entryChunk = 4096

// entry returns entry i.
func (ix *Index) entry(i int32) *entry { return &ix.chunks[i/entryChunk][i%entryChunk] }

// Prepare sorts the index for matching (the first Match does it
// otherwise); call it after the last Add to take the cost up front.
func (ix *Index) Prepare() {
	ix.sortOnce.Do(func() {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		ix.sortBuckets()
	})
}

// sortBuckets orders each key's entries by installed version.
func (ix *Index) sortBuckets() {
	ix.parsed = make(map[string]int, len(ix.byKey))
	for key, ids := range ix.byKey {
		slices.SortFunc(ids, func(a, b int32) int {
			ea, eb := ix.entry(a), ix.entry(b)
			switch {
			case ea.parsedOK && eb.parsedOK:
				return ea.parsed.Compare(eb.parsed)
			case ea.parsedOK:
				return -1
			case eb.parsedOK:
				return 1
			}
			return 0
		})
		n := 0
		for n < len(ids) && ix.entry(ids[n]).parsedOK {
			n++
		}
		ix.parsed[key] = n
	}
}

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{byKey: map[string][]int32{}, byComputer: map[string][]int32{}} }

// Len is the number of computers in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Update replaces computer c's entries by its current state (a new
// notification): removed if it is no longer matchable (retired,
// excluded), added if it was not there.
func (ix *Index) Update(c *registry.Computer) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(c.ID)
	ix.add(c)
}

// Remove drops computer id from the index.
func (ix *Index) Remove(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(id)
}

func (ix *Index) remove(id string) {
	ids, ok := ix.byComputer[id]
	if !ok {
		return
	}
	for _, i := range ids {
		e := ix.entry(i)
		bucket := ix.byKey[e.key]
		if k := slices.Index(bucket, i); k >= 0 {
			ix.byKey[e.key] = slices.Delete(bucket, k, k+1)
			if ix.parsed != nil && k < ix.parsed[e.key] {
				ix.parsed[e.key]--
			}
		}
		*e = entry{} // the slot stays; nothing refers to it
	}
	delete(ix.byComputer, id)
	ix.live--
}

// Add indexes computer c (if it is matchable). Before Prepare it only
// appends; after, it inserts each entry at its place in version order.
func (ix *Index) Add(c *registry.Computer) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.add(c)
}

func (ix *Index) add(c *registry.Computer) {
	if !c.Matchable() {
		return
	}
	ix.computers++
	ix.live++
	for i, n := range c.Identities() {
		installed := c.ProductVersion
		if i > 0 {
			installed = c.Components[i-1].Version
		}
		if installed == "" {
			installed = version.JoinUpdate(cpeText(n.Version), cpeText(n.Update))
		}
		key := n.VendorProduct()
		e := entry{computerID: c.ID, orgID: c.OrgID, computerVersion: c.Version, name: n, key: key, computer: int32(ix.computers - 1),
			installed: installed, scheme: version.SchemeFor(cpeText(n.Vendor))}
		e.parsed, e.parsedOK = parseVersion(e.scheme, installed)
		if ix.n%entryChunk == 0 {
			ix.chunks = append(ix.chunks, make([]entry, 0, entryChunk))
		}
		id := int32(ix.n)
		last := len(ix.chunks) - 1
		ix.chunks[last] = append(ix.chunks[last], e)
		ix.n++
		ix.byComputer[c.ID] = append(ix.byComputer[c.ID], id)
		bucket := ix.byKey[key]
		if ix.parsed == nil { // not prepared yet: sorted all at once later
			ix.byKey[key] = append(bucket, id)
			continue
		}
		// Prepared: parsed versions in order first, then the others.
		np := ix.parsed[key]
		at := len(bucket)
		if e.parsedOK {
			at, _ = slices.BinarySearchFunc(bucket[:np], id, func(x, _ int32) int {
				if ix.entry(x).parsed.Compare(e.parsed) <= 0 {
					return -1
				}
				return 1
			})
			ix.parsed[key] = np + 1
		}
		ix.byKey[key] = slices.Insert(bucket, at, id)
	}
}

// cpeText turns a CPE formatted-string value into plain text: escapes
// removed, ANY and NA empty.
func cpeText(v string) string {
	if v == "*" || v == "-" {
		return ""
	}
	return cpe.Unquote(v)
}

// parseVersion parses installed text (the version package compares
// letters case-insensitively: CPE names are lower case, vendors write
// "22.7R2.3").
func parseVersion(s version.Scheme, text string) (version.V, bool) {
	if text == "" {
		return version.V{}, false
	}
	v, err := version.Parse(s, text)
	return v, err == nil
}

// otherAttributesMatch reports whether no CPE attribute of e but the
// version is disjoint from p's (see evaluate).
func otherAttributesMatch(p cpe.Name, e *entry) bool {
	pa, ea := p.Attributes(), e.name.Attributes()
	var rel *[11]cpe.Relation // computed once, only when some value differs
	for i := range pa {
		if i == cpe.AttrVersion || pa[i] == cpe.Any || pa[i] == ea[i] {
			continue // the version is decided separately; ANY and equal values cover
		}
		if rel == nil {
			r := cpe.Compare(p, e.name)
			rel = &r
		}
		if rel[i] == cpe.Disjoint {
			return false
		}
	}
	return true
}

// sameScheme reports whether every range is in scheme s.
func sameScheme(rs []compiled, s version.Scheme) bool {
	for i := range rs {
		if rs[i].scheme != s {
			return false
		}
	}
	return true
}

// compileRanges compiles the usable ranges of an affected entry, those
// without a scheme in scheme def (the affected vendor's); an invalid one,
// which validation refuses anyway, is skipped.
func compileRanges(rs []version.Range, def version.Scheme) []compiled {
	out := make([]compiled, 0, len(rs))
	for _, r := range rs {
		if r.Scheme == "" {
			r.Scheme = def
		}
		if b, err := r.Compile(); err == nil {
			out = append(out, compiled{b, r.Scheme, r.String()})
		}
	}
	return out
}

// wildcard reports whether a CPE value holds an unescaped * or ? (a
// pattern rather than a plain value).
func wildcard(v string) bool {
	if v == "*" {
		return false
	}
	esc := false
	for i := 0; i < len(v); i++ {
		switch {
		case esc:
			esc = false
		case v[i] == '\\':
			esc = true
		case v[i] == '*' || v[i] == '?':
			return true
		}
	}
	return false
}

// compiled is a usable range of an affected entry with its text for the
// evidence.
type compiled struct {
	b      version.Bounds
	scheme version.Scheme
	text   string
}

// hit is one match found, before it becomes an Exposure.
type hit struct {
	entry  int32
	ai     int32
	rng    string
	scheme version.Scheme
}

// Match returns the exposures of vulnerability v: one per affected
// computer (the first affected entry and identity that matched is the
// evidence).
func (ix *Index) Match(v *vuln.Vulnerability) []vuln.Exposure {
	ix.Prepare()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var hits []hit
	seen := make([]bool, ix.computers)
	for ai := range v.Affected {
		a := &v.Affected[ai]
		p, err := cpe.Parse(a.CPE)
		if err != nil {
			continue
		}
		ranges := compileRanges(a.Ranges, version.SchemeFor(cpeText(p.Vendor)))
		if len(a.Ranges) > 0 && len(ranges) == 0 {
			continue // no usable range: nothing is known to be affected
		}
		var cand []int32
		if wildcard(p.Vendor) || wildcard(p.Product) {
			for _, ids := range ix.byKey {
				cand = append(cand, ids...)
			}
			slices.Sort(cand)
		} else {
			key := p.VendorProduct()
			cand = ix.byKey[key]
			if len(cand) > 0 && len(ranges) > 0 && sameScheme(ranges, ix.entry(cand[0]).scheme) {
				// Every range in the scheme the key's versions are sorted
				// in: search, then walk the versions inside each range.
				sorted := cand[:ix.parsed[key]]
				for ri := range ranges {
					b := &ranges[ri].b
					lo, _ := slices.BinarySearchFunc(sorted, 0, func(id int32, _ int) int {
						if b.Below(ix.entry(id).parsed) {
							return -1
						}
						return 1
					})
					for _, i := range sorted[lo:] {
						e := ix.entry(i)
						if b.Above(e.parsed) {
							break
						}
						if seen[e.computer] || !otherAttributesMatch(p, e) {
							continue
						}
						seen[e.computer] = true
						hits = append(hits, hit{i, int32(ai), ranges[ri].text, ranges[ri].scheme})
					}
				}
				continue
			}
		}
		for _, i := range cand {
			e := ix.entry(i)
			if seen[e.computer] {
				continue
			}
			if rng, scheme, ok := evaluate(p, ranges, e); ok {
				seen[e.computer] = true
				hits = append(hits, hit{i, int32(ai), rng, scheme})
			}
		}
	}
	out := make([]vuln.Exposure, len(hits))
	for k, h := range hits {
		e := ix.entry(h.entry)
		out[k] = vuln.Exposure{ComputerID: e.computerID, VulnID: v.ID, OrgID: e.orgID, ComputerVersion: e.computerVersion, VulnVersion: v.Version,
			Evidence: vuln.Evidence{AffectedIndex: int(h.ai), VulnCPE: v.Affected[h.ai].CPE, Range: h.rng, ComputerCPE: e.name.String(),
				Installed: e.installed, Scheme: string(h.scheme)}}
	}
	return out
}

// MatchComputer returns the exposures of computer c to vulns (the
// candidates: VulnsForProducts of its identities).
func MatchComputer(c *registry.Computer, vulns []vuln.Vulnerability) []vuln.Exposure {
	ix := NewIndex()
	ix.Add(c)
	var out []vuln.Exposure
	for i := range vulns {
		out = append(out, ix.Match(&vulns[i])...)
	}
	return out
}

// evaluate decides whether identity e is affected by an entry with CPE p
// and ranges, and returns the range that matched and its scheme. Every
// CPE attribute but the version must not be disjoint: a registered name
// that leaves an attribute ANY (say target_sw) may run on the affected
// platform, and missing a vulnerable computer is worse than an extra
// notice the operator can close as not_affected. The version is decided by
// the ranges, or by the CPE's own version when there are none.
func evaluate(p cpe.Name, ranges []compiled, e *entry) (string, version.Scheme, bool) {
	if !otherAttributesMatch(p, e) {
		return "", "", false
	}
	if len(ranges) == 0 {
		switch {
		case p.Version == cpe.Any || p.Version == cpe.NA:
			return "any", e.scheme, true
		case wildcard(p.Version):
			// "7.2.*": a CPE pattern over the installed version's name.
			n := e.name
			n.Version = cpe.Quote(strings.ToLower(e.installed))
			r := cpe.Compare(p, n)[cpe.AttrVersion]
			return "~ " + cpeText(p.Version), e.scheme, r == cpe.Superset || r == cpe.Equal
		}
		// A CPE naming one version: the installed version must be it.
		if !e.parsedOK {
			return "", "", false
		}
		want, ok := parseVersion(e.scheme, version.JoinUpdate(cpeText(p.Version), cpeText(p.Update)))
		if !ok || want.Compare(e.parsed) != 0 {
			return "", "", false
		}
		return "= " + want.String(), e.scheme, true
	}
	for i := range ranges {
		r := &ranges[i]
		pv, ok := e.parsed, e.parsedOK
		if r.scheme != e.scheme {
			pv, ok = parseVersion(r.scheme, e.installed)
		}
		if ok && r.b.Contains(pv) {
			return r.text, r.scheme, true
		}
	}
	return "", "", false
}
