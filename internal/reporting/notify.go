package reporting

// What the reporting service tells the rest of sakimori after a change has
// committed (issue #7): report.status events for the push service, and
// submitted or refuted reports for the correlation engine.

import (
	"context"
	"slices"

	events "sakimori/internal/event"
	"sakimori/internal/incident"
	"sakimori/internal/store"
)

// Observer learns of reports as submitted. Calls come after the change
// committed, on the caller's goroutine: an observer that needs time queues
// the work. The incident is the stored row: its Content is what was
// submitted when submitted is true (a submission always sends the current
// version); when the report was refuted (State incident.Refuted), what it
// contributed should be withdrawn.
type Observer interface {
	ReportChanged(ctx context.Context, in *incident.Incident, submitted bool)
}

// StatusEventData is the data of a report.status event: no content, no
// organisation names, only what every member of the audience knows.
type StatusEventData struct {
	Incident string         `json:"incident"`
	Ref      string         `json:"ref"`
	OrgID    string         `json:"org_id"`
	State    incident.State `json:"state"`
	Previous incident.State `json:"previous"`
	Version  int            `json:"submitted_version"`
}

// commit runs fn on incident id in one store transaction, then publishes
// the state change and tells observers about a submission or refutation.
func (s *Service) commit(ctx context.Context, id string, fn func(in *incident.Incident) (*store.IncidentChange, error)) (*incident.Incident, error) {
	var before incident.State
	submitted := false
	out, err := s.DB.UpdateIncident(ctx, id, func(in *incident.Incident) (*store.IncidentChange, error) {
		before = in.State
		ch, err := fn(in)
		// A submission of content, not a retraction (which carries none).
		submitted = err == nil && ch != nil && slices.ContainsFunc(ch.Submissions, func(x *incident.Submission) bool {
			return x.Kind != incident.KindRetraction
		})
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	if out.State != before || submitted {
		s.afterChange(ctx, out, before, submitted)
	}
	return out, nil
}

func (s *Service) afterChange(ctx context.Context, in *incident.Incident, before incident.State, submitted bool) {
	if s.Events != nil && in.State != before {
		// The reporter always; its receivers and partners once something
		// was submitted to them.
		orgs := []string{in.OrgID}
		if in.SubmittedVersion > 0 {
			for _, r := range append(slices.Clone(in.Recipients), in.Partners...) {
				if !slices.Contains(orgs, r) {
					orgs = append(orgs, r)
				}
			}
		}
		ev := &events.Event{Kind: events.ReportStatus, At: s.now(), Subject: in.ID, Audience: events.Audience{Orgs: orgs},
			Data: events.Data(StatusEventData{Incident: in.ID, Ref: in.Ref, OrgID: in.OrgID, State: in.State, Previous: before,
				Version: in.SubmittedVersion})}
		if err := s.Events.Publish(ctx, ev); err != nil {
			s.Log.Warn("report event not published", "incident", in.ID, "err", err)
		}
	}
	if submitted || in.State == incident.Refuted && before != incident.Refuted {
		for _, o := range s.Observers {
			o.ReportChanged(ctx, in, submitted)
		}
	}
}
