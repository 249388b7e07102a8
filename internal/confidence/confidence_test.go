package confidence

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"sakimori/internal/apperr"
)

// appendixA restates STIX 2.1 Appendix A independently of tables.go: for
// each scale, each label's key, stored value and range.
var appendixA = map[Scale][]struct {
	key           string
	value, lo, hi int
}{
	ScaleNoneLowMedHigh: {{"None", 0, 0, 0}, {"Low", 15, 1, 29}, {"Med", 50, 30, 69}, {"High", 85, 70, 100}},
	ScaleZeroTen: {{"0", 0, 0, 4}, {"1", 10, 5, 14}, {"2", 20, 15, 24}, {"3", 30, 25, 34}, {"4", 40, 35, 44},
		{"5", 50, 45, 54}, {"6", 60, 55, 64}, {"7", 70, 65, 74}, {"8", 80, 75, 84}, {"9", 90, 85, 94}, {"10", 100, 95, 100}},
	ScaleAdmiralty: {{"5 - Improbable", 10, 0, 19}, {"4 - Doubtful", 30, 20, 39}, {"3 - Possibly True", 50, 40, 59},
		{"2 - Probably True", 70, 60, 79}, {"1 - Confirmed by other sources", 90, 80, 100}},
	ScaleWEP: {{"Impossible", 0, 0, 0}, {"Highly Unlikely/Almost Certainly Not", 10, 1, 19}, {"Unlikely/Probably Not", 30, 20, 39},
		{"Even Chance", 50, 40, 59}, {"Likely/Probable", 70, 60, 79}, {"Highly likely/Almost Certain", 90, 80, 99}, {"Certain", 100, 100, 100}},
	ScaleDNI: {{"Almost No Chance / Remote", 5, 0, 9}, {"Very Unlikely / Highly Improbable", 15, 10, 19},
		{"Unlikely / Improbable", 30, 20, 39}, {"Roughly Even Chance / Roughly Even Odds", 50, 40, 59},
		{"Likely / Probable", 70, 60, 79}, {"Very Likely / Highly Probable", 85, 80, 89}, {"Almost Certain / Nearly Certain", 95, 90, 100}},
	ScaleJA: {{"確度 なし", 0, 0, 0}, {"確度 低", 15, 1, 29}, {"確度 中", 50, 30, 69}, {"確度 高", 85, 70, 100}},
}

// TestAppendixA checks every label's value and every boundary of every
// scale (lo-1 | lo and hi | hi+1), and that Labels lists exactly these.
func TestAppendixA(t *testing.T) {
	for _, sc := range Scales {
		rows := appendixA[sc]
		ls := Labels(sc)
		if len(ls) != len(rows)+1 || ls[0].Specified {
			t.Fatalf("%s: Labels = %v", sc, ls)
		}
		for i, r := range rows {
			l := ls[i+1]
			if l.Key != r.key || l.Value != r.value || l.Min != r.lo || l.Max != r.hi || !l.Specified || l.Scale != sc {
				t.Errorf("%s: label %d = %+v, want %+v", sc, i, l, r)
			}
			if l.Text.EN == "" || l.Text.JA == "" {
				t.Errorf("%s %q: missing display text %+v", sc, l.Key, l.Text)
			}
			for _, v := range []int{r.lo, r.hi, r.value} {
				if got := Format(sc, v); got.Key != r.key || !got.Contains(v) {
					t.Errorf("Format(%s, %d) = %q, want %q", sc, v, got.Key, r.key)
				}
			}
			if r.lo > 0 && Format(sc, r.lo-1).Key == r.key {
				t.Errorf("Format(%s, %d) = %q: boundary", sc, r.lo-1, r.key)
			}
			if r.hi < 100 && Format(sc, r.hi+1).Key == r.key {
				t.Errorf("Format(%s, %d) = %q: boundary", sc, r.hi+1, r.key)
			}
			if v, ok, err := Parse(sc, r.key); err != nil || !ok || v != r.value {
				t.Errorf("Parse(%s, %q) = %d, %v, %v; want %d", sc, r.key, v, ok, err, r.value)
			}
		}
		if n := ls[0]; n.Text.EN == "" || n.Text.JA == "" || FormatOptional(sc, nil) != n {
			t.Errorf("%s: not-specified label %+v", sc, n)
		}
		if v, ok, err := Parse(sc, ls[0].Key); err != nil || ok || v != 0 {
			t.Errorf("Parse(%s, %q) = %d, %v, %v; want not specified", sc, ls[0].Key, v, ok, err)
		}
		if sc.Name().EN == "" || sc.Name().JA == "" || !sc.Valid() {
			t.Errorf("%s: name %+v", sc, sc.Name())
		}
	}
}

// TestBoundaries spells out the boundaries named in the appendix, so that a
// reader sees them at a glance.
func TestBoundaries(t *testing.T) {
	cases := []struct {
		sc   Scale
		v    int
		want string
	}{
		{ScaleNoneLowMedHigh, 0, "None"}, {ScaleNoneLowMedHigh, 1, "Low"}, {ScaleNoneLowMedHigh, 29, "Low"},
		{ScaleNoneLowMedHigh, 30, "Med"}, {ScaleNoneLowMedHigh, 69, "Med"}, {ScaleNoneLowMedHigh, 70, "High"}, {ScaleNoneLowMedHigh, 100, "High"},
		{ScaleZeroTen, 4, "0"}, {ScaleZeroTen, 5, "1"}, {ScaleZeroTen, 94, "9"}, {ScaleZeroTen, 95, "10"},
		{ScaleAdmiralty, 0, "5 - Improbable"}, {ScaleAdmiralty, 19, "5 - Improbable"}, {ScaleAdmiralty, 20, "4 - Doubtful"},
		{ScaleAdmiralty, 79, "2 - Probably True"}, {ScaleAdmiralty, 80, "1 - Confirmed by other sources"},
		{ScaleWEP, 0, "Impossible"}, {ScaleWEP, 1, "Highly Unlikely/Almost Certainly Not"}, {ScaleWEP, 99, "Highly likely/Almost Certain"},
		{ScaleWEP, 100, "Certain"},
		{ScaleDNI, 9, "Almost No Chance / Remote"}, {ScaleDNI, 10, "Very Unlikely / Highly Improbable"},
		{ScaleDNI, 89, "Very Likely / Highly Probable"}, {ScaleDNI, 90, "Almost Certain / Nearly Certain"},
		{ScaleJA, 0, "確度 なし"}, {ScaleJA, 29, "確度 低"}, {ScaleJA, 30, "確度 中"}, {ScaleJA, 69, "確度 中"}, {ScaleJA, 70, "確度 高"},
	}
	for _, c := range cases {
		if got := Format(c.sc, c.v); got.Key != c.want {
			t.Errorf("Format(%s, %d) = %q, want %q", c.sc, c.v, got.Key, c.want)
		}
	}
	for _, sc := range Scales {
		if !Format(sc, -1).IsZero() || !Format(sc, 101).IsZero() {
			t.Errorf("%s: out-of-range values must give the zero Label", sc)
		}
	}
	if !Format("percent", 50).IsZero() || !FormatOptional("percent", nil).IsZero() || Labels("percent") != nil {
		t.Error("unknown scale must give the zero Label")
	}
	v := 42
	if FormatOptional(ScaleWEP, &v).Key != "Even Chance" {
		t.Error("FormatOptional with a value")
	}
}

// TestRoundTrip: for every scale and value, the label's stored value lands
// in the same label (Parse(Format(v)) is in v's bucket), through each of
// the label's spellings.
func TestRoundTrip(t *testing.T) {
	for _, sc := range Scales {
		for v := 0; v <= 100; v++ {
			l := Format(sc, v)
			for _, in := range []string{l.Key, l.Text.EN, l.Text.JA, strings.ToUpper(l.Key)} {
				got, ok, err := Parse(sc, in)
				if err != nil || !ok || Format(sc, got) != l || got != l.Value {
					t.Fatalf("%s %d: Parse(%q) = %d, %v, %v; want %d in %q", sc, v, in, got, ok, err, l.Value, l.Key)
				}
			}
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		sc   Scale
		in   string
		want int
		ok   bool
	}{
		{ScaleNoneLowMedHigh, "med", 50, true}, {ScaleNoneLowMedHigh, " MEDIUM ", 50, true}, {ScaleNoneLowMedHigh, "高", 85, true},
		{ScaleNoneLowMedHigh, "none", 0, true}, {ScaleNoneLowMedHigh, "", 0, false}, {ScaleNoneLowMedHigh, "指定なし", 0, false},
		{ScaleZeroTen, "0", 0, true}, {ScaleZeroTen, "7", 70, true}, {ScaleZeroTen, "１０", 100, true}, {ScaleZeroTen, "7/10", 70, true},
		{ScaleZeroTen, "7 of 10", 70, true}, {ScaleZeroTen, "10段階中 3", 30, true},
		{ScaleAdmiralty, "1", 90, true}, {ScaleAdmiralty, "5", 10, true}, {ScaleAdmiralty, "6", 0, false},
		{ScaleAdmiralty, "truth cannot be judged", 0, false}, {ScaleAdmiralty, "2-probably true", 70, true},
		{ScaleAdmiralty, "2 – Probably True", 70, true}, {ScaleAdmiralty, "possibly true", 50, true}, {ScaleAdmiralty, "疑わしい", 30, true},
		{ScaleWEP, "likely", 70, true}, {ScaleWEP, "Probable", 70, true}, {ScaleWEP, "almost certain", 90, true},
		{ScaleWEP, "Almost Certainly Not", 10, true}, {ScaleWEP, "probably not", 30, true}, {ScaleWEP, "確実", 100, true},
		{ScaleWEP, "ほぼ確実", 90, true},
		{ScaleDNI, "remote", 5, true}, {ScaleDNI, "Almost certain", 95, true}, {ScaleDNI, "nearly certain", 95, true},
		{ScaleDNI, "roughly even odds", 50, true}, {ScaleDNI, "improbable", 30, true}, {ScaleDNI, "highly improbable", 15, true},
		{ScaleDNI, "ほぼ確実", 95, true},
		{ScaleJA, "確度 高", 85, true}, {ScaleJA, "確度　高", 85, true}, {ScaleJA, "確度高", 85, true}, {ScaleJA, "確度：中", 50, true},
		{ScaleJA, "低", 15, true}, {ScaleJA, "なし", 0, true}, {ScaleJA, "high", 85, true}, {ScaleJA, "確度 指定なし", 0, false},
	}
	for _, c := range cases {
		v, ok, err := Parse(c.sc, c.in)
		if err != nil || v != c.want || ok != c.ok {
			t.Errorf("Parse(%s, %q) = %d, %v, %v; want %d, %v", c.sc, c.in, v, ok, err, c.want, c.ok)
		}
	}
	bad := []struct {
		sc Scale
		in string
	}{
		{ScaleNoneLowMedHigh, "50"}, {ScaleNoneLowMedHigh, "very high"}, {ScaleZeroTen, "11"}, {ScaleZeroTen, "70"},
		{ScaleZeroTen, "-1"}, {ScaleAdmiralty, "7"}, {ScaleAdmiralty, "0"}, {ScaleAdmiralty, "B"}, {ScaleWEP, "remote"},
		{ScaleDNI, "certain"}, {ScaleDNI, "impossible"}, {ScaleJA, "確度"}, {ScaleWEP, strings.Repeat("x", 500)},
	}
	for _, c := range bad {
		v, ok, err := Parse(c.sc, c.in)
		if err == nil || v != 0 || ok || !errors.Is(err, apperr.ErrInvalid) || apperr.As(err).Field != "confidence" {
			t.Errorf("Parse(%s, %q) = %d, %v, %v; want an invalid-input error on confidence", c.sc, c.in, v, ok, err)
		}
	}
	if _, _, err := Parse(ScaleWEP, "nope"); err == nil || !strings.Contains(err.Error(), `"Even Chance"`) {
		t.Errorf("error should list the labels: %v", err)
	}
	if _, _, err := Parse("percent", "50"); apperr.As(err) == nil || apperr.As(err).Field != "confidence_scale" {
		t.Errorf("unknown scale: %v", err)
	}
}

func TestParseAny(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"75", 75, true}, {" 75 ", 75, true}, {"75%", 75, true}, {"７５", 75, true}, {"0", 0, true}, {"100", 100, true},
		{"7", 7, true}, {"1", 1, true}, {"+5", 5, true},
		{"7/10", 70, true}, {"10/10", 100, true},
		{"high", 85, true}, {"HIGH", 85, true}, {"Med", 50, true}, {"medium", 50, true}, {"low", 15, true}, {"none", 0, true},
		{"高", 85, true}, {"中", 50, true}, {"低", 15, true}, {"確度 高", 85, true}, {"確度:高", 85, true}, {"確度高", 85, true},
		{"likely", 70, true}, {"probable", 70, true}, {"unlikely", 30, true}, {"even chance", 50, true}, {"certain", 100, true},
		{"impossible", 0, true}, {"remote", 5, true}, {"nearly certain", 95, true}, {"Highly likely", 90, true},
		{"2 - Probably True", 70, true}, {"probably true", 70, true}, {"confirmed by other sources", 90, true},
		{"admiralty:2", 70, true}, {"Admiralty: 5", 10, true}, {"wep:almost certain", 90, true}, {"dni:almost certain", 95, true},
		{"0-10:7", 70, true}, {"nlmh:high", 85, true}, {"ja:高", 85, true},
		{"", 0, false}, {"not specified", 0, false}, {"指定なし", 0, false}, {"truth cannot be judged", 0, false},
		{"admiralty:6", 0, false}, {"dni:", 0, false},
	}
	for _, c := range cases {
		v, ok, err := ParseAny(c.in)
		if err != nil || v != c.want || ok != c.ok {
			t.Errorf("ParseAny(%q) = %d, %v, %v; want %d, %v", c.in, v, ok, err, c.want, c.ok)
		}
	}
	bad := []struct{ in, msg string }{
		{"101", "out of range"}, {"-1", "out of range"}, {"99999999999999999999", "out of range"}, {"75.5", "unknown"},
		{"almost certain", "ambiguous"}, {"improbable", "ambiguous"}, {"ほぼ確実", "ambiguous"},
		{"B", "source-reliability"}, {"f", "source-reliability"}, {"g", "unknown"}, {"11/10", "unknown"},
		{"wep:remote", "unknown wep"}, {"dni:x", "unknown dni"}, {"percent:50", "unknown"}, {"very high", "unknown"},
		{"%", "not a number"}, {"abc%", "not a number"}, {strings.Repeat("高", 300), "too long"},
	}
	for _, c := range bad {
		v, ok, err := ParseAny(c.in)
		e := apperr.As(err)
		if err == nil || v != 0 || ok || e == nil || e.Code != apperr.CodeInvalid || e.Field != "confidence" || !strings.Contains(e.Message, c.msg) {
			t.Errorf("ParseAny(%q) = %d, %v, %v; want an invalid-input error on confidence containing %q", c.in, v, ok, err, c.msg)
		}
	}
}

// TestParseAnyAgreesWithParse: every label of every scale that ParseAny
// accepts without a scale prefix gives the value Parse gives on its scale.
func TestParseAnyAgreesWithParse(t *testing.T) {
	for _, sc := range Scales {
		for k, l := range tables[sc].byAlias {
			v, ok, err := ParseAny(k)
			if err != nil {
				if isDigits(k) || strings.Contains(err.Error(), "ambiguous") || strings.Contains(err.Error(), "source-reliability") {
					continue
				}
				t.Errorf("ParseAny(%q) (%s %q): %v", k, sc, l.Key, err)
				continue
			}
			if isDigits(k) {
				continue // numbers are STIX values in ParseAny
			}
			if ok != l.Specified || v != l.Value {
				t.Errorf("ParseAny(%q) = %d, %v; %s %q = %d, %v", k, v, ok, sc, l.Key, l.Value, l.Specified)
			}
		}
	}
}

func TestParseScaleAndValidate(t *testing.T) {
	for in, want := range map[string]Scale{"WEP": ScaleWEP, "admiralty-credibility": ScaleAdmiralty, "ICD 203": ScaleDNI,
		"0-10": ScaleZeroTen, "None/Low/Med/High": ScaleNoneLowMedHigh, "確度": ScaleJA, "ja": ScaleJA} {
		if got, err := ParseScale(in); err != nil || got != want {
			t.Errorf("ParseScale(%q) = %q, %v", in, got, err)
		}
	}
	for _, sc := range Scales {
		if got, err := ParseScale(string(sc)); err != nil || got != sc {
			t.Errorf("ParseScale(%q) = %q, %v", sc, got, err)
		}
	}
	if _, err := ParseScale("percent"); apperr.As(err) == nil || apperr.As(err).Field != "confidence_scale" {
		t.Errorf("ParseScale(percent) = %v", err)
	}
	for _, v := range []int{0, 50, 100} {
		if Validate(v) != nil {
			t.Errorf("Validate(%d)", v)
		}
	}
	for _, v := range []int{-1, 101} {
		if err := Validate(v); apperr.As(err) == nil || apperr.As(err).Field != "confidence" {
			t.Errorf("Validate(%d) = %v", v, err)
		}
	}
	if Scale("x").Valid() || Scale("x").Name() != (Format("x", 1).Text) {
		t.Error("unknown scale")
	}
}

func TestLabelJSON(t *testing.T) {
	b, err := json.Marshal(Format(ScaleJA, 90))
	if err != nil || !strings.Contains(string(b), `"key":"確度 高"`) || !strings.Contains(string(b), `"en":"High confidence"`) {
		t.Fatalf("%s %v", b, err)
	}
	if Format(ScaleDNI, 50).String() != "Roughly Even Chance / Roughly Even Odds" {
		t.Error("String")
	}
}

// FuzzParse: Parse and ParseAny never panic; without an error the value is
// 0–100 (and 0 when not specified); errors are invalid-input errors naming
// the field; a value ParseAny accepts formats to a label on every scale.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"75", "high", "確度 高", "B", "almost certain", "admiralty:2", "7/10", "", "６", "%", "-0", "2 - Probably True", "確度:", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check := func(what string, v int, ok bool, err error) {
			if err != nil {
				if e := apperr.As(err); e == nil || e.Code != apperr.CodeInvalid || (e.Field != "confidence" && e.Field != "confidence_scale") || v != 0 || ok {
					t.Fatalf("%s(%q) = %d, %v, %v", what, s, v, ok, err)
				}
				return
			}
			if v < 0 || v > 100 || (!ok && v != 0) {
				t.Fatalf("%s(%q) = %d, %v", what, s, v, ok)
			}
			if ok {
				for _, sc := range Scales {
					if Format(sc, v).IsZero() {
						t.Fatalf("%s(%q) = %d: no %s label", what, s, v, sc)
					}
				}
			}
		}
		v, ok, err := ParseAny(s)
		check("ParseAny", v, ok, err)
		for _, sc := range Scales {
			v, ok, err := Parse(sc, s)
			check("Parse/"+string(sc), v, ok, err)
		}
	})
}
