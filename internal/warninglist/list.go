package warninglist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sakimori/internal/apperr"
)

// Type is the matching type of a warninglist.
type Type string

// Warninglist types (the "type" field).
const (
	TypeString    Type = "string"    // exact match
	TypeSubstring Type = "substring" // an entry occurs in the value
	TypeHostname  Type = "hostname"  // the host or any of its parent domains is listed
	TypeCIDR      Type = "cidr"      // the address or network lies in a listed network
	TypeRegex     Type = "regex"     // a regular expression matches the value
)

var types = []Type{TypeString, TypeSubstring, TypeHostname, TypeCIDR, TypeRegex}

// Category says what a hit means (MISP's warninglist categories).
type Category string

// Categories (the optional "category" field; false_positive by default).
const (
	CategoryFalsePositive Category = "false_positive" // a hit is probably a false positive
	CategoryKnown         Category = "known"          // a hit is a known identifier (e.g. a bank's domain)
)

// Limits on what Parse accepts.
const (
	MaxFileSize = 256 << 20 // bytes of JSON in one list
	MaxProblems = 1000      // per-entry problems reported per file; the rest are counted
)

// fileLimit is MaxFileSize; tests lower it.
var fileLimit = MaxFileSize

// List is a parsed warninglist, made by Parse; a Set accepts no other. It
// is immutable once parsed.
type List struct {
	File        string // where it came from, as given to Parse (e.g. "dynamic-dns.json")
	Name        string
	Description string
	Version     int64
	Type        Type
	Category    Category
	// MatchingAttributes are the MISP attribute types the list applies to,
	// as written; empty means every kind.
	MatchingAttributes []string
	// Unchecked are the matching attributes that map to no kind sakimori
	// checks (e.g. "phone-number"); they are kept but have no effect.
	Unchecked []string
	// Entries are the valid entries, in file order. Malformed ones are left
	// out and reported as problems.
	Entries []Entry

	kinds  kindMask // kinds the list applies to
	parsed bool     // made by Parse (entries compiled)
}

// Entry is one valid entry of a list.
type Entry struct {
	Value   string // as written in the file
	Comment string // from the {"value": "comment"} form of "list"; empty otherwise
	Pos     int    // position in the file's list (JSON path list[Pos]); in key order for the object form

	key    string         // normalised form (string: exact; hostname: host; cidr: canonical network)
	fold   string         // string and substring lists: case-folded form
	alt    string         // string lists: the "xn--" form of an internationalised domain name, if any
	prefix netip.Prefix   // cidr lists
	re     *regexp.Regexp // regex lists
}

// Kinds returns the indicator kinds the list applies to, following its
// matching_attributes (every kind if it has none) and its type (a cidr list
// never applies to hashes, for example).
func (l *List) Kinds() []Kind {
	var out []Kind
	for k := kIP; k < numKinds; k++ {
		if l.kinds.has(k) {
			out = append(out, kindNames[k])
		}
	}
	return out
}

// Error is a problem in a list file: File names the file, Path the place in
// it as a JSON path ("list[12]", "type", "matching_attributes[0]"; empty for
// the file as a whole), Msg says what is wrong. Unwrap gives an
// *apperr.Error with CodeInvalid so that surfaces report it as bad input.
type Error struct {
	File string
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the equivalent application error (CodeInvalid, Field =
// Path).
func (e *Error) Unwrap() error {
	msg := e.Msg
	if e.File != "" {
		msg = e.File + ": " + msg
	}
	return apperr.Invalid(e.Path, "%s", msg)
}

// ParseFile reads and parses the list at path; errors name the file as path.
func ParseFile(path string) (*List, []*Error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ParseReader(path, f)
}

// ParseReader reads at most MaxFileSize bytes from r and parses them; file
// names the source in errors.
func ParseReader(file string, r io.Reader) (*List, []*Error, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(fileLimit)+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	return Parse(file, data)
}

// Parse parses a warninglist in MISP's JSON format (see docs/warninglists.md).
//
// A structural problem (not JSON, a required field missing or of the wrong
// type, an unknown type, no entries) makes the whole list unusable: Parse
// returns a nil list and an *Error. A malformed entry (an invalid CIDR or
// host name, a regular expression Go cannot compile, a duplicate), an
// unknown field or a bad matching attribute is reported in problems, and the
// list keeps everything else.
func Parse(file string, data []byte) (l *List, problems []*Error, err error) {
	fail := func(path, format string, args ...any) (*List, []*Error, error) {
		return nil, nil, &Error{File: file, Path: path, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > fileLimit {
		return fail("", "larger than %d bytes", fileLimit)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return fail("", "%s", jsonError(data, err))
	}
	if top == nil {
		return fail("", "not a JSON object")
	}
	nProblems := 0
	report := func(path, format string, args ...any) {
		nProblems++
		if nProblems <= MaxProblems {
			problems = append(problems, &Error{File: file, Path: path, Msg: fmt.Sprintf(format, args...)})
		}
	}
	defer func() {
		if l != nil && nProblems > MaxProblems {
			problems = append(problems, &Error{File: file, Msg: fmt.Sprintf("%d more problems not shown", nProblems-MaxProblems)})
		}
	}()

	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch k {
		case "name", "description", "version", "type", "list", "matching_attributes", "category":
		default:
			report(k, "unknown field, ignored")
		}
	}

	l = &List{File: file, Category: CategoryFalsePositive, parsed: true}
	str := func(field string, required bool) (string, error) {
		raw, ok := top[field]
		if !ok || isNull(raw) {
			if required {
				return "", &Error{File: file, Path: field, Msg: "missing"}
			}
			return "", nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", &Error{File: file, Path: field, Msg: "must be a string, not " + jsonKind(raw)}
		}
		return s, nil
	}
	if l.Name, err = str("name", true); err != nil {
		return nil, nil, err
	}
	if l.Name = strings.TrimSpace(l.Name); l.Name == "" {
		return fail("name", "empty")
	}
	if l.Description, err = str("description", true); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(l.Description) == "" {
		return fail("description", "empty")
	}
	if raw, ok := top["version"]; !ok || isNull(raw) {
		return fail("version", "missing")
	} else if v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64); err != nil {
		if jsonKind(raw) == "a number" {
			return fail("version", "must be an integer, not %s", bytes.TrimSpace(raw))
		}
		return fail("version", "must be an integer, not %s", jsonKind(raw))
	} else if v < 0 {
		return fail("version", "must not be negative")
	} else {
		l.Version = v
	}
	t, err := str("type", true)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Msg == "missing" {
			pe.Msg = "missing (one of " + typeNames() + ")"
		}
		return nil, nil, err
	}
	if l.Type = Type(t); !slices.Contains(types, l.Type) {
		return fail("type", "unknown type %q (one of %s)", t, typeNames())
	}
	if c, err := str("category", false); err != nil {
		report("category", "%s; using %s", err.(*Error).Msg, CategoryFalsePositive)
	} else if c != "" {
		switch Category(c) {
		case CategoryFalsePositive, CategoryKnown:
			l.Category = Category(c)
		default:
			report("category", "unknown category %q (one of %s, %s); using %s", c, CategoryFalsePositive, CategoryKnown, CategoryFalsePositive)
		}
	}

	// matching_attributes
	l.kinds = allKinds
	if raw, ok := top["matching_attributes"]; ok && !isNull(raw) {
		var attrs []any
		if err := json.Unmarshal(raw, &attrs); err != nil {
			return fail("matching_attributes", "must be an array of strings, not %s", jsonKind(raw))
		}
		var mask kindMask
		seen := map[string]int{}
		for i, a := range attrs {
			path := fmt.Sprintf("matching_attributes[%d]", i)
			s, ok := a.(string)
			switch {
			case !ok:
				report(path, "must be a string, not %s", anyKind(a))
				continue
			case strings.TrimSpace(s) == "":
				report(path, "empty")
				continue
			}
			if j, dup := seen[s]; dup {
				report(path, "duplicate of matching_attributes[%d]", j)
				continue
			}
			seen[s] = i
			l.MatchingAttributes = append(l.MatchingAttributes, s)
			if m, ok := mispTypeKinds[s]; ok {
				mask |= m
			} else {
				l.Unchecked = append(l.Unchecked, s)
			}
		}
		if len(l.MatchingAttributes) > 0 {
			l.kinds = mask
		}
	}
	l.kinds &= typeKinds(l.Type)
	if l.kinds == 0 {
		report("matching_attributes", "none of %q is a kind a %s list can check, so the list never matches", l.MatchingAttributes, l.Type)
	}

	// list
	raw, ok := top["list"]
	if !ok || isNull(raw) {
		return fail("list", "missing")
	}
	type item struct {
		value   any
		comment string
		object  bool // from the object form: the path names the value
	}
	path := func(i int, it item) string {
		if it.object {
			return "list[" + strconv.Quote(it.value.(string)) + "]"
		}
		return "list[" + strconv.Itoa(i) + "]"
	}
	var items []item
	switch bytes.TrimSpace(raw)[0] {
	case '[':
		var arr []any
		if err := json.Unmarshal(raw, &arr); err != nil {
			return fail("list", "%s", jsonError(raw, err))
		}
		items = make([]item, len(arr))
		for i, v := range arr {
			items[i] = item{value: v}
		}
	case '{':
		// MISP also imports lists as {"value": "comment", ...}.
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fail("list", "%s", jsonError(raw, err))
		}
		vals := make([]string, 0, len(obj))
		for v := range obj {
			vals = append(vals, v)
		}
		slices.Sort(vals)
		items = make([]item, 0, len(obj))
		for _, v := range vals {
			it := item{value: v, object: true}
			switch c := obj[v].(type) {
			case string:
				it.comment = c
			case nil:
			default:
				report(path(len(items), it), "comment must be a string, not %s; ignored", anyKind(c))
			}
			items = append(items, it)
		}
	default:
		return fail("list", "must be an array of strings, not %s", jsonKind(raw))
	}
	if len(items) == 0 {
		return fail("list", "no entries")
	}

	l.Entries = make([]Entry, 0, len(items))
	seenRaw := make(map[string]int, len(items))
	seenKey := make(map[string]int, len(items))
	for i, it := range items {
		s, ok := it.value.(string)
		if !ok {
			report(path(i, it), "must be a string, not %s", anyKind(it.value))
			continue
		}
		if j, dup := seenRaw[s]; dup {
			report(path(i, it), "duplicate of %s", path(j, items[j]))
			continue
		}
		seenRaw[s] = i
		e := Entry{Value: s, Comment: it.comment, Pos: i}
		if err := e.compile(l.Type); err != nil {
			report(path(i, it), "%s", err)
			continue
		}
		if l.Type == TypeHostname || l.Type == TypeCIDR {
			if j, dup := seenKey[e.key]; dup {
				report(path(i, it), "%q is the same as %s (%q) once normalised to %q; ignored", s, path(j, items[j]), items[j].value, e.key)
				continue
			}
			seenKey[e.key] = i
		}
		l.Entries = append(l.Entries, e)
	}
	return l, problems, nil
}

// typeKinds are the kinds a list of type t can check at all.
func typeKinds(t Type) kindMask {
	switch t {
	case TypeCIDR:
		return 1<<kIP | 1<<kCIDR | 1<<kURL | 1<<kString
	case TypeHostname:
		return 1<<kDomain | 1<<kHostname | 1<<kURL | 1<<kEmail | 1<<kString
	}
	return allKinds
}

// compile validates and normalises the entry for a list of type t.
func (e *Entry) compile(t Type) error {
	s := e.Value
	if s == "" {
		return errors.New("empty entry")
	}
	if t != TypeSubstring && t != TypeRegex && strings.TrimSpace(s) != s {
		return fmt.Errorf("%q has leading or trailing white space", s)
	}
	switch t {
	case TypeString:
		e.key = s
		e.fold, e.alt = foldEntry(s)
	case TypeSubstring:
		e.key = s
		e.fold = strings.ToLower(s)
	case TypeHostname:
		h, err := normHostEntry(s)
		if err != nil {
			return fmt.Errorf("invalid host name %q: %v", s, err)
		}
		e.key = h
	case TypeCIDR:
		p, err := parseCIDREntry(s)
		if err != nil {
			return err
		}
		e.prefix = p
		e.key = p.String()
	case TypeRegex:
		re, err := compileRegex(s)
		if err != nil {
			return fmt.Errorf("invalid regex %q: %v", s, err)
		}
		e.re = re
	}
	return nil
}

// foldEntry returns the forms of a string-list entry that case-folded kinds
// compare (see stringKey): IP addresses and networks in canonical form, or
// else foldKey's lower case; and, where it differs, the form domain names
// are checked in (normHostQuery: e.g. the "xn--" form of an
// internationalised name).
func foldEntry(s string) (fold, alt string) {
	if p, ok := parseIPOrPrefix(s); ok {
		if p.IsSingleIP() {
			return p.Addr().String(), ""
		}
		return p.String(), ""
	}
	fold = foldKey(s)
	if d := normHostQuery(s); d != fold {
		alt = d
	}
	return fold, alt
}

// parseCIDREntry parses an entry of a cidr list: an address or a network
// without host bits. IPv4-mapped IPv6 forms are folded to IPv4.
func parseCIDREntry(s string) (netip.Prefix, error) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid CIDR %q: %v", s, netipReason(err))
		}
		if m := p.Masked(); m != p {
			return netip.Prefix{}, fmt.Errorf("CIDR %q has host bits set (the network is %s)", s, m)
		}
		return foldPrefix(p), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid IP address or CIDR %q: %v", s, netipReason(err))
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("invalid IP address %q: zones are not allowed", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// netipReason strips net/netip's `ParseAddr("..."): ` prefixes from err.
func netipReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}

func typeNames() string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// jsonKind names the JSON type of raw, for messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '[':
		return "an array"
	case '{':
		return "an object"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// anyKind names the JSON type of a decoded value, for messages.
func anyKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonError turns an encoding/json error into a message with a line and
// column.
func jsonError(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "not a JSON object (found " + jsonKind(bytes.TrimSpace(data)) + ")"
		}
		return fmt.Sprintf("%s has the wrong type (%s)", te.Field, te.Value)
	}
	return "invalid JSON: " + err.Error()
}

// lineCol returns the 1-based line and column of byte offset off (the
// offset json reports is just after the offending byte).
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off > 0 {
		off--
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
