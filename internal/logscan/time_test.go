package logscan

import (
	"strings"
	"testing"
	"time"
)

// testNow is the scanners' creation time in these tests.
var testNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// recordTimes scans data and returns the times of its records (records
// with observables only) rendered by fmtTime.
func recordTimes(t *testing.T, data string, f Format) []string {
	t.Helper()
	sc := NewScanner(strings.NewReader(data), f)
	sc.setMaxTime(testNow.UnixNano() + MaxFuture)
	var got []string
	if err := sc.Scan(func(r *Record) error {
		got = append(got, fmtTime(r.Time))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRecordTime(t *testing.T) {
	const (
		zeekHead  = "#separator \\x09\n#fields\tts\tid.orig_h\n#types\ttime\taddr\n"
		zeekTyped = "#separator \\x09\n#fields\tid.orig_h\tstart_time\tother_time\n#types\taddr\ttime\ttime\n"
		zeekNoTS  = "#separator \\x09\n#fields\tid.orig_h\tduration\n#types\taddr\tinterval\n"
	)
	cases := []struct {
		name   string
		format Format
		data   string
		want   string // times of the records, space separated
	}{
		{"zeek-tsv ts", FormatZeekTSV, zeekHead +
			"1795996800.123456\t1.1.1.1\n1795996800\t1.1.1.1\n1795996800.5\t1.1.1.1\n-\t1.1.1.1\n(empty)\t1.1.1.1\n",
			"2026-11-30T00:00:00.123456Z 2026-11-30T00:00:00Z 2026-11-30T00:00:00.5Z - -"},
		{"zeek-tsv ts nanoseconds and beyond", FormatZeekTSV, zeekHead +
			"1795996800.123456789\t1.1.1.1\n1795996800.1234567891\t1.1.1.1\n",
			"2026-11-30T00:00:00.123456789Z 2026-11-30T00:00:00.123456789Z"},
		{"zeek-tsv absurd", FormatZeekTSV, zeekHead +
			"946684799.9\t1.1.1.1\n946684800\t1.1.1.1\n1796126400\t1.1.1.1\n1796126400.000000001\t1.1.1.1\n0\t1.1.1.1\n99999999999999\t1.1.1.1\n",
			"- 2000-01-01T00:00:00Z 2026-12-01T12:00:00Z - - -"},
		{"zeek-tsv malformed ts", FormatZeekTSV, zeekHead +
			"1795996800.\t1.1.1.1\n1.7e9\t1.1.1.1\n-1795996800\t1.1.1.1\nx\t1.1.1.1\n1795996800.12a\t1.1.1.1\n",
			"2026-11-30T00:00:00Z - - - -"},
		{"zeek-tsv iso ts", FormatZeekTSV, zeekHead + "2026-11-30T00:00:00.25Z\t1.1.1.1\n",
			"2026-11-30T00:00:00.25Z"},
		{"zeek-tsv first time column", FormatZeekTSV, zeekTyped + "1.1.1.1\t1795996801\t1795996802\n",
			"2026-11-30T00:00:01Z"},
		{"zeek-tsv no time column", FormatZeekTSV, zeekNoTS + "1.1.1.1\t1795996801\n", "-"},
		{"zeek-tsv header change", FormatZeekTSV, zeekHead + "1795996800\t1.1.1.1\n" + zeekNoTS + "1.1.1.1\t1795996801\n",
			"2026-11-30T00:00:00Z -"},

		{"zeek-json epoch", FormatZeekJSON, `{"ts":1795996800.123456,"id.orig_h":"1.1.1.1"}` + "\n" +
			`{"id.orig_h":"1.1.1.1","ts":1795996801}`, "2026-11-30T00:00:00.123456Z 2026-11-30T00:00:01Z"},
		{"zeek-json iso", FormatZeekJSON, `{"ts":"2026-11-30T00:00:00.123456Z","id.orig_h":"1.1.1.1"}`,
			"2026-11-30T00:00:00.123456Z"},
		{"zeek-json other keys", FormatZeekJSON, `{"timestamp":1795996800,"id":{"ts":1795996800},"id.orig_h":"1.1.1.1"}` + "\n" +
			`{"ts":[1795996800],"id.orig_h":"1.1.1.1"}` + "\n" + `{"ts":1.7644608e9,"id.orig_h":"1.1.1.1"}`, "- - -"},

		{"eve offsets", FormatSuricataEVE, `{"timestamp":"2026-11-30T09:00:00.123456+0900","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-30T09:00:00.123456+09:00","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-30T00:00:00.123456Z","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-29T19:30:00-0430","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-30T09:00:00+09","src_ip":"1.1.1.1"}`,
			"2026-11-30T00:00:00.123456Z 2026-11-30T00:00:00.123456Z 2026-11-30T00:00:00.123456Z 2026-11-30T00:00:00Z 2026-11-30T00:00:00Z"},
		{"eve malformed", FormatSuricataEVE, `{"timestamp":"2026-11-31T09:00:00+0900","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-30T24:00:00Z","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-30T09:00:00+0900 ","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-30T09:00:00+2500","src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2026-11-30T09:00:00\u002b0900","src_ip":"1.1.1.1"}` + "\n" +
			`{"ts":"2026-11-30T09:00:00Z","flow":{"timestamp":"2026-11-30T09:00:00Z"},"src_ip":"1.1.1.1"}` + "\n" +
			`{"timestamp":"2027-11-30T09:00:00Z","src_ip":"1.1.1.1"}`,
			"- - - - - - -"},

		{"jsonl keys", FormatJSONL, `{"timestamp":"2026-11-30T00:00:01Z","a":"1.1.1.1"}` + "\n" +
			`{"ts":1795996802,"a":"1.1.1.1"}` + "\n" +
			`{"@timestamp":"2026-11-30T00:00:03.5+00:00","a":"1.1.1.1"}` + "\n" +
			`{"time":1795996804123,"a":"1.1.1.1"}` + "\n" +
			`{"time":1795996804123.5,"a":"1.1.1.1"}` + "\n" +
			`{"when":1795996805,"a":"1.1.1.1"}` + "\n" +
			`{"time":"bogus","ts":1795996806,"a":"1.1.1.1"}` + "\n" +
			`{"time":"2026-11-30 00:00:07","a":"1.1.1.1"}` + "\n" +
			`{"time":"2026-11-30","a":"1.1.1.1"}` + "\n" +
			`{"time":true,"a":"1.1.1.1"}`,
			"2026-11-30T00:00:01Z 2026-11-30T00:00:02Z 2026-11-30T00:00:03.5Z 2026-11-30T00:00:04.123Z 2026-11-30T00:00:04.1235Z - " +
				"2026-11-30T00:00:06Z 2026-11-30T00:00:07Z 2026-11-30T00:00:00Z -"},

		{"access-log", FormatAccessLog, `1.1.1.1 - - [30/Nov/2026:09:00:00 +0900] "GET / HTTP/1.1" 200 1` + "\n" +
			`1.1.1.1 - - [29/nov/2026:23:00:00 -0100] "GET / HTTP/1.1" 200 1` + "\n" +
			`1.1.1.1 - - [29/Feb/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1` + "\n" +
			`1.1.1.1 - - [29/Feb/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1` + "\n" +
			`1.1.1.1 - - [30/Nov/2026:09:00:00] "GET / HTTP/1.1" 200 1` + "\n" +
			`1.1.1.1 - - [30/Xyz/2026:09:00:00 +0000] "GET / HTTP/1.1" 200 1` + "\n" +
			`1.1.1.1 - - [d] "GET / HTTP/1.1" 200 1`,
			"2026-11-30T00:00:00Z 2026-11-30T00:00:00Z 2024-02-29T00:00:00Z - 2026-11-30T09:00:00Z - -"},

		{"csv nfdump", FormatCSV, "Date first seen,Duration,Proto,Src IP Addr\n2026-11-30 09:00:00.123,0.1,TCP,1.1.1.1\n",
			"2026-11-30T09:00:00.123Z"},
		{"csv first time column", FormatCSV, "ts,te,sa\n2026-11-30 09:00:00,2026-11-30 09:00:05,1.1.1.1\n",
			"2026-11-30T09:00:00Z"},
		{"csv epoch and iso", FormatCSV, "src, first_seen \n1.1.1.1, 1795996800 \n1.1.1.1,1795996800500\n1.1.1.1,2026-11-30T09:00:00+09:00\n1.1.1.1,\n1.1.1.1,\"2026-11-30T00:00:00Z\"\n",
			"2026-11-30T00:00:00Z 2026-11-30T00:00:00.5Z 2026-11-30T00:00:00Z - 2026-11-30T00:00:00Z"},
		{"csv names", FormatCSV, "start,ip\n1795996800,1.1.1.1\n", "2026-11-30T00:00:00Z"},
		{"csv no time column", FormatCSV, "first_packet,ip\n1795996800,1.1.1.1\n", "-"},

		{"text", FormatText, "2026-11-30T09:00:00+09:00 blocked 1.1.1.1\n" +
			"2026-11-30 00:00:01,250 INFO 1.1.1.1\n" +
			"  [2026-11-30T00:00:02Z] 1.1.1.1\n" +
			"Nov 30 09:00:00 host sshd: 1.1.1.1\n" +
			"2026-11-30 is when 1.1.1.1 was seen\n" +
			"seen 1.1.1.1 at 2026-11-30T00:00:00Z\n" +
			"2026-11-30T00:00:00Zulu 1.1.1.1\n" +
			"1795996800 1.1.1.1\n",
			"2026-11-30T00:00:00Z 2026-11-30T00:00:01.25Z 2026-11-30T00:00:02Z - - - - -"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(recordTimes(t, c.data, c.format), " ")
			if got != c.want {
				t.Errorf("times\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestRecordTimeReset checks that a record without a time does not keep
// the previous record's.
func TestRecordTimeReset(t *testing.T) {
	for _, f := range []Format{FormatZeekJSON, FormatSuricataEVE, FormatJSONL} {
		data := `{"ts":1795996800,"timestamp":"2026-11-30T00:00:00Z","id.orig_h":"1.1.1.1","src_ip":"1.1.1.1"}` + "\n" +
			`{"id.orig_h":"1.1.1.1","src_ip":"1.1.1.1"}` + "\n"
		if got := strings.Join(recordTimes(t, data, f), " "); got != "2026-11-30T00:00:00Z -" {
			t.Errorf("%s: %s", f, got)
		}
	}
}

func TestNewScannerBounds(t *testing.T) {
	before := time.Now().UnixNano()
	sc := NewScanner(strings.NewReader(""), FormatText)
	if sc.maxTime < before+MaxFuture || sc.maxTime > time.Now().UnixNano()+MaxFuture {
		t.Errorf("maxTime %d not creation + MaxFuture", sc.maxTime)
	}
	if got := time.Unix(0, MinTime).UTC(); !got.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("MinTime = %s", got)
	}
}

// FuzzTime compares the ISO 8601 parser with time.Parse on what both read.
func FuzzTime(f *testing.F) {
	for _, s := range []string{"2026-11-30T09:00:00.123456+09:00", "2026-11-30T09:00:00Z", "2024-02-29T23:59:59.999999999-12:00",
		"2000-01-01T00:00:00Z", "2026-11-30T09:00:00.1234567891Z", "1795996800.5", "1795996800123"} {
		f.Add(s)
	}
	sc := NewScanner(strings.NewReader(""), FormatText)
	sc.setMaxTime(time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	f.Fuzz(func(t *testing.T, s string) {
		got := sc.timeValue([]byte(s))
		if got != 0 && (got < MinTime || got > sc.maxTime) {
			t.Fatalf("timeValue(%q) = %d out of bounds", s, got)
		}
		// time.Parse also takes one-digit hours; compare on the strict
		// shape only.
		if len(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
			return
		}
		want, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || want.Year() < 2000 || want.Year() >= 2262 {
			return
		}
		if got != want.UnixNano() {
			t.Fatalf("timeValue(%q) = %s, time.Parse: %s", s, fmtTime(got), want.UTC().Format(time.RFC3339Nano))
		}
	})
}
