package event

import (
	"encoding/json"
	"errors"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
)

func TestValidate(t *testing.T) {
	ok := Event{Kind: AlertPublished, Subject: "a-1", Audience: Audience{Orgs: []string{"o-1"}}, Data: json.RawMessage(`{"x":1}`)}
	tests := []struct {
		name  string
		edit  func(e *Event)
		field string // "" when valid
	}{
		{"valid", func(e *Event) {}, ""},
		{"unknown kind", func(e *Event) { e.Kind = "alert.exploded" }, "kind"},
		{"no subject", func(e *Event) { e.Subject = "" }, "subject"},
		{"empty audience fails closed", func(e *Event) { e.Audience = Audience{} }, "audience"},
		{"everyone", func(e *Event) { e.Audience = Audience{Everyone: true} }, ""},
		{"government", func(e *Event) { e.Audience = Audience{Gov: true} }, ""},
		{"intel scope", func(e *Event) {
			e.Audience = Audience{Intel: &IntelScope{Collection: "c", TLP: marking.TLPAmber, Owner: "o"}}
		}, ""},
		{"data not JSON", func(e *Event) { e.Data = json.RawMessage(`{`) }, "data"},
		{"no data", func(e *Event) { e.Data = nil }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ok
			tc.edit(&e)
			err := e.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Field != tc.field {
				t.Fatalf("got %v, want an error naming %q", err, tc.field)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	for k, fam := range map[Kind]string{AlertAcked: "alert", IndicatorRevoked: "indicator", ReportStatus: "report", ClusterUpdated: "cluster", "plain": "plain"} {
		if got := k.Family(); got != fam {
			t.Errorf("%s: family %q, want %q", k, got, fam)
		}
	}
	seen := map[Kind]bool{}
	for _, k := range Kinds {
		if !k.Valid() || seen[k] {
			t.Errorf("%s listed twice or invalid", k)
		}
		seen[k] = true
	}
	if Kind("alert").Valid() {
		t.Error("a family is not a kind")
	}
}

func TestData(t *testing.T) {
	if got := string(Data(map[string]int{"n": 1})); got != `{"n":1}` {
		t.Errorf("Data = %s", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Data of a channel did not panic")
		}
	}()
	Data(make(chan int))
}
