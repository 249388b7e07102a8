// Package cli implements the sakimori command: `sakimori demo`, `serve`,
// `migrate`, `admin ...`, `audit ...`, `feed ...`, `bench` and `version`. Every
// command has --help; a bad flag or value is reported naming the flag, with
// exit status 2. Administrative commands act through the accounts service
// as the system principal "cli", so each change is in the audit trail.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"sakimori/internal/accounts"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/config"
	"sakimori/internal/correlate"
	"sakimori/internal/defense"
	"sakimori/internal/exposure"
	"sakimori/internal/intel"
	"sakimori/internal/push"
	"sakimori/internal/reporting"
	"sakimori/internal/stats"
	"sakimori/internal/store"
	"sakimori/internal/weather"
	"sakimori/internal/webhook"
)

// Version is the release version, set at build time with
// -ldflags "-X sakimori/internal/cli.Version=v1.2.3"; empty means the
// module version from the build information, or "dev".
var Version = ""

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed (or, for audit verify, found a broken chain)
	exitUsage = 2 // bad command line
)

// Main runs the command line args (without the program name) against the
// process's standard streams and environment and returns the exit status.
func Main(args []string) int {
	return Run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
}

// IO bundles a command's streams and environment.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// Run runs one command line and returns the exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv == nil {
		getenv = os.Getenv
	}
	sio := &IO{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}
	if len(args) > 0 && args[0] == "help" {
		return helpCommand(sio, args[1:])
	}
	// Find the longest command path the arguments name.
	path, rest := "", args
	for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		next := strings.TrimSpace(path + " " + rest[0])
		if _, ok := commands[next]; !ok && !isGroup(next) {
			break
		}
		path, rest = next, rest[1:]
	}
	switch {
	case path == "" && len(rest) == 0:
		printRootHelp(stderr)
		return exitUsage
	case path == "" && isHelp(rest[0]):
		printRootHelp(stdout)
		return exitOK
	case path == "" && (rest[0] == "--version" || rest[0] == "-version"):
		return Run(ctx, []string{"version"}, stdin, stdout, stderr, getenv)
	case path == "":
		fmt.Fprintf(stderr, "sakimori: unknown command %q\nRun 'sakimori --help' for the list of commands.\n", rest[0])
		return exitUsage
	}
	c, ok := commands[path]
	if !ok { // a group: "admin", "admin org", ...
		if len(rest) > 0 && isHelp(rest[0]) {
			printGroupHelp(stdout, path)
			return exitOK
		}
		if len(rest) > 0 {
			fmt.Fprintf(stderr, "sakimori %s: unknown command %q\n", path, rest[0])
		}
		printGroupHelp(stderr, path)
		return exitUsage
	}
	return c.run(ctx, sio, rest)
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// command is one leaf command.
type command struct {
	path    string // "admin org create"
	args    string // positional arguments for the usage line, e.g. "REF"
	nargs   [2]int // minimum and maximum positional arguments (-1: no maximum)
	summary string
	help    string       // more text for --help
	groups  config.Group // configuration flags the command takes
	// fields maps apperr field names ("name.ja"; "roles" also covers "roles[1]") to flags.
	fields map[string]string
	// flags registers the command's own flags and returns its body.
	flags func(fs *flag.FlagSet) func(ctx context.Context, e *env, args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.path] = c }

func isGroup(path string) bool {
	for p := range commands {
		if strings.HasPrefix(p, path+" ") {
			return true
		}
	}
	return false
}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// flagError is an error about the value of a flag (e.g. --org names no
// organisation).
type flagError struct {
	flag string
	err  error
}

func (f *flagError) Error() string { return f.flag + ": " + f.err.Error() }
func (f *flagError) Unwrap() error { return f.err }

func withFlag(flag string, err error) error { return &flagError{flag, err} }

// failure is an error already reported to the user: only the status remains.
type failure struct{ status int }

func (f *failure) Error() string { return fmt.Sprintf("exit status %d", f.status) }

func (c *command) run(ctx context.Context, sio *IO, args []string) int {
	fs := flag.NewFlagSet("sakimori "+c.path, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var cf *config.Flags
	if c.groups != 0 {
		cf = config.Register(fs, c.groups)
	}
	body := c.flags(fs)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.printHelp(sio.Stdout, fs)
		return exitOK
	}
	if err == nil {
		switch {
		case len(pos) < c.nargs[0]:
			err = usagef("missing %s", c.args)
		case c.nargs[1] >= 0 && len(pos) > c.nargs[1]:
			err = usagef("unexpected argument %q", pos[c.nargs[1]])
		}
	}
	e := &env{IO: sio, cmd: c}
	if err == nil && cf != nil {
		e.cfg, err = cf.Load(sio.Getenv)
		if err != nil {
			err = &usageError{err.Error()}
		}
	}
	if err == nil {
		if e.cfg == nil {
			e.cfg = &config.Config{LogLevel: slog.LevelInfo, LogFormat: "text"}
		}
		e.log = e.cfg.NewLogger(sio.Stderr)
		err = body(ctx, e, pos)
		e.close()
	}
	return c.report(sio.Stderr, err)
}

// report prints err (naming the flag for input errors) and returns the status.
func (c *command) report(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var f *failure
	if errors.As(err, &f) {
		return f.status
	}
	var fe *flagError
	if errors.As(err, &fe) {
		msg := fe.err.Error()
		status := exitFail
		if ae := apperrOf(fe.err); ae != nil {
			msg = ae.Message
			if ae.Code == apperr.CodeInvalid {
				status = exitUsage
			}
		}
		fmt.Fprintf(w, "sakimori %s: %s: %s\n", c.path, fe.flag, msg)
		return status
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "sakimori %s: %s\nRun 'sakimori %s --help' for usage.\n", c.path, ue.msg, c.path)
		return exitUsage
	}
	if ae := apperrOf(err); ae != nil {
		if ae.Code == apperr.CodeInvalid {
			if fl := c.flagFor(ae.Field); fl != "" {
				fmt.Fprintf(w, "sakimori %s: %s: %s\nRun 'sakimori %s --help' for usage.\n", c.path, fl, ae.Message, c.path)
				return exitUsage
			}
		}
		msg := ae.Message
		if ae.Field != "" {
			if fl := c.flagFor(ae.Field); fl != "" {
				msg = fl + ": " + msg
			} else {
				msg = ae.Field + ": " + msg
			}
		}
		if ae.Code == apperr.CodeInternal {
			msg = err.Error() // local command: show the cause
		}
		fmt.Fprintf(w, "sakimori %s: %s\n", c.path, msg)
		return exitFail
	}
	fmt.Fprintf(w, "sakimori %s: %v\n", c.path, err)
	return exitFail
}

// apperrOf returns the application error in err, if there is one.
func apperrOf(err error) *apperr.Error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return apperr.As(err)
	}
	return nil
}

// flagFor maps an application error field ("name.ja", "roles[1]") to the
// command's flag ("--name-ja", "--roles").
func (c *command) flagFor(field string) string {
	if field == "" {
		return ""
	}
	base := field
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	if f, ok := c.fields[field]; ok {
		return f
	}
	if f, ok := c.fields[base]; ok {
		return f
	}
	return ""
}

var flagErrRE = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`^flag provided but not defined: -+(.*)$`), "unknown flag --$1"},
	{regexp.MustCompile(`^invalid (?:boolean )?value (".*") for (?:flag )?-+([^:]+): (.*)$`), "--$2: invalid value $1: $3"},
	{regexp.MustCompile(`^flag needs an argument: -+(.*)$`), "--$1: needs a value"},
	{regexp.MustCompile(`^bad flag syntax: (.*)$`), "bad flag syntax: $1"},
}

// parseArgs parses flags anywhere among the arguments ("show REF --json"
// as well as "show --json REF"); "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			msg := err.Error()
			for _, r := range flagErrRE {
				if r.re.MatchString(msg) {
					msg = r.re.ReplaceAllString(msg, r.repl)
					break
				}
			}
			return nil, usagef("%s", msg)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// ---- help -------------------------------------------------------------------

func (c *command) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: sakimori %s [flags]", c.path)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s\n", c.summary)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.help))
	}
	own := false
	fs.VisitAll(func(f *flag.Flag) {
		if !isConfigFlag(f.Name) {
			own = true
		}
	})
	if own {
		fmt.Fprintln(w, "\nFlags:")
		fs.VisitAll(func(f *flag.Flag) {
			if isConfigFlag(f.Name) {
				return
			}
			arg, usage := flag.UnquoteUsage(f)
			switch arg {
			case "":
			case "string":
				arg = " TEXT"
			case "int", "uint":
				arg = " N"
			default:
				arg = " " + strings.ToUpper(arg)
			}
			fmt.Fprintf(w, "  --%s%s\n      %s", f.Name, arg, usage)
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "[]" {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(w)
		})
	}
	if c.groups != 0 {
		fmt.Fprintln(w, "\nConfiguration (a flag wins over its environment variable):")
		config.PrintUsage(w, c.groups)
	}
}

func isConfigFlag(name string) bool {
	for _, s := range config.Specs {
		if s.Name == name {
			return true
		}
	}
	return false
}

func printRootHelp(w io.Writer) {
	fmt.Fprint(w, `sakimori - a shared platform for Japan's Active Cyber Defense:
critical-infrastructure operators report, everyone shares, government analyses and feeds back.

Usage: sakimori COMMAND [flags]

Commands:
`)
	printChildren(w, "")
	fmt.Fprint(w, `
Run 'sakimori COMMAND --help' for a command's flags.
Start here: sakimori demo
`)
}

func printGroupHelp(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage: sakimori %s COMMAND [flags]\n\nCommands:\n", group)
	printChildren(w, group)
	fmt.Fprintf(w, "\nRun 'sakimori %s COMMAND --help' for a command's flags.\n", group)
}

// printChildren lists the leaf commands under group.
func printChildren(w io.Writer, group string) {
	var paths []string
	for p := range commands {
		if group == "" || strings.HasPrefix(p, group+" ") {
			paths = append(paths, p)
		}
	}
	sort.Slice(paths, func(i, j int) bool { return order(paths[i]) < order(paths[j]) })
	for _, p := range paths {
		c := commands[p]
		use := p
		if c.args != "" {
			use += " " + c.args
		}
		fmt.Fprintf(w, "  %-34s %s\n", use, c.summary)
	}
}

// order sorts commands by where a newcomer needs them.
func order(p string) string {
	top := strings.SplitN(p, " ", 2)[0]
	rank := map[string]string{"demo": "0", "serve": "1", "migrate": "2", "admin": "3", "audit": "4", "feed": "4f", "bench": "5", "version": "6", "intel": "35",
		"registry": "36", "vuln": "37", "notices": "38", "vendor-request": "39", "incident": "40", "export": "35x", "match": "35y",
		"feedback": "40z1", "cluster": "40z2", "alert": "40z3", "weather": "40z4", "stats": "40z4s", "events": "40z5", "webhooks": "40z6"}[top]
	return rank + p
}

func helpCommand(sio *IO, args []string) int {
	path := strings.Join(args, " ")
	if path == "" {
		printRootHelp(sio.Stdout)
		return exitOK
	}
	if c, ok := commands[path]; ok {
		fs := flag.NewFlagSet(path, flag.ContinueOnError)
		if c.groups != 0 {
			config.Register(fs, c.groups)
		}
		c.flags(fs)
		c.printHelp(sio.Stdout, fs)
		return exitOK
	}
	if isGroup(path) {
		printGroupHelp(sio.Stdout, path)
		return exitOK
	}
	fmt.Fprintf(sio.Stderr, "sakimori help: unknown command %q\n", path)
	return exitUsage
}

// ---- shared state of a command run ------------------------------------------

// env is what a command body works with.
type env struct {
	*IO
	cmd *command
	cfg *config.Config
	log *slog.Logger
	db  *store.DB
	svc *accounts.Service
	// intel is the sharing service (threat information, TAXII).
	intel *intel.Service
	// exposure is the critical-computer registry and vulnerability service.
	exposure *exposure.Service
	// reporting is the incident-reporting service.
	reporting *reporting.Service
	// defense is the receivers' service (compiled sets, exports, scans).
	defense *defense.Service
	// push delivers events (SSE, webhooks, NATS between nodes).
	push *push.Service
	// correlate is the cross-organisation correlation engine.
	correlate *correlate.Service
	// alerting is the alert service.
	alerting *alerting.Service
	// weather is the threat-weather and report-feedback service.
	weather *weather.Service
	// stats gives the charts' numbers.
	stats *stats.Service
}

// cli is the principal of administrative commands: audited as "cli".
var cli = auth.System("cli")

// open opens the configured store. With requireMigrated, a store with
// pending migrations is refused, and a SQLite file that does not exist is
// not created.
func (e *env) open(ctx context.Context, requireMigrated bool) error {
	dsn := e.cfg.DB
	if requireMigrated {
		if err := e.mustExist(); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, dsn, store.Options{Synchronous: e.cfg.SQLiteSynchronous})
	if err != nil {
		if ae := apperrOf(err); ae != nil && ae.Code == apperr.CodeInvalid {
			return err
		}
		return fmt.Errorf("open %s: %v", config.Redact(dsn), err)
	}
	e.db = db
	if requireMigrated {
		ms, err := db.Migrations(ctx)
		if err != nil {
			return err
		}
		pending := 0
		for _, m := range ms {
			if !m.Applied {
				pending++
			}
		}
		if pending > 0 {
			return fmt.Errorf("the database %s has %d pending migration(s): run 'sakimori migrate' first", config.Redact(dsn), pending)
		}
	}
	e.svc = accounts.New(db, e.log)
	e.intel = intel.New(db, e.log)
	e.exposure = exposure.New(db, e.log)
	e.exposure.Viewer = e.intel.Viewer
	e.reporting = reporting.New(db, e.log)
	e.reporting.Intel = e.intel
	e.reporting.Webhook = &webhook.Sender{UserAgent: "sakimori"}
	e.defense = defense.New(e.intel, e.log)
	// Government analysis (issue #7): each wire step is in its own file.
	e.wirePush()
	e.wireCorrelate()
	e.wireAlerting()
	e.wireWeather()
	e.wireStats()
	return nil
}

// mustExist fails when the configured SQLite file does not exist.
func (e *env) mustExist() error {
	if isPostgres(e.cfg.DB) {
		return nil
	}
	path := strings.TrimPrefix(e.cfg.DB, "sqlite:")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		how := "--db"
		if e.cfg.DBDefaulted {
			how = "--db or --data"
		}
		return fmt.Errorf("no database at %s: give %s, or create it with 'sakimori migrate' (or 'sakimori demo')", path, how)
	}
	return nil
}

func (e *env) close() {
	if e.db != nil {
		e.db.Close()
		e.db = nil
	}
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// buildInfo returns the version and VCS revision of this binary.
func buildInfo() (version, revision string) {
	version = Version
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if len(revision) > 12 {
			revision = revision[:12]
		}
		if modified && revision != "" {
			revision += "-dirty"
		}
	}
	if version == "" {
		version = "dev"
	}
	return version, revision
}

func init() {
	register(&command{
		path: "version", summary: "print the version", nargs: [2]int{0, 0},
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, _ []string) error {
				v, rev := buildInfo()
				if rev == "" {
					rev = "unknown revision"
				}
				fmt.Fprintf(e.Stdout, "sakimori %s (%s, %s, %s/%s)\n", v, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
				return nil
			}
		},
	})
}
