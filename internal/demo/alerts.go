package demo

// The demo's alert (issue #7): the National Cybersecurity Office drafts an
// alert from the demo's strongest correlation cluster in one step (or, when
// there is none, a hand-written alert about the KasumiGate loader), widens
// the targeting to the supply chains, reviews and publishes it, and one
// recipient acknowledges it with the actions it took. Idempotent: nothing
// is added once the demo has an alert.

import (
	"context"
	"fmt"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// handAlert is the alert published when there is no cluster to draft from.
func handAlert() alert.Content {
	return alert.Content{Severity: alert.High, TLP: marking.TLPAmber,
		Title: alert.Text{JA: "KasumiGate ローダーによる VPN 機器への攻撃について", EN: "Attacks on VPN appliances by the KasumiGate loader"},
		Summary: alert.Text{JA: "電力・鉄道・ガス分野の複数の事業者で、VPN 機器の脆弱性を悪用した侵入と KasumiGate ローダーの C2 通信を確認しました。",
			EN: "Several electricity, railway and gas operators saw intrusions through a VPN appliance vulnerability and C2 traffic of the KasumiGate loader."},
		Actions: []alert.Text{
			{JA: "添付の指標を境界機器で遮断し、過去 30 日のログを確認してください。", EN: "Block the attached indicators at the perimeter and search the last 30 days of logs."},
			{JA: "VPN 機器を修正版に更新してください。", EN: "Update VPN appliances to a fixed version."},
		},
		CVEs:       []string{"CVE-2024-21762"},
		Indicators: []alert.Indicator{{Value: "198.51.100.23", SourceID: kasumiC2}},
		Targeting:  alert.Targeting{Sectors: []org.Sector{org.SectorElectricity, org.SectorRailway, org.SectorGas}, Exposed: true, Sighted: true},
	}
}

// seedAlerts makes sure the demo has alerts.
func seedAlerts(ctx context.Context, a Analysis) (string, error) {
	if a.Alerting == nil {
		return "", nil
	}
	db := a.Alerting.DB
	if existing, err := db.ListAlerts(ctx, store.AlertQuery{Limit: 1}); err != nil || len(existing) > 0 {
		return "", err
	}
	nco, err := db.GetOrg(ctx, "nco")
	if err != nil {
		return "", fmt.Errorf("demo: organisation nco: %w", err)
	}
	gov := &auth.Principal{System: Actor, Org: nco}
	var v *alerting.View
	from := "by hand"
	clusterID, err := db.FirstClusterID(ctx)
	if err != nil {
		return "", err
	}
	if clusterID != "" {
		if v, err = a.Alerting.DraftFromCluster(ctx, gov, clusterID); err != nil {
			return "", fmt.Errorf("demo: alert from cluster: %w", err)
		}
		from = "from cluster"
	} else if v, err = a.Alerting.Create(ctx, gov, handAlert(), ""); err != nil {
		return "", fmt.Errorf("demo: alert: %w", err)
	}
	due := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	if v, err = a.Alerting.Edit(ctx, gov, v.ID, v.Rev, func(c *alert.Content) error {
		h := handAlert()
		c.Targeting.SupplyChain = true
		if len(c.Targeting.Sectors) == 0 {
			c.Targeting.Sectors = h.Targeting.Sectors
		}
		if clusterID != "" {
			// The analyst's edit: a title saying what it is, the story
			// before the cluster's evidence, the CVE and the patching
			// advice the cluster alone does not know.
			c.Title, c.Severity = h.Title, alert.High
			c.Summary = alert.Text{JA: h.Summary.JA + "\n\n" + c.Summary.JA, EN: h.Summary.EN + "\n\n" + c.Summary.EN}
			if len(c.CVEs) == 0 {
				c.CVEs = h.CVEs
				c.Actions = append(c.Actions, h.Actions[1])
				c.Targeting.Exposed = true
			}
		}
		c.DueAt = &due
		return nil
	}); err != nil {
		return "", fmt.Errorf("demo: alert targeting: %w", err)
	}
	if v, err = a.Alerting.Submit(ctx, gov, v.ID, v.Rev); err != nil {
		return "", fmt.Errorf("demo: alert submit: %w", err)
	}
	if v, err = a.Alerting.Review(ctx, gov, v.ID, v.Rev, true, "デモ: 内容を確認しました / demo: checked"); err != nil {
		return "", fmt.Errorf("demo: alert review: %w", err)
	}
	v, pv, err := a.Alerting.Publish(ctx, gov, v.ID, v.Rev)
	if err != nil {
		return "", fmt.Errorf("demo: alert publish: %w", err)
	}
	acked := 0
	if len(pv.Recipients) > 0 {
		o, err := db.GetOrg(ctx, pv.Recipients[0].OrgID)
		if err != nil {
			return "", err
		}
		if _, err := a.Alerting.Ack(ctx, &auth.Principal{System: Actor, Org: o}, v.ID, alert.Actioned,
			"境界 FW で指標を遮断し、VPN 機器を更新しました / blocked the indicators at the perimeter firewall and updated the VPN appliances"); err != nil {
			return "", fmt.Errorf("demo: alert acknowledgement: %w", err)
		}
		acked++
	}
	return fmt.Sprintf("alert %s published (%s) to %d organisations, %d acknowledged", v.Ref, from, len(pv.Recipients), acked), nil
}
