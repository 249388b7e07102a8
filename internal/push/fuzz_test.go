package push_test

import (
	"strings"
	"testing"

	"sakimori/internal/push"
)

func TestReadSSE(t *testing.T) {
	in := "retry: 2000\nid: 7\n\n: comment\r\nid: 8\revent: alert.published\ndata: {\"a\":1}\ndata:2\n\nid: 9\ndata\n\n"
	var got []push.Message
	if err := push.ReadSSE(strings.NewReader(in), func(m push.Message) error { got = append(got, m); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []push.Message{{ID: "7"}, {ID: "8", Event: "alert.published", Data: "{\"a\":1}\n2"}, {ID: "9", Data: ""}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("message %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func FuzzReadSSE(f *testing.F) {
	f.Add("id: 1\nevent: x\ndata: {}\n\n")
	f.Add("data: a\r\ndata: b\r\r\n: c\n")
	f.Add("id\x00: 1\ndata:\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		n := 0
		err := push.ReadSSE(strings.NewReader(s), func(m push.Message) error {
			n++
			if strings.ContainsAny(m.Event, "\r\n") || strings.ContainsAny(m.ID, "\r\n") {
				t.Fatalf("line break in a field: %+v", m)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n > strings.Count(s, "\n")+strings.Count(s, "\r")+1 {
			t.Fatalf("%d messages from %d lines", n, strings.Count(s, "\n"))
		}
	})
}

func FuzzParseKinds(f *testing.F) {
	f.Add("alert,indicator.added")
	f.Add(" report , ,cluster.updated,alert")
	f.Add("nope")
	f.Fuzz(func(t *testing.T, s string) {
		ks, err := push.ParseKinds(s)
		if err != nil {
			return
		}
		if push.ValidateKinds(ks) != nil {
			t.Fatalf("ParseKinds(%q) = %v, which does not validate", s, ks)
		}
		for _, k := range ks {
			if k == "" || strings.ContainsAny(k, ", ") {
				t.Fatalf("entry %q from %q", k, s)
			}
		}
	})
}
