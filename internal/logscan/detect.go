package logscan

import "bytes"

// Detect guesses the format of a log from its first bytes (DetectSize is
// enough): "#separator" or "#fields" starts a Zeek TSV log; JSON object
// lines with "event_type" are Suricata EVE, with "ts" and "uid" or
// "id.orig_h" Zeek JSON, others generic JSON lines; a line shaped like
// "[vhost] client ident user [date] \"..." is an access log; a first line
// of two or more comma-separated short cells followed by a line with as
// many cells is CSV; anything else is text.
func Detect(head []byte) Format {
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	// first non-blank line
	var line []byte
	rest := head
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:i], rest[i+1:]
		}
		line = trimCR(line)
		if len(bytes.TrimSpace(line)) > 0 {
			break
		}
		line = nil
	}
	if line == nil {
		return FormatText
	}
	if bytes.HasPrefix(line, []byte("#separator")) || bytes.HasPrefix(line, []byte("#fields")) ||
		bytes.HasPrefix(line, []byte("#set_separator")) || bytes.HasPrefix(line, []byte("#path")) {
		return FormatZeekTSV
	}
	// Comment lines (CSV exports often start with one) are skipped.
	for line[0] == '#' && len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:i], rest[i+1:]
		}
		line = trimCR(line)
		if len(bytes.TrimSpace(line)) == 0 {
			line = []byte{'#'}
		}
	}
	t := bytes.TrimSpace(line)
	if t[0] == '{' {
		switch {
		case bytes.Contains(t, []byte(`"event_type"`)):
			return FormatSuricataEVE
		case bytes.Contains(t, []byte(`"ts"`)) && (bytes.Contains(t, []byte(`"uid"`)) || bytes.Contains(t, []byte(`"id.orig_h"`))):
			return FormatZeekJSON
		}
		return FormatJSONL
	}
	if looksLikeAccess(line) {
		return FormatAccessLog
	}
	if looksLikeCSV(line, rest) {
		return FormatCSV
	}
	return FormatText
}

func looksLikeAccess(line []byte) bool {
	br := bytes.IndexByte(line, '[')
	if br < 0 {
		return false
	}
	var toks [5][]byte
	n := 0
	pre := line[:br]
	for len(pre) > 0 && n < len(toks) {
		var t []byte
		t, pre = nextField(pre)
		if len(t) > 0 {
			toks[n] = t
			n++
		}
	}
	if n < 3 || n > 4 {
		return false
	}
	client := toks[n-3]
	var s Scanner
	if k, _ := s.ip(client); k == 0 && !looksLikeDomain(client) {
		return false
	}
	end := bytes.IndexByte(line[br:], ']')
	if end < 0 {
		return false
	}
	_, _, ok := quoted(line[br+end+1:])
	return ok
}

func looksLikeCSV(line, rest []byte) bool {
	var arena []byte
	cells, ok := 0, true
	short := true
	ok = csvFields(line, func(_ int, v []byte) {
		cells++
		if len(v) > 64 {
			short = false
		}
	}, &arena)
	if !ok || cells < 2 || !short {
		return false
	}
	// The next complete line, if any, must have as many cells.
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		return true
	}
	next := trimCR(rest[:i])
	n2 := 0
	if !csvFields(next, func(int, []byte) { n2++ }, &arena) {
		return false
	}
	return n2 == cells
}
