package pattern

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sakimori/internal/stix/stixtest"
)

// positionFields are the struct fields that hold byte offsets.
var positionFields = map[string]bool{"Pos": true, "Start": true, "Lbrack": true, "Rbrack": true}

// zeroPositions clears every position in the tree reachable from v, so that
// trees parsed from different texts can be compared with reflect.DeepEqual.
// (Qualifier.Start is a time.Time, not a position, and is left alone.)
func zeroPositions(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			zeroPositions(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			zeroPositions(v.Index(i))
		}
	case reflect.Struct:
		if v.Type().PkgPath() == "time" {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if positionFields[v.Type().Field(i).Name] && f.Kind() == reflect.Int && f.CanSet() {
				f.SetInt(0)
				continue
			}
			zeroPositions(f)
		}
	}
}

// checkRoundTrip asserts the round-trip property: printing p and parsing the
// result gives a tree equal to p (positions aside), and printing is stable.
func checkRoundTrip(t testing.TB, src string, p *Pattern) {
	t.Helper()
	printed := p.String()
	q, err := Parse(printed)
	if err != nil {
		t.Fatalf("round trip of %q: printed form %q does not parse: %v", src, printed, err)
	}
	if again := q.String(); again != printed {
		t.Fatalf("round trip of %q: printing is not stable:\n%s\n%s", src, printed, again)
	}
	a, b := MustParse(printed), q // fresh copies we may modify
	a2 := p
	zeroPositions(reflect.ValueOf(a2))
	zeroPositions(reflect.ValueOf(a))
	zeroPositions(reflect.ValueOf(b))
	if !reflect.DeepEqual(a2, b) {
		t.Fatalf("round trip of %q: parse(print(p)) != p\nprinted: %s\n got %s\nwant %s", src, printed, sexpr(b.Expr), sexpr(a2.Expr))
	}
}

// examplePatterns returns every STIX pattern of the shared example bundles,
// by file name. It skips the test when the shared material is absent.
func examplePatterns(t testing.TB) map[string][]string {
	dir := filepath.Join(stixtest.SharedDir(t), "examples") // fails under CI=true when missing
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(dir, "threat-reports", "*.json"))
	files = append(files, more...)
	out := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Objects []struct {
				Type        string `json:"type"`
				Pattern     string `json:"pattern"`
				PatternType string `json:"pattern_type"`
			} `json:"objects"`
		}
		if err := json.Unmarshal(data, &bundle); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range bundle.Objects {
			if o.Type == "indicator" && (o.PatternType == "" || o.PatternType == "stix") {
				out[filepath.Base(f)] = append(out[filepath.Base(f)], o.Pattern)
			}
		}
	}
	return out
}

func TestSharedExamples(t *testing.T) {
	byFile := examplePatterns(t)
	n := 0
	for file, pats := range byFile {
		for _, src := range pats {
			n++
			p, err := Parse(src)
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", file, src, err)
				continue
			}
			checkRoundTrip(t, src, p)
			p.Atoms() // must not panic; contents are checked in TestAtomsOfExamples
		}
	}
	// The examples hold 43 indicator patterns; fewer means the files were
	// not read properly.
	if n < 43 {
		t.Errorf("found only %d patterns in the shared examples", n)
	}
	t.Logf("%d example patterns parsed and round-tripped", n)
}
