package logscan

// Record times. Every format names where a record's time comes from (see
// Record.Time); the values are parsed by hand, without package time, so
// that a record costs no allocation and little work:
//
//	epoch     seconds with an optional fraction ("1764460800.123456"); an
//	          integer part above 1e12 is taken for milliseconds
//	          ("1764460800123"); no sign, no exponent
//	ISO 8601  "YYYY-MM-DD", optionally followed by 'T', 't' or a space and
//	          "hh:mm[:ss[.fraction]]" (',' is accepted for '.'), then an
//	          optional zone: 'Z', "+hh:mm", "+hhmm" or "+hh" (or '-'); a
//	          time without a zone is taken for UTC
//	access    "30/Nov/2026:09:00:00 +0900" (the bracketed date of the
//	          common log format)
//
// Fraction digits beyond nanoseconds are ignored. A time before
// 2000-01-01T00:00:00Z or more than a day after the scanner was created is
// taken for a parsing accident and reported as 0.

const (
	nsPerSec = int64(1e9)
	// minTimeSec is 2000-01-01T00:00:00Z.
	minTimeSec = int64(946684800)
	// maxFuture is how far past the scanner's creation a time may lie.
	maxFuture = 24 * 3600 * nsPerSec
)

// MinTime is the earliest Record.Time a scanner reports (2000-01-01T00:00:00Z
// in Unix nanoseconds).
const MinTime = minTimeSec * nsPerSec

// MaxFuture is how far (in nanoseconds) after the scanner's creation a
// Record.Time may lie.
const MaxFuture = maxFuture

func (s *Scanner) setMaxTime(t int64) {
	s.maxTime, s.maxSec = t, t/nsPerSec
}

// unixNano combines seconds and nanoseconds and applies the scanner's
// bounds; it returns 0 outside them.
func (s *Scanner) unixNano(sec, nsec int64) int64 {
	if sec < minTimeSec || sec > s.maxSec || nsec < 0 || nsec >= nsPerSec {
		return 0
	}
	t := sec*nsPerSec + nsec
	if t > s.maxTime {
		return 0
	}
	return t
}

// timeValue parses a whole value as an ISO 8601 date-time or epoch
// seconds (milliseconds above 1e12); 0 when it is neither or out of
// bounds.
func (s *Scanner) timeValue(b []byte) int64 {
	if len(b) >= 10 && b[4] == '-' {
		sec, nsec, n, _, ok := parseISO(b)
		if !ok || n != len(b) {
			return 0
		}
		return s.unixNano(sec, nsec)
	}
	sec, nsec, ok := parseEpoch(b)
	if !ok {
		return 0
	}
	return s.unixNano(sec, nsec)
}

// timePrefix parses an ISO 8601 date and time (not a date alone) at the
// start of a line of text, after optional spaces and one '['; 0 when there
// is none.
func (s *Scanner) timePrefix(line []byte) int64 {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i < len(line) && line[i] == '[' {
		i++
	}
	if len(line)-i < 16 || !isDigit(line[i]) {
		return 0
	}
	b := line[i:]
	sec, nsec, n, hasTime, ok := parseISO(b)
	if !ok || !hasTime || n < len(b) && isAlnum(b[n]) {
		return 0
	}
	return s.unixNano(sec, nsec)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }

// digits parses b[i:i+n] as a decimal number.
func digits(b []byte, i, n int) (int64, bool) {
	if i+n > len(b) {
		return 0, false
	}
	var v int64
	for _, c := range b[i : i+n] {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// fraction parses the digits at b[i:] as a fraction of a second; it
// returns nanoseconds and the index after the digits.
func fraction(b []byte, i int) (nsec int64, j int) {
	scale := nsPerSec / 10
	for j = i; j < len(b) && isDigit(b[j]); j++ {
		nsec += int64(b[j]-'0') * scale
		scale /= 10
	}
	return nsec, j
}

// parseEpoch parses "digits[.digits]" as Unix seconds, or milliseconds
// when the integer part exceeds 1e12.
func parseEpoch(b []byte) (sec, nsec int64, ok bool) {
	i := 0
	var v int64
	for i < len(b) && isDigit(b[i]) {
		if i >= 15 {
			return 0, 0, false
		}
		v = v*10 + int64(b[i]-'0')
		i++
	}
	if i == 0 {
		return 0, 0, false
	}
	var frac int64
	if i < len(b) {
		if b[i] != '.' {
			return 0, 0, false
		}
		var j int
		frac, j = fraction(b, i+1)
		if j != len(b) {
			return 0, 0, false
		}
	}
	if v > 1e12 {
		return v / 1000, v%1000*1e6 + frac/1000, true
	}
	return v, frac, true
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic
// Gregorian date (y ≥ 1).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

var monthDays = [13]int64{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validDate(y, m, d int64) bool {
	if y < 1 || m < 1 || m > 12 || d < 1 || d > monthDays[m] {
		return false
	}
	return m != 2 || d < 29 || y%4 == 0 && (y%100 != 0 || y%400 == 0)
}

// parseISO parses an ISO 8601 date, optionally with a time and a zone, at
// the start of b; n is the length parsed, hasTime whether a time of day
// was present.
func parseISO(b []byte) (sec, nsec int64, n int, hasTime, ok bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return
	}
	y, ok1 := digits(b, 0, 4)
	mo, ok2 := digits(b, 5, 2)
	d, ok3 := digits(b, 8, 2)
	if !ok1 || !ok2 || !ok3 || !validDate(y, mo, d) {
		return
	}
	sec = daysFromCivil(y, mo, d) * 86400
	n = 10
	if len(b) < 16 || b[10] != 'T' && b[10] != 't' && b[10] != ' ' || b[13] != ':' {
		return sec, 0, n, false, true
	}
	h, ok1 := digits(b, 11, 2)
	mi, ok2 := digits(b, 14, 2)
	if !ok1 || !ok2 {
		return sec, 0, n, false, true
	}
	if h > 23 || mi > 59 {
		return 0, 0, 0, false, false
	}
	n = 16
	var ss int64
	if n < len(b) && b[n] == ':' {
		var ok bool
		if ss, ok = digits(b, n+1, 2); !ok || ss > 59 {
			return 0, 0, 0, false, false
		}
		n += 3
		if n+1 < len(b) && (b[n] == '.' || b[n] == ',') && isDigit(b[n+1]) {
			nsec, n = fraction(b, n+1)
		}
	}
	sec += h*3600 + mi*60 + ss
	if n < len(b) {
		switch c := b[n]; c {
		case 'Z', 'z':
			n++
		case '+', '-':
			oh, ok := digits(b, n+1, 2)
			if !ok || oh > 23 {
				return 0, 0, 0, false, false
			}
			m := n + 3
			var om int64
			if m < len(b) && b[m] == ':' {
				if om, ok = digits(b, m+1, 2); !ok {
					return 0, 0, 0, false, false
				}
				m += 3
			} else if v, ok := digits(b, m, 2); ok {
				om = v
				m += 2
			}
			if om > 59 {
				return 0, 0, 0, false, false
			}
			off := oh*3600 + om*60
			if c == '+' {
				off = -off
			}
			sec += off
			n = m
		}
	}
	return sec, nsec, n, true, true
}

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

// parseCLF parses the common log format's "30/Nov/2026:09:00:00 +0900".
func parseCLF(b []byte) (sec int64, ok bool) {
	if len(b) < 20 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' {
		return 0, false
	}
	d, ok1 := digits(b, 0, 2)
	y, ok2 := digits(b, 7, 4)
	h, ok3 := digits(b, 12, 2)
	mi, ok4 := digits(b, 15, 2)
	ss, ok5 := digits(b, 18, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || h > 23 || mi > 59 || ss > 59 {
		return 0, false
	}
	mo := int64(0)
	m0, m1, m2 := lower(b[3]), lower(b[4]), lower(b[5])
	for i, name := range monthNames {
		if name[0] == m0 && name[1] == m1 && name[2] == m2 {
			mo = int64(i + 1)
			break
		}
	}
	if !validDate(y, mo, d) {
		return 0, false
	}
	sec = daysFromCivil(y, mo, d)*86400 + h*3600 + mi*60 + ss
	z := b[20:]
	if len(z) == 0 {
		return sec, true
	}
	if len(z) != 6 || z[0] != ' ' || z[1] != '+' && z[1] != '-' {
		return 0, false
	}
	oh, ok1 := digits(z, 2, 2)
	om, ok2 := digits(z, 4, 2)
	if !ok1 || !ok2 || oh > 23 || om > 59 {
		return 0, false
	}
	off := oh*3600 + om*60
	if z[1] == '+' {
		off = -off
	}
	return sec + off, true
}
