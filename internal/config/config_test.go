package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, groups Group, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := Register(fs, groups)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f.Load(func(k string) string { return env[k] })
}

func TestDefaults(t *testing.T) {
	c, err := load(t, All, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Addr: "127.0.0.1:8080", DB: "sqlite:" + filepath.Join("sakimori-data", "sakimori.db"), DBDefaulted: true,
		DataDir: "./sakimori-data", LogLevel: slog.LevelInfo, LogFormat: "text", MaxBody: 1 << 20,
		ShutdownTimeout: 30 * time.Second, SQLiteSynchronous: "FULL", EventRetention: 30 * 24 * time.Hour,
		CorrelationWindow: 30 * 24 * time.Hour, CorrelationCap: 20,
		MetricsFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
}

func TestLoad(t *testing.T) {
	cert, key := selfSigned(t)
	tests := []struct {
		name  string
		group Group
		args  []string
		env   map[string]string
		check func(*Config) bool
	}{
		{"flag addr", All, []string{"--addr", ":9000"}, nil, func(c *Config) bool { return c.Addr == ":9000" }},
		{"env addr", All, nil, map[string]string{"SAKIMORI_ADDR": "0.0.0.0:81"}, func(c *Config) bool { return c.Addr == "0.0.0.0:81" }},
		{"flag wins over env", All, []string{"--addr=127.0.0.1:1"}, map[string]string{"SAKIMORI_ADDR": "0.0.0.0:81"},
			func(c *Config) bool { return c.Addr == "127.0.0.1:1" }},
		{"flag equal to default still wins", All, []string{"--log-level", "info"}, map[string]string{"SAKIMORI_LOG_LEVEL": "debug"},
			func(c *Config) bool { return c.LogLevel == slog.LevelInfo }},
		{"db from data dir", Store, []string{"--data", "/srv/x"}, nil,
			func(c *Config) bool { return c.DB == "sqlite:/srv/x/sakimori.db" && c.DBDefaulted }},
		{"db from env data dir", Store, nil, map[string]string{"SAKIMORI_DATA": "/srv/y"},
			func(c *Config) bool { return c.DB == "sqlite:/srv/y/sakimori.db" }},
		{"explicit db", Store, []string{"--db", "postgres://u@db:5432/s"}, nil,
			func(c *Config) bool { return c.DB == "postgres://u@db:5432/s" && !c.DBDefaulted }},
		{"plain sqlite path", Store, []string{"--db", "/tmp/a.db"}, nil, func(c *Config) bool { return c.DB == "/tmp/a.db" }},
		{"log json debug", Log, []string{"--log-format", "JSON", "--log-level", "DEBUG"}, nil,
			func(c *Config) bool { return c.LogFormat == "json" && c.LogLevel == slog.LevelDebug }},
		{"max body units", HTTP, []string{"--max-body", "512KiB"}, nil, func(c *Config) bool { return c.MaxBody == 512<<10 }},
		{"max body env", HTTP, nil, map[string]string{"SAKIMORI_MAX_BODY": "2MB"}, func(c *Config) bool { return c.MaxBody == 2e6 }},
		{"trusted proxies", HTTP, []string{"--trusted-proxies", "10.0.0.0/8, 192.0.2.1,fd00::/8"}, nil,
			func(c *Config) bool {
				return reflect.DeepEqual(c.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"),
					netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("fd00::/8")})
			}},
		{"metrics from loopback by default", HTTP, nil, nil, func(c *Config) bool {
			return reflect.DeepEqual(c.MetricsFrom, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}) && c.MetricsToken == ""
		}},
		{"metrics from and token", HTTP, []string{"--metrics-from", "10.0.0.0/8"}, map[string]string{"SAKIMORI_METRICS_TOKEN": "abcdefghijklmnop"},
			func(c *Config) bool {
				return reflect.DeepEqual(c.MetricsFrom, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}) && c.MetricsToken == "abcdefghijklmnop"
			}},
		{"trusted origins", HTTP, []string{"--trusted-origins", "https://Sakimori.example.jp, http://10.0.0.5:8080/"}, nil,
			func(c *Config) bool {
				return reflect.DeepEqual(c.TrustedOrigins, []string{"https://sakimori.example.jp", "http://10.0.0.5:8080"})
			}},
		{"secure cookies auto without tls", HTTP, nil, nil, func(c *Config) bool { return !c.SecureCookies }},
		{"secure cookies auto with tls", HTTP, []string{"--tls-cert", cert, "--tls-key", key}, nil,
			func(c *Config) bool { return c.SecureCookies && c.TLS() }},
		{"secure cookies bare flag", HTTP, []string{"--secure-cookies"}, nil, func(c *Config) bool { return c.SecureCookies }},
		{"secure cookies off with tls", HTTP, []string{"--tls-cert", cert, "--tls-key", key, "--secure-cookies=false"}, nil,
			func(c *Config) bool { return !c.SecureCookies }},
		{"secure cookies env", HTTP, nil, map[string]string{"SAKIMORI_SECURE_COOKIES": "true"}, func(c *Config) bool { return c.SecureCookies }},
		{"shutdown timeout", HTTP, []string{"--shutdown-timeout", "5s"}, nil, func(c *Config) bool { return c.ShutdownTimeout == 5*time.Second }},
		{"sqlite normal", Store, []string{"--sqlite-synchronous", "normal"}, nil, func(c *Config) bool { return c.SQLiteSynchronous == "NORMAL" }},
		{"groups not registered are ignored", Store, nil, map[string]string{"SAKIMORI_ADDR": "nonsense"},
			func(c *Config) bool { return c.Addr == DefaultAddr }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.group, tt.args, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

func TestErrorsNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // exact error text
	}{
		{"bad addr", []string{"--addr", "localhost"}, nil, `--addr: "localhost" is not HOST:PORT (e.g. 127.0.0.1:8080 or :8080)`},
		{"bad port", []string{"--addr", "127.0.0.1:99999"}, nil, `--addr: port "99999" is not a number from 0 to 65535`},
		{"bad addr from env", nil, map[string]string{"SAKIMORI_ADDR": "x"}, `SAKIMORI_ADDR (--addr): "x" is not HOST:PORT (e.g. 127.0.0.1:8080 or :8080)`},
		{"bad level", []string{"--log-level", "loud"}, nil, `--log-level: must be debug, info, warn or error, not "loud"`},
		{"bad format", []string{"--log-format", "xml"}, nil, `--log-format: must be text or json, not "xml"`},
		{"bad size", []string{"--max-body", "12XB"}, nil, `--max-body: "12XB" is not a size (e.g. 1MiB, 512KiB or a byte count)`},
		{"zero size", []string{"--max-body", "0"}, nil, `--max-body: must be between 1 byte and 1GiB`},
		{"huge size", []string{"--max-body", "2GiB"}, nil, `--max-body: must be between 1 byte and 1GiB`},
		{"short metrics token", []string{"--metrics-token", "short"}, nil, `--metrics-token: must be at least 16 characters without spaces`},
		{"bad metrics network", nil, map[string]string{"SAKIMORI_METRICS_FROM": "monitoring"}, `SAKIMORI_METRICS_FROM (--metrics-from): "monitoring" is not an IP address or CIDR prefix`},
		{"bad cidr", []string{"--trusted-proxies", "10.0.0.0/33"}, nil, `--trusted-proxies: "10.0.0.0/33" is not a CIDR prefix (e.g. 10.0.0.0/8, fd00::/8)`},
		{"host bits", []string{"--trusted-proxies", "10.1.2.3/8"}, nil, `--trusted-proxies: "10.1.2.3/8" has host bits set: did you mean 10.0.0.0/8?`},
		{"bad proxy env", nil, map[string]string{"SAKIMORI_TRUSTED_PROXIES": "proxy.local"}, `SAKIMORI_TRUSTED_PROXIES (--trusted-proxies): "proxy.local" is not an IP address or CIDR prefix`},
		{"bad origin", []string{"--trusted-origins", "sakimori.example.jp"}, nil, `--trusted-origins: "sakimori.example.jp" is not an origin (e.g. https://sakimori.example.jp or http://10.0.0.5:8080)`},
		{"origin with path", []string{"--trusted-origins", "https://a.example/x"}, nil, `--trusted-origins: "https://a.example/x" is not an origin (e.g. https://sakimori.example.jp or http://10.0.0.5:8080)`},
		{"origin bad port", []string{"--trusted-origins", "https://a.example:0"}, nil, `--trusted-origins: "https://a.example:0" has a bad port`},
		{"bad duration", []string{"--shutdown-timeout", "soon"}, nil, `--shutdown-timeout: "soon" is not a duration (e.g. 30s, 2m)`},
		{"negative duration", []string{"--shutdown-timeout", "-1s"}, nil, `--shutdown-timeout: must be more than 0 and at most 10m0s`},
		{"bad sync", []string{"--sqlite-synchronous", "OFF"}, nil, `--sqlite-synchronous: must be FULL or NORMAL, not "OFF"`},
		{"bad db scheme", []string{"--db", "mysql://x/y"}, nil, `--db: unsupported database URL "mysql://x/y": use postgres://..., sqlite:PATH or a file path`},
		{"pg without host", []string{"--db", "postgres:///x"}, nil, `--db: a PostgreSQL URL needs a host, e.g. postgres://user@127.0.0.1:5432/sakimori`},
		{"empty sqlite", []string{"--db", "sqlite:"}, nil, `--db: sqlite: needs a file path, e.g. sqlite:/var/lib/sakimori/sakimori.db`},
		{"empty data", []string{"--data", " "}, nil, `--data: must name a directory`},
		{"key without cert", []string{"--tls-key", "k.pem"}, nil, `--tls-cert: required when --tls-key is given`},
		{"cert without key", []string{"--tls-cert", "c.pem"}, nil, `--tls-key: required when --tls-cert is given`},
		{"missing cert file", []string{"--tls-cert", filepath.Join(dir, "no.pem"), "--tls-key", filepath.Join(dir, "no.key")}, nil,
			`--tls-cert: cannot read ` + filepath.Join(dir, "no.pem") + `: no such file or directory`},
		{"bad secure cookies", []string{"--secure-cookies=maybe"}, nil, `--secure-cookies: must be auto, true or false, not "maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, All, tt.args, tt.env)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestBadCertificate(t *testing.T) {
	dir := t.TempDir()
	c, k := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(c, []byte("not a certificate"), 0o600)
	os.WriteFile(k, []byte("not a key"), 0o600)
	_, err := load(t, All, []string{"--tls-cert", c, "--tls-key", k}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "--tls-cert: certificate and key do not load: ") {
		t.Errorf("got %v", err)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true}, {"1048576", 1 << 20, true}, {"1MiB", 1 << 20, true}, {"1 MiB", 1 << 20, true},
		{"1mib", 1 << 20, true}, {"1.5KiB", 1536, true}, {"2kb", 2000, true}, {"1GiB", 1 << 30, true},
		{"10B", 10, true}, {"1M", 1e6, true}, {"", 0, false}, {"MiB", 0, false}, {"1.2.3", 0, false},
		{"-1", 0, false}, {"1.", 0, false}, {".5", 0, false}, {"0.1B", 0, false}, {"1TiB", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"postgres://u:secret@h/db":             "postgres://u:xxxxx@h/db",
		"postgres://u@h/db?password=secret":    "postgres://u@h/db?password=xxxxx",
		"postgres://u@h/db?sslmode=disable":    "postgres://u@h/db?sslmode=disable",
		"sqlite:/var/lib/sakimori/sakimori.db": "sqlite:/var/lib/sakimori/sakimori.db",
	}
	for in, want := range tests {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPrintUsage(t *testing.T) {
	var b strings.Builder
	PrintUsage(&b, Store)
	out := b.String()
	for _, want := range []string{"--db DSN", "env SAKIMORI_DB", "--data DIR", "default ./sakimori-data"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "--addr") {
		t.Errorf("usage for Store lists --addr:\n%s", out)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1MiB", "512 kib", "1.5GB", "", "1e9", "..", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && n < 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
	})
}

func FuzzParseOrigins(f *testing.F) {
	for _, s := range []string{"https://a.example", "http://[::1]:8080", "ftp://x", "https://u@h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		os, err := ParseOrigins(s)
		if err != nil {
			return
		}
		for _, o := range os {
			if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") || strings.ContainsAny(o[8:], "/?#@") {
				t.Fatalf("ParseOrigins(%q) returned %q", s, o)
			}
		}
	})
}

func FuzzParsePrefixes(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "192.0.2.1, ::1", "fd00::/8", "", "1.2.3.4/40", "::ffff:1.2.3.4", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePrefixes(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("ParsePrefixes(%q) returned %v", s, p)
			}
		}
	})
}

// selfSigned writes a throwaway certificate and key and returns their paths.
func selfSigned(t *testing.T) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	dir := t.TempDir()
	cp, kp := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cp, kp
}

func TestPushFlags(t *testing.T) {
	c, err := load(t, All, []string{"--nats", "nats://127.0.0.1:4222", "--event-retention", "7d"}, nil)
	if err != nil || c.NATS != "nats://127.0.0.1:4222" || c.EventRetention != 7*24*time.Hour {
		t.Fatalf("got %+v, %v", c, err)
	}
	c, err = load(t, All, nil, map[string]string{"SAKIMORI_NATS": "tls://a:4222,tls://b:4222"})
	if err != nil || c.NATS != "tls://a:4222,tls://b:4222" {
		t.Fatalf("env: %+v, %v", c, err)
	}
	for _, args := range [][]string{{"--nats", "http://x"}, {"--nats", "x"}, {"--event-retention", "0"}, {"--event-retention", "x"}} {
		if _, err := load(t, All, args, nil); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestCorrelationFlags(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		env    map[string]string
		window time.Duration
		cap    int
	}{
		{[]string{"--correlation-window", "7d", "--correlation-cap", "5"}, nil, 7 * 24 * time.Hour, 5},
		{[]string{"--correlation-window", "36h"}, nil, 36 * time.Hour, 20},
		{nil, map[string]string{"SAKIMORI_CORRELATION_WINDOW": "14", "SAKIMORI_CORRELATION_CAP": "50"}, 14 * 24 * time.Hour, 50},
	} {
		c, err := load(t, Store, tc.args, tc.env)
		if err != nil || c.CorrelationWindow != tc.window || c.CorrelationCap != tc.cap {
			t.Errorf("%v %v: got %v %d, %v", tc.args, tc.env, c.CorrelationWindow, c.CorrelationCap, err)
		}
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string // the flag the error names
	}{
		{[]string{"--correlation-window", "0"}, nil, "correlation-window"},
		{[]string{"--correlation-window", "30m"}, nil, "correlation-window"},
		{[]string{"--correlation-window", "soon"}, nil, "correlation-window"},
		{[]string{"--correlation-cap", "1"}, nil, "correlation-cap"},
		{nil, map[string]string{"SAKIMORI_CORRELATION_CAP": "many"}, "correlation-cap"},
	} {
		_, err := load(t, Store, tc.args, tc.env)
		var ce *Error
		if !errors.As(err, &ce) || ce.Flag != tc.want {
			t.Errorf("%v %v: %v, want an error naming --%s", tc.args, tc.env, err, tc.want)
		}
	}
}
