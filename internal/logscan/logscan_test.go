package logscan

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sakimori/internal/match"
	"sakimori/internal/stix/pattern"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fmtTime renders a Record.Time for golden files ("-" for 0).
func fmtTime(t int64) string {
	if t == 0 {
		return "-"
	}
	return time.Unix(0, t).UTC().Format(time.RFC3339Nano)
}

// dump renders every observable as
// "line<TAB>time<TAB>kind<TAB>field<TAB>value" (time as RFC 3339 UTC, "-"
// when the record has none).
func dump(t testing.TB, data []byte, f Format) (string, Stats) {
	t.Helper()
	sc := NewScanner(bytes.NewReader(data), f)
	var b strings.Builder
	err := sc.Scan(func(r *Record) error {
		for _, o := range r.Observables {
			fmt.Fprintf(&b, "%d\t%s\t%s\t%s\t%s\n", r.Line, fmtTime(r.Time), o.Kind, o.Field, o.Value)
			if msg := checkObservable(o); msg != "" {
				t.Errorf("line %d: %s %q (field %s): %s", r.Line, o.Kind, o.Value, o.Field, msg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st := sc.Stats()
	fmt.Fprintf(&b, "# format=%s lines=%d records=%d observables=%d skipped=%d toolong=%d\n", sc.Format(), st.Lines, st.Records, st.Observables, st.Skipped, st.TooLong)
	return b.String(), st
}

// checkObservable verifies that a value is valid for its kind and already
// normalised as package stix/pattern normalises atoms.
func checkObservable(o match.Observable) string {
	v := string(o.Value)
	switch o.Kind {
	case match.KindIPv4, match.KindIPv6:
		k, n, err := pattern.NormalizeIP(v)
		if err != nil {
			return err.Error()
		}
		if n != v || string(k) != o.Kind.String() {
			return fmt.Sprintf("normalises to %s %q", k, n)
		}
	case match.KindDomain:
		n, err := pattern.NormalizeDomain(v)
		if err != nil {
			return err.Error()
		}
		if n != v {
			return fmt.Sprintf("normalises to %q", n)
		}
	case match.KindURL:
		n, err := pattern.NormalizeURL(v)
		if err != nil {
			return err.Error()
		}
		if n != v {
			return fmt.Sprintf("normalises to %q", n)
		}
	case match.KindEmail:
		n, err := pattern.NormalizeEmail(v)
		if err != nil {
			return err.Error()
		}
		if n != v {
			return fmt.Sprintf("normalises to %q", n)
		}
	case match.KindMD5, match.KindSHA1, match.KindSHA256, match.KindSHA512:
		k, n, err := pattern.NormalizeHash(o.Kind.String(), v)
		if err != nil {
			return err.Error()
		}
		if n != v || string(k) != o.Kind.String() {
			return fmt.Sprintf("normalises to %s %q", k, n)
		}
	default:
		return "unexpected kind"
	}
	return ""
}

func TestGolden(t *testing.T) {
	cases := []struct {
		file   string
		format Format // expected detection
	}{
		{"zeek_conn.log", FormatZeekTSV},
		{"zeek_dns.log", FormatZeekTSV},
		{"zeek_http.log", FormatZeekTSV},
		{"zeek_ssl.log", FormatZeekTSV},
		{"zeek_files.log", FormatZeekTSV},
		{"zeek_multi.log", FormatZeekTSV},
		{"zeek.json", FormatZeekJSON},
		{"eve.json", FormatSuricataEVE},
		{"generic.jsonl", FormatJSONL},
		{"nginx_access.log", FormatAccessLog},
		{"apache_vhost.log", FormatAccessLog},
		{"flows.csv", FormatCSV},
		{"advisory.txt", FormatText},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := Detect(data); got != c.format {
				t.Errorf("Detect = %s, want %s", got, c.format)
			}
			got, _ := dump(t, data, "")
			golden := filepath.Join("testdata", c.file+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("observables differ from %s:\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name, head string
		want       Format
	}{
		{"zeek separator", "#separator \\x09\n#set_separator\t,\n", FormatZeekTSV},
		{"zeek fields", "#fields\tts\tuid\n", FormatZeekTSV},
		{"zeek json", `{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1"}` + "\n", FormatZeekJSON},
		{"zeek json no uid", `{"ts":1.5,"id.orig_h":"10.0.0.1"}`, FormatZeekJSON},
		{"eve", `{"timestamp":"x","event_type":"dns","src_ip":"1.2.3.4"}`, FormatSuricataEVE},
		{"eve beats zeek", `{"ts":"x","uid":"y","event_type":"flow"}`, FormatSuricataEVE},
		{"jsonl", `{"a":1}`, FormatJSONL},
		{"jsonl with bom", "\xef\xbb\xbf{\"a\":1}", FormatJSONL},
		{"combined", `192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "ua"`, FormatAccessLog},
		{"common ipv6", `2001:db8::1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326`, FormatAccessLog},
		{"vhost", `www.example.com:443 192.0.2.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 1`, FormatAccessLog},
		{"csv", "src,dst,bytes\n1.2.3.4,5.6.7.8,10\n", FormatCSV},
		{"csv one line", "src,dst,bytes", FormatCSV},
		{"csv cell count mismatch", "Hello, world\nhow are you\n", FormatText},
		{"text", "Indicators: evil.example.com\n", FormatText},
		{"blank lines then text", "\n\n  \nhello\n", FormatText},
		{"empty", "", FormatText},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Detect([]byte(c.head)); got != c.want {
				t.Errorf("Detect(%q) = %s, want %s", c.head, got, c.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if g, err := ParseFormat(string(f)); err != nil || g != f {
			t.Errorf("ParseFormat(%s) = %s, %v", f, g, err)
		}
	}
	if _, err := ParseFormat("syslog"); err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("ParseFormat(syslog) = %v, want an error naming the field", err)
	}
}

func TestStopsAtCallbackError(t *testing.T) {
	data := "1.2.3.4\n5.6.7.8\n9.9.9.9\n"
	sc := NewScanner(strings.NewReader(data), FormatText)
	stop := errors.New("stop")
	n := 0
	err := sc.Scan(func(r *Record) error {
		n++
		if r.Line == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Fatalf("err = %v after %d records, want stop after 2", err, n)
	}
}

func TestLongLines(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("1.1.1.1\n")
	b.WriteString(strings.Repeat("a", MaxLine+10))
	b.WriteString(" 2.2.2.2\n3.3.3.3\n")
	b.WriteString(strings.Repeat("b", 3*MaxLine))
	sc := NewScanner(&b, FormatText)
	var got []string
	err := sc.Scan(func(r *Record) error {
		for _, o := range r.Observables {
			got = append(got, fmt.Sprintf("%d@%d:%s", r.Line, r.Offset, o.Value))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("[1@0:1.1.1.1 3@%d:3.3.3.3]", 8+MaxLine+10+9)
	if fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
	st := sc.Stats()
	if st.TooLong != 2 || st.Lines != 4 {
		t.Errorf("stats %+v, want 2 too long of 4 lines", st)
	}
}

func TestOffsetsAndCRLF(t *testing.T) {
	data := "a 1.2.3.4\r\n\r\nb evil.example.com\r\n"
	sc := NewScanner(strings.NewReader(data), FormatText)
	var got []string
	sc.Scan(func(r *Record) error {
		for _, o := range r.Observables {
			got = append(got, fmt.Sprintf("%d@%d:%s", r.Line, r.Offset, o.Value))
		}
		return nil
	})
	if want := "[1@0:1.2.3.4 3@13:evil.example.com]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestMalformedSkipped(t *testing.T) {
	cases := []struct {
		format      Format
		data        string
		wantObs     int
		wantSkipped int64
		wantRecords int64
	}{
		{FormatZeekTSV, "#fields\tid.orig_h\tid.resp_h\n1.1.1.1\t2.2.2.2\nonly-one-column\n3.3.3.3\t4.4.4.4\ta\tb\n5.5.5.5\t6.6.6.6\n", 4, 2, 2},
		{FormatZeekTSV, "1.1.1.1\t2.2.2.2\n", 0, 1, 0}, // data before #fields
		{FormatSuricataEVE, "{\"src_ip\":\"1.1.1.1\"}\n{\"src_ip\":\n{\"src_ip\":\"2.2.2.2\"} trailing\n{\"src_ip\":\"3.3.3.3\"}\n", 2, 2, 2},
		{FormatJSONL, "{\"a\":\"1.1.1.1\"}\n{\"a\":tru}\n{\"a\":\"x\\q\"}\n{\"a\":\"2.2.2.2\"}\n", 2, 2, 2},
		{FormatAccessLog, "1.1.1.1 - - [d] \"GET / HTTP/1.1\" 200 1\nnonsense\n1.1.1.1 - - [d] no request\n2.2.2.2 - - [d] \"GET / HTTP/1.1\" 200 1\n", 2, 2, 2},
		{FormatCSV, "src,dst\n1.1.1.1,2.2.2.2\n\"open,3.3.3.3\n\"a\"b,4.4.4.4\n5.5.5.5,6.6.6.6\n", 4, 2, 2},
	}
	for _, c := range cases {
		t.Run(string(c.format), func(t *testing.T) {
			sc := NewScanner(strings.NewReader(c.data), c.format)
			n := 0
			if err := sc.Scan(func(r *Record) error { n += len(r.Observables); return nil }); err != nil {
				t.Fatal(err)
			}
			st := sc.Stats()
			if n != c.wantObs || st.Skipped != c.wantSkipped || st.Records != c.wantRecords {
				t.Errorf("observables %d, stats %+v; want %d observables, %d skipped, %d records", n, st, c.wantObs, c.wantSkipped, c.wantRecords)
			}
		})
	}
}
