package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// fixture is the inteltest world behind a real TAXII server, with an API
// token for every user ("<user>": read and write; "<user>-ro": read only).
type fixture struct {
	t      testing.TB
	w      *inteltest.World
	srv    *httptest.Server
	tokens map[string]string
	ctx    context.Context
}

const testMaxBody = 256 << 10

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := inteltest.New(t, db)
	acc := accounts.New(db, inteltest.Quiet)
	f := &fixture{t: t, w: w, tokens: map[string]string{}, ctx: ctx}
	sys := auth.System("test")
	for name, u := range w.Users {
		for suffix, scopes := range map[string][]org.Scope{"": {org.ScopeRead, org.ScopeWrite}, "-ro": {org.ScopeRead}} {
			secret, _, err := acc.CreateToken(ctx, sys, u.ID, accounts.TokenRequest{Name: "taxii" + suffix, Scopes: scopes})
			if err != nil {
				t.Fatalf("token for %s: %v", name, err)
			}
			f.tokens[name+suffix] = secret
		}
	}
	f.srv = httptest.NewServer(New(acc, w.Svc, Options{MaxBodyBytes: testMaxBody, Log: inteltest.Quiet, Version: "test", Contact: "soc@nco.example.jp"}))
	t.Cleanup(f.srv.Close)
	w.Svc.Start(ctx)
	return f
}

// ingest stores objects synchronously as user into coll.
func (f *fixture) ingest(user, coll string, objs ...string) {
	f.t.Helper()
	parsed, err := intel.ParseObjects(inteltest.Bundle(objs...))
	if err != nil {
		f.t.Fatal(err)
	}
	j, err := f.w.Svc.Ingest(f.ctx, f.w.P(user), coll, parsed, intel.IngestOptions{})
	if err != nil {
		f.t.Fatalf("ingest into %s: %v", coll, err)
	}
	if j.Rejected > 0 {
		f.t.Fatalf("ingest into %s rejected: %+v", coll, j.Failures)
	}
}

// wait blocks until every submitted job is processed.
func (f *fixture) wait() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(f.ctx, 30*time.Second)
	defer cancel()
	if err := f.w.Svc.Wait(ctx); err != nil {
		f.t.Fatal(err)
	}
}

// resp is an answer with its body.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d, body not JSON: %v: %s", r.status, err, r.body)
	}
	return m
}

// req describes a request; zero fields take defaults (the user's token as
// HTTP Basic, TAXII Accept).
type req struct {
	method, path, user string
	accept, ctype      *string
	body               []byte
	header             map[string]string
	bearer             bool
}

func str(s string) *string { return &s }

func (f *fixture) do(q req) *resp {
	f.t.Helper()
	if q.method == "" {
		q.method = http.MethodGet
	}
	var body io.Reader
	if q.body != nil {
		body = bytes.NewReader(q.body)
	}
	hr, err := http.NewRequest(q.method, f.srv.URL+q.path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if q.accept == nil {
		hr.Header.Set("Accept", MediaTAXII)
	} else if *q.accept != "" {
		hr.Header.Set("Accept", *q.accept)
	}
	if q.ctype == nil && q.body != nil {
		hr.Header.Set("Content-Type", MediaTAXII)
	} else if q.ctype != nil && *q.ctype != "" {
		hr.Header.Set("Content-Type", *q.ctype)
	}
	if q.user != "" {
		tok, ok := f.tokens[q.user]
		if !ok {
			tok = q.user // a literal secret
		}
		if q.bearer {
			hr.Header.Set("Authorization", "Bearer "+tok)
		} else {
			hr.SetBasicAuth("taxii-client@example.jp", tok)
		}
	}
	for k, v := range q.header {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return &resp{status: res.StatusCode, header: res.Header, body: b}
}

// get is a GET as user.
func (f *fixture) get(user, path string) *resp { return f.do(req{path: path, user: user}) }

// objectsPath etc. build endpoint paths for a collection id or alias.
func collPath(c string) string    { return "/taxii2/api/collections/" + c + "/" }
func objectsPath(c string) string { return collPath(c) + "objects/" }
