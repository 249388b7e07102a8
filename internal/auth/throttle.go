package auth

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ThrottleConfig bounds failed logins.
type ThrottleConfig struct {
	PerAccount int           // failures per account within Window before lock-out (0: no limit)
	PerAddr    int           // failures per source address within Window (0: no limit)
	Window     time.Duration // sliding window and lock-out length
}

// DefaultThrottleConfig: 5 failures per account or 20 per address in 15 minutes.
var DefaultThrottleConfig = ThrottleConfig{PerAccount: 5, PerAddr: 20, Window: 15 * time.Minute}

// Throttle counts failed logins in memory (per server node) and refuses
// further attempts once a limit is reached, until the window has passed.
type Throttle struct {
	cfg ThrottleConfig
	mu  sync.Mutex
	acc map[string][]time.Time
	adr map[string][]time.Time
	n   int // failures recorded, to sweep stale keys now and then
	Now func() time.Time
}

// NewThrottle returns a throttle.
func NewThrottle(cfg ThrottleConfig) *Throttle {
	return &Throttle{cfg: cfg, acc: map[string][]time.Time{}, adr: map[string][]time.Time{}, Now: time.Now}
}

func (t *Throttle) prune(m map[string][]time.Time, k string, now time.Time) []time.Time {
	ts := m[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= t.cfg.Window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(m, k)
		return nil
	}
	m[k] = ts
	return ts
}

// ThrottleKeys normalises what the throttle counts: the account as the
// store finds it (any spelling of an email counts against the same
// account; over-long names are cut) and the client host (the port dropped,
// IPv4-mapped IPv6 folded, IPv6 grouped by /64, since one client holds a
// whole /64). Every method of Throttle applies it, so callers pass raw input.
func ThrottleKeys(account, addr string) (string, string) {
	account = strings.ToLower(strings.TrimSpace(account))
	if len(account) > 320 {
		account = account[:320]
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return account, host
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return account, p.String()
		}
	}
	return account, ip.String()
}

// Check returns how long the caller must wait before trying again (0: go ahead).
func (t *Throttle) Check(account, addr string) time.Duration {
	account, addr = ThrottleKeys(account, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	var wait time.Duration
	if ts := t.prune(t.acc, account, now); t.cfg.PerAccount > 0 && len(ts) >= t.cfg.PerAccount {
		wait = t.cfg.Window - now.Sub(ts[len(ts)-t.cfg.PerAccount])
	}
	if ts := t.prune(t.adr, addr, now); t.cfg.PerAddr > 0 && len(ts) >= t.cfg.PerAddr {
		wait = max(wait, t.cfg.Window-now.Sub(ts[len(ts)-t.cfg.PerAddr]))
	}
	return wait
}

// Fail records a failed attempt.
func (t *Throttle) Fail(account, addr string) {
	account, addr = ThrottleKeys(account, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	t.acc[account] = append(t.prune(t.acc, account, now), now)
	t.adr[addr] = append(t.prune(t.adr, addr, now), now)
	// Keys are pruned when they come back; sweep the ones that never do
	// (e.g. a spray over many account names), so memory stays bounded.
	if t.n++; t.n%1024 == 0 {
		for _, m := range []map[string][]time.Time{t.acc, t.adr} {
			for k := range m {
				t.prune(m, k, now)
			}
		}
	}
}

// Len returns the number of accounts and addresses with recent failures.
func (t *Throttle) Len() (accounts, addrs int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.acc), len(t.adr)
}

// Success clears the account's failures.
func (t *Throttle) Success(account, addr string) {
	account, _ = ThrottleKeys(account, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.acc, account)
}
