package stix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sakimori/internal/stix/stixtest"
)

// sharedDir finds the shared STIX material by walking up from the package
// directory to a directory containing shared/stix2. Under CI=true its absence
// fails the test; elsewhere the test is skipped.
func sharedDir(t testing.TB) string { return stixtest.SharedDir(t) }

func exampleFiles(t *testing.T) []string {
	root := filepath.Join(sharedDir(t), "examples")
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no examples under %s", root)
	}
	return files
}

func TestExamplesAccepted(t *testing.T) {
	for _, f := range exampleFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseAny(data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(b.Objects) == 0 {
				t.Fatal("no objects")
			}
			if err := b.Validate(); err != nil {
				t.Errorf("rejected:\n%v", err)
			}
			for _, o := range b.Objects {
				if o.ID == "" || o.Type == "" || len(o.Raw) == 0 {
					t.Errorf("object not decoded: %+v", o)
				}
			}
		})
	}
}
