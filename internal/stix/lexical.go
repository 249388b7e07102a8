package stix

// Hand-written equivalents of the lexical regular expressions documented in
// validate.go; regexp matching was a quarter of the CPU time of ingest.

// matcher adapts a predicate to the MatchString method of the expressions
// it replaces.
type matcher func(string) bool

func (m matcher) MatchString(s string) bool { return m(s) }

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// isHyphenWords reports whether s is one or more runs of [a-z0-9] joined by
// single hyphens; first, if set, must hold for the first byte.
func isHyphenWords(s string, first func(byte) bool) bool {
	if s == "" || first != nil && !first(s[0]) {
		return false
	}
	prevHyphen := true // no hyphen at the start
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isLower(c) || isDigit(c):
			prevHyphen = false
		case c == '-' && !prevHyphen:
			prevHyphen = true
		default:
			return false
		}
	}
	return !prevHyphen
}

// isTypeName: ^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$
func isTypeName(s string) bool { return isHyphenWords(s, isLower) }

// isVocab: ^[a-z0-9]+(?:-[a-z0-9]+)*$
func isVocab(s string) bool { return isHyphenWords(s, nil) }

// isPropName: ^[a-z][a-z0-9_]{2,249}$
func isPropName(s string) bool {
	if len(s) < 3 || len(s) > 250 || !isLower(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLower(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

// isTimestamp: ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$
func isTimestamp(s string) bool {
	const shape = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(shape)+1 || s[len(s)-1] != 'Z' {
		return false
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' {
			if !isDigit(s[i]) {
				return false
			}
		} else if s[i] != shape[i] {
			return false
		}
	}
	rest := s[len(shape) : len(s)-1]
	if rest == "" {
		return true
	}
	if rest[0] != '.' || len(rest) < 2 {
		return false
	}
	for i := 1; i < len(rest); i++ {
		if !isDigit(rest[i]) {
			return false
		}
	}
	return true
}

// isHexBytes: ^([0-9a-fA-F]{2})*$
func isHexBytes(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// isUUID matches the uuidPart expression: an RFC 4122 UUID of version 1 to
// 5 and the RFC 4122 variant, hexadecimal in either case.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		case 14:
			if s[i] < '1' || s[i] > '5' {
				return false
			}
		case 19:
			switch s[i] {
			case '8', '9', 'a', 'b', 'A', 'B':
			default:
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// idMatcher matches STIX identifiers: type--UUID.
type idMatcher struct{}

// split returns the type and UUID of a well-formed identifier.
func (idMatcher) split(s string) (typ, uuid string, ok bool) {
	// The type part has no "--" (single hyphens only), so the first "--"
	// is the separator.
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '-' && s[i+1] == '-' {
			typ, uuid = s[:i], s[i+2:]
			return typ, uuid, isVocab(typ) && isUUID(uuid)
		}
	}
	return "", "", false
}

func (m idMatcher) MatchString(s string) bool {
	_, _, ok := m.split(s)
	return ok
}

// FindStringSubmatch returns [s, type, uuid] like the expression, or nil.
func (m idMatcher) FindStringSubmatch(s string) []string {
	t, u, ok := m.split(s)
	if !ok {
		return nil
	}
	return []string{s, t, u}
}
