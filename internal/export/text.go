package export

import (
	"encoding/csv"
	"strings"
	"time"

	"sakimori/internal/match"
)

// txt: one value per line, grouped by kind (a "# <kind>" comment before
// each group), after a "#" comment header. A value is never empty, never
// starts with '#' and never has white space, so a consumer that drops
// blank lines and '#' lines gets exactly the values.
func writeTXT(w *writer, ents []entry, o *Options, st *Stats) {
	header(w, "#", FormatTXT, o)
	var last match.Kind
	prev := ""
	for _, e := range ents {
		if strings.HasPrefix(e.Value, "#") {
			st.skip(e.Kind)
			continue
		}
		st.Written++
		if e.Kind != last {
			w.line("# ", e.Kind.String())
			last, prev = e.Kind, ""
		}
		if e.Value == prev { // same value from another indicator
			continue
		}
		prev = e.Value
		w.line(e.Value)
	}
}

// csvHeader is the header row of the CSV export.
var csvHeader = []string{"type", "value", "indicator_id", "name", "tlp", "confidence", "score", "modified", "valid_until"}

// csv: RFC 4180 quoting (encoding/csv), one row per indicator, no comment
// lines. Values are written exactly, without a spreadsheet formula guard:
// this file is for machines (and for `sakimori match --set file.csv`), and
// a prefixed value would no longer match. Open it in a spreadsheet with
// care.
func writeCSV(w *writer, ents []entry, o *Options, st *Stats) error {
	cw := csv.NewWriter(wrapIO{w})
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, e := range ents {
		conf := ""
		if e.Confidence >= 0 {
			conf = itoa(e.Confidence)
		}
		mod, vu := "", ""
		if !e.Modified.IsZero() {
			mod = e.Modified.UTC().Format(time.RFC3339Nano)
		}
		if e.ValidUntil != nil {
			vu = e.ValidUntil.UTC().Format(time.RFC3339Nano)
		}
		if err := cw.Write([]string{e.Kind.String(), e.Value, e.ID, e.Name, e.TLP.Name(), conf, itoa(e.Score), mod, vu}); err != nil {
			return err
		}
		st.Written++
	}
	cw.Flush()
	return cw.Error()
}

// wrapIO lets encoding/csv write through a *writer.
type wrapIO struct{ w *writer }

func (x wrapIO) Write(p []byte) (int, error) {
	x.w.str(string(p))
	return len(p), x.w.err
}

// hosts: "0.0.0.0 name" per domain. A hosts file blocks the name itself,
// not its subdomains.
func writeHosts(w *writer, ents []entry, o *Options, st *Stats) {
	header(w, "#", FormatHosts, o)
	prev := ""
	for _, e := range ents {
		st.Written++
		if e.Value != prev {
			w.line("0.0.0.0 ", e.Value)
			prev = e.Value
		}
	}
}

// Zeek intel framework file types per kind.
var zeekTypes = map[match.Kind]string{
	match.KindIPv4: "Intel::ADDR", match.KindIPv6: "Intel::ADDR",
	match.KindCIDR4: "Intel::SUBNET", match.KindCIDR6: "Intel::SUBNET",
	match.KindDomain: "Intel::DOMAIN", match.KindURL: "Intel::URL", match.KindEmail: "Intel::EMAIL",
	match.KindMD5: "Intel::FILE_HASH", match.KindSHA1: "Intel::FILE_HASH",
	match.KindSHA256: "Intel::FILE_HASH", match.KindSHA512: "Intel::FILE_HASH",
}

// zeek: the intel framework's input file. URLs are written without their
// scheme, as Zeek's HTTP analyser reports them (host and URI); only http
// and https URLs are written (Zeek sees no others). Fields hold no tabs,
// and a field that would be empty is "-".
func writeZeek(w *writer, ents []entry, o *Options, st *Stats) {
	w.line("#separator \\x09")
	header(w, "#", FormatZeek, o)
	w.line("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url")
	src := zeekField("sakimori " + o.Name)
	url := zeekField(o.Source)
	for _, e := range ents {
		v := e.Value
		if e.Kind == match.KindURL {
			var ok bool
			if v, ok = strings.CutPrefix(v, "http://"); !ok {
				if v, ok = strings.CutPrefix(v, "https://"); !ok {
					st.skip(e.Kind)
					continue
				}
			}
		}
		if !zeekValue(v) {
			st.skip(e.Kind)
			continue
		}
		desc := e.ID
		if e.Name != "" {
			desc = e.Name + " (" + e.ID + ")"
		}
		if e.TLP.Valid() {
			desc += " " + e.TLP.String()
		}
		w.line(v, "\t", zeekTypes[e.Kind], "\t", src, "\t", zeekField(desc), "\t", url)
		st.Written++
	}
}

// zeekValue reports whether v can be an indicator field: printable ASCII,
// without backslashes (the reader unescapes \\x sequences), not a Zeek
// "unset" or "empty" marker, not starting a comment.
func zeekValue(v string) bool {
	if v == "" || v == "-" || v == "(empty)" || v[0] == '#' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f || v[i] == '\\' {
			return false
		}
	}
	return true
}

// zeekField makes free text safe for a Zeek input field.
func zeekField(s string) string {
	s = strings.TrimSpace(safeText(s, "\t\\", 300))
	if s == "" || s == "(empty)" {
		return "-"
	}
	return s
}
