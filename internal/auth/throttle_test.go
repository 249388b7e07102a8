package auth

import (
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestThrottle(cfg ThrottleConfig) (*Throttle, *clock) {
	c := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	th := NewThrottle(cfg)
	th.Now = c.now
	return th, c
}

var testCfg = ThrottleConfig{PerAccount: 3, PerAddr: 5, Window: 10 * time.Minute}

func TestThrottlePerAccount(t *testing.T) {
	th, c := newTestThrottle(testCfg)
	for i := range 3 {
		if w := th.Check("alice@example.jp", fmt.Sprintf("192.0.2.%d", i)); w != 0 {
			t.Fatalf("attempt %d throttled: %v", i+1, w)
		}
		th.Fail("alice@example.jp", fmt.Sprintf("192.0.2.%d", i)) // a different address each time
		c.advance(time.Minute)
	}
	// Three failures within the window lock the account, from any address.
	if w := th.Check("alice@example.jp", "198.51.100.1"); w != 7*time.Minute {
		t.Fatalf("wait = %v, want 7m (the window after the first of the 3 failures, 3m ago)", w)
	}
	// Other accounts are unaffected.
	if w := th.Check("bob@example.jp", "198.51.100.1"); w != 0 {
		t.Fatalf("other account throttled: %v", w)
	}
	// The lock-out ends when the oldest counted failure leaves the window.
	c.advance(7*time.Minute - time.Second)
	if w := th.Check("alice@example.jp", "198.51.100.1"); w != time.Second {
		t.Fatalf("just before expiry: %v", w)
	}
	c.advance(time.Second)
	if w := th.Check("alice@example.jp", "198.51.100.1"); w != 0 {
		t.Fatalf("after expiry: %v", w)
	}
}

func TestThrottlePerAddress(t *testing.T) {
	th, c := newTestThrottle(testCfg)
	addr := "203.0.113.9"
	for i := range 5 {
		if w := th.Check(fmt.Sprintf("user%d@example.jp", i), addr); w != 0 {
			t.Fatalf("attempt %d throttled: %v", i+1, w)
		}
		th.Fail(fmt.Sprintf("user%d@example.jp", i), addr) // a spray: one try per account
		c.advance(time.Second)
	}
	if w := th.Check("new@example.jp", addr); w <= 0 || w > testCfg.Window {
		t.Fatalf("address not throttled after 5 failures: %v", w)
	}
	if w := th.Check("new@example.jp", "203.0.113.10"); w != 0 {
		t.Fatalf("other address throttled: %v", w)
	}
	// A success clears the account, not the address.
	th.Success("user4@example.jp", addr)
	if w := th.Check("user4@example.jp", addr); w == 0 {
		t.Fatal("success cleared the address's failures")
	}
	c.advance(testCfg.Window)
	if w := th.Check("new@example.jp", addr); w != 0 {
		t.Fatalf("address still throttled after the window: %v", w)
	}
}

func TestThrottleSuccessClearsAccount(t *testing.T) {
	th, _ := newTestThrottle(testCfg)
	th.Fail("alice@example.jp", "a1")
	th.Fail("alice@example.jp", "a2")
	th.Success("alice@example.jp", "a3")
	th.Fail("alice@example.jp", "a4")
	th.Fail("alice@example.jp", "a5")
	if w := th.Check("alice@example.jp", "a6"); w != 0 {
		t.Fatalf("failures before a success still count: %v", w)
	}
	th.Fail("alice@example.jp", "a6")
	if w := th.Check("alice@example.jp", "a7"); w == 0 {
		t.Fatal("three failures after the success do not lock")
	}
}

// Failures older than the window stop counting one by one (a sliding window).
func TestThrottleSlidingWindow(t *testing.T) {
	th, c := newTestThrottle(testCfg)
	th.Fail("a@example.jp", "x")
	c.advance(6 * time.Minute)
	th.Fail("a@example.jp", "x")
	th.Fail("a@example.jp", "x")
	if w := th.Check("a@example.jp", "x"); w != 4*time.Minute {
		t.Fatalf("wait %v, want 4m", w)
	}
	c.advance(4 * time.Minute) // the first failure leaves the window
	if w := th.Check("a@example.jp", "x"); w != 0 {
		t.Fatalf("wait %v after the first failure expired", w)
	}
	th.Fail("a@example.jp", "x")
	if w := th.Check("a@example.jp", "x"); w != 6*time.Minute {
		t.Fatalf("wait %v, want 6m", w)
	}
}

func TestThrottleZeroLimitsDisable(t *testing.T) {
	th, _ := newTestThrottle(ThrottleConfig{Window: time.Minute})
	for range 100 {
		th.Fail("a@example.jp", "x")
	}
	if w := th.Check("a@example.jp", "x"); w != 0 {
		t.Fatalf("zero limits throttle: %v", w)
	}
	if w := th.Check("never-failed@example.jp", "y"); w != 0 {
		t.Fatalf("unknown key: %v", w)
	}
}

// A spray over many account names does not grow memory without bound.
func TestThrottleForgetsStaleKeys(t *testing.T) {
	th, c := newTestThrottle(testCfg)
	for i := range 5000 {
		th.Fail(fmt.Sprintf("user%d@example.jp", i), fmt.Sprintf("addr%d", i))
		c.advance(time.Second)
	}
	acc, adr := th.Len()
	// At most the window's worth (600 s at one failure a second) plus one sweep period.
	if acc > 600+1024 || adr > 600+1024 {
		t.Fatalf("%d accounts and %d addresses kept", acc, adr)
	}
}

func TestDefaultThrottleConfig(t *testing.T) {
	th, _ := newTestThrottle(DefaultThrottleConfig)
	for range DefaultThrottleConfig.PerAccount - 1 {
		th.Fail("a@example.jp", "x")
	}
	if th.Check("a@example.jp", "x") != 0 {
		t.Fatal("locked before the limit")
	}
	th.Fail("a@example.jp", "x")
	if th.Check("a@example.jp", "x") != DefaultThrottleConfig.Window {
		t.Fatal("not locked at the limit")
	}
}

func TestThrottleKeys(t *testing.T) {
	for _, c := range []struct{ account, addr, wantAccount, wantAddr string }{
		{" Alice@Example.JP ", "192.0.2.1:51234", "alice@example.jp", "192.0.2.1"},
		{"a@b.example", "192.0.2.1", "a@b.example", "192.0.2.1"},
		{"a@b.example", "[::ffff:192.0.2.1]:80", "a@b.example", "192.0.2.1"},
		{"a@b.example", "[2001:db8:1:2:3:4:5:6]:443", "a@b.example", "2001:db8:1:2::/64"},
		{"a@b.example", "[fe80::1%eth0]:22", "a@b.example", "fe80::/64"},
		{"a@b.example", "not an address", "a@b.example", "not an address"},
	} {
		a, h := ThrottleKeys(c.account, c.addr)
		if a != c.wantAccount || h != c.wantAddr {
			t.Errorf("ThrottleKeys(%q, %q) = %q, %q; want %q, %q", c.account, c.addr, a, h, c.wantAccount, c.wantAddr)
		}
	}
}

// Every caller gets the same keys: failures from one host on other ports,
// or one IPv6 /64, and for any spelling of the account, add up.
func TestThrottleNormalisesForEveryCaller(t *testing.T) {
	th, _ := newTestThrottle(ThrottleConfig{PerAccount: 3, PerAddr: 4, Window: time.Minute})
	for i, a := range []string{"u1@x.example", "u2@x.example", "u3@x.example", "u4@x.example"} {
		th.Fail(a, "[2001:db8::"+string(rune('1'+i))+"]:"+string(rune('1'+i))+"000")
	}
	if th.Check("u9@x.example", "[2001:db8::ffff]:9") == 0 {
		t.Error("four failures from one IPv6 /64 on different ports did not throttle the host")
	}
	for _, a := range []string{"Bob@x.example", "BOB@X.EXAMPLE", " bob@x.example"} {
		th.Fail(a, "198.51.100.1:1")
	}
	if th.Check("bob@x.example", "203.0.113.9:2") == 0 {
		t.Error("three failures for one account in different spellings did not throttle it")
	}
	th.Success("BOB@x.example", "203.0.113.9:3")
	if th.Check("bob@x.example", "203.0.113.9:2") != 0 {
		t.Error("success under another spelling did not clear the account")
	}
}
