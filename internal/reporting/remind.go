package reporting

import (
	"context"
	"fmt"
	"sort"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/regime"
	"sakimori/internal/store"
	"sakimori/internal/webhook"
)

// Task is something p's organisation or p must do on a report.
type Task struct {
	Kind       string     `json:"kind"` // approval | info_request | deadline
	IncidentID string     `json:"incident_id"`
	Ref        string     `json:"ref"`
	Title      string     `json:"title"`
	Text       string     `json:"text"`
	Due        *time.Time `json:"due,omitempty"`
	Overdue    bool       `json:"overdue"`
}

// Tasks lists what p should act on: approvals waiting for one of p's
// roles, open information requests to p's organisation, and deadlines
// due soon or overdue of its open incidents.
func (s *Service) Tasks(ctx context.Context, p *auth.Principal) ([]Task, error) {
	me := p.ActingOrgID()
	if err := s.authorizeOwn(p, auth.ActReportRead, me); err != nil {
		return nil, err
	}
	ins, err := s.DB.ListIncidents(ctx, store.IncidentQuery{OrgID: me, States: openStates, Limit: 1000})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []Task{}
	tls, err := s.deadlines(ctx, ins, me)
	if err != nil {
		return nil, err
	}
	for i := range ins {
		in := &ins[i]
		if in.State == incident.InApproval && in.Approval != nil {
			for _, k := range incident.ApprovalKinds {
				if (p.IsSystem() || p.Has(k.Role())) && in.Approval.Next(k) >= 0 {
					out = append(out, Task{Kind: "approval", IncidentID: in.ID, Ref: in.Ref, Title: in.Title,
						Text: fmt.Sprintf("%s approval of version %d", k, in.Approval.Version)})
				}
			}
		}
		for _, r := range in.InfoRequests {
			if r.State == "open" {
				out = append(out, Task{Kind: "info_request", IncidentID: in.ID, Ref: in.Ref, Title: in.Title, Text: r.Question,
					Due: r.Due, Overdue: r.Overdue(now)})
			}
		}
		for _, d := range tls[in.ID] {
			if d.Status == regime.StatusDueSoon || d.Status == regime.StatusOverdue {
				out = append(out, Task{Kind: "deadline", IncidentID: in.ID, Ref: in.Ref, Title: in.Title,
					Text: d.Regime + " " + d.Stage + ": " + d.Basis + missingText(d), Due: d.Due, Overdue: d.Status == regime.StatusOverdue})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Due, out[j].Due
		if a == nil || b == nil {
			return a != nil
		}
		return a.Before(*b)
	})
	return out, nil
}

func missingText(d regime.Due) string {
	if len(d.Missing) == 0 {
		return ""
	}
	return fmt.Sprintf(" (missing: %v)", d.Missing)
}

var openStates = []incident.State{incident.Draft, incident.InApproval, incident.Approved, incident.Submitted,
	incident.Acknowledged, incident.InfoRequested, incident.Updated, incident.Final, incident.Reopened}

// Queue is the government's triage queue: reports submitted to p's
// organisation, newest first, with triage.
func (s *Service) Queue(ctx context.Context, p *auth.Principal, q Query) ([]incident.Incident, error) {
	if !p.IsGovernment() {
		return nil, apperr.Forbidden("the triage queue is for government receivers")
	}
	q.Received = true
	return s.List(ctx, p, q)
}

// Reminders lists p's organisation's recent reminders.
func (s *Service) Reminders(ctx context.Context, p *auth.Principal, limit int) ([]incident.Reminder, error) {
	me := p.ActingOrgID()
	if err := s.authorizeOwn(p, auth.ActReportRead, me); err != nil {
		return nil, err
	}
	return s.DB.Reminders(ctx, me, limit)
}

// RemindAll checks every open incident's deadlines and records a reminder
// for each stage due within the organisation's reminder window (default
// 6 h) or overdue, once per stage, deadline and kind; each new reminder
// also goes to the organisation's webhook. It returns how many were new.
func (s *Service) RemindAll(ctx context.Context) (int, error) {
	ins, err := s.DB.ListIncidents(ctx, store.IncidentQuery{States: openStates, Limit: 1000})
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	tls, err := s.deadlines(ctx, ins, "")
	if err != nil {
		return 0, err
	}
	settings := map[string]*incident.Settings{}
	for i := range ins {
		in := &ins[i]
		st, ok := settings[in.OrgID]
		if !ok {
			if st, err = s.DB.ReportingSettings(ctx, in.OrgID); err != nil {
				return n, err
			}
			settings[in.OrgID] = st
		}
		before := time.Duration(st.RemindBeforeHours) * time.Hour
		if before == 0 {
			before = 6 * time.Hour
		}
		for _, d := range tls[in.ID] {
			if d.Due == nil || d.Status == regime.StatusSubmitted || d.Status == regime.StatusSubmittedLate ||
				d.Status == regime.StatusNotRequired || d.Status == regime.StatusWaiting {
				continue
			}
			kind := ""
			switch {
			case d.Status == regime.StatusOverdue:
				kind = "overdue"
			case d.Due.Sub(now) <= before:
				kind = "due_soon"
			default:
				continue
			}
			r := &incident.Reminder{IncidentID: in.ID, OrgID: in.OrgID, Regime: d.Regime, Stage: d.Stage, Kind: kind, Due: *d.Due}
			added, err := s.DB.AddReminder(ctx, r)
			if err != nil {
				return n, err
			}
			if !added {
				continue
			}
			n++
			if st.WebhookURL != "" && s.Webhook != nil {
				status := "delivered"
				err := s.Webhook.Send(ctx, st.WebhookURL, st.WebhookSecret, webhook.Event{ID: store.NewID(), Type: "incident.deadline." + kind,
					OrgID: in.OrgID, At: now, Data: map[string]any{"incident": in.ID, "ref": in.Ref, "title": in.Title,
						"regime": d.Regime, "stage": d.Stage, "due": d.Due, "basis": d.Basis, "missing": d.Missing}})
				if err != nil {
					status = "failed: " + err.Error()
					s.Log.Warn("reminder webhook failed", "org", in.OrgID, "incident", in.ID, "err", err)
				}
				if err := s.DB.SetReminderWebhook(ctx, r, status); err != nil {
					return n, err
				}
			}
		}
	}
	return n, nil
}

// Start runs RemindAll every interval until ctx ends.
func (s *Service) Start(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Minute
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if _, err := s.RemindAll(ctx); err != nil && ctx.Err() == nil {
				s.Log.Error("deadline reminders", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// notifyAsync sends a report event to the organisation's webhook in the
// background (a slow receiver never holds up a submission).
func (s *Service) notifyAsync(orgID, typ string, data map[string]any) {
	if s.Webhook == nil {
		return
	}
	s.webhooks.Add(1)
	go func() {
		defer s.webhooks.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := s.DB.ReportingSettings(ctx, orgID)
		if err != nil || st.WebhookURL == "" {
			return
		}
		if err := s.Webhook.Send(ctx, st.WebhookURL, st.WebhookSecret, webhook.Event{ID: store.NewID(), Type: typ, OrgID: orgID, At: s.now(), Data: data}); err != nil {
			s.Log.Warn("report webhook failed", "org", orgID, "type", typ, "err", err)
		}
	}()
}

// WaitWebhooks waits for the background webhook deliveries of s (a command
// that ends right after a change, tests).
func (s *Service) WaitWebhooks() { s.webhooks.Wait() }
