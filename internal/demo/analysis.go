package demo

// The government-analysis demo (issue #7): overlapping reports and sightings
// from independent organisations that the correlation engine turns into a
// cluster, and an alert drafted from it and published. Each part lives in
// its own file (clusters.go, alerts.go).

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

// Analysis are the services the analysis seeds use.
type Analysis struct {
	Intel     *intel.Service
	Reporting *reporting.Service
	Correlate *correlate.Service
	Alerting  *alerting.Service
}

// SeedAnalysis seeds clusters and alerts, idempotently, and says what it
// added.
func SeedAnalysis(ctx context.Context, a Analysis) (string, error) {
	var parts []string
	c, err := seedClusters(ctx, a)
	if err != nil {
		return "", err
	}
	if c != "" {
		parts = append(parts, c)
	}
	linked, err := linkReportCluster(ctx, a)
	if err != nil {
		return "", err
	}
	if linked {
		parts = append(parts, "report A linked to its cluster, with advice")
	}
	al, err := seedAlerts(ctx, a)
	if err != nil {
		return "", err
	}
	if al != "" {
		parts = append(parts, al)
	}
	if len(parts) == 0 {
		return "nothing new", nil
	}
	return strings.Join(parts, "; "), nil
}

// linkReportCluster has the NCO analyst link Toto Electric's report A to
// the correlation cluster its values are evidence of (the analyst's
// explicit link, beside the correlation the reporter sees as feedback). It
// reports whether it added the link.
func linkReportCluster(ctx context.Context, a Analysis) (bool, error) {
	if a.Reporting == nil || a.Correlate == nil {
		return false, nil
	}
	db := a.Reporting.DB
	u, err := db.GetUser(ctx, "analyst@nco.example")
	if err != nil {
		return false, fmt.Errorf("demo: NCO analyst: %w", err)
	}
	o, err := db.GetOrg(ctx, u.OrgID)
	if err != nil {
		return false, err
	}
	nco := &auth.Principal{User: u, Org: o, SourceAddr: Actor}
	toto, err := db.GetOrg(ctx, "toto-electric")
	if err != nil {
		return false, err
	}
	ins, err := db.ListIncidents(ctx, store.IncidentQuery{OrgID: toto.ID, Limit: 1000})
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(ins, func(in incident.Incident) bool { return in.Title == IncidentA })
	if i < 0 {
		return false, nil
	}
	in := ins[i]
	cs, err := a.Correlate.ClustersForIncident(ctx, nco, in.ID)
	if err != nil || len(cs) == 0 {
		return false, err
	}
	_, err = a.Reporting.AddLink(ctx, nco, in.ID, incident.Link{Kind: "cluster", Ref: cs[0].Ref,
		Note: "KasumiGate SSL-VPN 悪用キャンペーン（鉄道・ガスでも C2 観測） / KasumiGate SSL-VPN campaign (C2 also seen by rail and gas)"})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// With the link, the analyst's advice, which the reporter sees in the
	// report's feedback.
	_, err = a.Reporting.Comment(ctx, nco, in.ID, "advice",
		"同じ C2 アドレスを鉄道・ガス事業者も観測しています。FortiOS を 7.2.7 以降に更新し、保守用アカウントの認証情報を変更してください。 / "+
			"Railway and gas operators see the same C2 address. Update FortiOS to 7.2.7 or later and change the maintenance account's credentials.")
	return err == nil, err
}
