package stix

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
)

func TestValidObjectsAccepted(t *testing.T) {
	names := make([]string, 0, len(validObjects))
	for n := range validObjects {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			o, err := Parse([]byte(validObjects[n]))
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(o); err != nil {
				t.Errorf("rejected:\n%v", err)
			}
		})
	}
}

type invalidCase struct {
	name    string
	fixture string
	mutate  func(map[string]any)
	// want lists "path: message fragment" entries that must all be reported.
	want []string
}

var invalidCases = []invalidCase{
	// identifiers
	{"id missing", "indicator", del("id"), []string{"$.id: is required"}},
	{"id not a uuid", "indicator", set("id", "indicator--1234"), []string{"$.id: is not a STIX identifier"}},
	{"id wrong type", "indicator", set("id", "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), []string{"$.id: does not match the object type"}},
	{"id bad uuid variant", "indicator", set("id", "indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f"), []string{"$.id: is not a STIX identifier"}},
	{"id number", "indicator", set("id", 5), []string{"$.id: must be a string"}},
	{"type missing", "indicator", del("type"), []string{"$.type: is required"}},
	{"type uppercase", "custom-object", set("type", "X-Asset"), []string{"$.type: is not a valid type name"}},
	{"type action", "custom-object", set("type", "action", "id", "action--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"), []string{"$.type: is not allowed"}},
	// spec_version
	{"spec_version missing", "indicator", del("spec_version"), []string{"$.spec_version: is required"}},
	{"spec_version 2.0", "malware", set("spec_version", "2.0"), []string{`$.spec_version: "2.0" is not supported`}},
	{"sco spec_version 2.0", "url", set("spec_version", "2.0"), []string{`$.spec_version: "2.0" is not supported`}},
	// timestamps
	{"created missing", "campaign", del("created"), []string{"$.created: is required"}},
	{"modified missing", "campaign", del("modified"), []string{"$.modified: is required"}},
	{"created not UTC", "campaign", set("created", "2026-01-01T09:00:00.000+09:00"), []string{"$.created: ", "RFC 3339"}},
	{"created no millis", "campaign", set("created", "2026-01-01T00:00:00Z"), []string{"$.created: ", "precise to the millisecond"}},
	{"modified before created", "campaign", set("modified", "2025-12-31T23:59:59.999Z"), []string{"$.modified: must not be earlier than created"}},
	{"impossible date", "campaign", set("first_seen", "2025-02-30T00:00:00Z"), []string{"$.first_seen: ", "not a valid date"}},
	{"date-only timestamp", "campaign", set("first_seen", "2025-02-01"), []string{"$.first_seen: ", "RFC 3339"}},
	// common properties
	{"confidence too high", "indicator", set("confidence", 101), []string{"$.confidence: must be between 0 and 100"}},
	{"confidence negative", "indicator", set("confidence", -1), []string{"$.confidence: must be between 0 and 100"}},
	{"confidence fraction", "indicator", set("confidence", 50.5), []string{"$.confidence: must be an integer"}},
	{"confidence huge exponent", "indicator", set("confidence", json.Number("1e9999999999")), []string{"$.confidence: must be between 0 and 100"}},
	{"confidence huge integer", "indicator", set("confidence", json.Number("99999999999999999999999")), []string{"$.confidence: must be between 0 and 100"}},
	{"confidence string", "indicator", set("confidence", "high"), []string{"$.confidence: must be an integer"}},
	{"revoked string", "indicator", set("revoked", "yes"), []string{"$.revoked: must be true or false"}},
	{"labels empty", "indicator", set("labels", []any{}), []string{"$.labels: must not be an empty list"}},
	{"labels not strings", "indicator", set("labels", []any{1}), []string{"$.labels[0]: must be a string"}},
	{"lang number", "indicator", set("lang", 1), []string{"$.lang: must be a string"}},
	{"null property", "indicator", set("description", nil), []string{"$.description: must not be null"}},
	{"created_by_ref not identity", "indicator", set("created_by_ref", idMalware), []string{"$.created_by_ref: ", "must identify a identity object"}},
	{"created_by_ref malformed", "indicator", set("created_by_ref", "identity-1"), []string{"$.created_by_ref: ", "is not a STIX identifier"}},
	{"object_marking_refs wrong type", "indicator", set("object_marking_refs", []any{idIdentity}), []string{"$.object_marking_refs[0]: ", "marking-definition"}},
	{"external reference without source", "indicator", set("external_references", []any{map[string]any{"url": "https://example.jp"}}), []string{"$.external_references[0].source_name: is required"}},
	{"external reference bad cve", "vulnerability", set("external_references", []any{map[string]any{"source_name": "cve", "external_id": "CVE-16-1"}}), []string{"$.external_references[0].external_id: must be a CVE identifier"}},
	{"external reference only source", "indicator", set("external_references", []any{map[string]any{"source_name": "nisc"}}), []string{"$.external_references[0]: must have at least one of"}},
	{"external reference bad hash", "indicator", set("external_references", []any{map[string]any{"source_name": "x", "url": "https://example.jp", "hashes": map[string]any{"SHA-256": "abc"}}}), []string{`$.external_references[0].hashes["SHA-256"]: is not a valid SHA-256 value`}},
	{"granular marking without selectors", "indicator", set("granular_markings", []any{map[string]any{"marking_ref": tlpGreen}}), []string{"$.granular_markings[0].selectors: is required"}},
	{"granular marking neither ref nor lang", "indicator", set("granular_markings", []any{map[string]any{"selectors": []any{"description"}}}), []string{"$.granular_markings[0]: must have marking_ref or lang"}},
	{"extension bad name", "indicator", set("extensions", map[string]any{"Foo": map[string]any{"a": 1}}), []string{`$.extensions["Foo"]: `, "not an extension-definition identifier"}},
	{"extension without type", "indicator", set("extensions", map[string]any{"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": map[string]any{"rank": 1}}), []string{".extension_type: is required"}},
	{"extensions empty", "indicator", set("extensions", map[string]any{}), []string{"$.extensions: must not be empty"}},
	// custom properties and references
	{"custom property too short", "indicator", set("xy", "v"), []string{`$["xy"]: "xy" is not a valid property name`}},
	{"custom property uppercase", "indicator", set("x_Sector", "v"), []string{`$["x_Sector"]: `}},
	{"custom property hyphen", "indicator", set("x-sector", "v"), []string{`$["x-sector"]: `}},
	{"custom property too long", "indicator", set("x_"+strings.Repeat("a", 249), "v"), []string{"is not a valid property name"}},
	{"custom ref malformed", "indicator", set("x_related_ref", "not-an-id"), []string{"$.x_related_ref: ", "is not a STIX identifier"}},
	{"custom refs not a list", "indicator", set("x_related_refs", idMalware), []string{"$.x_related_refs: must be a list of STIX identifiers"}},
	{"custom hex not hex", "indicator", set("x_magic_hex", "zz"), []string{"$.x_magic_hex: must be a string of hexadecimal octets"}},
	{"reserved property", "indicator", set("severity", "high"), []string{"$.severity: is a reserved property name"}},
	// indicator
	{"indicator missing pattern", "indicator", del("pattern"), []string{"$.pattern: is required"}},
	{"indicator missing pattern_type", "indicator", del("pattern_type"), []string{"$.pattern_type: is required"}},
	{"indicator missing valid_from", "indicator", del("valid_from"), []string{"$.valid_from: is required"}},
	{"indicator valid_until equal", "indicator", set("valid_until", "2026-01-01T00:00:00Z"), []string{"$.valid_until: must be later than valid_from"}},
	{"indicator valid_until earlier", "indicator", set("valid_until", "2025-01-01T00:00:00Z"), []string{"$.valid_until: must be later than valid_from"}},
	{"indicator bad pattern", "indicator", set("pattern", "[ipv4-addr:value = '198.51.100.3'"), []string{"$.pattern: invalid STIX pattern at offset"}},
	{"indicator pattern not string", "indicator", set("pattern", 7), []string{"$.pattern: must be a string"}},
	{"indicator kill chain incomplete", "indicator", set("kill_chain_phases", []any{map[string]any{"phase_name": "x"}}), []string{"$.kill_chain_phases[0].kill_chain_name: is required"}},
	// malware
	{"malware missing is_family", "malware", del("is_family"), []string{"$.is_family: is required"}},
	{"malware is_family string", "malware", set("is_family", "true"), []string{"$.is_family: must be true or false"}},
	{"malware family without name", "malware", del("name"), []string{"$.name: is required when is_family is true"}},
	{"malware sample_refs wrong type", "malware", set("sample_refs", []any{idIPv4}), []string{"$.sample_refs[0]: "}},
	// relationship
	{"relationship missing fields", "relationship", del("relationship_type", "source_ref", "target_ref"), []string{"$.relationship_type: is required", "$.source_ref: is required", "$.target_ref: is required"}},
	{"relationship bad source_ref", "relationship", set("source_ref", "indicator"), []string{"$.source_ref: ", "not a STIX identifier"}},
	{"relationship to marking", "relationship", set("target_ref", tlpGreen), []string{"$.target_ref: must not refer to a marking-definition object"}},
	{"relationship type uppercase", "relationship", set("relationship_type", "Indicates"), []string{"$.relationship_type: "}},
	{"relationship stop before start", "relationship", set("start_time", "2026-01-02T00:00:00Z", "stop_time", "2026-01-01T00:00:00Z"), []string{"$.stop_time: must be later than start_time"}},
	// sighting
	{"sighting missing sighting_of_ref", "sighting", del("sighting_of_ref"), []string{"$.sighting_of_ref: is required"}},
	{"sighting count too large", "sighting", set("count", 1000000000), []string{"$.count: must be between 0 and 999999999"}},
	{"sighting count negative", "sighting", set("count", -1), []string{"$.count: must be between 0 and 999999999"}},
	{"sighting last before first", "sighting", set("last_seen", "2025-12-01T00:00:00Z"), []string{"$.last_seen: must not be earlier than first_seen"}},
	{"sighting where_sighted wrong type", "sighting", set("where_sighted_refs", []any{idMalware}), []string{"$.where_sighted_refs[0]: "}},
	{"sighting of relationship", "sighting", set("sighting_of_ref", "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad"), []string{"$.sighting_of_ref: must not refer to a relationship object"}},
	// report and other SDOs
	{"report missing published and refs", "report", del("published", "object_refs"), []string{"$.published: is required", "$.object_refs: is required"}},
	{"report object_refs empty", "report", set("object_refs", []any{}), []string{"$.object_refs: must not be an empty list"}},
	{"report object_refs malformed", "report", set("object_refs", []any{"x"}), []string{"$.object_refs[0]: "}},
	{"identity missing name", "identity", del("name"), []string{"$.name: is required for identity objects"}},
	{"identity sectors not list", "identity", set("sectors", "energy"), []string{"$.sectors: must be a list of strings"}},
	{"campaign missing name", "campaign", del("name"), []string{"$.name: is required"}},
	{"campaign last_seen before first_seen", "campaign", set("last_seen", "2025-11-01T00:00:00Z"), []string{"$.last_seen: must not be earlier than first_seen"}},
	{"intrusion-set missing name", "intrusion-set", del("name"), []string{"$.name: is required"}},
	{"threat-actor missing name", "threat-actor", del("name"), []string{"$.name: is required"}},
	{"attack-pattern missing name", "attack-pattern", del("name"), []string{"$.name: is required"}},
	{"infrastructure missing name", "infrastructure", del("name"), []string{"$.name: is required"}},
	{"vulnerability missing name", "vulnerability", del("name"), []string{"$.name: is required"}},
	{"course-of-action missing name", "course-of-action", del("name"), []string{"$.name: is required"}},
	{"incident missing name", "incident", del("name"), []string{"$.name: is required"}},
	{"tool missing name", "tool", del("name"), []string{"$.name: is required"}},
	{"note missing content", "note", del("content"), []string{"$.content: is required"}},
	{"opinion bad value", "opinion", set("opinion", "maybe"), []string{"$.opinion: "}},
	{"grouping missing context", "grouping", del("context"), []string{"$.context: is required"}},
	{"location empty", "location", del("latitude", "longitude", "precision"), []string{"$: a location must have region, country"}},
	{"location latitude only", "location", del("longitude"), []string{"$: latitude and longitude must be given together"}},
	{"location latitude out of range", "location", set("latitude", 91), []string{"$.latitude: must be between -90 and 90"}},
	{"observed-data number_observed zero", "observed-data", set("number_observed", 0), []string{"$.number_observed: must be between 1 and 999999999"}},
	{"observed-data last before first", "observed-data", set("last_observed", "2025-01-01T00:00:00Z"), []string{"$.last_observed: must not be earlier than first_observed"}},
	{"observed-data objects and refs", "observed-data", set("objects", map[string]any{"0": map[string]any{"type": "ipv4-addr", "value": "198.51.100.3"}}), []string{"$.object_refs: exactly one of"}},
	// marking definitions
	{"tlp2 wrong level", "marking-definition", set("extensions", map[string]any{TLP2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": "white"}}), []string{".tlp_2_0: must be clear, green"}},
	{"tlp2 wrong id", "marking-definition", set("id", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41db"), []string{"$.id: TLP:GREEN must use the published id"}},
	{"tlp2 wrong extension_type", "marking-definition", set("extensions", map[string]any{TLP2Extension: map[string]any{"extension_type": "new-sdo", "tlp_2_0": "green"}}), []string{".extension_type: must be \"property-extension\""}},
	{"marking with modified", "marking-definition", set("modified", "2022-10-01T00:00:00.000Z"), []string{"$.modified: marking definitions are immutable"}},
	{"marking without definition", "marking-statement", del("definition"), []string{"$: definition_type and definition must be given together"}},
	{"statement not string", "marking-statement", set("definition", map[string]any{"statement": 3}), []string{"$.definition.statement: "}},
	{"tlp1 not predefined", "marking-statement", set("definition_type", "tlp", "definition", map[string]any{"tlp": "green"}), []string{"$.id: TLP:GREEN must use the predefined id"}},
	// cyber-observables
	{"ipv4 missing value", "ipv4-addr", del("value"), []string{"$.value: is required"}},
	{"ipv4 not an address", "ipv4-addr", set("value", "198.51.100.300"), []string{"$.value: ", "not an IPv4 address"}},
	{"ipv4 given an ipv6", "ipv4-addr", set("value", "2001:db8::1"), []string{"$.value: ", "not an IPv4 address"}},
	{"ipv6 given an ipv4", "ipv6-addr", set("value", "198.51.100.3"), []string{"$.value: ", "not an IPv6 address"}},
	{"sco id missing", "ipv4-addr", del("id"), []string{"$.id: is required"}},
	{"domain-name missing value", "domain-name", del("value"), []string{"$.value: is required"}},
	{"domain-name resolves to url", "domain-name", set("resolves_to_refs", []any{"url--c1477287-23ac-5971-a010-5c287877fa60"}), []string{"$.resolves_to_refs[0]: "}},
	{"url missing value", "url", del("value"), []string{"$.value: is required"}},
	{"url relative", "url", set("value", "/evil"), []string{"$.value: ", "not an absolute URL"}},
	{"email-addr missing value", "email-addr", del("value"), []string{"$.value: is required"}},
	{"file without hashes or name", "file", del("hashes", "name"), []string{"$: a file must have hashes or name"}},
	{"file bad md5", "file", set("hashes", map[string]any{"MD5": "xyz"}), []string{`$.hashes["MD5"]: is not a valid MD5 value`}},
	{"file negative size", "file", set("size", -5), []string{"$.size: must be between 0 and"}},
	{"network-traffic missing protocols", "network-traffic", del("protocols"), []string{"$.protocols: is required"}},
	{"network-traffic without endpoints", "network-traffic", del("src_ref"), []string{"$: network-traffic must have src_ref or dst_ref"}},
	{"network-traffic port out of range", "network-traffic", set("dst_port", 70000), []string{"$.dst_port: must be between 0 and 65535"}},
	{"network-traffic active with end", "network-traffic", set("is_active", true), []string{"$.end: must not be present when is_active is true"}},
	{"network-traffic src_ref wrong type", "network-traffic", set("src_ref", idIndic), []string{"$.src_ref: "}},
	// several problems at once are all reported
	{"many problems", "indicator", both(set("confidence", 200, "valid_until", "2020-01-01T00:00:00Z", "x-bad", 1), del("pattern_type")),
		[]string{"$.confidence: ", "$.valid_until: ", `$["x-bad"]: `, "$.pattern_type: is required"}},
}

func TestInvalidObjects(t *testing.T) {
	for _, c := range invalidCases {
		t.Run(c.name, func(t *testing.T) {
			data := mutated(t, c.fixture, c.mutate)
			o, err := Parse(data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			err = Validate(o)
			if err == nil {
				t.Fatalf("accepted %s", data)
			}
			probs, ok := AsErrors(err)
			if !ok {
				t.Fatalf("error is %T, not Errors", err)
			}
			var lines []string
			for _, p := range probs {
				lines = append(lines, p.Path+": "+p.Message)
				if idRE.MatchString(o.ID) && p.ObjectID != o.ID {
					t.Errorf("problem names %q, want object id %q", p.ObjectID, o.ID)
				}
			}
			all := strings.Join(lines, "\n")
			for _, w := range c.want {
				if !reported(lines, w) {
					t.Errorf("missing %q in:\n%s", w, all)
				}
			}
		})
	}
}

// reported says whether a want entry matches a problem line. An entry
// "$path: fragment" matches a line for exactly that path containing the
// fragment; any other entry matches a line containing it.
func reported(lines []string, want string) bool {
	path, frag, ok := strings.Cut(want, ": ")
	for _, l := range lines {
		if !ok || !strings.HasPrefix(want, "$") {
			if strings.Contains(l, want) {
				return true
			}
			continue
		}
		lp, lmsg, _ := strings.Cut(l, ": ")
		if lp == path && strings.Contains(lmsg, frag) {
			return true
		}
	}
	return false
}

func TestIntegralNumbers(t *testing.T) {
	for _, n := range []string{"50", "50.0", "5e1", "0", "100"} {
		o, _ := Parse(mutated(t, "indicator", set("confidence", json.Number(n))))
		if err := Validate(o); err != nil {
			t.Errorf("confidence %s rejected: %v", n, err)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	o, err := Parse(mutated(t, "indicator", set("valid_until", "2025-01-01T00:00:00Z")))
	if err != nil {
		t.Fatal(err)
	}
	err = Validate(o)
	want := idIndic + ": $.valid_until: must be later than valid_from"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	// Several problems: a count line, then one line per problem ordered by path.
	o, _ = Parse(mutated(t, "indicator", set("confidence", 101, "valid_until", "2025-01-01T00:00:00Z")))
	err = Validate(o)
	wantMulti := "2 problems:\n" + idIndic + ": $.confidence: must be between 0 and 100\n" + idIndic + ": $.valid_until: must be later than valid_from"
	if err == nil || err.Error() != wantMulti {
		t.Fatalf("got %v, want %s", err, wantMulti)
	}
	// An object without a usable id is named by its type.
	o, _ = Parse(mutated(t, "indicator", del("id")))
	probs, _ := AsErrors(Validate(o))
	if len(probs) != 1 || probs[0].ObjectID != "indicator" {
		t.Fatalf("got %v", probs)
	}
}

func TestPatternErrorPosition(t *testing.T) {
	src := "[ipv4-addr:value = '198.51.100.3'] AND [file:hashes.'SHA-256' = 'abc']"
	o, _ := Parse(mutated(t, "indicator", set("pattern", src)))
	probs, ok := AsErrors(Validate(o))
	if !ok || len(probs) != 1 || probs[0].Path != "$.pattern" {
		t.Fatalf("got %v", probs)
	}
	// The reported offset must be the one the pattern parser gives.
	_, perr := patternParse(src)
	if perr == nil || !strings.Contains(probs[0].Message, "at offset "+itoa(perr.Pos)+": "+perr.Msg) {
		t.Fatalf("message %q does not carry parser error %v", probs[0].Message, perr)
	}
	// Patterns of other languages are not parsed as STIX.
	o, _ = Parse(mutated(t, "indicator", set("pattern_type", "sigma", "pattern", "title: x")))
	if err := Validate(o); err != nil {
		t.Fatalf("sigma pattern rejected: %v", err)
	}
}

func TestParse(t *testing.T) {
	raw := `{"type":"indicator","spec_version":"2.1","id":"` + idIndic + `","created":"2026-01-01T00:00:00.123Z","modified":"2026-01-02T00:00:00.000Z","created_by_ref":"` + idIdentity + `","revoked":true,"labels":["a","b"],"confidence":75,"lang":"ja","external_references":[{"source_name":"cve","external_id":"CVE-2024-0001"}],"object_marking_refs":["` + tlpGreen + `"],"granular_markings":[{"marking_ref":"` + tlpGreen + `","selectors":["description"]}],"extensions":{"x-foo-ext":{"bar":1}},"pattern":"[x:y = 1]","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","x_custom":{"deep":[1,2.50]}}`
	o, err := Parse([]byte("  " + raw + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if string(o.Raw) != raw {
		t.Errorf("raw not kept:\n%s", o.Raw)
	}
	if o.Type != "indicator" || o.SpecVersion != "2.1" || o.ID != idIndic || o.CreatedByRef != idIdentity || !o.Revoked || o.Lang != "ja" {
		t.Errorf("scalars: %+v", o)
	}
	if o.Created.Format("2006-01-02T15:04:05.000Z07:00") != "2026-01-01T00:00:00.123Z" || o.Modified.Day() != 2 {
		t.Errorf("timestamps: %v %v", o.Created, o.Modified)
	}
	if o.Confidence == nil || *o.Confidence != 75 {
		t.Errorf("confidence: %v", o.Confidence)
	}
	if len(o.Labels) != 2 || len(o.ObjectMarkingRefs) != 1 || len(o.ExternalReferences) != 1 || o.ExternalReferences[0].ExternalID != "CVE-2024-0001" {
		t.Errorf("lists: %+v", o)
	}
	if len(o.GranularMarkings) != 1 || o.GranularMarkings[0].Selectors[0] != "description" {
		t.Errorf("granular: %+v", o.GranularMarkings)
	}
	if string(o.Extensions["x-foo-ext"]) != `{"bar":1}` {
		t.Errorf("extensions: %s", o.Extensions["x-foo-ext"])
	}
	if v, ok := o.Property("x_custom"); !ok || v.(map[string]any)["deep"].([]any)[1].(json.Number) != "2.50" {
		t.Errorf("custom property not kept exactly: %v", v)
	}

	// Wrong JSON types do not fail the parse; they leave zero values.
	o, err = Parse([]byte(`{"type":"indicator","confidence":"high","extensions":[1],"labels":[1]}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.Confidence != nil || o.Extensions != nil || o.Labels != nil {
		t.Errorf("zero values expected: %+v", o)
	}

	for _, bad := range []string{``, `[]`, `"x"`, `{"type":"bundle"}`, `{} {}`, `{"a":`} {
		if _, err := Parse([]byte(bad)); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want ErrSyntax", bad, err)
		}
	}
}

func TestBundle(t *testing.T) {
	missing := "identity--0d0e5a7c-8b1e-4c6c-9f55-0a4f0f4a1111"
	bundle := `{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","objects":[` +
		validObjects["indicator"] + "," + validObjects["malware"] + "," + validObjects["relationship"] + "," +
		string(mutated(t, "sighting", set("created_by_ref", missing))) + `]}`
	b, err := ParseBundle([]byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33" || len(b.Objects) != 4 {
		t.Fatalf("bundle: %+v", b)
	}
	if string(b.Objects[1].Raw) != validObjects["malware"] {
		t.Errorf("object raw not kept: %s", b.Objects[1].Raw)
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("rejected: %v", err)
	}
	got := b.Dangling()
	want := []Dangling{
		// indicator: created_by_ref; the TLP:GREEN marking is well known.
		{idIndic, "$.created_by_ref", idIdentity},
		{"sighting--ee20065d-2555-424f-ad9e-0f8428623c75", "$.created_by_ref", missing},
		{"sighting--ee20065d-2555-424f-ad9e-0f8428623c75", "$.observed_data_refs[0]", idObserved},
		{"sighting--ee20065d-2555-424f-ad9e-0f8428623c75", "$.where_sighted_refs[0]", idIdentity},
	}
	if len(got) != len(want) {
		t.Fatalf("dangling = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("dangling[%d] = %v, want %v", i, got[i], want[i])
		}
	}

	// Envelope and object problems are both reported, each under its owner.
	bad := `{"type":"bundle","id":"bundle--x","objects":[5,` + string(mutated(t, "malware", del("is_family"))) + `]}`
	b, err = ParseBundle([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	probs, _ := AsErrors(b.Validate())
	var lines []string
	for _, p := range probs {
		lines = append(lines, p.String())
	}
	all := strings.Join(lines, "\n")
	for _, w := range []string{`bundle: $.id: "bundle--x" is not a STIX identifier`, "bundle: $.objects[0]: must be a JSON object", idMalware + ": $.is_family: is required"} {
		if !strings.Contains(all, w) {
			t.Errorf("missing %q in:\n%s", w, all)
		}
	}

	// ParseAny takes a single object too.
	b, err = ParseAny([]byte(validObjects["tool"]))
	if err != nil || len(b.Objects) != 1 || b.Objects[0].Type != "tool" || b.Validate() != nil {
		t.Fatalf("ParseAny single: %v %+v", err, b)
	}
	if _, err := ParseBundle([]byte(validObjects["tool"])); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseBundle of an object: %v", err)
	}
}
