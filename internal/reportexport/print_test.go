package reportexport

import (
	"bytes"
	"strings"
	"testing"

	"sakimori/internal/incident"
	"sakimori/internal/regime"
	"sakimori/internal/report"
)

func acdStage(t *testing.T, id string) (*regime.Regime, *regime.Stage) {
	t.Helper()
	rs, err := regime.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r, ok := regime.Find(rs, "jp-acd")
	if !ok {
		t.Fatal("no jp-acd")
	}
	s, ok := r.Stage(id)
	if !ok {
		t.Fatalf("no stage %s", id)
	}
	return &r, &s
}

func render(t *testing.T, d PrintData) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderPrint(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderPrintGolden(t *testing.T) {
	in := sample()
	r, s := acdStage(t, "written")
	sub := &incident.Submission{ID: "sub-1", IncidentID: in.ID, Recipient: "nco", Regime: "jp-acd", Stage: "prompt", Kind: incident.KindReport,
		Version: 2, SubmittedAt: t0.Add(3 * 24 * 3600e9), SHA256: strings.Repeat("ab", 32)}
	ja := render(t, PrintData{Incident: in, Org: reporter(), Content: in.Content, Version: 2, Regime: r, Stage: s, Lang: "ja", Now: now})
	golden(t, "print_ja.golden.html", []byte(ja))
	rp, sp := acdStage(t, "prompt")
	en := render(t, PrintData{Incident: in, Org: reporter(), Content: in.Content, Version: 2, Regime: rp, Stage: sp, Submission: sub, Lang: "en", Now: now})
	golden(t, "print_en.golden.html", []byte(en))

	for _, want := range []string{"DRAFT", "下書き", "能動的サイバー防御", "詳細報告（書面）", "認知から30日", "2026-11-30 19:00 JST", "東京電力ホールディングス株式会社",
		"Tokyo Electric Power Company Holdings", "電力", "CSIRT duty officer", "事象の概要", "Summary of the event", "確認済み", "可能性が高い", "EDR alert",
		"非開示", "未判明", "その他の攻撃 様式", "@media print", "size: A4"} {
		if !strings.Contains(ja, want) {
			t.Errorf("ja lacks %q", want)
		}
	}
	for _, want := range []string{"Prompt report", "72 h after awareness", "2026-12-03 19:00 JST", strings.Repeat("ab", 32), "Summary of the event", "事象の概要",
		"withheld", "not yet known", "All fields required at this stage are given."} {
		if !strings.Contains(en, want) {
			t.Errorf("en lacks %q", want)
		}
	}
	if strings.Contains(en, "DRAFT") {
		t.Error("a submission is marked DRAFT")
	}
	for _, doc := range []string{ja, en} {
		for _, bad := range []string{"<script", "<link", "<img", " src=", " href=", "url(", "@import"} {
			if strings.Contains(doc, bad) {
				t.Errorf("document has %q: not self-contained or has script", bad)
			}
		}
	}
}

func TestRenderPrintMissingRequired(t *testing.T) {
	in := sample()
	r, s := acdStage(t, "written")
	html := render(t, PrintData{Incident: in, Org: reporter(), Content: in.Content, Regime: r, Stage: s, Now: now})
	box := html[strings.Index(html, `<section class="missing">`):]
	box = box[:strings.Index(box, "</section>")]
	// Not given in the sample: logs, partner_impact; technique is given (likely).
	for _, want := range []string{"未記入の必須項目 / Missing required fields", "ログの保存状況", "取引先への影響"} {
		if !strings.Contains(box, want) {
			t.Errorf("missing box lacks %q:\n%s", want, box)
		}
	}
	for _, given := range []string{"攻撃手法", "連絡先", "影響範囲"} {
		if strings.Contains(box, given) {
			t.Errorf("missing box lists given field %q", given)
		}
	}
	// Everything given: no box.
	c := in.Content
	c.Logs = report.Known([]report.LogPreservation{{Log: "VPN logs"}}, report.Confirmed, t0, "")
	c.PartnerImpact = report.Field[string]{Meta: report.Meta{State: report.StateWithheld}}
	html = render(t, PrintData{Incident: in, Org: reporter(), Content: c, Regime: r, Stage: s, Now: now})
	if strings.Contains(html, `class="missing"`) {
		t.Error("missing box shown with every required field given")
	}
}

func TestRenderPrintEscapes(t *testing.T) {
	in := sample()
	in.Title = `<img src=x onerror=alert(1)>`
	c := in.Content
	c.Summary.Value = `<script>alert("x")</script> & more`
	html := render(t, PrintData{Incident: in, Org: reporter(), Content: c, Lang: "en", Now: now})
	if strings.Contains(html, "<script>") || strings.Contains(html, "<img") {
		t.Fatal("markup not escaped")
	}
	if !strings.Contains(html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more") {
		t.Errorf("escaped summary not found")
	}
}

func TestRenderPrintErrors(t *testing.T) {
	in := sample()
	var b bytes.Buffer
	if err := RenderPrint(&b, PrintData{Incident: in, Org: reporter(), Lang: "fr"}); err == nil {
		t.Error("lang fr accepted")
	}
	if err := RenderPrint(&b, PrintData{Org: reporter()}); err == nil {
		t.Error("no incident accepted")
	}
}
