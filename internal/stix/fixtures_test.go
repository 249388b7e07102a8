package stix

import (
	"encoding/json"
	"testing"
)

const (
	idIdentity = "identity--5f2a8b3c-1d4e-4f60-8a7b-9c0d1e2f3a4b"
	idIndic    = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	idMalware  = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
	idCampaign = "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3e"
	idIPv4     = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"
	idObserved = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"
	idLocation = "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64"
	tlpGreen   = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
)

// validObjects holds one valid object of every type the validator knows, as
// JSON. Tests mutate copies of them.
var validObjects = map[string]string{
	"attack-pattern":     `{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Spear Phishing","external_references":[{"source_name":"capec","external_id":"CAPEC-163"}]}`,
	"campaign":           `{"type":"campaign","spec_version":"2.1","id":"` + idCampaign + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","name":"Green Group Attacks","first_seen":"2025-12-01T00:00:00Z","last_seen":"2025-12-31T00:00:00Z"}`,
	"course-of-action":   `{"type":"course-of-action","spec_version":"2.1","id":"course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Block 198.51.100.3"}`,
	"grouping":           `{"type":"grouping","spec_version":"2.1","id":"grouping--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","context":"suspicious-activity","object_refs":["` + idIndic + `"]}`,
	"identity":           `{"type":"identity","spec_version":"2.1","id":"` + idIdentity + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"電力会社A","identity_class":"organization","sectors":["utilities"]}`,
	"incident":           `{"type":"incident","spec_version":"2.1","id":"incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"SCADA intrusion"}`,
	"indicator":          `{"type":"indicator","spec_version":"2.1","id":"` + idIndic + `","created_by_ref":"` + idIdentity + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"C2 address","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.100.3']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","valid_until":"2026-06-01T00:00:00Z","confidence":80,"labels":["c2"],"lang":"ja","object_marking_refs":["` + tlpGreen + `"],"kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"command-and-control"}]}`,
	"infrastructure":     `{"type":"infrastructure","spec_version":"2.1","id":"infrastructure--38c47d93-d984-4fd9-b87b-d69d0841628d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Poison Ivy C2","infrastructure_types":["command-and-control"]}`,
	"intrusion-set":      `{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Bobcat Breakin","aliases":["Zookeeper"]}`,
	"location":           `{"type":"location","spec_version":"2.1","id":"` + idLocation + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","latitude":35.68,"longitude":139.76,"precision":1000}`,
	"malware":            `{"type":"malware","spec_version":"2.1","id":"` + idMalware + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Poison Ivy","is_family":true,"malware_types":["remote-access-trojan"]}`,
	"note":               `{"type":"note","spec_version":"2.1","id":"note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"Seen at two substations.","object_refs":["` + idCampaign + `"]}`,
	"observed-data":      `{"type":"observed-data","spec_version":"2.1","id":"` + idObserved + `","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","first_observed":"2026-01-01T00:00:00Z","last_observed":"2026-01-01T01:00:00Z","number_observed":5,"object_refs":["` + idIPv4 + `"]}`,
	"opinion":            `{"type":"opinion","spec_version":"2.1","id":"opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","opinion":"agree","object_refs":["` + idIndic + `"]}`,
	"report":             `{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Weekly report","published":"2026-01-01T00:00:00Z","object_refs":["` + idIndic + `","` + idMalware + `"]}`,
	"threat-actor":       `{"type":"threat-actor","spec_version":"2.1","id":"threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Evil Org","threat_actor_types":["crime-syndicate"]}`,
	"tool":               `{"type":"tool","spec_version":"2.1","id":"tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"VNC","tool_types":["remote-access"]}`,
	"vulnerability":      `{"type":"vulnerability","spec_version":"2.1","id":"vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"CVE-2016-1234","external_references":[{"source_name":"cve","external_id":"CVE-2016-1234"}]}`,
	"relationship":       `{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","relationship_type":"indicates","source_ref":"` + idIndic + `","target_ref":"` + idMalware + `"}`,
	"sighting":           `{"type":"sighting","spec_version":"2.1","id":"sighting--ee20065d-2555-424f-ad9e-0f8428623c75","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","sighting_of_ref":"` + idIndic + `","count":3,"first_seen":"2026-01-01T00:00:00Z","last_seen":"2026-01-02T00:00:00Z","where_sighted_refs":["` + idIdentity + `"],"observed_data_refs":["` + idObserved + `"]}`,
	"marking-definition": `{"type":"marking-definition","spec_version":"2.1","id":"` + tlpGreen + `","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`,
	"marking-statement":  `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41db","created":"2026-01-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2026 NCO"}}`,
	"ipv4-addr":          `{"type":"ipv4-addr","spec_version":"2.1","id":"` + idIPv4 + `","value":"198.51.100.0/24"}`,
	"ipv6-addr":          `{"type":"ipv6-addr","spec_version":"2.1","id":"ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1","value":"2001:db8::1"}`,
	"domain-name":        `{"type":"domain-name","spec_version":"2.1","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"example.jp","resolves_to_refs":["` + idIPv4 + `"]}`,
	"url":                `{"type":"url","spec_version":"2.1","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"https://example.jp/evil"}`,
	"file":               `{"type":"file","spec_version":"2.1","id":"file--e277603e-1060-5ad4-9937-c26c97f1ca68","name":"invoice.exe","hashes":{"SHA-256":"fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db"},"size":25536}`,
	"email-addr":         `{"type":"email-addr","spec_version":"2.1","id":"email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3","value":"john@example.com","display_name":"John Doe"}`,
	"network-traffic":    `{"type":"network-traffic","spec_version":"2.1","id":"network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d","src_ref":"` + idIPv4 + `","dst_port":443,"protocols":["ipv4","tcp"],"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:01:00Z"}`,
	// A language granular marking (section 7.2.3: marking_ref or lang).
	"granular-lang": `{"type":"note","spec_version":"2.1","id":"note--1c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":"変電所で観測","object_refs":["` + idCampaign + `"],"lang":"en","granular_markings":[{"lang":"ja","selectors":["content"]}]}`,
	"custom-object": `{"type":"x-sakimori-asset","spec_version":"2.1","id":"x-sakimori-asset--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","x_sakimori_sector":"electricity","criticality":3}`,
}

// decodeMap decodes JSON keeping numbers exact.
func decodeMap(t testing.TB, s string) map[string]any {
	t.Helper()
	v, err := decodeValue([]byte(s))
	if err != nil {
		t.Fatalf("fixture: %v\n%s", err, s)
	}
	return v.(map[string]any)
}

// mutated returns the JSON of a valid fixture after f changed it.
func mutated(t testing.TB, name string, f func(m map[string]any)) []byte {
	t.Helper()
	src, ok := validObjects[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	m := decodeMap(t, src)
	if f != nil {
		f(m)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// set and del build mutation functions.
func set(kv ...any) func(map[string]any) {
	return func(m map[string]any) {
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
	}
}

func del(keys ...string) func(map[string]any) {
	return func(m map[string]any) {
		for _, k := range keys {
			delete(m, k)
		}
	}
}

func both(fs ...func(map[string]any)) func(map[string]any) {
	return func(m map[string]any) {
		for _, f := range fs {
			f(m)
		}
	}
}
