package web

import (
	"slices"
	"strings"

	"sakimori/internal/report"
)

// Report fields that forms edit as text, one item per line with columns
// separated by "|": contacts ("name | role | phone | email | 24h") and
// kept logs ("log | retained until"). The report form and the template
// form both use these, so a line means the same on both.

// nonEmptyLines splits s into trimmed, non-empty lines.
func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// badLine is a bad line: its 1-based number among the non-empty lines and
// the catalogue key saying why (the key takes the line number).
type badLine struct {
	Line int
	Key  string
}

// h24Marks are the fifth column's values that mark a contact reachable 24/7.
var h24Marks = []string{"24h", "24/7", "24", "yes", "y", "true", "○", "はい", "24時間"}

// columns splits a line at "|" into at most n trimmed columns (false when
// there are more).
func columns(l string, n int) ([]string, bool) {
	cols := strings.Split(l, "|")
	if len(cols) > n {
		return nil, false
	}
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i])
	}
	return append(cols, make([]string, n-len(cols))...), true
}

// parseContactLines reads contact lines.
func parseContactLines(text string) ([]report.Contact, *badLine) {
	var out []report.Contact
	for i, l := range nonEmptyLines(text) {
		cols, ok := columns(l, 5)
		switch {
		case !ok:
			return nil, &badLine{i + 1, "rep.reason.contact_columns"}
		case cols[0] == "":
			return nil, &badLine{i + 1, "rep.reason.contact_name"}
		case cols[4] != "" && !slices.Contains(h24Marks, strings.ToLower(cols[4])):
			return nil, &badLine{i + 1, "rep.reason.contact_24h"}
		}
		out = append(out, report.Contact{Name: cols[0], Role: cols[1], Phone: cols[2], Email: cols[3], H24: cols[4] != ""})
	}
	return out, nil
}

// contactLines renders contacts as parseContactLines reads them.
func contactLines(cs []report.Contact) string {
	var out []string
	for _, c := range cs {
		h := ""
		if c.H24 {
			h = "24h"
		}
		out = append(out, joinColumns(c.Name, c.Role, c.Phone, c.Email, h))
	}
	return strings.Join(out, "\n")
}

// parseLogLines reads kept-log lines.
func parseLogLines(text string) ([]report.LogPreservation, *badLine) {
	var out []report.LogPreservation
	for i, l := range nonEmptyLines(text) {
		cols, ok := columns(l, 2)
		if !ok || cols[0] == "" {
			return nil, &badLine{i + 1, "rep.reason.log_line"}
		}
		out = append(out, report.LogPreservation{Log: cols[0], RetainedUntil: cols[1]})
	}
	return out, nil
}

// logLines renders kept logs as parseLogLines reads them.
func logLines(ls []report.LogPreservation) string {
	var out []string
	for _, l := range ls {
		out = append(out, joinColumns(l.Log, l.RetainedUntil))
	}
	return strings.Join(out, "\n")
}

// joinColumns joins columns with " | ", dropping empty trailing ones.
func joinColumns(parts ...string) string {
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, " | ")
}
