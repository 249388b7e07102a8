// Package i18n holds sakimori's message catalogues (Japanese and English,
// embedded JSON) and chooses the language of a request.
//
// Keys are dotted, lower-case names ("nav.orgs", "kind.operator",
// "err.not_found"). Messages may contain fmt verbs; the arguments of T fill
// them, and explicit indexes (%[2]s) let a translation reorder them.
// Both catalogues must hold exactly the same keys with the same verbs; the
// package tests check that, and that every key used in templates and Go code
// exists.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Supported languages. Japanese is first: it is the platform's main language.
const (
	JA = "ja"
	EN = "en"
)

// Langs lists the supported languages in display order.
var Langs = []string{JA, EN}

// Default is the language for a browser that prefers neither.
const Default = EN

//go:embed catalog/*.json
var catalogFS embed.FS

var catalogs = mustLoad()

func mustLoad() map[string]map[string]string {
	out := make(map[string]map[string]string, len(Langs))
	for _, l := range Langs {
		// catalog/<lang>.json plus fragments catalog/<lang>.<feature>.json
		// (one per feature, so features keep their messages apart); a key
		// defined twice is a bug.
		files, err := fs.Glob(catalogFS, "catalog/"+l+".*json")
		if err != nil || len(files) == 0 {
			panic("i18n: no catalog for " + l)
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := catalogFS.ReadFile(f)
			if err != nil {
				panic("i18n: " + err.Error())
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic("i18n: catalog " + f + ": " + err.Error())
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic("i18n: " + f + ": key " + k + " defined twice")
				}
				m[k] = v
			}
		}
		out[l] = m
	}
	return out
}

// Supported reports whether lang is a supported language code.
func Supported(lang string) bool { return slices.Contains(Langs, lang) }

// Keys returns the sorted keys of lang's catalogue (nil for an unknown lang).
func Keys(lang string) []string {
	m := catalogs[lang]
	if m == nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether lang's catalogue has key.
func Has(lang, key string) bool {
	_, ok := catalogs[lang][key]
	return ok
}

// Message returns the raw catalogue text of key in lang.
func Message(lang, key string) (string, bool) {
	s, ok := catalogs[lang][key]
	return s, ok
}

// Translator renders messages in one language.
type Translator struct {
	lang string
	msgs map[string]string
}

var translators = func() map[string]*Translator {
	m := map[string]*Translator{}
	for _, l := range Langs {
		m[l] = &Translator{lang: l, msgs: catalogs[l]}
	}
	return m
}()

// For returns the translator for lang (the default language if unsupported).
func For(lang string) *Translator {
	if t, ok := translators[lang]; ok {
		return t
	}
	return translators[Default]
}

// Lang returns the translator's language code.
func (t *Translator) Lang() string { return t.lang }

// T returns the message for key, formatted with args. A missing key is a
// bug (the tests catch it); it renders as the key itself and is logged, so
// a page never fails because of a missing translation.
func (t *Translator) T(key string, args ...any) string {
	msg, ok := t.msgs[key]
	if !ok {
		slog.Warn("i18n: missing message", "lang", t.lang, "key", key)
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Negotiate chooses the language of a request: an explicit choice (the
// `lang` cookie set by the language switch) wins, then the user's saved
// locale, then the browser's Accept-Language; a browser that accepts
// neither Japanese nor English gets English.
func Negotiate(cookie, saved, acceptLanguage string) string {
	if Supported(cookie) {
		return cookie
	}
	if Supported(saved) {
		return saved
	}
	return FromAcceptLanguage(acceptLanguage)
}

// FromAcceptLanguage returns the supported language the Accept-Language
// header value prefers most (ties go to the one listed first), or Default.
func FromAcceptLanguage(header string) string {
	best, bestQ := "", 0.0
	for _, r := range ParseAcceptLanguage(header) {
		if r.Q > bestQ && Supported(r.Lang) {
			best, bestQ = r.Lang, r.Q
		}
	}
	if best == "" {
		return Default
	}
	return best
}

// Range is one entry of an Accept-Language header: a primary language
// subtag in lower case ("ja" for "ja-JP", "*" for the wildcard) and its
// weight.
type Range struct {
	Lang string
	Q    float64
}

// maxRanges bounds the work done on a hostile header.
const maxRanges = 32

// ParseAcceptLanguage parses an Accept-Language header value (RFC 9110
// 12.5.4) leniently: malformed entries are skipped, a malformed or missing
// weight counts as 1, weights are clamped to [0,1], and at most 32 ranges
// are read.
func ParseAcceptLanguage(header string) []Range {
	var out []Range
	for part := range strings.SplitSeq(header, ",") {
		if len(out) == maxRanges {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		primary, _, _ := strings.Cut(tag, "-")
		primary = strings.ToLower(primary)
		if primary != "*" && !isAlpha(primary, 1, 8) {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok || strings.ToLower(strings.TrimSpace(k)) != "q" {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f != f { // NaN
				continue
			}
			q = min(max(f, 0), 1)
		}
		out = append(out, Range{Lang: primary, Q: q})
	}
	return out
}

func isAlpha(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
