package confidence

import (
	"fmt"
	"strings"

	"sakimori/internal/org"
)

// row is one line of an Appendix A table. A row with min > max is the
// not-specified label.
type row struct {
	key      string
	value    int
	min, max int
	en, ja   string
	aliases  []string // further accepted inputs, besides key, en, ja and their "/" parts
}

const unspecified = -1 // min of a not-specified row

// notSpecified is the "Not Specified" row shared by the scales that have no
// label of their own for it.
var notSpecified = row{key: "Not Specified", min: unspecified, max: unspecified - 1, en: "Not specified", ja: "指定なし"}

// unspecifiedAliases are accepted on every scale (and by ParseAny) for an
// absent confidence, besides the scale's own not-specified label. The empty
// string is one of them: an empty form field means "not given".
var unspecifiedAliases = []string{"", "not specified", "notspecified", "unspecified", "n/a", "na", "指定なし", "未指定"}

// The tables of STIX 2.1 Appendix A, label → value and range, in the order
// of the appendix. Do not change the numbers: they are normative.
var rawTables = []struct {
	scale Scale
	name  org.Names
	rows  []row
}{
	{ScaleNoneLowMedHigh, org.Names{EN: "None / Low / Med / High", JA: "なし／低／中／高"}, []row{
		notSpecified,
		{key: "None", value: 0, min: 0, max: 0, en: "None", ja: "なし"},
		{key: "Low", value: 15, min: 1, max: 29, en: "Low", ja: "低"},
		{key: "Med", value: 50, min: 30, max: 69, en: "Medium", ja: "中"},
		{key: "High", value: 85, min: 70, max: 100, en: "High", ja: "高"},
	}},
	{ScaleZeroTen, org.Names{EN: "0–10", JA: "10段階"}, []row{
		notSpecified,
		{key: "0", value: 0, min: 0, max: 4},
		{key: "1", value: 10, min: 5, max: 14},
		{key: "2", value: 20, min: 15, max: 24},
		{key: "3", value: 30, min: 25, max: 34},
		{key: "4", value: 40, min: 35, max: 44},
		{key: "5", value: 50, min: 45, max: 54},
		{key: "6", value: 60, min: 55, max: 64},
		{key: "7", value: 70, min: 65, max: 74},
		{key: "8", value: 80, min: 75, max: 84},
		{key: "9", value: 90, min: 85, max: 94},
		{key: "10", value: 100, min: 95, max: 100},
	}},
	{ScaleAdmiralty, org.Names{EN: "Admiralty Credibility", JA: "アドミラルティ・スケール（情報の確からしさ）"}, []row{
		{key: "6 - Truth cannot be judged", min: unspecified, max: unspecified - 1,
			en: "6 - Truth cannot be judged", ja: "6 - 真偽を判断できない"},
		{key: "5 - Improbable", value: 10, min: 0, max: 19, en: "5 - Improbable", ja: "5 - ありそうにない"},
		{key: "4 - Doubtful", value: 30, min: 20, max: 39, en: "4 - Doubtful", ja: "4 - 疑わしい"},
		{key: "3 - Possibly True", value: 50, min: 40, max: 59, en: "3 - Possibly true", ja: "3 - 真実の可能性がある"},
		{key: "2 - Probably True", value: 70, min: 60, max: 79, en: "2 - Probably true", ja: "2 - おそらく真実"},
		{key: "1 - Confirmed by other sources", value: 90, min: 80, max: 100,
			en: "1 - Confirmed by other sources", ja: "1 - 他の情報源により確認済み"},
	}},
	{ScaleWEP, org.Names{EN: "Words of Estimative Probability (WEP)", JA: "推定確率表現（WEP）"}, []row{
		notSpecified,
		{key: "Impossible", value: 0, min: 0, max: 0, en: "Impossible", ja: "不可能"},
		{key: "Highly Unlikely/Almost Certainly Not", value: 10, min: 1, max: 19,
			en: "Highly unlikely / Almost certainly not", ja: "可能性は極めて低い／ほぼ確実にない"},
		{key: "Unlikely/Probably Not", value: 30, min: 20, max: 39,
			en: "Unlikely / Probably not", ja: "可能性は低い／おそらくない"},
		{key: "Even Chance", value: 50, min: 40, max: 59, en: "Even chance", ja: "五分五分"},
		{key: "Likely/Probable", value: 70, min: 60, max: 79, en: "Likely / Probable", ja: "可能性は高い／おそらく"},
		{key: "Highly likely/Almost Certain", value: 90, min: 80, max: 99,
			en: "Highly likely / Almost certain", ja: "可能性は極めて高い／ほぼ確実"},
		{key: "Certain", value: 100, min: 100, max: 100, en: "Certain", ja: "確実"},
	}},
	{ScaleDNI, org.Names{EN: "DNI (ICD 203)", JA: "米国家情報長官指令 ICD 203"}, []row{
		notSpecified,
		{key: "Almost No Chance / Remote", value: 5, min: 0, max: 9,
			en: "Almost no chance / Remote", ja: "ほぼ可能性なし／ごくわずか"},
		{key: "Very Unlikely / Highly Improbable", value: 15, min: 10, max: 19,
			en: "Very unlikely / Highly improbable", ja: "非常に可能性が低い"},
		{key: "Unlikely / Improbable", value: 30, min: 20, max: 39,
			en: "Unlikely / Improbable", ja: "可能性が低い"},
		{key: "Roughly Even Chance / Roughly Even Odds", value: 50, min: 40, max: 59,
			en: "Roughly even chance / Roughly even odds", ja: "ほぼ五分五分"},
		{key: "Likely / Probable", value: 70, min: 60, max: 79, en: "Likely / Probable", ja: "可能性が高い"},
		{key: "Very Likely / Highly Probable", value: 85, min: 80, max: 89,
			en: "Very likely / Highly probable", ja: "非常に可能性が高い"},
		{key: "Almost Certain / Nearly Certain", value: 95, min: 90, max: 100,
			en: "Almost certain / Nearly certain", ja: "ほぼ確実"},
	}},
	{ScaleJA, org.Names{EN: "Japanese (確度)", JA: "確度"}, []row{
		{key: "確度 指定なし", min: unspecified, max: unspecified - 1, en: "Confidence not specified", ja: "確度 指定なし"},
		{key: "確度 なし", value: 0, min: 0, max: 0, en: "No confidence", ja: "確度 なし",
			aliases: []string{"なし", "none", "確度:なし"}},
		{key: "確度 低", value: 15, min: 1, max: 29, en: "Low confidence", ja: "確度 低",
			aliases: []string{"低", "low", "確度:低", "低い"}},
		{key: "確度 中", value: 50, min: 30, max: 69, en: "Medium confidence", ja: "確度 中",
			aliases: []string{"中", "med", "medium", "確度:中"}},
		{key: "確度 高", value: 85, min: 70, max: 100, en: "High confidence", ja: "確度 高",
			aliases: []string{"高", "high", "確度:高", "高い"}},
	}},
}

// table is a scale's labels with its lookup structures.
type table struct {
	name    org.Names
	labels  []Label          // not-specified first, then ascending values
	byValue [101]Label       // value → label
	byAlias map[string]Label // normalised input → label
}

var tables = buildTables()

// buildTables builds the tables and checks them: every value 0–100 has
// exactly one label, every representative value lies in its own range, and
// no input names two labels of one scale. A failed check is a bug in the
// tables above, so it panics at start-up (and in every test).
func buildTables() map[Scale]*table {
	ts := make(map[Scale]*table, len(rawTables))
	for _, rt := range rawTables {
		t := &table{name: rt.name, byAlias: map[string]Label{}}
		for _, r := range rt.rows {
			l := Label{Scale: rt.scale, Key: r.key, Specified: r.min != unspecified, Text: org.Names{EN: r.en, JA: r.ja}}
			if l.Specified {
				l.Value, l.Min, l.Max = r.value, r.min, r.max
				if r.value < r.min || r.value > r.max {
					panic(fmt.Sprintf("confidence: %s %q: value %d outside %d–%d", rt.scale, r.key, r.value, r.min, r.max))
				}
			}
			if rt.scale == ScaleZeroTen && l.Specified {
				l.Text = org.Names{EN: r.key + " of 10", JA: "10段階中 " + r.key}
			}
			// Admiralty's not-specified label comes first (its row is
			// first); Labels lists the rest by ascending value.
			t.labels = append(t.labels, l)
			for _, a := range labelAliases(l, r.aliases) {
				if prev, ok := t.byAlias[a]; ok && prev.Key != l.Key {
					panic(fmt.Sprintf("confidence: %s: %q names both %q and %q", rt.scale, a, prev.Key, l.Key))
				}
				t.byAlias[a] = l
			}
			if l.Specified {
				for v := r.min; v <= r.max; v++ {
					if !t.byValue[v].IsZero() {
						panic(fmt.Sprintf("confidence: %s: %d in %q and %q", rt.scale, v, t.byValue[v].Key, l.Key))
					}
					t.byValue[v] = l
				}
			}
		}
		if t.labels[0].Specified {
			panic(fmt.Sprintf("confidence: %s: first label must be the not-specified one", rt.scale))
		}
		for v := range t.byValue {
			if t.byValue[v].IsZero() {
				panic(fmt.Sprintf("confidence: %s: no label for %d", rt.scale, v))
			}
		}
		for _, a := range unspecifiedAliases {
			a = fold(a)
			if prev, ok := t.byAlias[a]; ok && prev.Specified {
				panic(fmt.Sprintf("confidence: %s: %q is both a label and not-specified", rt.scale, a))
			}
			t.byAlias[a] = t.labels[0]
		}
		sortLabels(t.labels)
		ts[rt.scale] = t
	}
	return ts
}

// sortLabels puts the not-specified label first and the rest by ascending
// value (only Admiralty's rows are listed in descending order).
func sortLabels(ls []Label) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 1 && ls[j].Value < ls[j-1].Value; j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

// labelAliases returns the normalised inputs that name l: its key and
// display texts, each part of them split at "/", the Admiralty phrase
// without its digit ("probably true"), and the row's extra aliases.
func labelAliases(l Label, extra []string) []string {
	var out []string
	add := func(s string) {
		if k := fold(s); k != "" {
			out = append(out, k)
		}
	}
	for _, s := range append([]string{l.Key, l.Text.EN, l.Text.JA}, extra...) {
		add(s)
		k := fold(s)
		if parts := strings.Split(k, "/"); len(parts) > 1 {
			for _, p := range parts {
				add(p)
			}
		}
		if l.Scale == ScaleAdmiralty && len(k) > 2 && k[0] >= '1' && k[0] <= '6' && k[1] == '-' {
			add(k[:1])
			add(k[2:])
		}
	}
	return out
}
