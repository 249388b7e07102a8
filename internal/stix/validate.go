package stix

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/stix/pattern"
)

// Problem is one rule an object breaks. ObjectID is the object's id (or a
// stand-in such as "objects[3]" when the id is missing or unusable), Path a
// JSONPath into the object ("$.valid_until", "$.external_references[0].url").
type Problem struct {
	ObjectID string
	Path     string
	Message  string
}

func (p Problem) String() string {
	return p.ObjectID + ": " + p.Path + ": " + p.Message
}

// Errors is the error returned by Validate: every problem found, in a stable
// order (by object, then by path).
type Errors []Problem

func (e Errors) Error() string {
	switch len(e) {
	case 0:
		return "stix: no problems"
	case 1:
		return e[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(e))
	for _, p := range e {
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// AsErrors extracts the problems from an error returned by Validate.
func AsErrors(err error) (Errors, bool) {
	var e Errors
	ok := errors.As(err, &e)
	return e, ok
}

// Validate checks one object against the STIX 2.1 rules described in
// docs/stix.md. It returns nil or an Errors listing every problem.
func Validate(o *Object) error {
	v := newValidator(o, "")
	v.object()
	return v.result()
}

// Validate checks the bundle envelope and every object in it. Problems of
// the envelope are reported under the bundle id; problems of objects under
// the object ids.
func (b *Bundle) Validate() error {
	var all Errors
	if b.props != nil {
		bid := b.ID
		if !idRE.MatchString(bid) || !strings.HasPrefix(bid, "bundle--") {
			bid = "bundle"
		}
		add := func(path, format string, args ...any) {
			all = append(all, Problem{bid, path, fmt.Sprintf(format, args...)})
		}
		id, ok := b.props["id"].(string)
		switch {
		case b.props["id"] == nil:
			add("$.id", "is required")
		case !ok:
			add("$.id", "must be a string")
		default:
			if msg := checkIdentifier(id, "bundle"); msg != "" {
				add("$.id", "%s", msg)
			}
		}
		if raw, present := b.props["objects"]; present {
			list, ok := raw.([]any)
			switch {
			case !ok:
				add("$.objects", "must be a list of STIX objects")
			case len(list) == 0:
				add("$.objects", "must not be empty (omit the property instead)")
			default:
				for i, e := range list {
					if _, ok := e.(map[string]any); !ok {
						add(fmt.Sprintf("$.objects[%d]", i), "must be a JSON object")
					}
				}
			}
		}
	}
	for i, o := range b.Objects {
		v := newValidator(o, fmt.Sprintf("objects[%d]", i))
		v.object()
		sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Path < v.problems[j].Path })
		all = append(all, v.problems...)
	}
	if len(all) == 0 {
		return nil
	}
	return all
}

type validator struct {
	o        *Object
	m        map[string]any
	who      string
	problems Errors
}

func newValidator(o *Object, fallback string) *validator {
	who := o.ID
	if !idRE.MatchString(who) {
		who = fallback
		if t, ok := o.props["type"].(string); ok && typeNameRE.MatchString(t) {
			if who == "" {
				who = t
			} else {
				who += " (" + t + ")"
			}
		}
		if who == "" {
			who = "object"
		}
	}
	return &validator{o: o, m: o.props, who: who}
}

func (v *validator) result() error {
	if len(v.problems) == 0 {
		return nil
	}
	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Path < v.problems[j].Path })
	return v.problems
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{v.who, path, fmt.Sprintf(format, args...)})
}

// ---- lexical rules ----

var (
	uuidPart = `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}`
	// The hottest lexical rules are hand-written matchers (lexical.go):
	// every property name, identifier and timestamp of every object goes
	// through them. lexical_test.go checks them against these expressions:
	//
	// idRE, the identifier shape (section 2.9), type--UUID (RFC 4122):
	//   ^([a-z0-9]+(?:-[a-z0-9]+)*)--(uuidPart)$
	// typeNameRE, ASCII lowercase, digits and single hyphens (section 3.1;
	// length and the schemas' not(enum action) are checked separately):
	//   ^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$
	// propNameRE, a-z, 0-9, underscore, 3..250 chars (section 3.1), first
	// character a letter (as the OASIS schemas require):
	//   ^[a-z][a-z0-9_]{2,249}$
	// timestampRE, RFC 3339 in UTC with a literal Z (section 2.15):
	//   ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$
	// vocabRE: ^[a-z0-9]+(?:-[a-z0-9]+)*$
	// hexRE: ^([0-9a-fA-F]{2})*$
	idRE        = idMatcher{}
	typeNameRE  = matcher(isTypeName)
	propNameRE  = matcher(isPropName)
	timestampRE = matcher(isTimestamp)
	hexRE       = matcher(isHexBytes)
	extNameRE   = regexp.MustCompile(`^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-ext$`)
	extDefRE    = regexp.MustCompile(`^extension-definition--` + uuidPart + `$`)
	vocabRE     = matcher(isVocab)
	cveRE       = regexp.MustCompile(`^CVE-\d{4}-(0\d{3}|[1-9]\d{3,})$`)
	capecRE     = regexp.MustCompile(`^CAPEC-\d+$`)
	selectorRE  = regexp.MustCompile(`^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$`)
)

func parseTimestamp(s string) (time.Time, error) {
	if !timestampRE.MatchString(s) {
		return time.Time{}, errors.New("bad format")
	}
	return time.Parse(time.RFC3339Nano, s)
}

// checkTimestamp returns "" or what is wrong with s as a STIX timestamp.
// millis requires at least millisecond precision (created, modified).
func checkTimestamp(s string, millis bool) string {
	if !timestampRE.MatchString(s) {
		return fmt.Sprintf("%q is not an RFC 3339 timestamp in UTC ending in Z (e.g. 2026-04-01T09:30:00.000Z)", s)
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Sprintf("%q is not a valid date and time", s)
	}
	if millis {
		if i := strings.IndexByte(s, '.'); i < 0 || len(s)-i-2 < 3 {
			return fmt.Sprintf("%q must be precise to the millisecond (three fractional digits)", s)
		}
	}
	return ""
}

// checkIdentifier returns "" or what is wrong with id as a STIX identifier,
// optionally of one of the given types.
func checkIdentifier(id string, types ...string) string {
	m := idRE.FindStringSubmatch(id)
	if m == nil {
		return fmt.Sprintf("%q is not a STIX identifier (type--UUID)", id)
	}
	if len(types) == 0 {
		return ""
	}
	for _, t := range types {
		if m[1] == t {
			return ""
		}
	}
	if len(types) == 1 {
		return fmt.Sprintf("%q must identify a %s object", id, types[0])
	}
	return fmt.Sprintf("%q must identify one of: %s", id, strings.Join(types, ", "))
}

func jsonPath(parent, key string) string {
	if propNameRE.MatchString(key) || key == "id" {
		return parent + "." + key
	}
	return parent + "[" + strconv.Quote(key) + "]"
}

func index(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

// ---- the object walk ----

// reserved property names the specification forbids on every object.
var reserved = []string{"severity", "action", "username", "phone_numbers"}

func (v *validator) object() {
	m := v.m
	typ, _ := m["type"].(string)
	switch t := m["type"].(type) {
	case nil:
		v.add("$.type", "is required")
	case string:
		if len(t) < 3 || len(t) > 250 || !typeNameRE.MatchString(t) {
			v.add("$.type", "%q is not a valid type name (a-z, 0-9 and single hyphens, 3 to 250 characters)", t)
		}
		if t == "action" || t == "bundle" {
			v.add("$.type", "%q is not allowed as an object type", t)
		}
	default:
		v.add("$.type", "must be a string")
	}
	spec := types[typ]
	kind := kindSDO
	switch {
	case spec != nil:
		kind = spec.kind
	case m["created"] == nil && m["modified"] == nil:
		// An unknown (custom) type without the SDO timestamps is taken to
		// be a custom cyber-observable.
		kind = kindSCO
	}

	// id
	switch id := m["id"].(type) {
	case nil:
		v.add("$.id", "is required")
	case string:
		if msg := checkIdentifier(id); msg != "" {
			v.add("$.id", "%s", msg)
		} else if typ != "" && !strings.HasPrefix(id, typ+"--") {
			v.add("$.id", "%q does not match the object type %q", id, typ)
		}
	default:
		v.add("$.id", "must be a string")
	}

	// spec_version
	switch sv := m["spec_version"].(type) {
	case nil:
		if _, present := m["spec_version"]; present || kind != kindSCO {
			v.add("$.spec_version", `is required and must be "2.1"`)
		}
	case string:
		if sv != SpecVersion {
			v.add("$.spec_version", `%q is not supported; must be "2.1"`, sv)
		}
	default:
		v.add("$.spec_version", `must be the string "2.1"`)
	}

	for _, r := range reserved {
		if _, ok := m[r]; ok {
			v.add(jsonPath("$", r), "is a reserved property name and must not be used")
		}
	}

	// Every property: name rule, no null, no empty list, *_ref/*_refs shape.
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := m[k]
		p := jsonPath("$", k)
		if k != "id" && !propNameRE.MatchString(k) {
			v.add(p, "%q is not a valid property name (a-z, 0-9 and _, starting with a letter, 3 to 250 characters)", k)
			continue
		}
		v.generic(p, k, val, typ == "observed-data" && k == "objects")
	}

	// Common properties.
	created, hasCreated := v.timestamp("created", true)
	modified, hasModified := v.timestamp("modified", true)
	switch kind {
	case kindSDO, kindSRO:
		if _, ok := m["created"]; !ok {
			v.add("$.created", "is required")
		}
		if _, ok := m["modified"]; !ok {
			v.add("$.modified", "is required")
		}
	case kindMarking:
		if _, ok := m["created"]; !ok {
			v.add("$.created", "is required")
		}
	}
	if hasCreated && hasModified && modified.Before(created) {
		v.add("$.modified", "must not be earlier than created")
	}
	v.ref("created_by_ref", "identity")
	v.boolean("revoked")
	v.stringList("labels")
	v.integer("confidence", 0, 100)
	v.str("lang")
	v.externalReferences()
	v.refList("object_marking_refs", "marking-definition")
	v.granularMarkings()
	v.extensions(kind)
	if kind == kindSCO {
		v.boolean("defanged")
	}

	if spec != nil {
		for _, r := range spec.required {
			if _, ok := m[r]; !ok {
				v.add(jsonPath("$", r), "is required for %s objects", typ)
			}
		}
		for _, p := range spec.props {
			v.prop(p)
		}
		if spec.check != nil {
			spec.check(v)
		}
	}
}

// generic applies the rules that hold for every property at any depth:
// no null, no empty list, reference properties hold identifiers.
func (v *validator) generic(path, key string, val any, skipRefs bool) {
	switch x := val.(type) {
	case nil:
		v.add(path, "must not be null (omit the property instead)")
		return
	case []any:
		if len(x) == 0 {
			v.add(path, "must not be an empty list (omit the property instead)")
			return
		}
	}
	if skipRefs {
		return
	}
	switch {
	case strings.HasSuffix(key, "_ref"):
		if s, ok := val.(string); !ok {
			v.add(path, "must be a STIX identifier string")
		} else if msg := checkIdentifier(s); msg != "" {
			v.add(path, "%s", msg)
		}
		return
	case strings.HasSuffix(key, "_refs"):
		l, ok := val.([]any)
		if !ok {
			v.add(path, "must be a list of STIX identifiers")
			return
		}
		for i, e := range l {
			if s, ok := e.(string); !ok {
				v.add(index(path, i), "must be a STIX identifier string")
			} else if msg := checkIdentifier(s); msg != "" {
				v.add(index(path, i), "%s", msg)
			}
		}
		return
	case strings.HasSuffix(key, "_hex"):
		if s, ok := val.(string); !ok || !hexRE.MatchString(s) {
			v.add(path, "must be a string of hexadecimal octets")
		}
		return
	case strings.HasSuffix(key, "_bin"):
		if s, ok := val.(string); !ok {
			v.add(path, "must be a base64 string")
		} else if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			v.add(path, "must be valid base64")
		}
		return
	}
	switch x := val.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v.generic(jsonPath(path, k), k, x[k], false)
		}
	case []any:
		for i, e := range x {
			if mm, ok := e.(map[string]any); ok {
				v.generic(index(path, i), "", mm, false)
			}
		}
	}
}

// ---- typed property helpers; each reports only type/range problems and
// returns the value when it is usable ----

func (v *validator) str(name string) (string, bool) {
	val, ok := v.m[name]
	if !ok || val == nil {
		return "", false
	}
	s, ok := val.(string)
	if !ok {
		v.add(jsonPath("$", name), "must be a string")
	}
	return s, ok
}

func (v *validator) boolean(name string) (bool, bool) {
	val, ok := v.m[name]
	if !ok || val == nil {
		return false, false
	}
	b, ok := val.(bool)
	if !ok {
		v.add(jsonPath("$", name), "must be true or false")
	}
	return b, ok
}

func (v *validator) integer(name string, min, max int64) (int64, bool) {
	val, ok := v.m[name]
	if !ok || val == nil {
		return 0, false
	}
	p := jsonPath("$", name)
	n, ok := val.(json.Number)
	if !ok {
		v.add(p, "must be an integer")
		return 0, false
	}
	// Accept integral values written with a fraction or exponent (JSON
	// Schema does too: 1.0 is an integer), reject everything else. Plain
	// integers are parsed exactly; other forms go through float64, whose
	// range errors (1e400) count as out of range. No arbitrary-precision
	// arithmetic: an exponent of a billion must not cost anything.
	var i int64
	str := string(n)
	if strings.ContainsAny(str, ".eE") {
		f, err := strconv.ParseFloat(str, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			v.add(p, "must be an integer")
			return 0, false
		case err == nil && f != math.Trunc(f):
			v.add(p, "must be an integer")
			return 0, false
		case err != nil || f < float64(min) || f > float64(max):
			v.add(p, "must be between %d and %d", min, max)
			return 0, false
		}
		i = int64(f)
	} else {
		var err error
		if i, err = strconv.ParseInt(str, 10, 64); err != nil {
			v.add(p, "must be between %d and %d", min, max)
			return 0, false
		}
	}
	if i < min || i > max {
		v.add(p, "must be between %d and %d", min, max)
		return 0, false
	}
	return i, true
}

func (v *validator) number(name string, min, max float64) (float64, bool) {
	val, ok := v.m[name]
	if !ok || val == nil {
		return 0, false
	}
	p := jsonPath("$", name)
	n, ok := val.(json.Number)
	if !ok {
		v.add(p, "must be a number")
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || f < min || f > max {
		v.add(p, "must be between %g and %g", min, max)
		return 0, false
	}
	return f, true
}

func (v *validator) timestamp(name string, millis bool) (time.Time, bool) {
	val, ok := v.m[name]
	if !ok || val == nil {
		return time.Time{}, false
	}
	p := jsonPath("$", name)
	s, ok := val.(string)
	if !ok {
		v.add(p, "must be a timestamp string")
		return time.Time{}, false
	}
	if msg := checkTimestamp(s, millis); msg != "" {
		v.add(p, "%s", msg)
		return time.Time{}, false
	}
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t, true
}

func (v *validator) stringList(name string) ([]string, bool) {
	val, ok := v.m[name]
	if !ok || val == nil {
		return nil, false
	}
	p := jsonPath("$", name)
	l, ok := val.([]any)
	if !ok {
		v.add(p, "must be a list of strings")
		return nil, false
	}
	out := make([]string, 0, len(l))
	good := len(l) > 0
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			v.add(index(p, i), "must be a string")
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}

func (v *validator) ref(name string, types ...string) (string, bool) {
	val, ok := v.m[name]
	if !ok {
		return "", false
	}
	s, ok := val.(string)
	if !ok {
		return "", false // reported by generic
	}
	if len(types) > 0 && idRE.MatchString(s) {
		if msg := checkIdentifier(s, types...); msg != "" {
			v.add(jsonPath("$", name), "%s", msg)
			return "", false
		}
	}
	return s, idRE.MatchString(s)
}

func (v *validator) refList(name string, types ...string) {
	l, ok := v.m[name].([]any)
	if !ok || len(types) == 0 {
		return
	}
	p := jsonPath("$", name)
	for i, e := range l {
		if s, ok := e.(string); ok && idRE.MatchString(s) {
			if msg := checkIdentifier(s, types...); msg != "" {
				v.add(index(p, i), "%s", msg)
			}
		}
	}
}

// refNotTo checks a reference does not point at one of the given types.
func (v *validator) refNotTo(name string, types ...string) {
	s, ok := v.m[name].(string)
	if !ok {
		return
	}
	m := idRE.FindStringSubmatch(s)
	if m == nil {
		return
	}
	for _, t := range types {
		if m[1] == t {
			v.add(jsonPath("$", name), "must not refer to a %s object", t)
		}
	}
}

func (v *validator) dict(name string) (map[string]any, bool) {
	val, ok := v.m[name]
	if !ok || val == nil {
		return nil, false
	}
	d, ok := val.(map[string]any)
	if !ok {
		v.add(jsonPath("$", name), "must be a JSON object")
		return nil, false
	}
	if len(d) == 0 {
		v.add(jsonPath("$", name), "must not be empty")
		return nil, false
	}
	return d, true
}

func (v *validator) listOfObjects(name string) []map[string]any {
	val, ok := v.m[name]
	if !ok || val == nil {
		return nil
	}
	p := jsonPath("$", name)
	l, ok := val.([]any)
	if !ok {
		v.add(p, "must be a list")
		return nil
	}
	out := make([]map[string]any, len(l))
	for i, e := range l {
		mm, ok := e.(map[string]any)
		if !ok {
			v.add(index(p, i), "must be a JSON object")
			continue
		}
		out[i] = mm
	}
	return out
}

// order reports second being earlier than first, or, if strict, not later
// than first. Missing or malformed timestamps are skipped (reported
// elsewhere).
func (v *validator) order(first, second string, strict bool) {
	a, ok1 := v.timestamp(first, false)
	b, ok2 := v.timestamp(second, false)
	if !ok1 || !ok2 {
		return
	}
	if strict && !b.After(a) {
		v.add(jsonPath("$", second), "must be later than %s", first)
	} else if !strict && b.Before(a) {
		v.add(jsonPath("$", second), "must not be earlier than %s", first)
	}
}

// ---- common structured properties ----

func (v *validator) externalReferences() {
	for i, er := range v.listOfObjects("external_references") {
		if er == nil {
			continue
		}
		p := index("$.external_references", i)
		src, ok := er["source_name"].(string)
		if !ok {
			v.add(p+".source_name", "is required and must be a string")
		}
		for _, k := range []string{"description", "url", "external_id"} {
			if x, present := er[k]; present {
				if _, ok := x.(string); !ok {
					v.add(p+"."+k, "must be a string")
				}
			}
		}
		eid, hasID := er["external_id"].(string)
		_, hasDesc := er["description"]
		_, hasURL := er["url"]
		if !hasID && !hasDesc && !hasURL && ok && src != "cve" && src != "capec" {
			v.add(p, "must have at least one of description, url or external_id")
		}
		switch src {
		case "cve":
			if !hasID || !cveRE.MatchString(eid) {
				v.add(p+".external_id", "must be a CVE identifier (CVE-YYYY-NNNN) when source_name is cve")
			}
		case "capec":
			if !hasID || !capecRE.MatchString(eid) {
				v.add(p+".external_id", "must be a CAPEC identifier (CAPEC-N) when source_name is capec")
			}
		default:
			if hasID && (cveRE.MatchString(eid) || capecRE.MatchString(eid)) {
				v.add(p+".source_name", "must be %q for external_id %q", strings.ToLower(strings.SplitN(eid, "-", 2)[0]), eid)
			}
		}
		if u, ok := er["url"].(string); ok && !looksLikeURI(u) {
			v.add(p+".url", "%q is not an absolute URI", u)
		}
		if h, present := er["hashes"]; present {
			v.hashes(p+".hashes", h)
		}
	}
}

func looksLikeURI(s string) bool {
	i := strings.Index(s, ":")
	if i < 1 || strings.ContainsAny(s, " \t\r\n<>\"") {
		return false
	}
	for j, c := range s[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

var hashLengths = map[string]*regexp.Regexp{
	"MD5":      regexp.MustCompile(`^[a-fA-F0-9]{32}$`),
	"SHA-1":    regexp.MustCompile(`^[a-fA-F0-9]{40}$`),
	"SHA-256":  regexp.MustCompile(`^[a-fA-F0-9]{64}$`),
	"SHA-512":  regexp.MustCompile(`^[a-fA-F0-9]{128}$`),
	"SHA3-256": regexp.MustCompile(`^[a-fA-F0-9]{64}$`),
	"SHA3-512": regexp.MustCompile(`^[a-fA-F0-9]{128}$`),
	"SSDEEP":   regexp.MustCompile(`^[a-zA-Z0-9/+:.]{1,128}$`),
	"TLSH":     regexp.MustCompile(`^[a-zA-Z0-9]{70}$`),
}

var hashKeyRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{3,250}$`)

func (v *validator) hashes(p string, val any) {
	d, ok := val.(map[string]any)
	if !ok || len(d) == 0 {
		v.add(p, "must be a non-empty dictionary of hash algorithm to value")
		return
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kp := jsonPath(p, k)
		s, ok := d[k].(string)
		if !ok {
			v.add(kp, "must be a string")
			continue
		}
		if re := hashLengths[k]; re != nil {
			if !re.MatchString(s) {
				v.add(kp, "is not a valid %s value", k)
			}
		} else if !hashKeyRE.MatchString(k) {
			v.add(kp, "%q is not a valid hash algorithm name", k)
		}
	}
}

func (v *validator) granularMarkings() {
	for i, gm := range v.listOfObjects("granular_markings") {
		if gm == nil {
			continue
		}
		p := index("$.granular_markings", i)
		sel, ok := gm["selectors"].([]any)
		if !ok || len(sel) == 0 {
			v.add(p+".selectors", "is required and must be a non-empty list")
		}
		for j, s := range sel {
			if str, ok := s.(string); !ok || !selectorRE.MatchString(str) {
				v.add(index(p+".selectors", j), "must be a selector such as \"description\" or \"labels.[0]\"")
			}
		}
		mref, hasRef := gm["marking_ref"]
		lang, hasLang := gm["lang"]
		switch {
		case hasRef && hasLang:
			v.add(p, "must have marking_ref or lang, not both")
		case !hasRef && !hasLang:
			v.add(p, "must have marking_ref or lang")
		}
		if s, ok := mref.(string); hasRef && ok && idRE.MatchString(s) {
			if msg := checkIdentifier(s, "marking-definition"); msg != "" {
				v.add(p+".marking_ref", "%s", msg)
			}
		}
		if _, ok := lang.(string); hasLang && !ok {
			v.add(p+".lang", "must be a string")
		}
	}
}

var extensionTypes = map[string]bool{
	"new-sdo": true, "new-sco": true, "new-sro": true,
	"property-extension": true, "toplevel-property-extension": true,
}

func (v *validator) extensions(kind objectKind) {
	d, ok := v.dict("extensions")
	if !ok {
		return
	}
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := jsonPath("$.extensions", k)
		e, ok := d[k].(map[string]any)
		if !ok {
			v.add(p, "must be a JSON object")
			continue
		}
		switch {
		case extDefRE.MatchString(k):
			et, ok := e["extension_type"].(string)
			if !ok || !extensionTypes[et] {
				v.add(p+".extension_type", "is required and must be one of new-sdo, new-sco, new-sro, property-extension, toplevel-property-extension")
			}
		case extNameRE.MatchString(k) && kind != kindMarking:
			if len(e) == 0 {
				v.add(p, "must not be empty")
			}
		default:
			v.add(p, "%q is not an extension-definition identifier or a predefined extension name (ending in -ext)", k)
			continue
		}
		for ek := range e {
			if !propNameRE.MatchString(ek) {
				v.add(jsonPath(p, ek), "%q is not a valid property name", ek)
			}
		}
	}
}

// ---- per-type properties ----

type propKind uint8

const (
	pString propKind = iota
	pBool
	pStringList
	pTimestamp
	pRef
	pRefs
	pKillChain
	pHashes
	pDict
)

type propSpec struct {
	name  string
	kind  propKind
	types []string // for pRef/pRefs: allowed target types
}

func (v *validator) prop(p propSpec) {
	switch p.kind {
	case pString:
		v.str(p.name)
	case pBool:
		v.boolean(p.name)
	case pStringList:
		v.stringList(p.name)
	case pTimestamp:
		v.timestamp(p.name, false)
	case pRef:
		v.ref(p.name, p.types...)
	case pRefs:
		v.refList(p.name, p.types...)
	case pKillChain:
		for i, k := range v.listOfObjects(p.name) {
			if k == nil {
				continue
			}
			ip := index(jsonPath("$", p.name), i)
			for _, f := range []string{"kill_chain_name", "phase_name"} {
				if _, ok := k[f].(string); !ok {
					v.add(ip+"."+f, "is required and must be a string")
				}
			}
		}
	case pHashes:
		if val, ok := v.m[p.name]; ok {
			v.hashes(jsonPath("$", p.name), val)
		}
	case pDict:
		v.dict(p.name)
	}
}

// checkPattern parses an indicator's STIX pattern.
func (v *validator) checkPattern() {
	pt, ok := v.str("pattern_type")
	src, ok2 := v.str("pattern")
	if !ok || !ok2 || pt != "stix" {
		return
	}
	pat, err := pattern.Parse(src)
	if err == nil {
		v.o.pattern, v.o.patternSrc = pat, src // Object.Pattern reuses it
	}
	if err != nil {
		var pe *pattern.Error
		if errors.As(err, &pe) {
			v.add("$.pattern", "invalid STIX pattern at offset %d: %s", pe.Pos, pe.Msg)
		} else {
			v.add("$.pattern", "invalid STIX pattern: %v", err)
		}
	}
}
