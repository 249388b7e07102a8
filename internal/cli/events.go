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
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/push"
)

func init() {
	register(&command{
		path: "events tail", groups: adminGroups, nargs: [2]int{0, 0},
		summary: "print the events an organisation may receive, as JSON lines",
		help: `Reads the events your organisation is entitled to, one JSON object per line
({"id":..,"kind":..,"at":..,"subject":..,"data":..}), and keeps following
until interrupted. An id is opaque (it does not count or order the
platform's events); give one back with --after to resume after it.

  --server URL --token T   a sakimori server's event stream (Server-Sent
                           Events); on a disconnect it resumes from the last
                           id it printed, so nothing is lost or repeated
  --as EMAIL               the local store's event log, as that user

--after ID starts after the event of that id (replaying the log; 0: the
whole log); default: from now.
--once prints what the log holds after --after (default 0) and exits.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			server := fs.String("server", "", "the server's base URL (https://sakimori.example.jp)")
			token := fs.String("token", "", "with --server: the API token (default $SAKIMORI_TOKEN)")
			as := fs.String("as", "", "read the local store's log as this user: e-mail or id (default $SAKIMORI_AS)")
			kinds := fs.String("kinds", "", "only these kinds or families, comma-separated (alert, indicator.added, ...)")
			after := fs.String("after", "", "start after the event of this id, 0 for the whole log (default: from now; with --once: 0)")
			once := fs.Bool("once", false, "print what the log holds and exit instead of following")
			return func(ctx context.Context, e *env, _ []string) error {
				ks, err := push.ParseKinds(*kinds)
				if err != nil {
					return withFlag("--kinds", err)
				}
				from := strings.TrimSpace(*after)
				if from == "" && *once {
					from = push.LogStart
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
				if from != "" {
					if _, err := e.push.ParseEventID(ctx, "after", from); err != nil {
						return withFlag("--after", err)
					}
				} else {
					// From now: the local store's own head (whoever reads the
					// local store may know it).
					head, err := e.db.LastEventSeq(ctx)
					if err != nil {
						return err
					}
					if from, err = e.push.EventID(ctx, head); err != nil {
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

func printEvent(e *env, ev *push.Wire) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.Stdout, "%s\n", b)
	return err
}

// tailRemote follows a server's stream, or with once pages through its log.
func tailRemote(ctx context.Context, e *env, base, token string, kinds []string, from string, once bool) error {
	hc := &http.Client{Timeout: 0}
	if once || (from != "" && from != push.LogStart) {
		// With once, page through the log; to follow from an id, check the
		// id first (one small page), so a bad --after is a usage error.
		hc.Timeout = time.Minute
		for {
			limit := "1000"
			if !once {
				limit = "1"
			}
			pg, err := remoteLog(ctx, hc, base, token, from, limit, kinds)
			if err != nil || !once {
				hc.Timeout = 0
				if err != nil {
					return err
				}
				break
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
	err := c.Tail(ctx, from, func(ev *push.Wire) error { return printEvent(e, ev) })
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// remoteLog reads one page of a server's event log; an id the server
// refuses is an error of --after.
func remoteLog(ctx context.Context, hc *http.Client, base, token, from, limit string, kinds []string) (*push.Page, error) {
	q := url.Values{"after": {from}, "limit": {limit}}
	if len(kinds) > 0 {
		q.Set("kinds", strings.Join(kinds, ","))
	}
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/events/log?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var apiErr struct {
			Error struct{ Message, Field string } `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&apiErr)
		if resp.StatusCode == http.StatusBadRequest && apiErr.Error.Field == "after" {
			return nil, withFlag("--after", apperr.Invalid("after", "%s", apiErr.Error.Message))
		}
		return nil, fmt.Errorf("%s: %s", resp.Status, apiErr.Error.Message)
	}
	var pg push.Page
	if err := json.NewDecoder(resp.Body).Decode(&pg); err != nil {
		return nil, err
	}
	return &pg, nil
}
