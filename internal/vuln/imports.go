package vuln

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/registry"
)

// ImportProblem is something an importer (ParseCVE5, ParseKEV) could not
// take over from its input. Most problems mean the record (or catalogue
// entry) was not imported at all; a problem whose Message starts with
// "ignored: " left out only the part that Field names (a version entry, an
// affected product, a CWE, ...) and the record itself was imported.
type ImportProblem struct {
	// Index is the 0-based position of the record in a CVE JSON 5 array
	// (0 for a file holding a single record) or of the entry in the KEV
	// catalogue's vulnerabilities array.
	Index int
	// ID is the CVE id of the record when it could be read.
	ID string
	// Field is the JSON path of the offending value inside the record
	// ("containers.cna.affected[0].versions[1].lessThan", "dueDate"); ""
	// for the record as a whole.
	Field   string
	Message string
}

// ignoredPrefix starts the message of a problem that left out only a part
// of a record.
const ignoredPrefix = "ignored: "

// String renders the problem as
// "record 2 (CVE-2024-1234): containers.cna.affected[0].versions[1].lessThan: must be a string".
func (p ImportProblem) String() string {
	var b strings.Builder
	b.WriteString("record ")
	b.WriteString(strconv.Itoa(p.Index))
	if p.ID != "" {
		b.WriteString(" (")
		b.WriteString(p.ID)
		b.WriteString(")")
	}
	if p.Field != "" {
		b.WriteString(": ")
		b.WriteString(p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Partial reports whether the problem left out only a part of its record
// (the record itself was imported).
func (p ImportProblem) Partial() bool { return strings.HasPrefix(p.Message, ignoredPrefix) }

// problems collects the problems of one record.
type problems struct {
	index int
	id    string
	list  []ImportProblem
}

// ignore records that the part at field was left out.
func (p *problems) ignore(field, format string, args ...any) {
	p.list = append(p.list, ImportProblem{Index: p.index, ID: p.id, Field: field, Message: ignoredPrefix + fmt.Sprintf(format, args...)})
}

// fail records that the whole record was not imported.
func (p *problems) fail(field, format string, args ...any) {
	p.list = append(p.list, ImportProblem{Index: p.index, ID: p.id, Field: field, Message: fmt.Sprintf(format, args...)})
}

// clipText shortens s to at most max runes, ending it with "…" when cut.
func clipText(s string, max int) (string, bool) {
	if utf8.RuneCountInString(s) <= max {
		return s, false
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…", true
}

// parseDate reads the timestamps CVE records carry: RFC 3339 with or
// without a zone (UTC assumed) and bare dates.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// productCPE builds the CPE 2.3 name of a product from its vendor and
// product names the way the registry names computers without a CPE
// (registry.CPEValue), with every other attribute ANY. ok is false when
// the vendor or the product is missing or the result is not a valid name.
func productCPE(vendor, product string) (string, error) {
	v, p := registry.CPEValue(vendor), registry.CPEValue(product)
	if v == "*" || p == "*" {
		return "", fmt.Errorf("needs a vendor and a product to name it")
	}
	s := "cpe:2.3:*:" + v + ":" + p + ":*:*:*:*:*:*:*:*"
	if err := checkCPE(s); err != nil {
		return "", err
	}
	return s, nil
}
