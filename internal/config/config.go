// Package config holds sakimori's runtime configuration: a typed Config
// filled from command-line flags, with SAKIMORI_* environment variables as
// fallbacks (a flag given on the command line wins over the environment,
// the environment over the default). Every value is checked when loaded and
// an error names the flag (and the variable, when the value came from it).
package config

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the validated configuration.
type Config struct {
	// Addr is the listen address, host:port.
	Addr string
	// DB is the store DSN: "postgres://..." or "sqlite:PATH". When no
	// --db is given it is sqlite:<DataDir>/sakimori.db.
	DB string
	// DBDefaulted reports that DB was derived from DataDir.
	DBDefaulted bool
	// DataDir holds the SQLite file and the demo's credentials file.
	DataDir string
	// LogLevel and LogFormat ("text" or "json") configure the logger.
	LogLevel  slog.Level
	LogFormat string
	// MaxBody bounds request bodies, in bytes.
	MaxBody int64
	// TLSCert and TLSKey, when both set, make the server speak HTTPS.
	TLSCert, TLSKey string
	// SecureCookies marks cookies Secure: on with TLS unless set explicitly
	// (set it behind a TLS-terminating proxy).
	SecureCookies bool
	// TrustedProxies are peers whose X-Forwarded-For header is believed.
	TrustedProxies []netip.Prefix
	// MetricsFrom are the client networks /metrics answers (after
	// X-Forwarded-For from TrustedProxies); empty: loopback only.
	MetricsFrom []netip.Prefix
	// MetricsToken, if set, admits a scrape from anywhere that presents it
	// as "Authorization: Bearer TOKEN".
	MetricsToken string
	// TrustedOrigins are extra origins ("https://host[:port]") whose
	// cross-origin form posts the dashboard accepts (a proxy that rewrites
	// the Host header). Normally empty.
	TrustedOrigins []string
	// ShutdownTimeout bounds the wait for in-flight requests on shutdown.
	ShutdownTimeout time.Duration
	// SQLiteSynchronous is SQLite's synchronous pragma: FULL or NORMAL.
	SQLiteSynchronous string
	// NATS is the NATS server (with JetStream) that carries live events
	// between server nodes; "" without (docs/push.md).
	NATS string
	// EventRetention is how long the event log keeps events.
	EventRetention time.Duration
	// CorrelationWindow is how recent observations of independent
	// organisations must be to correlate; CorrelationCap the number of
	// organisations above which a value is capped (docs/correlation.md).
	// Zero: the engine's defaults.
	CorrelationWindow time.Duration
	CorrelationCap    int
}

// TLS reports whether the server serves HTTPS.
func (c *Config) TLS() bool { return c.TLSCert != "" }

// Group selects which flags a command takes.
type Group uint8

const (
	// Store: --db, --data, --sqlite-synchronous.
	Store Group = 1 << iota
	// Log: --log-level, --log-format.
	Log
	// HTTP: --addr, --max-body, --tls-cert, --tls-key, --secure-cookies,
	// --trusted-proxies, --metrics-from, --metrics-token, --shutdown-timeout, ...
	HTTP
	// All is every flag (serve, demo).
	All = Store | Log | HTTP
)

// Defaults.
const (
	DefaultAddr            = "127.0.0.1:8080"
	DefaultDataDir         = "./sakimori-data"
	DefaultMaxBody         = 1 << 20
	DefaultShutdownTimeout = 30 * time.Second
	// DBFile is the SQLite file name inside the data directory.
	DBFile = "sakimori.db"
	// MaxMaxBody is the largest --max-body accepted.
	MaxMaxBody = 1 << 30
	// MaxShutdownTimeout is the largest --shutdown-timeout accepted.
	MaxShutdownTimeout = 10 * time.Minute
	// DefaultEventRetention is how long the event log keeps events.
	DefaultEventRetention = 30 * 24 * time.Hour
)

// Spec describes one setting.
type Spec struct {
	Name    string // flag name, without dashes
	Env     string // environment variable
	Default string // as text; "" for none
	Arg     string // placeholder for help, e.g. "ADDR"
	Usage   string
	Group   Group
	Bool    bool // may be given without a value (--secure-cookies)
}

// Specs lists every setting in help order.
var Specs = []Spec{
	{Name: "addr", Env: "SAKIMORI_ADDR", Default: DefaultAddr, Arg: "HOST:PORT", Group: HTTP,
		Usage: "listen address (port 0 picks a free port)"},
	{Name: "db", Env: "SAKIMORI_DB", Arg: "DSN", Group: Store,
		Usage: "store: postgres://user@host/db, sqlite:PATH or a file path (default <data>/" + DBFile + ")"},
	{Name: "data", Env: "SAKIMORI_DATA", Default: DefaultDataDir, Arg: "DIR", Group: Store,
		Usage: "data directory: the default SQLite file and the demo's credentials"},
	{Name: "sqlite-synchronous", Env: "SAKIMORI_SQLITE_SYNCHRONOUS", Default: "FULL", Arg: "FULL|NORMAL", Group: Store,
		Usage: "SQLite durability: FULL survives power loss, NORMAL only a process crash"},
	{Name: "log-level", Env: "SAKIMORI_LOG_LEVEL", Default: "info", Arg: "LEVEL", Group: Log,
		Usage: "debug, info, warn or error"},
	{Name: "log-format", Env: "SAKIMORI_LOG_FORMAT", Default: "text", Arg: "FORMAT", Group: Log,
		Usage: "text or json"},
	{Name: "max-body", Env: "SAKIMORI_MAX_BODY", Default: "1MiB", Arg: "SIZE", Group: HTTP,
		Usage: "largest request body accepted, e.g. 1MiB, 512KiB or a byte count"},
	{Name: "tls-cert", Env: "SAKIMORI_TLS_CERT", Arg: "FILE", Group: HTTP,
		Usage: "PEM certificate chain: serve HTTPS (needs --tls-key)"},
	{Name: "tls-key", Env: "SAKIMORI_TLS_KEY", Arg: "FILE", Group: HTTP,
		Usage: "PEM private key for --tls-cert"},
	{Name: "secure-cookies", Env: "SAKIMORI_SECURE_COOKIES", Default: "auto", Arg: "auto|true|false", Group: HTTP, Bool: true,
		Usage: "mark cookies Secure; auto = on with TLS (set true behind a TLS-terminating proxy)"},
	{Name: "trusted-proxies", Env: "SAKIMORI_TRUSTED_PROXIES", Arg: "CIDRS", Group: HTTP,
		Usage: "comma-separated CIDRs or addresses of reverse proxies whose X-Forwarded-For is believed"},
	{Name: "metrics-from", Env: "SAKIMORI_METRICS_FROM", Default: "127.0.0.0/8,::1", Arg: "CIDRS", Group: HTTP,
		Usage: "comma-separated CIDRs or addresses of the monitoring clients /metrics answers (others get 403 unless they give --metrics-token)"},
	{Name: "metrics-token", Env: "SAKIMORI_METRICS_TOKEN", Arg: "TOKEN", Group: HTTP,
		Usage: "bearer token that admits a /metrics scrape from any address (at least 16 characters; prefer the environment variable)"},
	{Name: "trusted-origins", Env: "SAKIMORI_TRUSTED_ORIGINS", Arg: "ORIGINS", Group: HTTP,
		Usage: "comma-separated origins (https://host[:port]) whose form posts the dashboard accepts when a proxy rewrites Host"},
	{Name: "shutdown-timeout", Env: "SAKIMORI_SHUTDOWN_TIMEOUT", Default: "30s", Arg: "DURATION", Group: HTTP,
		Usage: "on SIGTERM/SIGINT, how long to wait for in-flight requests"},
	{Name: "nats", Env: "SAKIMORI_NATS", Arg: "URL", Group: HTTP,
		Usage: "NATS server with JetStream (nats://host:4222) carrying live events between nodes on one PostgreSQL; without it nodes poll the event log"},
	{Name: "event-retention", Env: "SAKIMORI_EVENT_RETENTION", Default: "30", Arg: "DAYS", Group: HTTP,
		Usage: "days the event log keeps events for resuming streams and webhooks (1 to 3650)"},
	{Name: "correlation-window", Env: "SAKIMORI_CORRELATION_WINDOW", Default: "30d", Arg: "DAYS", Group: Store,
		Usage: "how recent observations of independent organisations must be to correlate: days (30d) or a duration (720h), 1h to 3650d"},
	{Name: "correlation-cap", Env: "SAKIMORI_CORRELATION_CAP", Default: "20", Arg: "N", Group: Store,
		Usage: "a value seen by more organisations than this is capped as over-correlating (2 to 100000)"},
}

// Error is a configuration error naming the flag and, when the value came
// from the environment, the variable.
type Error struct {
	Flag string // without dashes
	Env  string // set when the value came from the environment
	Msg  string
}

func (e *Error) Error() string {
	if e.Env != "" {
		return fmt.Sprintf("%s (--%s): %s", e.Env, e.Flag, e.Msg)
	}
	return fmt.Sprintf("--%s: %s", e.Flag, e.Msg)
}

// value records a flag's text and whether the command line set it.
type value struct {
	s    string
	set  bool
	bool bool
}

func (v *value) String() string {
	if v == nil {
		return ""
	}
	return v.s
}
func (v *value) Set(s string) error { v.s, v.set = s, true; return nil }
func (v *value) IsBoolFlag() bool   { return v.bool }

// Flags is the set of settings registered on a flag.FlagSet.
type Flags struct {
	groups Group
	vals   map[string]*value
}

// Register adds the flags of groups to fs. Call Load after fs.Parse.
func Register(fs *flag.FlagSet, groups Group) *Flags {
	f := &Flags{groups: groups, vals: map[string]*value{}}
	for _, s := range Specs {
		if s.Group&groups == 0 {
			continue
		}
		v := &value{s: s.Default, bool: s.Bool}
		f.vals[s.Name] = v
		fs.Var(v, s.Name, s.Usage)
	}
	return f
}

// Has reports whether the flag name was registered.
func (f *Flags) Has(name string) bool { _, ok := f.vals[name]; return ok }

// Load applies environment fallbacks (getenv; nil means os.Getenv) to the
// flags the command line did not set, and returns the checked Config.
func (f *Flags) Load(getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &Config{
		Addr: DefaultAddr, DataDir: DefaultDataDir, LogLevel: slog.LevelInfo, LogFormat: "text",
		MaxBody: DefaultMaxBody, ShutdownTimeout: DefaultShutdownTimeout, SQLiteSynchronous: "FULL",
		EventRetention: DefaultEventRetention,
	}
	secure := "auto"
	for _, s := range Specs {
		v, ok := f.vals[s.Name]
		if !ok {
			continue
		}
		text, env := v.s, ""
		if !v.set {
			if e := strings.TrimSpace(getenv(s.Env)); e != "" {
				text, env = e, s.Env
			}
		}
		fail := func(format string, args ...any) error {
			return &Error{Flag: s.Name, Env: env, Msg: fmt.Sprintf(format, args...)}
		}
		var err error
		switch s.Name {
		case "addr":
			c.Addr, err = parseAddr(text)
		case "db":
			c.DB, err = parseDB(text)
		case "data":
			if strings.TrimSpace(text) == "" {
				err = errors.New("must name a directory")
			}
			c.DataDir = text
		case "sqlite-synchronous":
			c.SQLiteSynchronous = strings.ToUpper(text)
			if c.SQLiteSynchronous != "FULL" && c.SQLiteSynchronous != "NORMAL" {
				err = fmt.Errorf("must be FULL or NORMAL, not %q", text)
			}
		case "log-level":
			c.LogLevel, err = parseLevel(text)
		case "log-format":
			c.LogFormat = strings.ToLower(text)
			if c.LogFormat != "text" && c.LogFormat != "json" {
				err = fmt.Errorf("must be text or json, not %q", text)
			}
		case "max-body":
			c.MaxBody, err = ParseSize(text)
			if err == nil && (c.MaxBody < 1 || c.MaxBody > MaxMaxBody) {
				err = fmt.Errorf("must be between 1 byte and 1GiB")
			}
		case "tls-cert":
			c.TLSCert = text
		case "tls-key":
			c.TLSKey = text
		case "secure-cookies":
			secure = strings.ToLower(text)
		case "trusted-proxies":
			c.TrustedProxies, err = ParsePrefixes(text)
		case "trusted-origins":
			c.TrustedOrigins, err = ParseOrigins(text)
		case "metrics-from":
			c.MetricsFrom, err = ParsePrefixes(text)
		case "metrics-token":
			c.MetricsToken = strings.TrimSpace(text)
			if c.MetricsToken != "" && (len(c.MetricsToken) < 16 || strings.ContainsAny(c.MetricsToken, " \t\r\n")) {
				err = errors.New("must be at least 16 characters without spaces")
			}
		case "shutdown-timeout":
			c.ShutdownTimeout, err = time.ParseDuration(text)
			if err != nil {
				err = fmt.Errorf("%q is not a duration (e.g. 30s, 2m)", text)
			} else if c.ShutdownTimeout <= 0 || c.ShutdownTimeout > MaxShutdownTimeout {
				err = fmt.Errorf("must be more than 0 and at most %v", MaxShutdownTimeout)
			}
		case "nats":
			c.NATS, err = parseNATS(text)
		case "event-retention":
			c.EventRetention, err = parseDays(text)
		case "correlation-window":
			c.CorrelationWindow, err = parseWindow(text)
		case "correlation-cap":
			c.CorrelationCap, err = strconv.Atoi(strings.TrimSpace(text))
			if err != nil || c.CorrelationCap < 2 || c.CorrelationCap > 100000 {
				err = fmt.Errorf("%q: give a number of organisations from 2 to 100000", text)
			}
		}
		if err != nil {
			return nil, fail("%s", err.Error())
		}
	}
	if f.Has("db") && c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.DataDir, DBFile)
		c.DBDefaulted = true
	}
	if f.Has("tls-cert") {
		if err := c.checkTLS(getenv, f); err != nil {
			return nil, err
		}
		switch secure {
		case "auto", "":
			c.SecureCookies = c.TLS()
		case "true", "on", "yes", "1":
			c.SecureCookies = true
		case "false", "off", "no", "0":
			c.SecureCookies = false
		default:
			return nil, &Error{Flag: "secure-cookies", Env: f.envOf("secure-cookies", getenv),
				Msg: fmt.Sprintf("must be auto, true or false, not %q", secure)}
		}
	}
	return c, nil
}

// envOf returns the variable a flag's value came from, or "".
func (f *Flags) envOf(name string, getenv func(string) string) string {
	if v := f.vals[name]; v != nil && !v.set {
		for _, s := range Specs {
			if s.Name == name && strings.TrimSpace(getenv(s.Env)) != "" {
				return s.Env
			}
		}
	}
	return ""
}

func (c *Config) checkTLS(getenv func(string) string, f *Flags) error {
	switch {
	case c.TLSCert == "" && c.TLSKey == "":
		return nil
	case c.TLSCert == "":
		return &Error{Flag: "tls-cert", Msg: "required when --tls-key is given"}
	case c.TLSKey == "":
		return &Error{Flag: "tls-key", Msg: "required when --tls-cert is given"}
	}
	for _, p := range []struct{ flag, path string }{{"tls-cert", c.TLSCert}, {"tls-key", c.TLSKey}} {
		if _, err := os.Stat(p.path); err != nil {
			return &Error{Flag: p.flag, Env: f.envOf(p.flag, getenv), Msg: fmt.Sprintf("cannot read %s: %v", p.path, errors.Unwrap(err))}
		}
	}
	if _, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey); err != nil {
		return &Error{Flag: "tls-cert", Env: f.envOf("tls-cert", getenv), Msg: fmt.Sprintf("certificate and key do not load: %v", err)}
	}
	return nil
}

func parseAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not HOST:PORT (e.g. 127.0.0.1:8080 or :8080)", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	if strings.ContainsAny(host, " /?#@") {
		return "", fmt.Errorf("host %q is not a host name or address", host)
	}
	return s, nil
}

func parseDB(s string) (string, error) {
	switch {
	case s == "":
		return "", nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("not a PostgreSQL URL: %v", Redact(err.Error()))
		}
		if u.Host == "" {
			return "", fmt.Errorf("a PostgreSQL URL needs a host, e.g. postgres://user@127.0.0.1:5432/sakimori")
		}
		return s, nil
	case strings.Contains(s, "://"):
		return "", fmt.Errorf("unsupported database URL %q: use postgres://..., sqlite:PATH or a file path", Redact(s))
	case s == "sqlite:":
		return "", fmt.Errorf("sqlite: needs a file path, e.g. sqlite:/var/lib/sakimori/sakimori.db")
	}
	return s, nil
}

// Redact hides the password in a database URL (for logs and messages).
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("must be debug, info, warn or error, not %q", s)
}

// ParseSize parses a byte size: a count ("1048576") or a number with a unit
// B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g.
// "1MiB", "512 KiB", "1.5MB". Units are case-insensitive.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	bad := fmt.Errorf("%q is not a size (e.g. 1MiB, 512KiB or a byte count)", s)
	if num == "" || strings.Count(num, ".") > 1 || num[0] == '.' || num[len(num)-1] == '.' {
		return 0, bad
	}
	var mult float64
	switch unit {
	case "", "b":
		mult = 1
	case "k", "kb":
		mult = 1e3
	case "m", "mb":
		mult = 1e6
	case "g", "gb":
		mult = 1e9
	case "ki", "kib":
		mult = 1 << 10
	case "mi", "mib":
		mult = 1 << 20
	case "gi", "gib":
		mult = 1 << 30
	default:
		return 0, bad
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, bad
	}
	v := f * mult
	if v > 1<<62 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if v != float64(int64(v)) {
		return 0, fmt.Errorf("%q is not a whole number of bytes", s)
	}
	return int64(v), nil
}

// ParsePrefixes parses a comma- or space-separated list of CIDR prefixes or
// single addresses (which become /32 or /128). Empty means none.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR prefix (e.g. 10.0.0.0/8, fd00::/8)", f)
			}
			if p != p.Masked() {
				return nil, fmt.Errorf("%q has host bits set: did you mean %s?", f, p.Masked())
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ParseOrigins parses a comma- or space-separated list of web origins:
// scheme http or https, a host, an optional port, nothing else.
func ParseOrigins(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		u, err := url.Parse(f)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("%q is not an origin (e.g. https://sakimori.example.jp or http://10.0.0.5:8080)", f)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("%q has a bad port", f)
			}
		}
		out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return out, nil
}

// NewLogger returns the logger the configuration asks for, writing to w.
func (c *Config) NewLogger(w io.Writer) *slog.Logger {
	opt := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opt))
	}
	return slog.New(slog.NewTextHandler(w, opt))
}

// PrintUsage writes the settings of groups as help text: each flag, its
// variable and default.
func PrintUsage(w io.Writer, groups Group) {
	for _, s := range Specs {
		if s.Group&groups == 0 {
			continue
		}
		fmt.Fprintf(w, "  --%s %s\n      %s\n      env %s", s.Name, s.Arg, s.Usage, s.Env)
		if s.Default != "" {
			fmt.Fprintf(w, ", default %s", s.Default)
		}
		fmt.Fprintln(w)
	}
}

// parseNATS checks a NATS server URL (or comma-separated URLs of a cluster).
func parseNATS(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", nil
	}
	for _, u := range strings.Split(text, ",") {
		u = strings.TrimSpace(u)
		scheme, rest, ok := strings.Cut(u, "://")
		if !ok || rest == "" {
			return "", fmt.Errorf("%q is not a NATS URL (nats://host:4222)", u)
		}
		switch strings.ToLower(scheme) {
		case "nats", "tls", "ws", "wss":
		default:
			return "", fmt.Errorf("%q: the scheme must be nats, tls, ws or wss", u)
		}
	}
	return text, nil
}

// parseDays reads a number of days (30 or 30d), 1 to 3650.
// parseWindow reads days ("30d", "30") or a Go duration ("720h"), from one
// hour to 3650 days.
func parseWindow(text string) (time.Duration, error) {
	t := strings.TrimSpace(text)
	var d time.Duration
	if n, err := strconv.Atoi(strings.TrimSuffix(t, "d")); err == nil {
		d = time.Duration(n) * 24 * time.Hour
	} else if d, err = time.ParseDuration(t); err != nil {
		return 0, fmt.Errorf("%q: give days (30d) or a duration (720h)", text)
	}
	if d < time.Hour || d > 3650*24*time.Hour {
		return 0, fmt.Errorf("%q: must be from 1h to 3650d", text)
	}
	return d, nil
}

func parseDays(text string) (time.Duration, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(text), "d"))
	if err != nil || n < 1 || n > 3650 {
		return 0, fmt.Errorf("%q: give a number of days from 1 to 3650", text)
	}
	return time.Duration(n) * 24 * time.Hour, nil
}
