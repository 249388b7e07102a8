package cli

// `sakimori webhooks add|list|remove|test|enable|disable`: an
// organisation's webhook subscriptions to live events (its
// administrators; --as EMAIL). See docs/push.md.

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"sakimori/internal/push"
)

var webhookFields = map[string]string{"url": "--url", "kinds": "--kinds", "description": "--description", "org_id": "--org"}

func init() {
	exposureCommand("webhooks add", "", [2]int{0, 0}, webhookFields, "subscribe a URL to the organisation's live events (administrators)",
		`Creates a webhook: every event the organisation may receive (of --kinds, default
every kind) is POSTed to --url as JSON, signed with HMAC-SHA256 (headers
X-Sakimori-Signature, X-Sakimori-Timestamp; X-Sakimori-Delivery is the event seq).
The signing secret is printed only this once: keep it.`,
		func(fs *flag.FlagSet) exposureBody {
			u := fs.String("url", "", "the http(s) URL receiving the events (required)")
			kinds := fs.String("kinds", "", "only these kinds or families, comma-separated")
			desc := fs.String("description", "", "what the webhook is for")
			orgRef := fs.String("org", "", "the organisation (slug or id; default the acting user's)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				ks, err := push.ParseKinds(*kinds)
				if err != nil {
					return withFlag("--kinds", err)
				}
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				nw, err := xc.e.push.CreateWebhook(ctx, xc.p, push.WebhookInput{OrgID: orgID, URL: *u, Kinds: ks, Description: *desc})
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, nw)
				}
				fmt.Fprintf(xc.e.Stdout, "webhook %s created for %s\nsigning secret (shown only now): %s\n", nw.ID, nw.URL, nw.Secret)
				return nil
			}
		})
	exposureCommand("webhooks list", "", [2]int{0, 0}, webhookFields, "the organisation's webhooks with their delivery state",
		"Lists the webhooks (never their secrets): state, cursor (last event seq delivered), consecutive failures and the last error.",
		func(fs *flag.FlagSet) exposureBody {
			orgRef := fs.String("org", "", "the organisation (slug or id; default the acting user's)")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				orgID, err := xc.orgID(ctx, "--org", *orgRef)
				if err != nil {
					return err
				}
				ws, err := xc.e.push.ListWebhooks(ctx, xc.p, orgID)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, ws)
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tSTATE\tKINDS\tCURSOR\tFAILURES\tURL\tLAST ERROR")
				for _, w := range ws {
					k := strings.Join(w.Kinds, ",")
					if k == "" {
						k = "*"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", w.ID, w.State, k, w.Cursor, w.Failures, clean(w.URL, 80), clean(w.LastError, 80))
				}
				return tw.Flush()
			}
		})
	exposureCommand("webhooks remove", "ID", [2]int{1, 1}, nil, "remove a webhook",
		"Removes the webhook; deliveries stop.",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if err := xc.e.push.DeleteWebhook(ctx, xc.p, args[0]); err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, map[string]string{"removed": args[0]})
				}
				fmt.Fprintf(xc.e.Stdout, "webhook %s removed\n", args[0])
				return nil
			}
		})
	exposureCommand("webhooks test", "ID", [2]int{1, 1}, nil, "send a signed ping to a webhook now",
		"Sends one signed event of type ping and reports whether the endpoint accepted it (2xx).",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				r, err := xc.e.push.TestWebhook(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				if xc.json {
					if err := printJSON(xc.e.Stdout, r); err != nil {
						return err
					}
				} else if r.OK {
					fmt.Fprintf(xc.e.Stdout, "webhook %s: ping delivered\n", args[0])
				}
				if !r.OK {
					return fmt.Errorf("webhook %s: ping failed: %s", args[0], r.Error)
				}
				return nil
			}
		})
	for _, on := range []bool{true, false} {
		name, summary := "webhooks enable", "re-enable a webhook (clears its failures; delivery resumes from its cursor)"
		if !on {
			name, summary = "webhooks disable", "pause a webhook (events wait in the log)"
		}
		exposureCommand(name, "ID", [2]int{1, 1}, nil, summary, "",
			func(fs *flag.FlagSet) exposureBody {
				return func(ctx context.Context, xc *exposureCtx, args []string) error {
					w, err := xc.e.push.SetWebhookEnabled(ctx, xc.p, args[0], on)
					if err != nil {
						return err
					}
					if xc.json {
						return printJSON(xc.e.Stdout, w)
					}
					fmt.Fprintf(xc.e.Stdout, "webhook %s %s\n", w.ID, w.State)
					return nil
				}
			})
	}
}
