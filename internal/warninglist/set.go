package warninglist

import (
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"sakimori/internal/apperr"
)

// Hit is a match of a value in a warninglist.
type Hit struct {
	List     string   // the list's name
	File     string   // the file the list came from
	Type     Type     // the list's type
	Category Category // what a hit means
	Entry    string   // the matching entry, as written in the file
	Comment  string   // the entry's comment, if the list has comments
	// Value is the part of the checked value that was compared: the value
	// itself (normalised for string lists: lower case for names and hashes),
	// or the host of a URL or the domain of an e-mail address.
	Value string
}

// Info describes a list in a Set.
type Info struct {
	Name               string
	File               string
	Description        string
	Version            int64
	Type               Type
	Category           Category
	MatchingAttributes []string
	Unchecked          []string // matching attributes that map to no kind
	Kinds              []Kind   // kinds the list applies to
	Entries            int
	Enabled            bool
}

// Set is a collection of warninglists that values are checked against. The
// zero value is an empty set ready to use. All methods are safe for
// concurrent use; Check never blocks: lists are added, removed, enabled and
// disabled by publishing a new immutable snapshot.
type Set struct {
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[snapshot]
}

// snapshot is an immutable state of a Set.
type snapshot struct {
	lists   []*List
	enabled []bool
	byName  map[string]int
	idx     *index
	// active[k] is true if an enabled list of each type applies to kind k;
	// Check skips the index of a type no enabled list uses.
	active [numKinds][numTypes]bool
}

const (
	tString = iota
	tSubstring
	tHostname
	tCIDR
	tRegex
	numTypes
)

func typeID(t Type) int {
	switch t {
	case TypeString:
		return tString
	case TypeSubstring:
		return tSubstring
	case TypeHostname:
		return tHostname
	case TypeCIDR:
		return tCIDR
	}
	return tRegex
}

// ref names an entry of a list; chainNode links the refs sharing a key.
type ref struct{ list, entry int32 }

type chainNode struct {
	ref
	next int32 // -1 ends the chain
}

// index holds the entries of every list of a snapshot, merged by type, so
// that one lookup serves all lists of that type.
type index struct {
	chains  []chainNode
	str     map[string]int32 // string lists: entry as written
	strFold map[string]int32 // string lists: folded entry, where it differs
	host    map[string]int32 // hostname lists: normalised host names
	hostIP  map[string]int32 // hostname lists: IP addresses (which match only themselves)
	strIPs  bool             // some entry of a string list for ip or cidr is an IP address or network
	v4, v6  *prefixTrie      // cidr lists
	sub     []int32          // substring lists (checked one by one)
	re      []int32          // regex lists (checked one by one)
}

func (x *index) push(head int32, r ref) int32 {
	x.chains = append(x.chains, chainNode{ref: r, next: head})
	return int32(len(x.chains) - 1)
}

func (x *index) pushMap(m map[string]int32, key string, r ref) {
	h, ok := m[key]
	if !ok {
		h = -1
	}
	m[key] = x.push(h, r)
}

func buildIndex(lists []*List) *index {
	var nStr, nHost, nAll int
	for _, l := range lists {
		switch l.Type {
		case TypeString:
			nStr += len(l.Entries)
		case TypeHostname:
			nHost += len(l.Entries)
		}
		nAll += len(l.Entries)
	}
	x := &index{
		chains:  make([]chainNode, 0, nAll),
		str:     make(map[string]int32, nStr),
		strFold: map[string]int32{},
		host:    make(map[string]int32, nHost),
		hostIP:  map[string]int32{},
		v4:      newPrefixTrie(),
		v6:      newPrefixTrie(),
	}
	for li, l := range lists {
		switch l.Type {
		case TypeSubstring:
			x.sub = append(x.sub, int32(li))
			continue
		case TypeRegex:
			x.re = append(x.re, int32(li))
			continue
		}
		for ei := range l.Entries {
			e := &l.Entries[ei]
			r := ref{int32(li), int32(ei)}
			switch l.Type {
			case TypeString:
				x.pushMap(x.str, e.key, r)
				if e.fold != e.key {
					x.pushMap(x.strFold, e.fold, r)
				}
				if e.alt != "" && e.alt != e.key {
					x.pushMap(x.strFold, e.alt, r)
				}
				if _, ok := parseIPOrPrefix(e.key); ok && l.kinds&(1<<kIP|1<<kCIDR) != 0 {
					x.strIPs = true
				}
			case TypeHostname:
				if _, err := netip.ParseAddr(e.key); err == nil {
					x.pushMap(x.hostIP, e.key, r)
				} else {
					x.pushMap(x.host, e.key, r)
				}
			case TypeCIDR:
				t := x.v6
				if e.prefix.Addr().Is4() {
					t = x.v4
				}
				t.insert(e.prefix, func(h int32) int32 { return x.push(h, r) })
			}
		}
	}
	return x
}

func (s *Set) load() *snapshot {
	if st := s.cur.Load(); st != nil {
		return st
	}
	return &snapshot{byName: map[string]int{}, idx: buildIndex(nil)}
}

// publish stores a snapshot with the given lists and enabled flags,
// rebuilding the index if rebuild is set.
func (s *Set) publish(old *snapshot, lists []*List, enabled []bool, rebuild bool) {
	st := &snapshot{lists: lists, enabled: enabled, byName: make(map[string]int, len(lists)), idx: old.idx}
	if rebuild {
		st.idx = buildIndex(lists)
	}
	for i, l := range lists {
		st.byName[l.Name] = i
		if !enabled[i] {
			continue
		}
		t := typeID(l.Type)
		for k := kIP; k < numKinds; k++ {
			if l.kinds.has(k) {
				st.active[k][t] = true
			}
		}
	}
	s.cur.Store(st)
}

// Add adds lists to the set, enabled. It adds all of them or none: a list
// whose name is already in the set (or twice among lists) is a conflict.
func (s *Set) Add(lists ...*List) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	seen := map[string]string{}
	for _, l := range lists {
		if l == nil || !l.parsed {
			return apperr.New(apperr.CodeInvalid, "not a list made by warninglist.Parse")
		}
		if i, ok := old.byName[l.Name]; ok {
			return apperr.Conflict("name", "a warninglist named %q is already loaded (from %s); %s has the same name", l.Name, old.lists[i].File, l.File)
		}
		if f, ok := seen[l.Name]; ok {
			return apperr.Conflict("name", "%s and %s both define a warninglist named %q", f, l.File, l.Name)
		}
		seen[l.Name] = l.File
	}
	nl := append(slices.Clip(old.lists), lists...)
	ne := slices.Clip(old.enabled)
	for range lists {
		ne = append(ne, true)
	}
	s.publish(old, nl, ne, true)
	return nil
}

// addEach adds every list whose name is not yet taken (in the set or by an
// earlier list of the batch), rebuilding the index once, and returns for
// each list nil or the conflict that kept it out.
func (s *Set) addEach(lists []*List) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	errs := make([]error, len(lists))
	taken := map[string]string{}
	nl := slices.Clip(old.lists)
	ne := slices.Clip(old.enabled)
	for i, l := range lists {
		if j, ok := old.byName[l.Name]; ok {
			errs[i] = apperr.Conflict("name", "a warninglist named %q is already loaded (from %s); %s has the same name", l.Name, old.lists[j].File, l.File)
			continue
		}
		if f, ok := taken[l.Name]; ok {
			errs[i] = apperr.Conflict("name", "a warninglist named %q is already loaded (from %s); %s has the same name", l.Name, f, l.File)
			continue
		}
		taken[l.Name] = l.File
		nl = append(nl, l)
		ne = append(ne, true)
	}
	if len(taken) > 0 {
		s.publish(old, nl, ne, true)
	}
	return errs
}

// Remove removes the named list.
func (s *Set) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	i, ok := old.byName[name]
	if !ok {
		return apperr.NotFound("warninglist", name)
	}
	nl := slices.Delete(slices.Clone(old.lists), i, i+1)
	ne := slices.Delete(slices.Clone(old.enabled), i, i+1)
	s.publish(old, nl, ne, true)
	return nil
}

// SetEnabled enables or disables the named list. A disabled list stays
// loaded but produces no hits.
func (s *Set) SetEnabled(name string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.load()
	i, ok := old.byName[name]
	if !ok {
		return apperr.NotFound("warninglist", name)
	}
	if old.enabled[i] == on {
		return nil
	}
	ne := slices.Clone(old.enabled)
	ne[i] = on
	s.publish(old, old.lists, ne, false)
	return nil
}

// Enabled reports whether the named list is loaded and enabled.
func (s *Set) Enabled(name string) bool {
	st := s.load()
	i, ok := st.byName[name]
	return ok && st.enabled[i]
}

// Len returns the number of lists in the set.
func (s *Set) Len() int { return len(s.load().lists) }

// List returns the named list.
func (s *Set) List(name string) (*List, bool) {
	st := s.load()
	i, ok := st.byName[name]
	if !ok {
		return nil, false
	}
	return st.lists[i], true
}

// Lists describes the lists of the set, in the order they were added.
func (s *Set) Lists() []Info {
	st := s.load()
	out := make([]Info, len(st.lists))
	for i, l := range st.lists {
		out[i] = Info{
			Name: l.Name, File: l.File, Description: l.Description, Version: l.Version,
			Type: l.Type, Category: l.Category,
			MatchingAttributes: slices.Clone(l.MatchingAttributes), Unchecked: slices.Clone(l.Unchecked),
			Kinds: l.Kinds(), Entries: len(l.Entries), Enabled: st.enabled[i],
		}
	}
	return out
}

// FileResult is the outcome of loading one file.
type FileResult struct {
	File     string   // path relative to the directory (or as given)
	List     string   // the list's name, if it parsed
	Entries  int      // valid entries loaded
	Problems []*Error // per-entry problems; the list was loaded without those entries
	Err      error    // the file was not loaded (unreadable, invalid, or a duplicate name)
}

// LoadDir loads every warninglist under dir into the set: files dir/*.json
// and, as in the misp-warninglists repository, dir/*/list.json (so dir may
// be that repository's lists/ folder). A file named schema.json is the
// format's JSON schema and is skipped. Files that fail to parse or whose
// list name is already taken are reported in their FileResult and skipped;
// the others are added. The error is for a directory that cannot be read.
func (s *Set) LoadDir(dir string) ([]FileResult, error) {
	return s.LoadFS(os.DirFS(dir), ".")
}

// LoadFS is LoadDir on a file system (for example an embed.FS).
func (s *Set) LoadFS(fsys fs.FS, dir string) ([]FileResult, error) {
	top, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range top {
		name := e.Name()
		switch {
		case e.IsDir():
			p := path.Join(dir, name, "list.json")
			if st, err := fs.Stat(fsys, p); err == nil && st.Mode().IsRegular() {
				files = append(files, p)
			}
		case strings.HasSuffix(name, ".json") && name != "schema.json":
			files = append(files, path.Join(dir, name))
		}
	}
	slices.Sort(files)
	results := make([]FileResult, len(files))
	for i, p := range files {
		rel := strings.TrimPrefix(p, dir+"/")
		if dir == "." {
			rel = p
		}
		results[i].File = rel
	}
	return s.loadAll(results, func(i int) (*List, []*Error, error) {
		f, err := fsys.Open(files[i])
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		return ParseReader(results[i].File, f)
	}), nil
}

// LoadFiles parses the given files and adds them to the set, like LoadDir.
func (s *Set) LoadFiles(paths ...string) []FileResult {
	results := make([]FileResult, len(paths))
	for i, p := range paths {
		results[i].File = p
	}
	return s.loadAll(results, func(i int) (*List, []*Error, error) { return ParseFile(paths[i]) })
}

// LoadReader parses one list from r (file names it in errors) and adds it
// to the set, like LoadFiles.
func (s *Set) LoadReader(file string, r io.Reader) FileResult {
	res := []FileResult{{File: file}}
	return s.loadAll(res, func(int) (*List, []*Error, error) { return ParseReader(file, r) })[0]
}

// loadAll parses each file with parse and adds the lists in one batch.
func (s *Set) loadAll(results []FileResult, parse func(i int) (*List, []*Error, error)) []FileResult {
	var lists []*List
	var at []int
	for i := range results {
		l, probs, err := parse(i)
		if err != nil {
			results[i].Err = err
			continue
		}
		results[i].List, results[i].Entries, results[i].Problems = l.Name, len(l.Entries), probs
		lists = append(lists, l)
		at = append(at, i)
	}
	for j, err := range s.addEach(lists) {
		if err != nil {
			results[at[j]].Err = fmt.Errorf("%s: %w", results[at[j]].File, err)
		}
	}
	return results
}

// Check returns the hits of value, of the given kind, in the enabled lists
// that apply to that kind (see Kind and the matching_attributes of each
// list), at most one per list (the most specific entry: the longest network
// or the longest parent domain), in the order the lists were added. It
// returns nil when nothing matches, and for an unknown kind.
func (s *Set) Check(kind Kind, value string) []Hit {
	st := s.cur.Load()
	if st == nil {
		return nil
	}
	k := kindID(kind)
	if k == kUnknown {
		return nil
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return nil
	}
	act := &st.active[k]
	var buf [8]hitRef
	hits := buf[:0] // a few hits need no allocation

	// The value as an address or network, parsed once for cidr and string
	// lists.
	var ip netip.Prefix
	isIP := false
	if act[tCIDR] || act[tString] && (k == kIP || k == kCIDR) {
		ip, isIP = parseIPOrPrefix(value)
	}
	if act[tCIDR] {
		p, ok, v := ip, isIP, value
		if !ok && (k == kURL || k == kString) {
			// The host of a URL, if it is an address: http://192.0.2.1:8080/x
			if h := urlHost(value); maybeIP(h) {
				if a, err := netip.ParseAddr(h); err == nil {
					a = a.WithZone("").Unmap()
					p, ok, v = netip.PrefixFrom(a, a.BitLen()), true, h
				}
			}
		}
		if ok {
			t := st.idx.v6
			if p.Addr().Is4() {
				t = st.idx.v4
			}
			var hb [40]int32
			heads := t.lookup(p, hb[:0])
			for i := len(heads) - 1; i >= 0; i-- { // longest first
				hits = st.chain(hits, k, heads[i], v)
			}
		}
	}
	if act[tHostname] {
		if h, ok := hostOf(k, value); ok {
			h = normHostQuery(h)
			a, err := netip.Addr{}, error(nil)
			if maybeIP(h) {
				a, err = netip.ParseAddr(h)
			}
			if a.IsValid() && err == nil {
				// An address (the host of http://192.0.2.1/) only matches itself.
				hits = st.chain(hits, k, lookupHead(st.idx.hostIP, a.WithZone("").Unmap().String()), h)
			} else {
				// The name and each parent domain, most specific first.
				for d := h; d != ""; {
					hits = st.chain(hits, k, lookupHead(st.idx.host, d), h)
					i := strings.IndexByte(d, '.')
					if i < 0 {
						break
					}
					d = d[i+1:]
				}
			}
		}
	}
	// An address can only equal an entry that is an address.
	if act[tString] && (!isIP || st.idx.strIPs) {
		key := stringKey(k, value, ip, isIP)
		hits = st.chain(hits, k, lookupHead(st.idx.str, key), key)
		if caseFolded(k) {
			hits = st.chain(hits, k, lookupHead(st.idx.strFold, key), key)
		}
	}
	if act[tSubstring] || act[tRegex] {
		text := textKey(k, value)
		folded := caseFolded(k)
		for _, li := range st.idx.sub {
			if !st.applies(li, k) {
				continue
			}
			for ei := range st.lists[li].Entries {
				e := &st.lists[li].Entries[ei]
				needle := e.key
				if folded {
					needle = e.fold
				}
				if strings.Contains(text, needle) {
					hits = append(hits, hitRef{ref{li, int32(ei)}, text})
					break
				}
			}
		}
		for _, li := range st.idx.re {
			if !st.applies(li, k) {
				continue
			}
			for ei := range st.lists[li].Entries {
				if st.lists[li].Entries[ei].re.MatchString(text) {
					hits = append(hits, hitRef{ref{li, int32(ei)}, text})
					break
				}
			}
		}
	}
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b hitRef) int { return int(a.list - b.list) })
	out := make([]Hit, len(hits))
	for i, h := range hits {
		l := st.lists[h.list]
		e := &l.Entries[h.entry]
		out[i] = Hit{List: l.Name, File: l.File, Type: l.Type, Category: l.Category, Entry: e.Value, Comment: e.Comment, Value: h.value}
	}
	return out
}

// maybeIP is a cheap test that rules out most host names before parsing
// them as an address: an address starts with a digit or contains a colon.
func maybeIP(h string) bool {
	return h != "" && (h[0] >= '0' && h[0] <= '9' || strings.IndexByte(h, ':') >= 0)
}

func lookupHead(m map[string]int32, key string) int32 {
	if h, ok := m[key]; ok {
		return h
	}
	return -1
}

// hitRef is a hit being collected: the entry and the compared value.
type hitRef struct {
	ref
	value string
}

// applies reports whether list li is enabled and applies to kind k.
func (st *snapshot) applies(li int32, k kid) bool {
	return st.enabled[li] && st.lists[li].kinds.has(k)
}

// chain appends to hits the refs of the chain at head whose lists apply to
// kind k and have no hit yet; callers walk from the most specific key to
// the least, so each list keeps its most specific entry.
func (st *snapshot) chain(hits []hitRef, k kid, head int32, value string) []hitRef {
next:
	for h := head; h >= 0; {
		n := &st.idx.chains[h]
		h = n.next
		if !st.applies(n.list, k) {
			continue
		}
		for i := range hits {
			if hits[i].list == n.list {
				continue next
			}
		}
		hits = append(hits, hitRef{n.ref, value})
	}
	return hits
}
