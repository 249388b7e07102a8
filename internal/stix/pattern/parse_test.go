package pattern

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Short observations for operator tests.
const (
	obsA = "[file:size = 1]"
	obsB = "[file:size = 2]"
	obsC = "[file:size = 3]"
	obsD = "[file:size = 4]"
)

// r replaces the single letters A, B, C and D (not parts of words such as
// AND) in s with the observations above, so that operator tests stay
// readable.
func r(s string) string {
	obs := map[byte]string{'A': obsA, 'B': obsB, 'C': obsC, 'D': obsD}
	isLetter := func(i int) bool {
		return i >= 0 && i < len(s) && (s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z')
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if o, ok := obs[s[i]]; ok && !isLetter(i-1) && !isLetter(i+1) {
			b.WriteString(o)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// validCases maps input patterns to their canonical form ("" = unchanged).
var validCases = []struct{ in, want string }{
	// Comparison operators.
	{"[file:size = 1280]", ""},
	{"[file:size == 1280]", "[file:size = 1280]"},
	{"[file:size != 1280]", ""},
	{"[file:size <> 1280]", "[file:size != 1280]"},
	{"[file:size < 1024]", ""},
	{"[file:size <= 1024]", ""},
	{"[file:size > 1024]", ""},
	{"[file:size >= 1024]", ""},
	{"[file:name IN ('test.txt', 'test2.exe', 'README')]", ""},
	{"[file:size IN(1024,2048,   4096)]", "[file:size IN (1024, 2048, 4096)]"},
	{"[file:size IN ()]", ""},
	{"[file:size IN ( )]", "[file:size IN ()]"},
	{"[file:name LIKE 'name%']", ""},
	{"[file:name MATCHES '^Final Report.+\\\\.exe$']", ""},
	{"[ipv4-addr:value ISSUBSET '198.51.100.0/24']", ""},
	{"[ipv6-addr:value ISSUBSET '2001:db8::/32']", ""},
	{"[ipv4-addr:value ISSUPERSET '198.51.100.7']", ""},
	{"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']", ""},
	{"[EXISTS windows-registry-key:values]", ""},
	{"[NOT EXISTS file:parent_directory_ref]", ""},
	{"[ NOT  EXISTS  file:parent_directory_ref ]", "[NOT EXISTS file:parent_directory_ref]"},
	// NOT before every operator (STIX 2.1 grammar).
	{"[file:name NOT = 'a']", ""},
	{"[file:name NOT != 'a']", ""},
	{"[file:size NOT < 5]", ""},
	{"[file:size NOT IN (1, 2)]", ""},
	{"[file:name NOT LIKE 'x_%']", ""},
	{"[file:name NOT MATCHES '^x']", ""},
	{"[ipv4-addr:value NOT ISSUBSET '192.168.0.1/24']", ""},
	{"[ipv4-addr:value NOT ISSUPERSET '192.168.0.1']", ""},
	// Object paths.
	{"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", ""},
	{"[file:extensions.'windows-pebinary-ext'.sections[0].entropy >= 7.5]", ""},
	{"[x-foo:list[-1] = 1]", ""},
	{"[x-foo:list[+2] = 1]", "[x-foo:list[2] = 1]"},
	{"[file:hashes[*] = '8665c8d477534008b3058b72e2dae8ae']", ""},
	{"[file:'name' = 'x']", "[file:name = 'x']"},
	{"[file:hashes.'MD5' = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']", "[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']"},
	{"[x-foo:'AND' = 1]", ""},
	{"[x-foo:bar.'true' = 1]", ""},
	{"[x-foo:'3com' = 1]", ""},
	{"[x-foo:within = 1]", ""}, // keywords are upper case; lower-case words are identifiers
	{"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']", ""},
	{"[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' = 'gzip']", ""},
	{"[process:environment_variables.'ProgramFiles(x86)' = 'C:\\\\Program Files (x86)']", ""},
	{"[file : name = 'x']", "[file:name = 'x']"},
	{"[file:parent_directory_ref . path = 'C:\\\\Windows']", "[file:parent_directory_ref.path = 'C:\\\\Windows']"},
	// Literals.
	{"[file:name = 'it\\'s a \\\\ test']", ""},
	{"[file:name = '']", ""},
	{"[email-message:subject = '【重要】請求書のご確認']", ""},
	{"[x-foo:a = 'multi\nline']", ""},
	{"[x-foo:a = -5]", ""},
	{"[x-foo:a = +5]", "[x-foo:a = 5]"},
	{"[x-foo:a = -0]", "[x-foo:a = 0]"},
	{"[x-foo:a = 9223372036854775807]", ""},
	{"[x-foo:a = -9223372036854775808]", ""},
	{"[x-foo:a = .5]", "[x-foo:a = 0.5]"},
	{"[x-foo:a = -.5]", "[x-foo:a = -0.5]"},
	{"[x-foo:a = +007.50]", "[x-foo:a = 7.5]"},
	{"[x-foo:a = 1.0]", ""},
	{"[x-foo:a = 100000000000000000000000.0]", ""},
	{"[x-foo:a = true]", ""},
	{"[x-foo:a != false]", ""},
	{"[file:magic_number_hex = h'FFD8']", "[file:magic_number_hex = h'ffd8']"},
	{"[file:magic_number_hex = h'']", ""},
	{"[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']", ""},
	{"[artifact:payload_bin = b'YQ==']", ""},
	{"[file:created = t'2014-01-13T07:03:17Z']", ""},
	{"[file:created = t'2014-01-13T07:03:17.000Z']", "[file:created = t'2014-01-13T07:03:17Z']"},
	{"[file:created = t'2014-01-13T07:03:17.1230Z']", "[file:created = t'2014-01-13T07:03:17.123Z']"},
	{"[file:created = t'2016-01-01T00:00:00.1234567891Z']", "[file:created = t'2016-01-01T00:00:00.123456789Z']"},
	{"[file:created = t'2024-02-29T12:00:00Z']", ""},
	{"[file:created = t'2000-02-29T12:00:00Z']", ""},
	{"[file:created = t'2016-12-31T23:59:60Z']", "[file:created = t'2017-01-01T00:00:00Z']"},
	{"[file:created > t'2014-01-13T07:03:17Z' AND file:size <= h'ff']", ""},
	{"[file:name MATCHES '(?P<x>a)(?<y>b)\\\\d+']", ""},
	// White space and comments.
	{"  [ file:size = 1 ]  ", "[file:size = 1]"},
	{"/* leading */ [file:size = 1] // trailing", "[file:size = 1]"},
	{"[file:size /* inner */ = 1]\n// comment\nAND [file:size = 2]", "[file:size = 1] AND [file:size = 2]"},
	{"\u3000[file:size\u00a0=\u20091]\r\n\tOR\u2028[file:size = 2]", "[file:size = 1] OR [file:size = 2]"},
	{"[file:name MATCHES'^x']", "[file:name MATCHES '^x']"},
	{"[file:name='x']AND[file:name='y']", "[file:name = 'x'] AND [file:name = 'y']"},
	// Observation operators and precedence: AND > OR > FOLLOWEDBY.
	{r("A AND B OR C"), ""},
	{r("A OR B AND C"), ""},
	{r("(A OR B) AND C"), ""},
	{r("A AND (B OR C)"), ""},
	{r("(A AND B) OR C"), r("A AND B OR C")},
	{r("A AND (B AND C)"), r("A AND B AND C")},
	{r("((A))"), r("A")},
	{r("A FOLLOWEDBY B OR C"), ""},
	{r("(A FOLLOWEDBY B) OR C"), ""},
	{r("A OR (B FOLLOWEDBY C)"), ""},
	{r("(A FOLLOWEDBY B) FOLLOWEDBY C"), r("A FOLLOWEDBY B FOLLOWEDBY C")},
	{r("A FOLLOWEDBY (B FOLLOWEDBY C)"), r("A FOLLOWEDBY B FOLLOWEDBY C")},
	{r("A AND B FOLLOWEDBY C OR D"), ""},
	{r("(A OR B) FOLLOWEDBY (C AND D)"), r("A OR B FOLLOWEDBY C AND D")},
	// Qualifiers bind tighter than any observation operator.
	{r("A WITHIN 5 SECONDS"), ""},
	{r("A AND B WITHIN 5 SECONDS"), ""},
	{r("(A AND B) WITHIN 5 SECONDS"), ""},
	{r("(A) WITHIN 5 SECONDS"), r("A WITHIN 5 SECONDS")},
	{r("(A WITHIN 5 SECONDS) AND B"), r("A WITHIN 5 SECONDS AND B")},
	{r("A REPEATS 2 TIMES WITHIN 5.5 SECONDS"), ""},
	{r("A WITHIN 300.0 SECONDS"), r("A WITHIN 300 SECONDS")},
	{r("A WITHIN +5 SECONDS"), r("A WITHIN 5 SECONDS")},
	{r("A WITHIN .5 SECONDS"), r("A WITHIN 0.5 SECONDS")},
	{r("A WITHIN 99999999999999999999 SECONDS"), r("A WITHIN 100000000000000000000 SECONDS")},
	{r("A REPEATS 2TIMES"), r("A REPEATS 2 TIMES")},
	{r("(A WITHIN 5 SECONDS) WITHIN 6 SECONDS"), ""},
	{r("(A REPEATS 2 TIMES) REPEATS 2 TIMES"), ""},
	{r("((A REPEATS 2 TIMES)) REPEATS 2 TIMES"), r("(A REPEATS 2 TIMES) REPEATS 2 TIMES")},
	{r("A START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'"), ""},
	{r("A START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00.000000001Z' REPEATS 3 TIMES WITHIN 10 SECONDS"), ""},
	{r("(A FOLLOWEDBY B) WITHIN 300 SECONDS OR C"), ""},
	// Comparison operators: AND binds tighter than OR.
	{"[file:size = 1 OR file:size = 2 AND file:size = 3]", ""},
	{"[(file:size = 1 OR file:size = 2) AND file:size = 3]", ""},
	{"[file:size = 1 AND (file:size = 2 AND file:size = 3)]", "[file:size = 1 AND file:size = 2 AND file:size = 3]"},
	{"[(file:size = 1 AND file:size = 2) OR file:size = 3]", "[file:size = 1 AND file:size = 2 OR file:size = 3]"},
	{"[((file:size = 1))]", "[file:size = 1]"},
	{"( [(network-traffic:dst_port IN(443,6443,8443) AND network-traffic:src_packets != 0) ])",
		"[network-traffic:dst_port IN (443, 6443, 8443) AND network-traffic:src_packets != 0]"},
}

// specExamples are the patterns of the STIX 2.1 specification (section 9
// and the indicator examples), as collected by the OASIS pattern validator.
var specExamples = []string{
	"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
	"[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
	"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
	"[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
	"([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
	"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
	"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
	"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
	"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
	"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
	"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
	"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
	"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
	"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
	"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
	"[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
	"[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
	"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
	"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
	"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
	"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
	"([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
	"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a69faa']",
	"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com'] WITHIN 600 SECONDS",
	"[network-traffic:src_port = 37020 AND user-account:user_id = 'root'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' OR [ipv4-addr:value = '192.168.122.83'] START t'2016-06-01T03:55:00.123Z' STOP t'2016-06-01T04:30:24.743Z'",
}

func TestParseValid(t *testing.T) {
	for _, tc := range validCases {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		p, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := p.String(); got != want {
			t.Errorf("Parse(%q).String()\n got %s\nwant %s", tc.in, got, want)
		}
		checkRoundTrip(t, tc.in, p)
	}
}

// specCanonical holds the canonical forms of the spec examples that are not
// written canonically.
var specCanonical = map[string]string{
	// AND binds tighter than OR: the parentheses are redundant.
	"([file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']": "[file:name = 'foo.dll'] AND [win-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'] OR [process:name = 'fooproc' OR process:name = 'procfoo']",
}

func TestSpecExamples(t *testing.T) {
	for _, in := range specExamples {
		p, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		want := in
		if c, ok := specCanonical[in]; ok {
			want = c
		}
		if got := p.String(); got != want {
			t.Errorf("spec example printed wrongly:\n got %s\nwant %s", got, want)
		}
		checkRoundTrip(t, in, p)
	}
}

// invalidCases: at is a substring of the input; the error must be reported at
// the position of '¦' in it, or at its start when it has no '¦'; "" means the
// end of the input.
var invalidCases = []struct{ in, at, msg string }{
	{"", "", "empty pattern"},
	{"  /* nothing */ ", "", "empty pattern"},
	{"file:size = 1280", "file", "must be inside square brackets"},
	{"[file:size = ]", "]", "expected a value after ="},
	{"[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]", "cead", "single quotes"},
	{"[file.size = 1280]", ".", "expected ':' between the object type and the property"},
	{"[file:name MATCHES /.*\\.dll/]", "/", "unexpected character '/'"},
	{"[file:name = 'x'] WITHIN ]", "WITHIN ¦]", "expected a positive number of seconds after WITHIN"},
	{"[file:name = 'x'] WITHIN 5 HOURS", "HOURS", "expected SECONDS"},
	{"[file:name = 'x'] WITHIN -5 SECONDS", "-5", "positive number of seconds"},
	{"[file:name = 'x'] WITHIN 0 SECONDS", "0 SECONDS", "positive number of seconds"},
	{"[file:name = 'x'] WITHIN 0.0 SECONDS", "0.0", "positive number of seconds"},
	{"[file:name = 'x'] WITHIN 1" + strings.Repeat("0", 400) + " SECONDS", "1000", "out of range"},
	{"[file:name = 'x'] REPEATS 0 TIMES", "0 TIMES", "positive whole number"},
	{"[file:name = 'x'] REPEATS 1.5 TIMES", "1.5", "expected a positive whole number after REPEATS"},
	{"[file:name = 'x'] REPEATS 99999999999999999999 TIMES", "9999", "out of range"},
	{"[file:name = 'x'] REPEATS 2", "", "expected TIMES"},
	{"[file:name = 'x'] START t'2016-01-01T00:00:00Z'", "", "expected STOP"},
	{"[file:name = 'x'] START '2016-01-01T00:00:00Z' STOP '2016-01-02T00:00:00Z'", "'2016-01-01", "expected a timestamp"},
	{"[file:name = 'x'] START t'2016-06-01T02:00:00Z' STOP t'2016-06-01T01:00:00Z'", "t'2016-06-01T01", "STOP timestamp must be later"},
	{"[file:name = 'x'] START t'2016-06-01T02:00:00Z' STOP t'2016-06-01T02:00:00Z'", "STOP ¦t'", "STOP timestamp must be later"},
	{"[network-traffic:dst_ref.value ISSUBSET ]", "]", "expected a value after ISSUBSET"},
	{"[file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']", "?", "unexpected character '?'"},
	{"[x-whatever:detected == t'2457-73-22T32:81:84.1Z']", "t'", "month 73 out of range"},
	{"[artifact:payload_bin = b'====']", "b'", "malformed base64"},
	{"[foo:bar=1] within 2 seconds", "within", "keywords must be written in upper case: WITHIN"},
	{"[file:hashes.'SHA-256' = 'f00']", "'f00'", "not a valid SHA-256 hash"},
	{"[k-k-k:k = 'x'] WITHIN 5 SECONDS WITHIN 6 SECONDS", "WITHIN 6", "duplicate WITHIN qualifier"},
	{"([k-k-k:k = 'x'] REPEATS 2 TIMES REPEATS 3 TIMES)", "REPEATS 3", "duplicate REPEATS qualifier"},
	{"[k-k-k:k = 'x'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'", "02:20:00.123Z' ¦START", "duplicate START/STOP qualifier"},
	{"([k-k-k:k = 'x']) WITHIN 5 SECONDS WITHIN 6 SECONDS", "WITHIN 6", "duplicate WITHIN qualifier"},
	// Timestamps.
	{"[x-foo:c = t'2024-02-30T12:00:00Z']", "t'", "day 30 out of range for February 2024"},
	{"[x-foo:c = t'2023-02-29T12:00:00Z']", "t'", "day 29 out of range"},
	{"[x-foo:c = t'2024-04-31T12:00:00Z']", "t'", "day 31 out of range"},
	{"[x-foo:c = t'2024-13-01T12:00:00Z']", "t'", "month 13 out of range"},
	{"[x-foo:c = t'2024-00-01T12:00:00Z']", "t'", "month 00 out of range"},
	{"[x-foo:c = t'2024-01-00T12:00:00Z']", "t'", "day 00 out of range"},
	{"[x-foo:c = t'2024-01-15T25:00:00Z']", "t'", "hour 25 out of range"},
	{"[x-foo:c = t'2024-01-15T12:60:00Z']", "t'", "minute 60 out of range"},
	{"[x-foo:c = t'2024-01-15T12:30:61Z']", "t'", "second 61 out of range"},
	{"[x-foo:c = t'2024-01-15T12:30:45']", "t'", "want YYYY-MM-DDTHH:MM:SS"},
	{"[x-foo:c = t'2024-01-15T12:30:45+09:00']", "t'", "must be in UTC"},
	{"[x-foo:c = t'2024-01-15T12:30:45.Z']", "t'", "no digits after the decimal point"},
	{"[x-foo:c = t'not-a-timestamp']", "t'", "want YYYY-MM-DDTHH:MM:SS"},
	{"[x-foo:c = t'2024/01/15T12:30:45Z']", "t'", "want YYYY-MM-DDTHH:MM:SS"},
	{"[x-foo:c = t'2024-01-15T12:30:45Z]", "t'", "unterminated timestamp literal"},
	{"[x-foo:c = t'9999-12-31T23:59:60Z']", "t'", "out of range"},
	// Names.
	{"[x:created = t'2024-01-15T12:30:45Z']", "x:", "type names must be 3 to 250 characters"},
	{"[x_whatever:a = 1]", "x_whatever", "'_' is not allowed in type names"},
	{"[File:name = 'x']", "File", "must start with a lower-case letter"},
	{"[fILE:name = 'x']", "fILE", "must be lower case"},
	{"[x--foo:a = 1]", "x--foo", "must not contain '--'"},
	{"[" + strings.Repeat("a", 251) + ":a = 1]", "aaa", "3 to 250 characters"},
	{"[1abc:a = 1]", "1abc", "expected a comparison"},
	{"[file:na-me = 'x']", "na-me", "quote property names and keys that contain hyphens"},
	{"[file:'na-me' = 'x']", "'na-me'", "not allowed in property names"},
	{"[file:'' = 'x']", "''", "must not be empty"},
	{"[file:hashes.'' = 'x']", "''", "must not be empty"},
	{"[x-foo:a.'キー' = 1]", "'キー'", "dictionary keys must be ASCII"},
	{"[x-foo:a.'tab\there' = 1]", "'tab", "control characters"},
	{"[x-foo:a." + strings.Repeat("k", 251) + " = 1]", "kkk", "longer than 250"},
	{"[file:IN = 1]", "IN", "reserved word; quote it"},
	{"[file:true = 1]", "true", "reserved word; quote it"},
	{"[file:name.AND = 1]", "AND", "reserved word"},
	{"[AND:name = 1]", "AND", "expected a comparison"},
	{"[x-foo:a. = 1]", "=", "expected a property name or dictionary key"},
	{"[x-foo:a[1.5] = 1]", "1.5", "expected a list index"},
	{"[x-foo:a[x] = 1]", "x]", "expected a list index"},
	{"[x-foo:a[1 = 1]", "= 1]", "expected ']' after the list index"},
	{"[x-foo:a[99999999999999999999] = 1]", "999", "out of range"},
	{"[x-foo = 1]", "=", "expected ':' after the object type"},
	{"[x-foo: = 1]", "=", "expected a property name"},
	// Structure.
	{"[]", "]", "empty observation expression"},
	{"[file:name = 'x' AND]", "]", "expected a comparison after AND/OR"},
	{"[file:name = 'x' OR OR file:name = 'y']", "OR ¦OR", "expected a comparison"},
	{"[file:name = 'x'] AND", "", "expected '[' or '('"},
	{"[file:name = 'x'] [file:name = 'y']", "] ¦[", "expected AND, OR, FOLLOWEDBY or a qualifier"},
	{"([file:name = 'x']", "", "expected ')' to close the parenthesised observation"},
	{"[file:name = 'x'])", ")", "expected AND, OR, FOLLOWEDBY"},
	{"[(file:name = 'x']", "]", "expected ')' to close the parenthesised comparison"},
	{"[file:name = 'x'", "", "expected ']' after comparison"},
	{"[file:name = 'x' file:size = 1]", "file:size", "expected ']' after comparison"},
	{"[NOT file:name = 'x']", "NOT", "NOT must follow the object path"},
	{"[NOT (file:name = 'x')]", "NOT", "NOT must follow the object path"},
	{"[file:name NOT NOT = 'x']", "NOT ¦NOT", "NOT written twice"},
	{"[file:name EXISTS]", "EXISTS", "EXISTS goes before the object path"},
	{"[file:name 'x']", "'x'", "expected a comparison operator"},
	{"[file:size < true]", "true", "orderable value"},
	{"[file:name LIKE 5]", "5", "LIKE needs a string literal"},
	{"[file:name MATCHES h'00']", "h'00'", "MATCHES needs a string literal"},
	{"[file:name = ('a')]", "('a')", "a set of values needs IN"},
	{"[file:size IN ('a' 'b')]", "'b'", "expected ',' or ')'"},
	{"[file:size IN ('a',)]", ")]", "expected a value"},
	{"[file:size IN 'a']", "'a'", "expected '(' to start the set"},
	{"[file:size IN (('a'))]", "('a'))", "expected a value"},
	{"[file:size = 1] LAST 5 SECONDS", "LAST", "expected AND, OR, FOLLOWEDBY or a qualifier"},
	{"[file:size = 1] and [file:size = 2]", "and", "upper case: AND"},
	{strings.Repeat("(", 200) + "[file:size = 1]" + strings.Repeat(")", 200), strings.Repeat("(", 100) + "¦(", "nesting deeper than 100"},
	{"[" + strings.Repeat("(", 200) + "file:size = 1" + strings.Repeat(")", 200) + "]", strings.Repeat("(", 99) + "¦(", "nesting deeper than 100"},
	// Operator-specific validation.
	{"[file:name MATCHES '(?=x)']", "'(?=x)'", "look-around"},
	{"[file:name MATCHES '(\\\\w)\\\\1']", "'(", "invalid escape sequence"},
	{"[file:name MATCHES '(a']", "'(a'", "missing closing )"},
	{"[file:name MATCHES 'a{1001}']", "'a{", "invalid repeat count"},
	{"[ipv4-addr:value ISSUBSET 'example.com']", "'example.com'", "needs an IP address or CIDR block"},
	{"[ipv4-addr:value ISSUBSET '10.0.0.0/33']", "'10.0", "needs an IP address or CIDR block"},
	{"[ipv4-addr:value ISSUBSET 'fe80::1%eth0']", "'fe80", "needs an IP address or CIDR block"},
	{"[ipv4-addr:value ISSUBSET '2001:db8::/32']", "'2001", "needs an IPv4 address"},
	{"[ipv6-addr:value ISSUPERSET '10.0.0.0/8']", "'10.0", "needs an IPv6 address"},
	{"[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', 'zz')]", "'zz'", "not a valid MD5 hash"},
	{"[file:hashes.MD5 = 5]", "5]", "MD5 hash values must be quoted strings, found 5"},
	{"[file:hashes.'SHA-1' != 'cead3f77f6cda6ec00f57d76c9a6879f']", "'cead", "not a valid SHA-1 hash (40 hex digits)"},
	{"[file:hashes.sha256 = 'cead3f77f6cda6ec00f57d76c9a6879f']", "'cead", "not a valid SHA-256 hash"},
	{"[artifact:hashes.'SHA-512' = 'xyz']", "'xyz'", "not a valid SHA-512 hash"},
	// Lexical errors.
	{"[file:name = 'unterminated]", "'unterminated", "unterminated string"},
	{"[file:name = 'ends in backslash\\", "'ends", "unterminated string"},
	{"[file:name = 'bad \\n escape']", "\\n", "invalid escape sequence \\n"},
	{"[file:name = 'bad \\\" escape']", "\\\"", "invalid escape sequence"},
	{"[file:size = 01]", "01", "leading zero"},
	{"[file:size = -00]", "-00", "leading zero"},
	{"[file:size = 99999999999999999999]", "9999", "out of range"},
	{"[file:size = 1" + strings.Repeat("0", 400) + ".5]", "1000", "out of range"},
	{"[x-foo:a = h'abc']", "h'abc'", "odd number of hex digits"},
	{"[x-foo:a = h'zz']", "zz", "not a hex digit"},
	{"[x-foo:a = h'ab]", "h'ab", "unterminated hex literal"},
	{"[x-foo:a = b'']", "b''", "non-empty multiple of 4"},
	{"[x-foo:a = b'abc']", "b'abc'", "non-empty multiple of 4"},
	{"[x-foo:a = b'ab.c']", ".c'", "not a base64 character"},
	{"[x-foo:a = b'YQ=A']", "b'", "malformed base64"},
	{"/* unterminated", "/*", "unterminated comment"},
	{"[file:size = 1] !", "!", "unexpected '!'"},
	{"[file:size = 1] -", "-", "a sign must be followed by a number"},
	{"[file:size = 1] .", ".", "expected AND, OR, FOLLOWEDBY"},
	{"[file:name = '\xff']", "\xff", "invalid UTF-8 byte 0xff"},
	{"[file:size = 1]\x00", "\x00", "unexpected control character"},
	{"[file:size = 1] §", "§", "unexpected character '§'"},
	{`[file:name = "x"]`, `"x"`, "strings are written in single quotes"},
}

func TestParseInvalid(t *testing.T) {
	for _, tc := range invalidCases {
		want := len(tc.in)
		if tc.at != "" {
			sub := strings.Replace(tc.at, "¦", "", 1)
			i := strings.Index(tc.in, sub)
			if i < 0 {
				t.Fatalf("bad test case %q: %q not in input", tc.in, sub)
			}
			want = i + max(strings.Index(tc.at, "¦"), 0)
		}
		p, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want an error", tc.in, p)
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): error %v is not *Error", tc.in, err)
			continue
		}
		if pe.Pos != want || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("Parse(%q)\n got %v\nwant at %d: ...%s...", tc.in, err, want, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), fmt.Sprintf("pattern: at %d: ", pe.Pos)) {
			t.Errorf("error text %q lacks the position prefix", err)
		}
	}
}

// sexpr prints the structure of a tree explicitly, independently of the
// canonical printer, so that precedence can be asserted.
func sexpr(n Node) string {
	switch n := n.(type) {
	case *Observation:
		return "[" + sexpr(n.Cmp) + "]"
	case *ObsGroup:
		parts := []string{n.Op.String()}
		for _, it := range n.Items {
			parts = append(parts, sexpr(it))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Qualified:
		parts := []string{"Q", sexpr(n.X)}
		for _, q := range n.Quals {
			parts = append(parts, q.String())
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *CmpGroup:
		parts := []string{n.Op.String()}
		for _, it := range n.Items {
			parts = append(parts, sexpr(it))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case *Comparison:
		// The last step of the path and the value are enough to tell the
		// comparisons in these tests apart.
		return n.Path.Steps[len(n.Path.Steps)-1].Key + n.Op.String() + n.Value.String()
	}
	return "?"
}

func TestStructure(t *testing.T) {
	const a, b, c, d = "[size=1]", "[size=2]", "[size=3]", "[size=4]"
	tests := []struct{ in, want string }{
		{r("A AND B OR C"), "(OR (AND " + a + " " + b + ") " + c + ")"},
		{r("A OR B AND C"), "(OR " + a + " (AND " + b + " " + c + "))"},
		{r("A OR B FOLLOWEDBY C AND D"), "(FOLLOWEDBY (OR " + a + " " + b + ") (AND " + c + " " + d + "))"},
		{r("A FOLLOWEDBY B FOLLOWEDBY C"), "(FOLLOWEDBY " + a + " " + b + " " + c + ")"},
		{r("(A AND B) AND (C AND D)"), "(AND " + a + " " + b + " " + c + " " + d + ")"},
		{r("A AND B WITHIN 5 SECONDS"), "(AND " + a + " (Q " + b + " WITHIN 5 SECONDS))"},
		{r("(A AND B) WITHIN 5 SECONDS"), "(Q (AND " + a + " " + b + ") WITHIN 5 SECONDS)"},
		{r("A REPEATS 2 TIMES WITHIN 5 SECONDS"), "(Q " + a + " REPEATS 2 TIMES WITHIN 5 SECONDS)"},
		{r("(A REPEATS 2 TIMES) WITHIN 5 SECONDS"), "(Q (Q " + a + " REPEATS 2 TIMES) WITHIN 5 SECONDS)"},
		{"[file:size = 1 OR file:size = 2 AND file:size = 3 OR file:size = 4]", "[(OR size=1 (AND size=2 size=3) size=4)]"},
		{"[(file:size = 1 OR file:size = 2) AND file:size = 3]", "[(AND (OR size=1 size=2) size=3)]"},
	}
	for _, tc := range tests {
		p, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := sexpr(p.Expr); got != tc.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestLiterals(t *testing.T) {
	value := func(src string) Literal {
		t.Helper()
		p, err := Parse("[x-foo:a = " + src + "]")
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return p.Expr.(*Observation).Cmp.(*Comparison).Value
	}
	if l := value(`'it\'s a \\ test'`); l.Kind != LitString || l.Str != `it's a \ test` {
		t.Errorf("string: %+v", l)
	}
	if l := value("-42"); l.Kind != LitInt || l.Int != -42 {
		t.Errorf("int: %+v", l)
	}
	if l := value("-.25"); l.Kind != LitFloat || l.Float != -0.25 {
		t.Errorf("float: %+v", l)
	}
	if l := value("true"); l.Kind != LitBool || !l.Bool {
		t.Errorf("bool: %+v", l)
	}
	if l := value("h'00fFa0'"); l.Kind != LitHex || !bytes.Equal(l.Bytes, []byte{0, 0xff, 0xa0}) {
		t.Errorf("hex: %+v", l)
	}
	if l := value("b'aGk='"); l.Kind != LitBinary || string(l.Bytes) != "hi" {
		t.Errorf("binary: %+v", l)
	}
	want := time.Date(2016, 6, 1, 1, 30, 0, 123000000, time.UTC)
	if l := value("t'2016-06-01T01:30:00.123Z'"); l.Kind != LitTimestamp || !l.Time.Equal(want) || l.Time.Location() != time.UTC {
		t.Errorf("timestamp: %+v", l)
	}
	if l := value("'x'"); l.Pos != len("[x-foo:a = ") {
		t.Errorf("literal position %d", l.Pos)
	}
}

func TestPositionsAndPaths(t *testing.T) {
	src := "[file:extensions.'windows-pebinary-ext'.sections[2].entropy > 7.0] WITHIN 5 SECONDS"
	p := MustParse(src)
	q := p.Expr.(*Qualified)
	o := q.X.(*Observation)
	c := o.Cmp.(*Comparison)
	if o.Lbrack != 0 || o.Rbrack != strings.Index(src, "] WITHIN") || q.Quals[0].Pos != strings.Index(src, "WITHIN") {
		t.Errorf("positions: obs %d-%d, qualifier %d", o.Lbrack, o.Rbrack, q.Quals[0].Pos)
	}
	if c.Start != 1 || c.Path.Pos != 1 || c.Path.Type != "file" {
		t.Errorf("comparison %+v", c)
	}
	wantSteps := []Step{
		{Pos: 6, Kind: StepKey, Key: "extensions"},
		{Pos: 17, Kind: StepKey, Key: "windows-pebinary-ext"},
		{Pos: 40, Kind: StepKey, Key: "sections"},
		{Pos: 48, Kind: StepIndex, Index: 2},
		{Pos: 52, Kind: StepKey, Key: "entropy"},
	}
	if fmt.Sprint(c.Path.Steps) != fmt.Sprint(wantSteps) {
		t.Errorf("steps\n got %+v\nwant %+v", c.Path.Steps, wantSteps)
	}
	if c.Value.Pos != strings.Index(src, "7.0") {
		t.Errorf("value position %d", c.Value.Pos)
	}
	if d := q.Quals[0].Duration(); d != 5*time.Second {
		t.Errorf("Duration = %v", d)
	}
	if got := len(p.Comparisons()); got != 1 {
		t.Errorf("Comparisons() = %d", got)
	}
}

func TestEqual(t *testing.T) {
	a := MustParse("[file:size == 1]   AND ([file:'name' = 'x'])")
	b := MustParse("[file:size = 1] AND [file:name = 'x']")
	c := MustParse("[file:size = 1] AND [file:name = 'y']")
	if !a.Equal(b) || a.Equal(c) {
		t.Errorf("Equal: a~b %v, a~c %v", a.Equal(b), a.Equal(c))
	}
}

// Trees built by hand may nest groups of the same operator or qualify a
// qualified expression; the printer must keep their structure visible.
func TestPrintBuiltTrees(t *testing.T) {
	obs := func(n int64) Expr {
		return &Observation{Cmp: &Comparison{
			Path:  ObjectPath{Type: "file", Steps: []Step{{Kind: StepKey, Key: "size"}}},
			Op:    OpEq,
			Value: Literal{Kind: LitInt, Int: n},
		}}
	}
	cmp := func(key string) CmpExpr {
		return &Comparison{Path: ObjectPath{Type: "x-foo", Steps: []Step{{Kind: StepKey, Key: key}}}, Op: OpExists}
	}
	tests := []struct {
		e    Expr
		want string
	}{
		{&ObsGroup{Op: ObsAnd, Items: []Expr{&ObsGroup{Op: ObsAnd, Items: []Expr{obs(1), obs(2)}}, obs(3)}},
			"([file:size = 1] AND [file:size = 2]) AND [file:size = 3]"},
		{&ObsGroup{Op: ObsOr, Items: []Expr{obs(1), &ObsGroup{Op: ObsOr, Items: []Expr{obs(2), obs(3)}}}},
			"[file:size = 1] OR ([file:size = 2] OR [file:size = 3])"},
		{&ObsGroup{Op: ObsAnd, Items: []Expr{obs(1)}}, "[file:size = 1]"},
		{&Qualified{X: &Qualified{X: obs(1), Quals: []Qualifier{{Kind: Repeats, Times: 2}}}, Quals: []Qualifier{{Kind: Repeats, Times: 3}}},
			"([file:size = 1] REPEATS 2 TIMES) REPEATS 3 TIMES"},
		{&Observation{Cmp: &CmpGroup{Op: And, Items: []CmpExpr{&CmpGroup{Op: And, Items: []CmpExpr{cmp("a"), cmp("b")}}, cmp("c")}}},
			"[(EXISTS x-foo:a AND EXISTS x-foo:b) AND EXISTS x-foo:c]"},
		{&Observation{Cmp: &Comparison{Path: ObjectPath{Type: "x-foo", Steps: []Step{{Kind: StepKey, Key: "a b"}, {Kind: StepKey, Key: "it's"}}}, Op: OpIn}},
			"[x-foo:'a b'.'it\\'s' IN ()]"},
	}
	for _, tc := range tests {
		p := &Pattern{Expr: tc.e}
		if got := p.String(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}
