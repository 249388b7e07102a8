// Package webhook delivers signed JSON events (incident deadline reminders,
// report events) to an organisation's webhook URL.
//
// # Request
//
// Each delivery is one HTTP POST whose body is the JSON encoding of Event:
//
//	{"id":"…","type":"incident.deadline","org_id":"…","at":"2025-01-02T03:04:05Z","data":{…}}
//
// with these headers:
//
//	Content-Type:         application/json
//	User-Agent:           sakimori-webhook (or Sender.UserAgent)
//	X-Sakimori-Event:     the event type (Event.Type)
//	X-Sakimori-Delivery:  the event id (Event.ID); the same on every retry, so
//	                      receivers can drop duplicates
//	X-Sakimori-Timestamp: the time of this attempt, Unix seconds in decimal
//	X-Sakimori-Signature: sha256=<hex>
//
// # Signature
//
// The signature is the lower-case hex HMAC-SHA256, keyed with the shared
// secret, of the timestamp header value, a single ".", and the raw body bytes
// exactly as received:
//
//	sig = hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// To verify, a receiver recomputes the MAC over the raw body (before any JSON
// parsing), compares it in constant time (Verify does both), and rejects
// timestamps too far from its own clock (five minutes is usual) so that a
// captured request cannot be replayed later. Each retry is signed afresh with
// its own timestamp.
//
// # Delivery
//
// A 2xx response means delivered. Other 4xx responses, except 408 and 429,
// are permanent failures and are not retried. 5xx, 408, 429 and network
// errors are retried up to Sender.Attempts times with exponential backoff.
// Redirects are never followed: a 3xx response is a permanent failure. Each
// attempt has a 10 second timeout; at most 64 KiB of a response body is read,
// then discarded.
//
// Unless Sender.AllowPrivate is set, connections to loopback, private,
// link-local, unspecified, multicast and other special-purpose addresses are
// refused. The check runs on the IP address actually dialled (after DNS
// resolution), so a public host name that resolves to 127.0.0.1 or to a cloud
// metadata address is refused too. Proxies from the environment are not used
// when the guard is on, since the guard would then only see the proxy.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"sakimori/internal/apperr"
)

// Limits and defaults.
const (
	MaxURLLength     = 2000
	DefaultAttempts  = 3
	DefaultBackoff   = time.Second
	DefaultUserAgent = "sakimori-webhook"
	AttemptTimeout   = 10 * time.Second
	maxResponseBody  = 64 << 10
	signaturePrefix  = "sha256="
	HeaderEvent      = "X-Sakimori-Event"
	HeaderDelivery   = "X-Sakimori-Delivery"
	HeaderTimestamp  = "X-Sakimori-Timestamp"
	HeaderSignature  = "X-Sakimori-Signature"
	contentTypeJSON  = "application/json"
	dialTimeout      = 5 * time.Second
)

// Event is one webhook payload.
type Event struct {
	ID    string    `json:"id"`
	Type  string    `json:"type"`
	OrgID string    `json:"org_id"`
	At    time.Time `json:"at"`
	Data  any       `json:"data"`
}

// Sender delivers events. The zero value is usable: 3 attempts, 1s initial
// backoff, private destinations refused.
type Sender struct {
	// Client, if set, supplies the transport and other settings. Its
	// CheckRedirect is overridden (redirects are never followed). With the
	// SSRF guard on, its Transport must be nil or an *http.Transport (a clone
	// of which gets the guarded dialer); any other RoundTripper is refused
	// unless AllowPrivate is set.
	Client *http.Client
	// Attempts is the maximum number of attempts (default 3).
	Attempts int
	// Backoff is the wait before the second attempt, doubled for each later
	// one (default 1s).
	Backoff time.Duration
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses. Only for tests and single-host setups.
	AllowPrivate bool
	// UserAgent defaults to "sakimori-webhook".
	UserAgent string
}

// ErrForbiddenAddress is wrapped by errors from deliveries refused by the
// SSRF guard.
var ErrForbiddenAddress = errors.New("destination address not allowed")

// DeliveryError is the error Send returns when a delivery fails after the
// request could be built. It never contains the secret, the URL or the
// response body.
type DeliveryError struct {
	Attempts  int   // attempts made
	Status    int   // HTTP status of the last response, 0 if none
	Permanent bool  // true if Send stopped because retrying could not help
	Err       error // the cause of the last failure
}

func (e *DeliveryError) Error() string {
	kind := "gave up"
	if e.Permanent {
		kind = "permanent failure"
	}
	return fmt.Sprintf("webhook: %s after %d attempt(s): %v", kind, e.Attempts, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// ValidateURL checks a webhook URL: absolute http or https, with a host, no
// user information, at most 2000 characters.
func ValidateURL(raw string) error {
	const field = "webhook_url"
	if raw == "" {
		return apperr.Invalid(field, "is required")
	}
	if len(raw) > MaxURLLength {
		return apperr.Invalid(field, "is longer than %d characters", MaxURLLength)
	}
	if strings.TrimSpace(raw) != raw {
		return apperr.Invalid(field, "has leading or trailing spaces")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return apperr.Invalid(field, "is not a valid URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return apperr.Invalid(field, "must be an absolute http or https URL")
	default:
		return apperr.Invalid(field, "must use http or https")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return apperr.Invalid(field, "must have a host")
	}
	if u.User != nil {
		return apperr.Invalid(field, "must not contain a user name or password")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return apperr.Invalid(field, "has an invalid port")
		}
	}
	return nil
}

// Sign returns the X-Sakimori-Signature value for a timestamp and body.
func Sign(secret, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

// Verify reports whether signature (an X-Sakimori-Signature value,
// "sha256=<hex>") is the valid signature of timestamp and body under secret.
// It does not check the timestamp's age; receivers should.
func Verify(secret string, timestamp string, body []byte, signature string) bool {
	hexsig, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexsig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(secret, timestamp, body))
}

func mac(secret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Send delivers ev to rawURL, signed with secret, retrying as described in
// the package documentation. It returns nil once a 2xx response arrives, an
// apperr.Invalid error for a bad URL, a context error if ctx ends, and a
// *DeliveryError otherwise.
func (s *Sender) Send(ctx context.Context, rawURL, secret string, ev Event) error {
	if err := ValidateURL(rawURL); err != nil {
		return err
	}
	if secret == "" {
		return apperr.Invalid("webhook_secret", "is required")
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return &DeliveryError{Permanent: true, Err: fmt.Errorf("encoding event: %w", err)}
	}
	client, err := s.client()
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()

	attempts := s.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	backoff := s.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	var last *DeliveryError
	for i := 1; i <= attempts; i++ {
		if i > 1 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("webhook: stopped after %d attempt(s) (%v): %w", i-1, last.Err, ctx.Err())
			case <-t.C:
			}
			backoff *= 2
		}
		status, retry, err := s.attempt(ctx, client, rawURL, secret, ev, body)
		if err == nil {
			return nil
		}
		last = &DeliveryError{Attempts: i, Status: status, Permanent: !retry, Err: err}
		if ctx.Err() != nil {
			return fmt.Errorf("webhook: stopped after %d attempt(s) (%v): %w", i, err, ctx.Err())
		}
		if !retry {
			return last
		}
	}
	return last
}

// attempt makes one request. It returns the response status (0 if none),
// whether a failure may be retried, and the failure.
func (s *Sender) attempt(ctx context.Context, client *http.Client, rawURL, secret string, ev Event, body []byte) (int, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, false, errors.New("building request failed")
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	ua := s.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("Content-Type", contentTypeJSON)
	req.Header.Set("User-Agent", ua)
	req.Header.Set(HeaderEvent, ev.Type)
	req.Header.Set(HeaderDelivery, ev.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))

	resp, err := client.Do(req)
	if err != nil {
		// Drop the *url.Error wrapper: its text repeats the URL, which may
		// carry a token in its query.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, ErrForbiddenAddress) {
			return 0, false, err
		}
		return 0, true, fmt.Errorf("request failed: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	resp.Body.Close()

	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return code, false, nil
	case code >= 300 && code < 400:
		return code, false, fmt.Errorf("redirect refused (status %d)", code)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return code, true, fmt.Errorf("status %d", code)
	default:
		return code, false, fmt.Errorf("status %d", code)
	}
}

// client returns the HTTP client for one Send: never following redirects,
// and with the SSRF guard in its dialer unless AllowPrivate is set.
func (s *Sender) client() (*http.Client, error) {
	c := &http.Client{}
	if s.Client != nil {
		cc := *s.Client
		c = &cc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	var tr *http.Transport
	switch t := c.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		if !s.AllowPrivate {
			return nil, &DeliveryError{Permanent: true, Err: errors.New("the SSRF guard needs an *http.Transport; set AllowPrivate to use another RoundTripper")}
		}
		return c, nil
	}
	if !s.AllowPrivate {
		d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: guardControl}
		tr.Proxy = nil
		tr.DialContext = d.DialContext
		tr.DialTLSContext = nil
		tr.Dial = nil    //nolint:staticcheck // cleared so DialContext is used
		tr.DialTLS = nil //nolint:staticcheck // cleared so DialContext is used
	}
	c.Transport = tr
	return c, nil
}

// guardControl runs after name resolution, before connect, for each address
// dialled; it refuses addresses that are not public.
func guardControl(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrForbiddenAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrForbiddenAddress, host)
	}
	if !publicAddr(ip) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip)
	}
	return nil
}

// blockedPrefixes are special-purpose ranges not covered by the netip
// predicates used in publicAddr.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// publicAddr reports whether ip may be dialled with the SSRF guard on.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
