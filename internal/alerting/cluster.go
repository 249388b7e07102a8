package alerting

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"sakimori/internal/alert"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// indicatorKinds are the correlation value kinds that become attached
// indicators (the others, techniques, malware and CVEs, become summary
// lines and affected products).
var indicatorKinds = []string{"ipv4", "ipv6", "cidr", "cidr4", "cidr6", "domain", "url", "md5", "sha1", "sha256", "sha512", "email"}

// ProposeFromCluster builds (without storing) a draft from a correlation
// cluster's non-capped evidence: its indicators become attached indicators
// (with the shared object each was observed in), techniques and malware
// summary lines, CVEs affected products (from the vulnerability store),
// and the targeting suggests the sectors of the cluster's organisations,
// the organisations that sighted the indicators and those exposed to the
// CVEs. The analyst edits it before submitting.
func (s *Service) ProposeFromCluster(ctx context.Context, p *auth.Principal, clusterID string) (*alert.Alert, error) {
	o, err := s.authWrite(p, auth.ActAlertWrite)
	if err != nil {
		return nil, err
	}
	ev, err := s.DB.AlertClusterEvidence(ctx, strings.TrimSpace(clusterID))
	if err != nil {
		return nil, err
	}
	var c alert.Content
	var techniques, malware []string
	for _, v := range ev.Values {
		switch {
		case slices.Contains(indicatorKinds, v.Kind):
			in := alert.Indicator{Value: v.Value, Note: fmt.Sprintf("%s: %d organisations", ev.Ref, v.Orgs)}
			for _, src := range v.Sources {
				if strings.HasPrefix(src, "indicator--") || in.SourceID == "" {
					in.SourceID = src
				}
				if strings.HasPrefix(src, "indicator--") {
					break
				}
			}
			n, err := alert.NormalizeIndicator(in)
			if err != nil {
				s.Log.Debug("cluster value is not an indicator", "cluster", ev.ID, "kind", v.Kind, "value", v.Value, "err", err)
				continue
			}
			c.Indicators = append(c.Indicators, n)
		case v.Kind == "technique":
			techniques = append(techniques, v.Value)
		case v.Kind == "malware":
			malware = append(malware, v.Value)
		case v.Kind == "cve":
			if id, ok := alert.NormalizeCVE(v.Value); ok && !slices.Contains(c.CVEs, id) {
				c.CVEs = append(c.CVEs, id)
			}
		}
	}
	if len(c.CVEs) > 0 {
		vs, _, err := s.DB.ListVulns(ctx, store.VulnQuery{IDs: c.CVEs, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			for _, af := range v.Affected {
				i := slices.IndexFunc(c.Products, func(p alert.Product) bool {
					return p.CPE == af.CPE && p.Vendor == af.Vendor && p.Product == af.Product
				})
				if i < 0 {
					c.Products = append(c.Products, alert.Product{CPE: af.CPE, Vendor: af.Vendor, Product: af.Product})
					i = len(c.Products) - 1
				}
				if !slices.Contains(c.Products[i].CVEs, v.ID) {
					c.Products[i].CVEs = append(c.Products[i].CVEs, v.ID)
				}
			}
			if v.Exploited {
				c.Severity = alert.High
			}
		}
	}
	title := ev.Title
	if title == "" {
		title = ev.Ref
	}
	c.Title = alert.Text{JA: "注意喚起: " + title, EN: "Alert: " + title}
	var ja, en strings.Builder
	fmt.Fprintf(&ja, "%d 組織で共通する攻撃活動を確認しました（クラスタ %s、%s〜%s）。", ev.Orgs, ev.Ref, ev.FirstSeen.Format("2006-01-02"), ev.LastSeen.Format("2006-01-02"))
	fmt.Fprintf(&en, "Activity common to %d organisations was observed (cluster %s, %s to %s).", ev.Orgs, ev.Ref, ev.FirstSeen.Format("2006-01-02"), ev.LastSeen.Format("2006-01-02"))
	line := func(jaLabel, enLabel string, vs []string) {
		if len(vs) > 0 {
			fmt.Fprintf(&ja, "\n- %s: %s", jaLabel, strings.Join(vs, ", "))
			fmt.Fprintf(&en, "\n- %s: %s", enLabel, strings.Join(vs, ", "))
		}
	}
	line("ATT&CK 技術", "ATT&CK techniques", techniques)
	line("マルウェア", "Malware", malware)
	line("悪用された脆弱性", "Exploited vulnerabilities", c.CVEs)
	if len(c.Indicators) > 0 {
		fmt.Fprintf(&ja, "\n- 指標: %d 件（添付）", len(c.Indicators))
		fmt.Fprintf(&en, "\n- Indicators: %d (attached)", len(c.Indicators))
	}
	c.Summary = alert.Text{JA: ja.String(), EN: en.String()}
	if len(c.Indicators) > 0 {
		c.Actions = append(c.Actions, alert.Text{JA: "添付の指標を境界機器で遮断し、過去のログに該当する通信がないか確認してください。",
			EN: "Block the attached indicators at the perimeter and search past logs for matching traffic."})
	}
	if len(c.CVEs) > 0 {
		c.Actions = append(c.Actions, alert.Text{JA: "影響を受ける製品を最新の修正版に更新してください。更新できない場合は回避策を適用してください。",
			EN: "Update the affected products to a fixed version; apply the workarounds where an update is not possible."})
	}
	if len(techniques) > 0 {
		c.Actions = append(c.Actions, alert.Text{JA: "記載の ATT&CK 技術に対応する検知ルールを確認してください。",
			EN: "Review detection rules for the listed ATT&CK techniques."})
	}
	if c.Severity == "" {
		switch {
		case ev.Strength >= 70:
			c.Severity = alert.High
		case ev.Strength >= 40:
			c.Severity = alert.Medium
		default:
			c.Severity = alert.Low
		}
	}
	c.TLP = marking.TLPAmber
	for _, sec := range ev.Sectors {
		if sc := org.Sector(sec); sc.Valid() && sc != org.SectorNone {
			c.Targeting.Sectors = append(c.Targeting.Sectors, sc)
		}
	}
	c.Targeting.Sighted = len(c.Indicators) > 0
	c.Targeting.Exposed = len(c.CVEs) > 0 || len(c.Products) > 0
	c.Incidents = ev.Incidents
	if err := prepare(&c); err != nil {
		return nil, err
	}
	return &alert.Alert{OrgID: o, ClusterID: ev.ID, State: alert.Draft, Content: c}, nil
}

// DraftFromCluster stores ProposeFromCluster's draft.
func (s *Service) DraftFromCluster(ctx context.Context, p *auth.Principal, clusterID string) (*View, error) {
	a, err := s.ProposeFromCluster(ctx, p, clusterID)
	if err != nil {
		return nil, err
	}
	return s.Create(ctx, p, a.Content, a.ClusterID)
}
