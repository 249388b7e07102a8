package web

import (
	"reflect"
	"testing"

	"sakimori/internal/report"
)

func TestContactLines(t *testing.T) {
	cases := []struct {
		in   string
		want []report.Contact
		bad  *badLine
	}{
		{"", nil, nil},
		{"CSIRT duty | SOC | +81 3 0000 0000 | soc@example.jp | 24h\n\n  山田 | 法務  ", []report.Contact{
			{Name: "CSIRT duty", Role: "SOC", Phone: "+81 3 0000 0000", Email: "soc@example.jp", H24: true}, {Name: "山田", Role: "法務"}}, nil},
		{"a | b | c | d | はい", []report.Contact{{Name: "a", Role: "b", Phone: "c", Email: "d", H24: true}}, nil},
		{"ok\n | role", nil, &badLine{2, "rep.reason.contact_name"}},
		{"a|b|c|d|24h|extra", nil, &badLine{1, "rep.reason.contact_columns"}},
		{"a|||| sometimes", nil, &badLine{1, "rep.reason.contact_24h"}},
	}
	for _, c := range cases {
		got, bad := parseContactLines(c.in)
		if !reflect.DeepEqual(got, c.want) || !reflect.DeepEqual(bad, c.bad) {
			t.Errorf("%q: %+v %+v, want %+v %+v", c.in, got, bad, c.want, c.bad)
		}
	}
}

func TestLogLines(t *testing.T) {
	got, bad := parseLogLines("VPN auth logs | 2027-03-31\nFirewall logs")
	want := []report.LogPreservation{{Log: "VPN auth logs", RetainedUntil: "2027-03-31"}, {Log: "Firewall logs"}}
	if bad != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v %+v", got, bad)
	}
	if logLines(got) != "VPN auth logs | 2027-03-31\nFirewall logs" {
		t.Fatalf("render: %q", logLines(got))
	}
	for _, in := range []string{"a | b | c", " | 2027-01-01"} {
		if _, bad := parseLogLines(in); bad == nil || bad.Key != "rep.reason.log_line" {
			t.Errorf("%q: %+v", in, bad)
		}
	}
}

// FuzzContactLines: parsing never panics, and what parses renders back to
// lines that parse to the same contacts.
func FuzzContactLines(f *testing.F) {
	for _, s := range []string{"a | b | c | d | 24h", "x\ny | z", "|||||", "名前 | 役割 | 03 | a@b | ○"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, bad := parseContactLines(s)
		if bad != nil {
			return
		}
		again, bad := parseContactLines(contactLines(cs))
		if bad != nil || !reflect.DeepEqual(again, cs) {
			t.Fatalf("%q: %+v -> %q -> %+v %+v", s, cs, contactLines(cs), again, bad)
		}
	})
}

// FuzzLogLines: as FuzzContactLines for kept logs.
func FuzzLogLines(f *testing.F) {
	f.Add("VPN | 2027-03-31")
	f.Fuzz(func(t *testing.T, s string) {
		ls, bad := parseLogLines(s)
		if bad != nil {
			return
		}
		again, bad := parseLogLines(logLines(ls))
		if bad != nil || !reflect.DeepEqual(again, ls) {
			t.Fatalf("%q: %+v -> %+v %+v", s, ls, again, bad)
		}
	})
}
