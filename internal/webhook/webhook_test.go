package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sakimori/internal/apperr"
)

const testSecret = "s3cr3t-webhook-key"

func testEvent() Event {
	return Event{
		ID:    "evt-1",
		Type:  "incident.deadline",
		OrgID: "org-1",
		At:    time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Data:  map[string]any{"incident": "inc-9", "hours_left": 24},
	}
}

// testSender talks to httptest servers, which listen on loopback.
func testSender() *Sender {
	return &Sender{AllowPrivate: true, Backoff: time.Millisecond}
}

type captured struct {
	header http.Header
	body   []byte
}

func TestSendSignsAndVerifies(t *testing.T) {
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{r.Header.Clone(), b})
		mu.Unlock()
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	s := testSender()
	s.UserAgent = "sakimori-test/1"
	before := time.Now().Unix()
	if err := s.Send(context.Background(), srv.URL+"/hook?x=1", testSecret, testEvent()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	after := time.Now().Unix()
	if len(got) != 1 {
		t.Fatalf("requests = %d, want 1", len(got))
	}
	h, body := got[0].header, got[0].body

	for name, want := range map[string]string{
		"Content-Type":        "application/json",
		"User-Agent":          "sakimori-test/1",
		"X-Sakimori-Event":    "incident.deadline",
		"X-Sakimori-Delivery": "evt-1",
	} {
		if h.Get(name) != want {
			t.Errorf("header %s = %q, want %q", name, h.Get(name), want)
		}
	}
	ts := h.Get("X-Sakimori-Timestamp")
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n < before || n > after {
		t.Errorf("timestamp %q not a Unix time in [%d,%d]", ts, before, after)
	}

	// Hand-computed HMAC, independent of Sign.
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write([]byte(ts + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	sig := h.Get("X-Sakimori-Signature")
	if sig != want {
		t.Errorf("signature = %q, want %q", sig, want)
	}
	if !Verify(testSecret, ts, body, sig) {
		t.Error("Verify rejected the signature sent")
	}
	if !Verify(testSecret, ts, body, "sha256="+strings.ToUpper(sig[len("sha256="):])) {
		t.Error("Verify rejected upper-case hex")
	}
	// Verify must fail on any change.
	for name, c := range map[string]struct {
		secret, ts, sig string
		body            []byte
	}{
		"wrong secret":    {"other", ts, sig, body},
		"other timestamp": {testSecret, strconv.FormatInt(n+1, 10), sig, body},
		"tampered body":   {testSecret, ts, sig, append(append([]byte(nil), body[:len(body)-1]...), ' ')},
		"no prefix":       {testSecret, ts, sig[len("sha256="):], body},
		"bad hex":         {testSecret, ts, "sha256=zz", body},
		"empty":           {testSecret, ts, "", body},
		"truncated":       {testSecret, ts, sig[:len(sig)-2], body},
	} {
		if Verify(c.secret, c.ts, c.body, c.sig) {
			t.Errorf("%s: Verify accepted", name)
		}
	}

	// The body is the JSON of the event.
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatalf("body not JSON: %v", err)
	}
	if ev["id"] != "evt-1" || ev["type"] != "incident.deadline" || ev["org_id"] != "org-1" || ev["at"] != "2025-01-02T03:04:05Z" {
		t.Errorf("body = %s", body)
	}
	if d, _ := ev["data"].(map[string]any); d["incident"] != "inc-9" {
		t.Errorf("data = %v", ev["data"])
	}
}

// statusServer answers with the given statuses in turn (the last one repeats)
// and counts requests.
func statusServer(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(statuses) {
			i = len(statuses) - 1
		}
		w.WriteHeader(statuses[i])
		io.WriteString(w, strings.Repeat("x", 100<<10)) // more than the 64 KiB read
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestSendRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		attempts  int
		wantN     int32
		wantErr   bool
		wantPerm  bool
		wantState int
	}{
		{"500 then 200", []int{500, 200}, 3, 2, false, false, 0},
		{"503 502 then 201", []int{503, 502, 201}, 3, 3, false, false, 0},
		{"408 then 200", []int{408, 200}, 3, 2, false, false, 0},
		{"429 then 202", []int{429, 202}, 3, 2, false, false, 0},
		{"500 always", []int{500}, 3, 3, true, false, 500},
		{"default attempts", []int{500}, 0, 3, true, false, 500},
		{"one attempt", []int{500}, 1, 1, true, false, 500},
		{"400 no retry", []int{400, 200}, 3, 1, true, true, 400},
		{"401 no retry", []int{401, 200}, 3, 1, true, true, 401},
		{"404 no retry", []int{404, 200}, 3, 1, true, true, 404},
		{"410 no retry", []int{410, 200}, 3, 1, true, true, 410},
		{"500 then 400 stops", []int{500, 400, 200}, 5, 2, true, true, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := statusServer(t, tc.statuses...)
			s := testSender()
			s.Attempts = tc.attempts
			err := s.Send(context.Background(), srv.URL, testSecret, testEvent())
			if got := n.Load(); got != tc.wantN {
				t.Errorf("requests = %d, want %d", got, tc.wantN)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil {
				return
			}
			var de *DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("err %T %v is not a *DeliveryError", err, err)
			}
			if de.Status != tc.wantState || de.Permanent != tc.wantPerm || de.Attempts != int(tc.wantN) {
				t.Errorf("DeliveryError = %+v", de)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tc.wantState)) {
				t.Errorf("error %q does not name status %d", err, tc.wantState)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestSendBackoffDoubles(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		w.WriteHeader(500)
	}))
	defer srv.Close()
	s := &Sender{AllowPrivate: true, Attempts: 3, Backoff: 40 * time.Millisecond}
	if err := s.Send(context.Background(), srv.URL, testSecret, testEvent()); err == nil {
		t.Fatal("Send succeeded against a 500 server")
	}
	if len(times) != 3 {
		t.Fatalf("requests = %d, want 3", len(times))
	}
	if d := times[1].Sub(times[0]); d < 40*time.Millisecond {
		t.Errorf("first wait %v, want >= 40ms", d)
	}
	if d := times[2].Sub(times[1]); d < 80*time.Millisecond {
		t.Errorf("second wait %v, want >= 80ms (doubled)", d)
	}
}

func TestSendRefusesRedirect(t *testing.T) {
	var target atomic.Int32
	dst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target.Add(1)
	}))
	defer dst.Close()
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			var n atomic.Int32
			src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				http.Redirect(w, r, dst.URL, code)
			}))
			defer src.Close()
			// A caller-supplied client that would follow redirects.
			s := testSender()
			s.Client = &http.Client{}
			err := s.Send(context.Background(), src.URL, testSecret, testEvent())
			if err == nil {
				t.Fatal("redirect counted as delivered")
			}
			if !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), strconv.Itoa(code)) {
				t.Errorf("error %q does not name the redirect", err)
			}
			if n.Load() != 1 {
				t.Errorf("source requests = %d, want 1 (no retry)", n.Load())
			}
			if s.Client.CheckRedirect != nil {
				t.Error("Send modified the caller's client")
			}
		})
	}
	if target.Load() != 0 {
		t.Errorf("redirect target got %d requests", target.Load())
	}
}

func TestSendSSRFGuard(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]

	for _, u := range []string{
		srv.URL,                    // 127.0.0.1 literal
		"http://localhost:" + port, // a name resolving to loopback
		"http://[::ffff:127.0.0.1]:" + port,
	} {
		t.Run(u, func(t *testing.T) {
			s := &Sender{Backoff: time.Millisecond}
			err := s.Send(context.Background(), u, testSecret, testEvent())
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("err = %v, want ErrForbiddenAddress", err)
			}
			var de *DeliveryError
			if !errors.As(err, &de) || !de.Permanent || de.Attempts != 1 {
				t.Errorf("DeliveryError = %+v, want permanent after 1 attempt", de)
			}
			// The guard also applies to a caller's *http.Transport.
			s.Client = &http.Client{Transport: &http.Transport{}}
			if err := s.Send(context.Background(), u, testSecret, testEvent()); !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("with caller transport: err = %v, want ErrForbiddenAddress", err)
			}
		})
	}
	if n.Load() != 0 {
		t.Errorf("server got %d requests through the guard", n.Load())
	}

	// A RoundTripper the guard cannot wrap is refused unless AllowPrivate.
	s := &Sender{Client: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})}}
	if err := s.Send(context.Background(), "https://example.com/hook", testSecret, testEvent()); err == nil {
		t.Error("custom RoundTripper accepted with the guard on")
	}
	s.AllowPrivate = true
	if err := s.Send(context.Background(), "https://example.com/hook", testSecret, testEvent()); err != nil {
		t.Errorf("custom RoundTripper with AllowPrivate: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestPublicAddr(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true},
		{"93.184.216.34", true},
		{"2606:4700:4700::1111", true},
		{"::ffff:8.8.8.8", true},
		{"127.0.0.1", false},
		{"127.1.2.3", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"10.0.0.1", false},
		{"172.16.5.4", false},
		{"192.168.1.1", false},
		{"::ffff:192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"ff02::1", false},
		{"198.18.0.1", false},
	}
	for _, tc := range tests {
		if got := publicAddr(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("publicAddr(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
	if err := guardControl("tcp4", "10.1.2.3:443", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("guardControl(10.1.2.3) = %v", err)
	}
	if err := guardControl("tcp4", "8.8.8.8:443", nil); err != nil {
		t.Errorf("guardControl(8.8.8.8) = %v", err)
	}
}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/sakimori", true},
		{"http://example.com", true},
		{"HTTPS://example.com/x?token=abc", true},
		{"https://example.com:8443/x", true},
		{"https://[2001:db8::1]/x", true},
		{"https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/")), true},
		{"https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/")+1), false},
		{"", false},
		{"example.com/hook", false},
		{"/hook", false},
		{"//example.com/hook", false},
		{"ftp://example.com/hook", false},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"gopher://example.com", false},
		{"http:example.com", false},
		{"https://", false},
		{"https:///path", false},
		{"https://user:pass@example.com/", false},
		{"https://user@example.com/", false},
		{"https://example.com:0/", false},
		{"https://example.com:70000/", false},
		{"https://example.com:abc/", false},
		{" https://example.com/", false},
		{"https://example.com/\n", false},
		{"https://exa mple.com/", false},
	}
	for _, tc := range tests {
		err := ValidateURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			continue
		}
		if err != nil {
			ae := apperr.As(err)
			if ae.Code != apperr.CodeInvalid || ae.Field != "webhook_url" {
				t.Errorf("ValidateURL(%q) = %#v, want Invalid webhook_url", tc.url, ae)
			}
		}
	}
}

func TestSendRejectsBadInput(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	defer srv.Close()
	s := testSender()
	if err := s.Send(context.Background(), "ftp://x", testSecret, testEvent()); apperr.CodeOf(err) != apperr.CodeInvalid {
		t.Errorf("bad URL: err = %v", err)
	}
	if err := s.Send(context.Background(), srv.URL, "", testEvent()); apperr.CodeOf(err) != apperr.CodeInvalid {
		t.Errorf("empty secret: err = %v", err)
	}
	ev := testEvent()
	ev.Data = make(chan int)
	var de *DeliveryError
	if err := s.Send(context.Background(), srv.URL, testSecret, ev); !errors.As(err, &de) || !de.Permanent {
		t.Errorf("unencodable data: err = %v", err)
	}
	if n.Load() != 0 {
		t.Errorf("server got %d requests for bad input", n.Load())
	}
}

func TestSendContextCancelStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			cancel() // cancel during the first attempt
		}
		w.WriteHeader(500)
	}))
	defer srv.Close()
	s := &Sender{AllowPrivate: true, Attempts: 5, Backoff: time.Hour}
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, srv.URL, testSecret, testEvent()) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Send kept waiting after the context was cancelled")
	}
	if n.Load() != 1 {
		t.Errorf("requests = %d, want 1", n.Load())
	}

	// Cancelled during the backoff wait.
	ctx2, cancel2 := context.WithCancel(context.Background())
	srv2, n2 := statusServer(t, 500)
	time.AfterFunc(50*time.Millisecond, cancel2)
	start := time.Now()
	err := s.Send(ctx2, srv2.URL, testSecret, testEvent())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 5*time.Second || n2.Load() != 1 {
		t.Errorf("took %v with %d requests, want prompt return after 1", time.Since(start), n2.Load())
	}
}

func TestSendNetworkErrorRetries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	u := srv.URL
	srv.Close() // nothing listens any more: connection refused
	s := testSender()
	err := s.Send(context.Background(), u+"/?token=do-not-log", testSecret, testEvent())
	var de *DeliveryError
	if !errors.As(err, &de) || de.Permanent || de.Attempts != 3 || de.Status != 0 {
		t.Fatalf("err = %v (%+v), want 3 retryable attempts", err, de)
	}
	if strings.Contains(err.Error(), "do-not-log") || strings.Contains(err.Error(), testSecret) {
		t.Errorf("error %q leaks the URL or secret", err)
	}
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/x", "http://[::1]:80/", "https://u:p@h/", "http:x", "", "%", "https://h:99999",
		"http://[fe80::1%25eth0]/", "HTTP://X", "https://h/\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := ValidateURL(s); err == nil {
			if len(s) > MaxURLLength {
				t.Errorf("accepted %d chars", len(s))
			}
			if !strings.HasPrefix(strings.ToLower(s), "http://") && !strings.HasPrefix(strings.ToLower(s), "https://") {
				t.Errorf("accepted non-http URL %q", s)
			}
		}
	})
}
