package marking

import "strings"

// STIX 2.1 marking-definition ids for TLP.
//
// TLP 2.0: the OASIS "TLP 2.0" marking-definition extension
// (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d, published in
// oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
//
// TLP 1.0: the four predefined marking definitions of the STIX 2.1
// specification, section 7.2.1.4 (TLP:WHITE, GREEN, AMBER, RED). TLP 1.0 has
// no AMBER+STRICT; its WHITE is TLP 2.0's CLEAR.

// TLP2ExtensionID is the id of the OASIS TLP 2.0 extension definition.
const TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

var stixTLP2 = [...]string{
	TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

var stixTLP1 = [...]string{
	TLPClear:       "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", // TLP:WHITE
	TLPGreen:       "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
	TLPAmber:       "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	TLPAmberStrict: "", // no TLP 1.0 equivalent
	TLPRed:         "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

// StixID returns the TLP 2.0 marking-definition id (what sakimori writes in
// object_marking_refs), or "" for an invalid label.
func (t TLP) StixID() string {
	if !t.Valid() {
		return ""
	}
	return stixTLP2[t]
}

// StixID1 returns the STIX 2.1 specification's TLP 1.0 marking-definition
// id for consumers that know only those. CLEAR maps to TLP:WHITE.
// AMBER+STRICT has no TLP 1.0 id: ok is false, and a caller that must emit
// TLP 1.0 should write the stricter TLP:RED rather than the looser AMBER.
func (t TLP) StixID1() (id string, ok bool) {
	if !t.Valid() || stixTLP1[t] == "" {
		return "", false
	}
	return stixTLP1[t], true
}

// FromStixID returns the label of a TLP marking-definition id, accepting
// both the TLP 2.0 extension ids and the TLP 1.0 ids of the STIX 2.1
// specification (WHITE becomes CLEAR). ok is false for any other id, e.g. a
// statement marking; ids are compared exactly, as STIX ids are lower case.
func FromStixID(id string) (t TLP, ok bool) {
	if id == "" {
		return TLPInvalid, false
	}
	for _, t := range TLPs {
		if id == stixTLP2[t] || id == stixTLP1[t] {
			return t, true
		}
	}
	return TLPInvalid, false
}

// MarkingDefinition is a STIX 2.1 marking-definition object for a TLP label,
// ready to be placed in a bundle next to the objects it marks.
type MarkingDefinition struct {
	Type           string                   `json:"type"`
	SpecVersion    string                   `json:"spec_version"`
	ID             string                   `json:"id"`
	Created        string                   `json:"created"`
	Name           string                   `json:"name"`
	DefinitionType string                   `json:"definition_type,omitempty"` // TLP 1.0 only
	Definition     *TLP1Definition          `json:"definition,omitempty"`      // TLP 1.0 only
	Extensions     map[string]TLP2Extension `json:"extensions,omitempty"`      // TLP 2.0 only
}

// TLP1Definition is the definition property of a TLP 1.0 marking definition.
type TLP1Definition struct {
	TLP string `json:"tlp"` // "white", "green", "amber", "red"
}

// TLP2Extension is the TLP 2.0 extension's property in a marking definition.
type TLP2Extension struct {
	ExtensionType string `json:"extension_type"` // "property-extension"
	TLP           string `json:"tlp_2_0"`        // "clear", ..., "amber+strict", "red"
}

// StixDefinition returns the standard TLP 2.0 marking-definition object for
// t (as published with the OASIS extension), or false for an invalid label.
func (t TLP) StixDefinition() (MarkingDefinition, bool) {
	if !t.Valid() {
		return MarkingDefinition{}, false
	}
	return MarkingDefinition{
		Type: "marking-definition", SpecVersion: "2.1", ID: stixTLP2[t],
		Created: "2022-10-01T00:00:00.000Z", Name: t.String(),
		Extensions: map[string]TLP2Extension{
			TLP2ExtensionID: {ExtensionType: "property-extension", TLP: t.Name()},
		},
	}, true
}

// StixDefinition1 returns the STIX 2.1 specification's TLP 1.0
// marking-definition object for t (CLEAR as TLP:WHITE), or false where TLP
// 1.0 has none (AMBER+STRICT, invalid).
func (t TLP) StixDefinition1() (MarkingDefinition, bool) {
	id, ok := t.StixID1()
	if !ok {
		return MarkingDefinition{}, false
	}
	name := t.Name()
	if t == TLPClear {
		name = "white"
	}
	return MarkingDefinition{
		Type: "marking-definition", SpecVersion: "2.1", ID: id,
		Created: "2017-01-20T00:00:00.000Z", Name: "TLP:" + strings.ToUpper(name),
		DefinitionType: "tlp", Definition: &TLP1Definition{TLP: name},
	}, true
}
