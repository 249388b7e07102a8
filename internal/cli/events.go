package cli

// `sakimori events tail`: the live events an organisation may receive, as
// JSON lines, from a server's event stream (--server, --token: SSE,
// reconnecting from the last id) or from the local store's event log (--as).
// See docs/push.md.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/event"
	"sakimori/internal/push"
)

func init() {
	register(&command{
		path: "events tail", groups: adminGroups, nargs: [2]int{0, 0},
		summary: "print the events an organisation may receive, as JSON lines",
		help: `Reads the events your organisation is entitled to, one JSON object per line
({"seq":..,"kind":..,"at":..,"subject":..,"data":..}), and keeps following
until interrupted.

  --server URL --token T   a sakimori server's event stream (Server-Sent
                           Events); on a disconnect it resumes from the last
                           id it printed, so nothing is lost or repeated
  --as EMAIL               the local store's event log, as that user

--after SEQ starts after that seq (replaying the log); default: from now.
--once prints what the log holds after --after (default 0) and exits.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			server := fs.String("server", "", "the server's base URL (https://sakimori.example.jp)")
			token := fs.String("token", "", "with --server: the API token (default $SAKIMORI_TOKEN)")
			as := fs.String("as", "", "read the local store's log as this user: e-mail or id (default $SAKIMORI_AS)")
			kinds := fs.String("kinds", "", "only these kinds or families, comma-separated (alert, indicator.added, ...)")
			after := fs.String("after", "", "start after this seq (default: from now; with --once: 0)")
			once := fs.Bool("once", false, "print what the log holds and exit instead of following")
			return func(ctx context.Context, e *env, _ []string) error {
				ks, err := push.ParseKinds(*kinds)
				if err != nil {
					return withFlag("--kinds", err)
				}
				from := int64(-1)
				if *once {
					from = 0
				}
				if *after != "" {
					n, err := strconv.ParseInt(*after, 10, 64)
					if err != nil || n < 0 {
						return usagef("--after: give an event seq (a non-negative integer)")
					}
					from = n
				}
				if *server != "" {
					if *as != "" {
						return usagef("--server, --as: give one")
					}
					tok := *token
					if tok == "" {
						tok = e.Getenv("SAKIMORI_TOKEN")
					}
					if tok == "" {
						return usagef("--token: required with --server (or set SAKIMORI_TOKEN)")
					}
					u, err := url.Parse(*server)
					if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
						return usagef("--server: give the base URL, e.g. https://sakimori.example.jp")
					}
					return tailRemote(ctx, e, strings.TrimRight(*server, "/"), tok, ks, from, *once)
				}
				ref := *as
				if ref == "" {
					ref = e.Getenv("SAKIMORI_AS")
				}
				if ref == "" {
					return usagef("--server or --as: say where to read events (or set SAKIMORI_AS)")
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				p, err := e.actAs(ctx, ref)
				if err != nil {
					return err
				}
				if from < 0 {
					if from, err = e.db.LastEventSeq(ctx); err != nil {
						return err
					}
				}
				for {
					pg, err := e.push.EventLog(ctx, p, from, 1000, ks)
					if err != nil {
						if ctx.Err() != nil {
							return nil
						}
						return err
					}
					for _, ev := range pg.Events {
						if err := printEvent(e, ev); err != nil {
							return err
						}
					}
					from = pg.Next
					if pg.More {
						continue
					}
					if *once {
						return nil
					}
					select {
					case <-ctx.Done():
						return nil
					case <-time.After(time.Second):
					}
				}
			}
		},
	})
}

func printEvent(e *env, ev *event.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.Stdout, "%s\n", b)
	return err
}

// tailRemote follows a server's stream, or with once pages through its log.
func tailRemote(ctx context.Context, e *env, base, token string, kinds []string, from int64, once bool) error {
	hc := &http.Client{Timeout: 0}
	if once {
		hc.Timeout = time.Minute
		for {
			q := url.Values{"after": {strconv.FormatInt(from, 10)}, "limit": {"1000"}}
			if len(kinds) > 0 {
				q.Set("kinds", strings.Join(kinds, ","))
			}
			req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/events/log?"+q.Encode(), nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			var pg push.Page
			var apiErr struct {
				Error struct{ Message string } `json:"error"`
			}
			if resp.StatusCode != 200 {
				json.NewDecoder(resp.Body).Decode(&apiErr)
				resp.Body.Close()
				return fmt.Errorf("%s: %s", resp.Status, apiErr.Error.Message)
			}
			err = json.NewDecoder(resp.Body).Decode(&pg)
			resp.Body.Close()
			if err != nil {
				return err
			}
			for _, ev := range pg.Events {
				if err := printEvent(e, ev); err != nil {
					return err
				}
			}
			from = pg.Next
			if !pg.More {
				return nil
			}
		}
	}
	c := &push.Client{Base: base, Token: token, HTTP: hc, Kinds: kinds,
		OnError: func(err error) { fmt.Fprintf(e.Stderr, "sakimori events tail: %v; reconnecting\n", err) }}
	err := c.Tail(ctx, from, func(ev *event.Event) error { return printEvent(e, ev) })
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
