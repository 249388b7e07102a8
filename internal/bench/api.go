package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/api"
	"sakimori/internal/auth"
	"sakimori/internal/org"
)

func init() {
	Register(Bench{Name: "api", Description: "JSON API writes/s and reads/s for organisations and users over real HTTP, on SQLite and PostgreSQL",
		Run: runAPI})
}

// APIConcurrency is the number of concurrent HTTP clients.
const APIConcurrency = 8

func runAPI(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	return eachStore(ctx, cfg, "api", func(tg target) ([]Result, error) {
		return apiStoreBench(ctx, tg, cfg.Quick, progress)
	})
}

// APIFixture is a running API over a fresh store with a platform
// administrator's token, for benchmarks.
type APIFixture struct {
	URL     string
	Token   string
	OrgID   string
	Client  *http.Client
	cleanup []func()
}

// Close stops the server and removes the store.
func (f *APIFixture) Close() {
	for i := len(f.cleanup) - 1; i >= 0; i-- {
		f.cleanup[i]()
	}
}

// NewAPIFixture starts the API over the store dsn.
func NewAPIFixture(ctx context.Context, dsn string) (*APIFixture, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	f := &APIFixture{cleanup: []func(){func() { db.Close() }}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := accounts.New(db, log)
	sys := auth.System("bench")
	o := &org.Organisation{Slug: "nco", Kind: org.KindGovernment, Name: org.Names{JA: "国家サイバー統括室", EN: "National Cybersecurity Office"},
		Contact: org.Contact{Name: "duty", Phone: "+81-3-0000-0000"}}
	if err := svc.CreateOrg(ctx, sys, o); err != nil {
		f.Close()
		return nil, err
	}
	u := &org.User{OrgID: o.ID, Email: "admin@nco.example", DisplayName: "Admin", Roles: []org.Role{org.RolePlatformAdmin, org.RoleOrgAdmin}}
	if err := svc.CreateUser(ctx, sys, u, "benchmark password"); err != nil {
		f.Close()
		return nil, err
	}
	secret, _, err := svc.CreateToken(ctx, sys, u.ID, accounts.TokenRequest{Name: "bench", Scopes: []org.Scope{org.ScopeAdmin}})
	if err != nil {
		f.Close()
		return nil, err
	}
	srv := httptest.NewServer(api.New(svc, api.Options{Log: log, Version: "bench"}))
	f.cleanup = append(f.cleanup, srv.Close)
	f.URL, f.Token, f.OrgID = srv.URL, secret, o.ID
	f.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: APIConcurrency * 2}}
	return f, nil
}

// Do sends one request and fails on any status other than want.
func (f *APIFixture) Do(method, path string, body []byte, want int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, f.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+f.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := f.Client.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d: %s", method, path, res.StatusCode, b)
	}
	return nil
}

// Load runs n operations op(i) on conc goroutines and returns the wall
// time and each operation's latency.
func Load(n, conc int, op func(i int) error) (time.Duration, []time.Duration, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				if err := op(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	return time.Since(start), lat, firstErr
}

func pct(lat []time.Duration, p float64) time.Duration {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func loadResult(name string, n int, wall time.Duration, lat []time.Duration) Result {
	return Result{Name: name, Value: float64(n) / wall.Seconds(), Unit: "req/s", N: int64(n),
		Note: fmt.Sprintf("p50 %s p99 %s, %d clients", pct(lat, .5).Round(10*time.Microsecond), pct(lat, .99).Round(10*time.Microsecond), APIConcurrency)}
}

func apiStoreBench(ctx context.Context, tg target, quick bool, progress io.Writer) ([]Result, error) {
	dsn, cleanup, err := tg.dsn()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	f, err := NewAPIFixture(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	scale := 1
	if !quick {
		scale = 10
	}
	nOrgs, nUsers, nPatch, nGet, nList := 300*scale, 40*scale, 300*scale, 2000*scale, 500*scale
	steps := []struct {
		name string
		n    int
		op   func(i int) error
	}{
		{"org-create", nOrgs, func(i int) error {
			return f.Do("POST", "/api/v1/orgs", fmt.Appendf(nil, `{"slug":"vendor-%d","kind":"vendor","name":{"ja":"ベンダー%d","en":"Vendor %d"},"emergency_contact":{"name":"PSIRT","email":"psirt@v%d.example"}}`, i, i, i, i), 201)
		}},
		{"user-create (Argon2id)", nUsers, func(i int) error {
			return f.Do("POST", "/api/v1/users", fmt.Appendf(nil, `{"email":"u%d@nco.example","display_name":"User %d","roles":["analyst"],"password":"a long enough password"}`, i, i), 201)
		}},
		{"org-get", nGet, func(i int) error { return f.Do("GET", fmt.Sprintf("/api/v1/orgs/vendor-%d", i%nOrgs), nil, 200) }},
		{"org-list (50/page)", nList, func(i int) error { return f.Do("GET", "/api/v1/orgs?limit=50", nil, 200) }},
		{"user-list (50/page)", nList, func(i int) error { return f.Do("GET", "/api/v1/users?limit=50", nil, 200) }},
	}
	var out []Result
	for _, st := range steps {
		wall, lat, err := Load(st.n, APIConcurrency, st.op)
		if err != nil {
			return out, fmt.Errorf("%s: %w", st.name, err)
		}
		r := loadResult("api/"+tg.name+"/"+st.name, st.n, wall, lat)
		out = append(out, r)
		fmt.Fprintln(progress, r)
	}
	// PATCH needs the users' ids: list them once.
	ids, err := f.userIDs(nUsers)
	if err != nil {
		return out, err
	}
	userIDs := ids
	wall, lat, err := Load(nPatch, APIConcurrency, func(i int) error {
		return f.Do("PATCH", "/api/v1/users/"+userIDs[i%len(userIDs)], fmt.Appendf(nil, `{"display_name":"Renamed %d"}`, i), 200)
	})
	if err != nil {
		return out, fmt.Errorf("user-patch: %w", err)
	}
	r := loadResult("api/"+tg.name+"/user-patch", nPatch, wall, lat)
	fmt.Fprintln(progress, r)
	return append(out, r), nil
}

// userIDs returns the ids of up to n users other than the administrator.
func (f *APIFixture) userIDs(n int) ([]string, error) {
	req, _ := http.NewRequest("GET", f.URL+"/api/v1/users?limit=1000&q=nco.example", nil)
	req.Header.Set("Authorization", "Bearer "+f.Token)
	res, err := f.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var page struct {
		Items []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"items"`
	}
	if err := jsonDecode(res.Body, &page); err != nil {
		return nil, err
	}
	var ids []string
	for _, it := range page.Items {
		if it.Email != "admin@nco.example" && len(ids) < n {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no users to patch")
	}
	return ids, nil
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
