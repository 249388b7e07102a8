// Package stixtest gives tests the OASIS STIX 2.1 material in ../shared:
// the directory itself and a validator over the OASIS JSON schemas, so that
// any package can check that what sakimori accepts and emits agrees with
// them. It reads the files in place and never copies them.
package stixtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SharedDir returns shared/stix2, searched for above the working
// directory. Under CI=true a missing directory fails the test; otherwise
// the test is skipped.
func SharedDir(t testing.TB) string {
	t.Helper()
	if dir := Find(); dir != "" {
		return dir
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("shared/stix2 not found above the package directory (required under CI=true)")
	}
	t.Skip("shared/stix2 not found above the package directory")
	return ""
}

// Find returns shared/stix2 above the working directory, or "" (for
// optional uses such as seeding a fuzz corpus).
func Find() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "stix2")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Schemas validates STIX objects against the OASIS JSON schemas.
type Schemas struct {
	c      *jsonschema.Compiler
	byName map[string]string // "indicator" -> $id
	mu     sync.Mutex
	cache  map[string]*jsonschema.Schema
}

// OASIS compiles the schemas of shared/stix2/schemas, registering each file
// under its $id so relative $refs resolve without network access.
func OASIS(t testing.TB) *Schemas {
	t.Helper()
	root := filepath.Join(SharedDir(t), "schemas")
	s := &Schemas{c: jsonschema.NewCompiler(), byName: map[string]string{}, cache: map[string]*jsonschema.Schema{}}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return err
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			return fmt.Errorf("%s has no $id", p)
		}
		s.byName[strings.TrimSuffix(filepath.Base(p), ".json")] = id
		return s.c.AddResource(id, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// For returns the schema for an object type: the type's own schema, or
// core.json (cyber-observable-core.json when sco) for types without one.
func (s *Schemas) For(typ string, sco bool) (*jsonschema.Schema, error) {
	name := typ
	if _, ok := s.byName[name]; !ok || name == "core" || name == "bundle" {
		name = "core"
		if sco {
			name = "cyber-observable-core"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc := s.cache[name]; sc != nil {
		return sc, nil
	}
	sc, err := s.c.Compile(s.byName[name])
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", name, err)
	}
	s.cache[name] = sc
	return sc, nil
}

// Validate checks one object's JSON against the schema for its type; an
// object without "created" of a type that has no schema of its own is
// taken as a cyber-observable.
func (s *Schemas) Validate(raw []byte) error {
	var head struct {
		Type    string          `json:"type"`
		Created json.RawMessage `json:"created"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	sc, err := s.For(head.Type, head.Created == nil)
	if err != nil {
		return err
	}
	return sc.Validate(inst)
}
