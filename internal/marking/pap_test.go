package marking

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"sakimori/internal/apperr"
)

func TestParsePAP(t *testing.T) {
	cases := []struct {
		in   string
		want PAP
	}{
		{"PAP:CLEAR", PAPClear}, {"pap:clear", PAPClear}, {"clear", PAPClear}, {"PAP:WHITE", PAPClear}, {"white", PAPClear},
		{"PAP:GREEN", PAPGreen}, {"green", PAPGreen}, {"PAP:AMBER", PAPAmber}, {" Amber ", PAPAmber},
		{"PAP:RED", PAPRed}, {"pap:red", PAPRed},
	}
	for _, c := range cases {
		if got, err := ParsePAP(c.in); err != nil || got != c.want {
			t.Errorf("ParsePAP(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "pap:", "amber+strict", "PAP:AMBER+STRICT", "TLP:RED", "pap:pap:red", "black", "redd"} {
		got, err := ParsePAP(in)
		if err == nil || got != PAPUnset || !errors.Is(err, apperr.ErrInvalid) || apperr.As(err).Field != "pap" ||
			!strings.Contains(apperr.As(err).Message, "PAP:AMBER") {
			t.Errorf("ParsePAP(%q) = %v, %v; want an invalid-input error on pap", in, got, err)
		}
	}
}

func TestPAPNamesAndMeaning(t *testing.T) {
	want := []string{"PAP:CLEAR", "PAP:GREEN", "PAP:AMBER", "PAP:RED"}
	for i, p := range PAPs {
		if p.String() != want[i] || p.Name() != strings.ToLower(strings.TrimPrefix(want[i], "PAP:")) || !p.Valid() {
			t.Errorf("%d: %q %q", p, p.String(), p.Name())
		}
		if i > 0 && PAPs[i-1] >= p {
			t.Error("PAPs not ordered")
		}
		m := p.Meaning()
		if m.JA == "" || m.EN == "" || m == PAPUnset.Meaning() {
			t.Errorf("%s: meaning %+v", p, m)
		}
		if got, err := ParsePAP(p.String()); got != p || err != nil {
			t.Errorf("round trip %s: %v %v", p, got, err)
		}
	}
	if PAPUnset.Valid() || PAPUnset.String() != "PAP:UNSET" || PAP(9).String() != "PAP:INVALID" || PAP(9).Name() != "" {
		t.Error("unset/invalid PAP")
	}
	if !strings.Contains(PAPRed.Meaning().EN, "Non-detectable") || !strings.Contains(PAPGreen.Meaning().EN, "Active") {
		t.Error("PAP meanings mixed up")
	}
}

func TestPAPJSON(t *testing.T) {
	type doc struct {
		PAP PAP `json:"pap,omitzero"`
	}
	b, err := json.Marshal(doc{PAPAmber})
	if err != nil || string(b) != `{"pap":"PAP:AMBER"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	if b, err := json.Marshal(doc{}); err != nil || string(b) != `{}` {
		t.Fatalf("Marshal unset = %s, %v", b, err)
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"pap":"pap:white"}`), &d); err != nil || d.PAP != PAPClear {
		t.Fatalf("Unmarshal = %v, %v", d.PAP, err)
	}
	if err := json.Unmarshal([]byte(`{"pap":"nope"}`), &d); !errors.Is(err, apperr.ErrInvalid) {
		t.Fatalf("Unmarshal nope = %v", err)
	}
}
