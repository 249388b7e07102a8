package push

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/store"
	"sakimori/internal/webhook"
)

// leaseFor is how long a node holds a webhook's delivery lease; it renews
// it before each delivery.
const leaseFor = time.Minute

// maxBackoff bounds the wait between delivery rounds of a failing webhook.
const maxBackoff = 10 * time.Minute

// WebhookInput is a new webhook subscription.
type WebhookInput struct {
	// OrgID is the organisation subscribing (default: the caller's).
	OrgID       string   `json:"org_id,omitempty"`
	URL         string   `json:"url"`
	Kinds       []string `json:"kinds,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Webhook is a subscription as its administrators see it: the delivery
// position (Cursor) is an opaque, fresh cursor of the last event delivered
// or passed over, never the log's seq (ids.go), and never the same twice
// (it moves over others' events too).
type Webhook struct {
	*store.Webhook
	Cursor string `json:"cursor"`
}

// NewWebhook is a created subscription with its signing secret, shown only
// this once.
type NewWebhook struct {
	*Webhook
	Secret string `json:"secret"`
}

// view returns w as its administrators see it.
func (s *Service) view(ctx context.Context, w *store.Webhook) (*Webhook, error) {
	c, err := s.codec(ctx)
	if err != nil {
		return nil, err
	}
	return &Webhook{Webhook: w, Cursor: c.Fresh(w.Cursor)}, nil
}

// TestResult is the outcome of a test ping.
type TestResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func (s *Service) sender() *webhook.Sender {
	if s.Webhook != nil {
		return s.Webhook
	}
	return &webhook.Sender{}
}

func orgOf(p *auth.Principal, orgID string) string {
	if orgID == "" && p != nil {
		if p.Org != nil {
			return p.Org.ID
		}
		return p.OrgID()
	}
	return orgID
}

// CreateWebhook subscribes an organisation (its administrators) to events
// delivered to url, signed with a new secret returned only here.
func (s *Service) CreateWebhook(ctx context.Context, p *auth.Principal, in WebhookInput) (*NewWebhook, error) {
	orgID := orgOf(p, in.OrgID)
	if orgID == "" {
		return nil, apperr.Invalid("org_id", "is required")
	}
	o, err := s.DB.GetOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, auth.ActOrgUpdate, auth.Target{OrgID: o.ID, OrgKind: o.Kind}); err != nil {
		return nil, err
	}
	if err := webhook.ValidateURL(in.URL); err != nil {
		return nil, apperr.Invalid("url", "%s", strings.TrimPrefix(apperr.As(err).Message, "webhook_url "))
	}
	if err := ValidateKinds(in.Kinds); err != nil {
		return nil, err
	}
	if len(in.Description) > 200 {
		return nil, apperr.Invalid("description", "at most 200 characters")
	}
	secret := auth.NewSecret("whsec_")
	w := &store.Webhook{OrgID: o.ID, URL: in.URL, Secret: secret, Kinds: in.Kinds, Description: in.Description, CreatedBy: actorName(p)}
	if err := s.DB.CreateWebhook(ctx, p.Actor(), w); err != nil {
		return nil, err
	}
	v, err := s.view(ctx, w)
	if err != nil {
		return nil, err
	}
	return &NewWebhook{Webhook: v, Secret: secret}, nil
}

func actorName(p *auth.Principal) string {
	if p.User != nil {
		return p.User.Email
	}
	return p.System
}

// ListWebhooks returns an organisation's subscriptions (its
// administrators; default the caller's organisation), without secrets.
func (s *Service) ListWebhooks(ctx context.Context, p *auth.Principal, orgID string) ([]*Webhook, error) {
	orgID = orgOf(p, orgID)
	if orgID == "" {
		return nil, apperr.Invalid("org_id", "is required")
	}
	o, err := s.DB.GetOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, auth.ActOrgUpdate, auth.Target{OrgID: o.ID, OrgKind: o.Kind}); err != nil {
		return nil, err
	}
	ws, err := s.DB.ListWebhooks(ctx, o.ID, "")
	if err != nil {
		return nil, err
	}
	out := make([]*Webhook, len(ws))
	for i, w := range ws {
		if out[i], err = s.view(ctx, w); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetWebhook returns one subscription (its organisation's administrators).
func (s *Service) GetWebhook(ctx context.Context, p *auth.Principal, id string) (*Webhook, error) {
	w, err := s.webhook(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, w)
}

// webhook returns one subscription, with its secret, if p administers its
// organisation.
func (s *Service) webhook(ctx context.Context, p *auth.Principal, id string) (*store.Webhook, error) {
	w, err := s.DB.GetWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, auth.ActOrgUpdate, auth.Target{OrgID: w.OrgID}); err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			return nil, apperr.NotFound("webhook", id) // do not confirm others' ids
		}
		return nil, err
	}
	return w, nil
}

// DeleteWebhook removes a subscription.
func (s *Service) DeleteWebhook(ctx context.Context, p *auth.Principal, id string) error {
	if _, err := s.webhook(ctx, p, id); err != nil {
		return err
	}
	return s.DB.DeleteWebhook(ctx, p.Actor(), id)
}

// SetWebhookEnabled re-enables (clearing failures) or disables a
// subscription.
func (s *Service) SetWebhookEnabled(ctx context.Context, p *auth.Principal, id string, on bool) (*Webhook, error) {
	if _, err := s.webhook(ctx, p, id); err != nil {
		return nil, err
	}
	st := store.WebhookDisabled
	if on {
		st = store.WebhookActive
	}
	if err := s.DB.SetWebhookState(ctx, p.Actor(), id, st); err != nil {
		return nil, err
	}
	w, err := s.DB.GetWebhook(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, w)
}

// TestWebhook sends a signed "ping" to the subscription now (one attempt)
// and reports the outcome; it does not touch the cursor or the failures.
func (s *Service) TestWebhook(ctx context.Context, p *auth.Principal, id string) (*TestResult, error) {
	w, err := s.webhook(ctx, p, id)
	if err != nil {
		return nil, err
	}
	snd := *s.sender()
	snd.Attempts = 1
	err = snd.Send(ctx, w.URL, w.Secret, webhook.Event{ID: "ping-" + store.NewID(), Type: "ping", OrgID: w.OrgID, At: time.Now().UTC(),
		Data: map[string]string{"webhook_id": w.ID}})
	if err != nil {
		return &TestResult{Error: err.Error()}, nil
	}
	return &TestResult{OK: true}, nil
}

// ---- delivery --------------------------------------------------------------

// deliverWebhooks runs delivery rounds until ctx ends: every interval, and
// when events are published on this node.
func (s *Service) deliverWebhooks(ctx context.Context) {
	iv := s.WebhookInterval
	if iv <= 0 {
		iv = DefaultWebhookInterval
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closed:
			return
		case <-t.C:
		case <-s.kick:
		}
		ws, err := s.DB.ListWebhooks(ctx, "", store.WebhookActive)
		if err != nil {
			if ctx.Err() == nil {
				s.Log.Warn("push: listing webhooks failed", "err", err)
			}
			continue
		}
		last, err := s.DB.LastEventSeq(ctx)
		if err != nil {
			continue
		}
		for _, w := range ws {
			if w.Cursor >= last || !due(w) {
				continue
			}
			s.hooksMu.Lock()
			busy := s.inflight[w.ID]
			s.inflight[w.ID] = true
			s.hooksMu.Unlock()
			if busy {
				continue
			}
			s.wg.Add(1)
			go func(id string) {
				defer s.wg.Done()
				defer func() { s.hooksMu.Lock(); delete(s.inflight, id); s.hooksMu.Unlock() }()
				s.deliverOne(ctx, id)
			}(w.ID)
		}
	}
}

// due reports whether a failing webhook's backoff has passed.
func due(w *store.Webhook) bool {
	if w.Failures == 0 || w.LastAttemptAt == nil {
		return true
	}
	wait := time.Second << min(w.Failures, 10)
	return time.Since(*w.LastAttemptAt) >= min(wait, maxBackoff)
}

// deliverOne delivers a webhook's pending events in order, if this node
// gets its lease. It stops at the first failure (the cursor stays before
// the failed event: at-least-once).
func (s *Service) deliverOne(ctx context.Context, id string) {
	w, ok, err := s.DB.LeaseWebhook(ctx, id, s.Node, time.Now().Add(leaseFor))
	if err != nil || !ok {
		return
	}
	o, err := s.DB.GetOrg(ctx, w.OrgID)
	if err != nil {
		return
	}
	c, err := s.codec(ctx)
	if err != nil {
		return
	}
	wh := s.whoFor(ctx, o)
	for range 10 { // at most 10 pages per round
		evs, err := s.DB.EventsAfter(ctx, w.Cursor, 100)
		if err != nil || len(evs) == 0 {
			return
		}
		skipped := w.Cursor
		for _, e := range evs {
			if !s.wants(ctx, wh, w.Kinds, e) {
				skipped = e.Seq
				continue
			}
			if skipped > w.Cursor {
				if s.DB.WebhookAdvanced(ctx, w.ID, s.Node, skipped, false) != nil {
					return
				}
				w.Cursor = skipped
			}
			// Renew the lease before each delivery.
			if _, ok, err := s.DB.LeaseWebhook(ctx, w.ID, s.Node, time.Now().Add(leaseFor)); err != nil || !ok {
				return
			}
			err := s.sender().Send(ctx, w.URL, w.Secret, webhook.Event{ID: c.Encode(e.Seq), Type: string(e.Kind), OrgID: w.OrgID, At: e.At,
				Data: dataOf(e)})
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				s.stats.failed.Add(1)
				disabled, ferr := s.DB.WebhookFailed(ctx, w.ID, s.Node, deliveryError(err), s.maxFailures())
				if ferr == nil && disabled {
					s.Log.Warn("push: webhook disabled after repeated failures", "webhook", w.ID, "org", w.OrgID, "err", err)
				}
				return
			}
			s.stats.delivered.Add(1)
			if s.DB.WebhookAdvanced(ctx, w.ID, s.Node, e.Seq, true) != nil {
				return
			}
			w.Cursor, skipped = e.Seq, e.Seq
		}
		if skipped > w.Cursor {
			if s.DB.WebhookAdvanced(ctx, w.ID, s.Node, skipped, false) != nil {
				return
			}
			w.Cursor = skipped
		}
	}
}

func (s *Service) maxFailures() int {
	if s.MaxFailures > 0 {
		return s.MaxFailures
	}
	return DefaultMaxFailures
}

func dataOf(e *event.Event) any {
	if len(e.Data) == 0 {
		return nil
	}
	return json.RawMessage(e.Data)
}

// deliveryError is the failure shown to the organisation.
func deliveryError(err error) string {
	var de *webhook.DeliveryError
	if errors.As(err, &de) && de.Status != 0 {
		return "HTTP " + strconv.Itoa(de.Status) + " after " + strconv.Itoa(de.Attempts) + " attempt(s)"
	}
	return err.Error()
}
