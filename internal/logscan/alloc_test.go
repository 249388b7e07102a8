package logscan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cycleReader serves head once, then body forever.
type cycleReader struct {
	head, body []byte
	pos        int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		var src []byte
		if c.pos < len(c.head) {
			src = c.head[c.pos:]
		} else {
			off := (c.pos - len(c.head)) % len(c.body)
			src = c.body[off:]
		}
		k := copy(p[n:], src)
		n += k
		c.pos += k
	}
	return n, nil
}

var errStop = errors.New("stop")

func splitHead(t *testing.T, file string) (head, body []byte) {
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var h, b strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, "#close"):
		case strings.HasPrefix(l, "#"):
			h.WriteString(l)
		default:
			b.WriteString(l)
		}
	}
	return []byte(h.String()), []byte(b.String())
}

func TestZeroAllocs(t *testing.T) {
	cases := []struct {
		file   string
		format Format
		body   string // overrides the file's data lines
	}{
		{"zeek_conn.log", FormatZeekTSV, ""},
		{"zeek_dns.log", FormatZeekTSV, ""},
		{"zeek_http.log", FormatZeekTSV, ""},
		{"zeek_files.log", FormatZeekTSV, ""},
		{"zeek.json", FormatZeekJSON, ""},
		{"eve.json", FormatSuricataEVE, ""},
		{"generic.jsonl", FormatJSONL, ""},
		{"nginx_access.log", FormatAccessLog, ""},
		{"apache_vhost.log", FormatAccessLog, ""},
		{"flows.csv", FormatCSV, ""},
		{"advisory.txt", FormatText, ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			head, body := splitHead(t, c.file)
			if c.format == FormatCSV {
				lines := strings.SplitN(string(body), "\n", 2)
				head, body = []byte(lines[0]+"\n"), []byte(lines[1])
			}
			sc := NewScanner(&cycleReader{head: head, body: body}, c.format)
			n, limit := 0, 0
			obs, timed := 0, 0
			fn := func(r *Record) error {
				obs += len(r.Observables)
				if r.Time != 0 {
					timed++
				}
				n++
				if n >= limit {
					return errStop
				}
				return nil
			}
			n, limit = 0, 5000
			if err := sc.Scan(fn); err != errStop {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(20, func() {
				n, limit = 0, 200
				sc.Scan(fn)
			})
			if allocs != 0 {
				t.Errorf("%v allocations per 200 records, want 0", allocs)
			}
			if obs == 0 {
				t.Error("no observables")
			}
			if c.format != FormatText && timed == 0 {
				t.Error("no record times")
			}
			if st := sc.Stats(); st.Records == 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestResumeAfterCallbackError(t *testing.T) {
	sc := NewScanner(strings.NewReader("1.1.1.1\n2.2.2.2\n3.3.3.3\n"), FormatText)
	var got []string
	for i := 0; i < 5; i++ {
		err := sc.Scan(func(r *Record) error {
			got = append(got, string(r.Observables[0].Value))
			return errStop
		})
		if err == nil {
			break
		}
	}
	if fmt.Sprint(got) != "[1.1.1.1 2.2.2.2 3.3.3.3]" {
		t.Errorf("got %v", got)
	}
}
