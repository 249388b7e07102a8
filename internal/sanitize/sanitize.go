// Package sanitize makes incident-report text safe to share: it finds personal
// data, customer data, damage amounts, partner names, internal host names,
// private addresses, secrets and detailed configuration, replaces each with a
// numbered placeholder ("[EMAIL-1]") and reports exactly what it removed so a
// reporter can review a preview before anything leaves. Public indicators of
// compromise (public IP addresses, external domains, URLs, hashes) are kept.
package sanitize

import (
	"fmt"
	"sort"
	"strings"
)

// Kind says what a finding is.
type Kind string

// The kinds of sensitive content the sanitiser detects.
const (
	KindPersonName    Kind = "person_name"
	KindEmail         Kind = "email"
	KindPhone         Kind = "phone"
	KindPostalAddress Kind = "postal_address"
	KindPostalCode    Kind = "postal_code"
	KindCustomerID    Kind = "customer_id"
	KindAccountNumber Kind = "account_number"
	KindCardNumber    Kind = "card_number"
	KindMoney         Kind = "money"
	KindOrganization  Kind = "organization"
	KindInternalHost  Kind = "internal_host"
	KindPrivateIP     Kind = "private_ip"
	KindMAC           Kind = "mac_address"
	KindUserName      Kind = "user_name"
	KindSecret        Kind = "secret"
	KindConfig        Kind = "vulnerable_config"
	KindUnconfirmed   Kind = "unconfirmed"
)

// Kinds lists every kind in a stable order (for tables and documentation).
var Kinds = []Kind{
	KindPersonName, KindEmail, KindPhone, KindPostalAddress, KindPostalCode,
	KindCustomerID, KindAccountNumber, KindCardNumber, KindMoney, KindOrganization,
	KindInternalHost, KindPrivateIP, KindMAC, KindUserName, KindSecret, KindConfig,
	KindUnconfirmed,
}

var labels = map[Kind]string{
	KindPersonName:    "NAME",
	KindEmail:         "EMAIL",
	KindPhone:         "PHONE",
	KindPostalAddress: "ADDRESS",
	KindPostalCode:    "POSTCODE",
	KindCustomerID:    "CUSTOMER-ID",
	KindAccountNumber: "ACCOUNT",
	KindCardNumber:    "CARD",
	KindMoney:         "AMOUNT",
	KindOrganization:  "ORG",
	KindInternalHost:  "HOST",
	KindPrivateIP:     "PRIVATE-IP",
	KindMAC:           "MAC",
	KindUserName:      "USER",
	KindSecret:        "SECRET",
	KindConfig:        "CONFIG",
	KindUnconfirmed:   "UNCONFIRMED",
}

// Label is the upper-case label of a kind used in default placeholders and
// previews ("EMAIL" for KindEmail).
func (k Kind) Label() string {
	if l, ok := labels[k]; ok {
		return l
	}
	return strings.ToUpper(string(k))
}

// DefaultPlaceholder renders "[EMAIL-1]" style placeholders.
func DefaultPlaceholder(k Kind, n int) string {
	return fmt.Sprintf("[%s-%d]", k.Label(), n)
}

// Options configure the sanitiser.
type Options struct {
	// MaskNames are organisation names to mask wherever they appear: the
	// operator's partners, customers and its own name (matched
	// case-insensitively for ASCII letters).
	MaskNames []string
	// InternalDomains are the operator's internal DNS domains, e.g.
	// "corp.example.co.jp"; the domain and every name below it is masked.
	InternalDomains []string
	// Keep are values that are never removed, e.g. IOCs that a detector would
	// otherwise take for sensitive data. A finding overlapping an occurrence
	// of a Keep value is dropped.
	Keep []string
	// Placeholder renders the replacement of the n-th distinct value of a
	// kind (n starts at 1). Nil means DefaultPlaceholder.
	Placeholder func(Kind, int) string
}

// Finding is one removed span.
type Finding struct {
	Kind        Kind
	Start, End  int // byte offsets in the input
	Original    string
	Replacement string
}

// Field is one field of a structured report.
type Field struct {
	Path, Value string
	// Unconfirmed fields are removed entirely.
	Unconfirmed bool
	// Sensitive fields (marked by the caller, e.g. detailed vulnerable
	// configuration) are removed entirely.
	Sensitive bool
}

// Removal says what was removed from one field and why. A field removed
// entirely has one finding covering its whole value with an empty
// replacement; a sanitised field lists its findings.
type Removal struct {
	Path, Reason string
	Findings     []Finding
}

// Reasons used in Removal.
const (
	ReasonUnconfirmed = "unconfirmed field removed"
	ReasonSensitive   = "field marked sensitive removed"
	ReasonSanitised   = "sensitive content masked"
)

// Text sanitises one text. It returns the sanitised text and the findings in
// input order; the output is the input with each finding's span replaced by
// its replacement.
func Text(s string, opt Options) (string, []Finding) {
	st := newState(opt)
	return st.text(s)
}

// Fields sanitises a structured report. Unconfirmed or sensitive fields are
// dropped from out and listed in removed with their reason; the others are
// sanitised with Text, sharing placeholders so that the same value gets the
// same placeholder in every field. Fields with findings are also listed in
// removed (ReasonSanitised) so that a preview can show everything.
func Fields(fs []Field, opt Options) (out []Field, removed []Removal) {
	st := newState(opt)
	for _, f := range fs {
		switch {
		case f.Unconfirmed || f.Sensitive:
			k, reason := KindUnconfirmed, ReasonUnconfirmed
			if f.Sensitive {
				k, reason = KindConfig, ReasonSensitive
			}
			removed = append(removed, Removal{Path: f.Path, Reason: reason,
				Findings: []Finding{{Kind: k, Start: 0, End: len(f.Value), Original: f.Value}}})
		default:
			v, fnd := st.text(f.Value)
			g := f
			g.Value = v
			out = append(out, g)
			if len(fnd) > 0 {
				removed = append(removed, Removal{Path: f.Path, Reason: ReasonSanitised, Findings: fnd})
			}
		}
	}
	return out, removed
}

// Preview renders s with every finding marked as
// "⟦EMAIL: taro@example.co.jp → [EMAIL-1]⟧" so a reporter sees exactly what
// will be removed. Findings must come from Text(s) (in input order, not
// overlapping); invalid or overlapping findings are skipped.
func Preview(s string, fs []Finding) string {
	sorted := append([]Finding(nil), fs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	var b strings.Builder
	pos := 0
	for _, f := range sorted {
		if f.Start < pos || f.End > len(s) || f.Start > f.End {
			continue
		}
		b.WriteString(s[pos:f.Start])
		rep := f.Replacement
		if rep == "" {
			rep = "(removed)"
		}
		fmt.Fprintf(&b, "⟦%s: %s → %s⟧", f.Kind.Label(), s[f.Start:f.End], rep)
		pos = f.End
	}
	b.WriteString(s[pos:])
	return b.String()
}

// state carries placeholders across the texts of one call.
type state struct {
	opt    Options
	ph     func(Kind, int) string
	seen   map[Kind]map[string]string
	count  map[Kind]int
	masker *nameMasker
	hosts  *domainMatcher
}

func newState(opt Options) *state {
	st := &state{opt: opt, ph: opt.Placeholder, seen: map[Kind]map[string]string{}, count: map[Kind]int{}}
	if st.ph == nil {
		st.ph = DefaultPlaceholder
	}
	st.masker = newNameMasker(opt.MaskNames)
	st.hosts = newDomainMatcher(opt.InternalDomains)
	return st
}

func (st *state) placeholder(k Kind, v string) string {
	key := normKey(k, v)
	m := st.seen[k]
	if m == nil {
		m = map[string]string{}
		st.seen[k] = m
	}
	if p, ok := m[key]; ok {
		return p
	}
	st.count[k]++
	p := st.ph(k, st.count[k])
	m[key] = p
	return p
}

func normKey(k Kind, v string) string {
	v = strings.TrimSpace(v)
	switch k {
	case KindEmail, KindInternalHost, KindOrganization, KindMAC, KindPrivateIP, KindUserName:
		v = strings.ToLower(v)
	case KindPhone, KindCardNumber, KindAccountNumber:
		var b strings.Builder
		for _, r := range v {
			if r >= '0' && r <= '9' || r == '+' {
				b.WriteRune(r)
			} else if r >= '０' && r <= '９' {
				b.WriteRune(r - '０' + '0')
			}
		}
		if b.Len() > 0 {
			v = b.String()
		}
	}
	return v
}

// cand is a candidate span before overlap resolution.
type cand struct {
	kind       Kind
	start, end int
	prio       int
}

func (st *state) text(s string) (string, []Finding) {
	cs := st.detect(s)
	cs = st.dropKept(s, cs)
	cs = resolve(cs)
	var b strings.Builder
	var out []Finding
	pos := 0
	for _, c := range cs {
		orig := s[c.start:c.end]
		rep := st.placeholder(c.kind, orig)
		out = append(out, Finding{Kind: c.kind, Start: c.start, End: c.end, Original: orig, Replacement: rep})
		b.WriteString(s[pos:c.start])
		b.WriteString(rep)
		pos = c.end
	}
	b.WriteString(s[pos:])
	return b.String(), out
}

// dropKept removes candidates overlapping an occurrence of a Keep value.
func (st *state) dropKept(s string, cs []cand) []cand {
	if len(st.opt.Keep) == 0 {
		return cs
	}
	var spans [][2]int
	for _, k := range st.opt.Keep {
		if k == "" {
			continue
		}
		for i := 0; i <= len(s)-len(k); {
			j := strings.Index(s[i:], k)
			if j < 0 {
				break
			}
			spans = append(spans, [2]int{i + j, i + j + len(k)})
			i += j + 1
		}
	}
	out := cs[:0]
	for _, c := range cs {
		kept := false
		for _, sp := range spans {
			if c.start < sp[1] && sp[0] < c.end {
				kept = true
				break
			}
		}
		if !kept {
			out = append(out, c)
		}
	}
	return out
}

// resolve picks non-overlapping candidates: higher priority first, then longer,
// then earlier; the result is sorted by start.
func resolve(cs []cand) []cand {
	cs = mergeSameKind(cs)
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.prio != b.prio {
			return a.prio > b.prio
		}
		if la, lb := a.end-a.start, b.end-b.start; la != lb {
			return la > lb
		}
		return a.start < b.start
	})
	// chosen is kept sorted by start; spans in it are disjoint, so a new span
	// overlaps one only if it overlaps its neighbour on either side.
	var chosen []cand
	for _, c := range cs {
		if c.end <= c.start {
			continue
		}
		i := sort.Search(len(chosen), func(i int) bool { return chosen[i].start >= c.start })
		if i < len(chosen) && chosen[i].start < c.end || i > 0 && chosen[i-1].end > c.start {
			continue
		}
		chosen = append(chosen, cand{})
		copy(chosen[i+1:], chosen[i:])
		chosen[i] = c
	}
	return chosen
}

// mergeSameKind unites overlapping spans of one kind for kinds whose
// detectors see different parts of one name ("株式会社" + a masked name).
func mergeSameKind(cs []cand) []cand {
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].start < cs[j].start })
	var out []cand
	last := map[Kind]int{}
	for _, c := range cs {
		switch c.kind {
		case KindOrganization, KindPersonName, KindPostalAddress:
			if i, ok := last[c.kind]; ok && c.start < out[i].end {
				if c.end > out[i].end {
					out[i].end = c.end
				}
				if c.prio > out[i].prio {
					out[i].prio = c.prio
				}
				continue
			}
			last[c.kind] = len(out)
		}
		out = append(out, c)
	}
	return out
}
