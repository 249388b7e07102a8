package taxii

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/marking"
	"sakimori/internal/stix/stixtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func exampleFiles(t *testing.T) []string {
	t.Helper()
	// The OASIS STIX 2.1 example bundles, shared beside the repository
	// (never copied into it); stixtest fails under CI=true when missing.
	examplesDir := filepath.Join(stixtest.SharedDir(t), "examples")
	var files []string
	_ = filepath.WalkDir(examplesDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the OASIS examples are required in CI but missing at %s", examplesDir)
		}
		t.Skipf("OASIS examples not found at %s", examplesDir)
	}
	return files
}

// TestOASISExamplesRoundTrip posts each example bundle's objects through
// TAXII, reads them back and compares each object by JSON meaning. The one
// difference allowed: an object without a TLP marking comes back with its
// collection's TLP marking added to object_marking_refs.
func TestOASISExamplesRoundTrip(t *testing.T) {
	files := exampleFiles(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		coll := f.w.Colls["exchange"] // TLP:GREEN, members write
		for _, file := range files {
			t.Run(filepath.Base(file), func(t *testing.T) {
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				var bundle struct {
					Objects []json.RawMessage `json:"objects"`
				}
				if err := json.Unmarshal(raw, &bundle); err != nil {
					t.Fatal(err)
				}
				if bundle.Objects == nil { // a single object, not a bundle
					bundle.Objects = []json.RawMessage{raw}
				}
				env, _ := json.Marshal(map[string]any{"objects": bundle.Objects})
				r := f.do(req{method: "POST", path: objectsPath(coll.ID), user: "isac-analyst", body: env})
				wantStatus(t, r, 202)
				f.wait()
				st := f.get("isac-analyst", "/taxii2/api/status/"+r.json(t)["id"].(string)+"/").json(t)
				if st["status"] != "complete" || st["failure_count"] != 0.0 || st["success_count"] != float64(len(bundle.Objects)) {
					t.Fatalf("status %v", st)
				}
				for _, o := range bundle.Objects {
					var want map[string]any
					if err := json.Unmarshal(o, &want); err != nil {
						t.Fatal(err)
					}
					id := want["id"].(string)
					q := "?match[version]=all"
					got := objects(t, f.get("isac-analyst", objectsPath(coll.ID)+id+"/"+q))
					var match map[string]any
					for _, g := range got {
						if g["modified"] == want["modified"] {
							match = g
						}
					}
					if match == nil {
						t.Errorf("%s: not returned (%d versions)", id, len(got))
						continue
					}
					compareAllowingTLP(t, id, want, match, coll.TLP)
				}
				// The objects are also in the collection's listing.
				objs := objects(t, f.get("isac-analyst", objectsPath(coll.ID)+"?match[version]=all&match[id]="+url.QueryEscape(firstID(bundle.Objects))))
				if len(objs) == 0 {
					t.Errorf("listing lacks %s", firstID(bundle.Objects))
				}
			})
		}
	})
}

func firstID(objs []json.RawMessage) string {
	var h struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(objs[0], &h)
	return h.ID
}

func hasTLP(refs []any) bool {
	for _, r := range refs {
		if s, ok := r.(string); ok {
			if _, ok := marking.FromStixID(s); ok {
				return true
			}
		}
	}
	return false
}

// compareAllowingTLP checks got == want by JSON meaning, except that an
// object (not a marking definition) without a TLP marking must have gained
// exactly the collection's TLP marking at the end of object_marking_refs.
func compareAllowingTLP(t *testing.T, id string, want, got map[string]any, tlp marking.TLP) {
	t.Helper()
	refs, _ := want["object_marking_refs"].([]any)
	if want["type"] != "marking-definition" && !hasTLP(refs) {
		gotRefs, _ := got["object_marking_refs"].([]any)
		wantRefs := append(slices.Clone(refs), tlp.StixID())
		if !reflect.DeepEqual(gotRefs, wantRefs) {
			t.Errorf("%s: object_marking_refs %v, want %v (the collection's TLP added)", id, gotRefs, wantRefs)
			return
		}
		got = mapsClone(got)
		if refs == nil {
			delete(got, "object_marking_refs")
		} else {
			got["object_marking_refs"] = refs
		}
	}
	if !reflect.DeepEqual(want, got) {
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		t.Errorf("%s differs:\n sent %s\n got  %s", id, a, b)
	}
}

func mapsClone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
