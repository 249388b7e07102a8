package marking

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"sakimori/internal/apperr"
)

func TestParseTLP(t *testing.T) {
	cases := []struct {
		in   string
		want TLP
	}{
		{"TLP:CLEAR", TLPClear}, {"tlp:clear", TLPClear}, {"clear", TLPClear}, {"Clear", TLPClear},
		{"TLP:WHITE", TLPClear}, {"white", TLPClear},
		{"TLP:GREEN", TLPGreen}, {"green", TLPGreen}, {"Tlp:Green", TLPGreen},
		{"TLP:AMBER", TLPAmber}, {"amber", TLPAmber}, {" tlp:amber\t", TLPAmber},
		{"tlp:amber+strict", TLPAmberStrict}, {"TLP:AMBER+STRICT", TLPAmberStrict}, {"amber+strict", TLPAmberStrict},
		{"AMBER+STRICT", TLPAmberStrict}, {"Amber+Strict", TLPAmberStrict},
		{"TLP:RED", TLPRed}, {"red", TLPRed}, {"RED", TLPRed},
	}
	for _, c := range cases {
		got, err := ParseTLP(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseTLP(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "tlp:", "TLP", "amber strict", "amber+", "amber-strict", "amber+strict+",
		"tlp:tlp:red", "TLP: RED", "redd", "black", "tlp:white+strict", "strict", "1", "PAP:RED", "ｒｅｄ", "red\x00",
		"tlp:green\nred", strings.Repeat("a", 1000)} {
		got, err := ParseTLP(in)
		e := apperr.As(err)
		if err == nil || got != TLPInvalid || !errors.Is(err, apperr.ErrInvalid) || e.Field != "tlp" ||
			!strings.Contains(e.Message, "TLP:AMBER+STRICT") || len(e.Message) > 200 {
			t.Errorf("ParseTLP(%q) = %v, %v; want an invalid-input error on tlp", in, got, err)
		}
	}
}

func TestTLPNames(t *testing.T) {
	want := map[TLP][2]string{
		TLPClear: {"TLP:CLEAR", "clear"}, TLPGreen: {"TLP:GREEN", "green"}, TLPAmber: {"TLP:AMBER", "amber"},
		TLPAmberStrict: {"TLP:AMBER+STRICT", "amber+strict"}, TLPRed: {"TLP:RED", "red"},
	}
	if len(TLPs) != len(want) {
		t.Fatalf("TLPs has %d labels", len(TLPs))
	}
	for i, l := range TLPs {
		if i > 0 && TLPs[i-1] >= l {
			t.Error("TLPs not ordered from least to most restrictive")
		}
		if l.String() != want[l][0] || l.Name() != want[l][1] || !l.Valid() {
			t.Errorf("%d: String %q Name %q", l, l.String(), l.Name())
		}
		for _, s := range []string{l.String(), l.Name(), strings.ToLower(l.String())} {
			if got, err := ParseTLP(s); got != l || err != nil {
				t.Errorf("round trip %q: %v %v", s, got, err)
			}
		}
		m := l.Meaning()
		if m.JA == "" || m.EN == "" || m == TLPInvalid.Meaning() {
			t.Errorf("%s: meaning %+v", l, m)
		}
	}
	for _, bad := range []TLP{TLPInvalid, 6, 255} {
		if bad.Valid() || bad.Name() != "" || bad.String() != "TLP:INVALID" {
			t.Errorf("invalid %d: %v %q %q", bad, bad.Valid(), bad.Name(), bad.String())
		}
	}
}

func TestTLPJSON(t *testing.T) {
	type doc struct {
		TLP TLP `json:"tlp"`
	}
	b, err := json.Marshal(doc{TLPAmberStrict})
	if err != nil || string(b) != `{"tlp":"TLP:AMBER+STRICT"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"tlp":"amber+strict"}`), &d); err != nil || d.TLP != TLPAmberStrict {
		t.Fatalf("Unmarshal = %v, %v", d.TLP, err)
	}
	d = doc{TLPRed}
	err = json.Unmarshal([]byte(`{"tlp":"purple"}`), &d)
	if !errors.Is(err, apperr.ErrInvalid) || d.TLP != TLPRed {
		t.Fatalf("Unmarshal purple = %v, %v (value must be kept)", d.TLP, err)
	}
	if _, err := json.Marshal(doc{}); err == nil {
		t.Fatal("an invalid label was marshalled")
	}
}

func TestStricter(t *testing.T) {
	cases := []struct {
		in   []TLP
		want TLP
		ok   bool
	}{
		{nil, TLPInvalid, false},
		{[]TLP{TLPGreen}, TLPGreen, true},
		{[]TLP{TLPGreen, TLPAmber}, TLPAmber, true},
		{[]TLP{TLPAmberStrict, TLPAmber, TLPClear}, TLPAmberStrict, true},
		{[]TLP{TLPRed, TLPAmberStrict}, TLPRed, true},
		{[]TLP{TLPClear, TLPInvalid}, TLPInvalid, true},
		{[]TLP{TLPInvalid, TLPRed}, TLPInvalid, true},
	}
	for _, c := range cases {
		if got, ok := MostRestrictive(c.in...); got != c.want || ok != c.ok {
			t.Errorf("MostRestrictive(%v) = %v %v, want %v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestStixIDs(t *testing.T) {
	// Ids from the STIX 2.1 specification (section 7.2.1.4, TLP 1.0) and the
	// OASIS TLP 2.0 marking-definition extension.
	v2 := map[TLP]string{
		TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	}
	v1 := map[TLP]string{
		TLPClear: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
		TLPGreen: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
		TLPAmber: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
		TLPRed:   "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
	}
	for _, l := range TLPs {
		if l.StixID() != v2[l] {
			t.Errorf("%s StixID = %q", l, l.StixID())
		}
		if got, ok := FromStixID(v2[l]); got != l || !ok {
			t.Errorf("FromStixID(%s) = %v %v", v2[l], got, ok)
		}
		id1, ok := l.StixID1()
		if id1 != v1[l] || ok != (v1[l] != "") {
			t.Errorf("%s StixID1 = %q %v", l, id1, ok)
		}
		if ok {
			if got, ok := FromStixID(id1); got != l || !ok {
				t.Errorf("FromStixID(%s) = %v %v", id1, got, ok)
			}
		}
	}
	for _, id := range []string{"", "marking-definition--", "MARKING-DEFINITION--94868C89-83C2-464B-929B-A1A8AA3C8487",
		"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8488", TLP2ExtensionID, " " + v2[TLPRed]} {
		if got, ok := FromStixID(id); ok || got != TLPInvalid {
			t.Errorf("FromStixID(%q) = %v %v", id, got, ok)
		}
	}
	if TLPInvalid.StixID() != "" {
		t.Error("invalid label has a STIX id")
	}
	if _, ok := TLPInvalid.StixID1(); ok {
		t.Error("invalid label has a TLP 1.0 STIX id")
	}
}

func TestStixDefinitions(t *testing.T) {
	d, ok := TLPAmberStrict.StixDefinition()
	b, _ := json.Marshal(d)
	want := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",` +
		`"created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":` +
		`{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}`
	if !ok || string(b) != want {
		t.Errorf("TLP 2.0 definition:\n got %s\nwant %s", b, want)
	}
	d, ok = TLPClear.StixDefinition1()
	b, _ = json.Marshal(d)
	want = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",` +
		`"created":"2017-01-20T00:00:00.000Z","name":"TLP:WHITE","definition_type":"tlp","definition":{"tlp":"white"}}`
	if !ok || string(b) != want {
		t.Errorf("TLP 1.0 definition:\n got %s\nwant %s", b, want)
	}
	for _, l := range TLPs {
		d, ok := l.StixDefinition()
		if !ok || d.ID != l.StixID() || d.Name != l.String() || d.Extensions[TLP2ExtensionID].TLP != l.Name() {
			t.Errorf("%s: %+v", l, d)
		}
		d1, ok1 := l.StixDefinition1()
		if id, ok := l.StixID1(); ok1 != ok || d1.ID != id {
			t.Errorf("%s TLP 1.0: %+v", l, d1)
		}
	}
	if _, ok := TLPAmberStrict.StixDefinition1(); ok {
		t.Error("AMBER+STRICT has no TLP 1.0 definition")
	}
	if _, ok := TLPInvalid.StixDefinition(); ok {
		t.Error("invalid label has a definition")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"TLP:AMBER+STRICT", "tlp:clear", "white", "PAP:GREEN", "pap:white", "red", "", "tlp:", "\xff", "ＴＬＰ:RED"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if l, err := ParseTLP(s); err == nil {
			if !l.Valid() {
				t.Fatalf("ParseTLP(%q) = invalid label without error", s)
			}
			if again, err := ParseTLP(l.String()); again != l || err != nil {
				t.Fatalf("%q -> %v does not round trip", s, l)
			}
			if n := strings.ToLower(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "tlp:")); n != l.Name() && !(l == TLPClear && n == "white") {
				t.Fatalf("ParseTLP(%q) = %v", s, l)
			}
		} else if l != TLPInvalid || apperr.As(err).Field != "tlp" || !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
			t.Fatalf("ParseTLP(%q) = %v, %v", s, l, err)
		}
		if p, err := ParsePAP(s); err == nil {
			if !p.Valid() {
				t.Fatalf("ParsePAP(%q) = invalid label without error", s)
			}
			if again, err := ParsePAP(p.String()); again != p || err != nil {
				t.Fatalf("%q -> %v does not round trip", s, p)
			}
		} else if p != PAPUnset || apperr.As(err).Field != "pap" {
			t.Fatalf("ParsePAP(%q) = %v, %v", s, p, err)
		}
	})
}
