package stix

import (
	"net/netip"
	"strings"
)

type objectKind uint8

const (
	kindSDO objectKind = iota
	kindSRO
	kindSCO
	kindMarking
)

// typeSpec describes the type-specific rules of one object type.
type typeSpec struct {
	kind     objectKind
	required []string
	props    []propSpec
	check    func(*validator)
}

func pStr(name string) propSpec                 { return propSpec{name: name, kind: pString} }
func pBoolean(name string) propSpec             { return propSpec{name: name, kind: pBool} }
func pStrs(name string) propSpec                { return propSpec{name: name, kind: pStringList} }
func pTime(name string) propSpec                { return propSpec{name: name, kind: pTimestamp} }
func pKillChains(name string) propSpec          { return propSpec{name: name, kind: pKillChain} }
func pHash(name string) propSpec                { return propSpec{name: name, kind: pHashes} }
func pDictionary(name string) propSpec          { return propSpec{name: name, kind: pDict} }
func pRefTo(name string, t ...string) propSpec  { return propSpec{name: name, kind: pRef, types: t} }
func pRefsTo(name string, t ...string) propSpec { return propSpec{name: name, kind: pRefs, types: t} }

// Types that are not SDOs or SCOs and so cannot be the subject of a
// relationship or sighting.
var nonSubjectTypes = []string{"relationship", "sighting", "marking-definition", "language-content", "bundle", "extension-definition"}

// types lists the object types sakimori validates beyond the common rules.
// Any other type is validated with the common rules only (custom objects).
var types map[string]*typeSpec

func init() {
	named := func(extra ...propSpec) *typeSpec {
		return &typeSpec{kind: kindSDO, required: []string{"name"}, props: append([]propSpec{pStr("name"), pStr("description")}, extra...)}
	}
	seen := func(v *validator) { v.order("first_seen", "last_seen", false) }

	types = map[string]*typeSpec{
		"attack-pattern":   named(pStrs("aliases"), pKillChains("kill_chain_phases")),
		"campaign":         withCheck(named(pStrs("aliases"), pTime("first_seen"), pTime("last_seen"), pStr("objective")), seen),
		"course-of-action": named(),
		"grouping": {kind: kindSDO, required: []string{"context", "object_refs"},
			props: []propSpec{pStr("name"), pStr("description"), pStr("context"), pRefsTo("object_refs")}},
		"identity": named(pStrs("roles"), pStr("identity_class"), pStrs("sectors"), pStr("contact_information")),
		"incident": named(pKillChains("kill_chain_phases")),
		"indicator": {kind: kindSDO, required: []string{"pattern", "pattern_type", "valid_from"},
			props: []propSpec{pStr("name"), pStr("description"), pStrs("indicator_types"), pStr("pattern"), pStr("pattern_type"),
				pStr("pattern_version"), pTime("valid_from"), pTime("valid_until"), pKillChains("kill_chain_phases")},
			check: func(v *validator) {
				v.order("valid_from", "valid_until", true)
				v.checkPattern()
			}},
		"infrastructure": withCheck(named(pStrs("infrastructure_types"), pStrs("aliases"), pKillChains("kill_chain_phases"),
			pTime("first_seen"), pTime("last_seen")), seen),
		"intrusion-set": withCheck(named(pStrs("aliases"), pTime("first_seen"), pTime("last_seen"), pStrs("goals"),
			pStr("resource_level"), pStr("primary_motivation"), pStrs("secondary_motivations")), seen),
		"location": {kind: kindSDO, props: []propSpec{pStr("name"), pStr("description"), pStr("region"), pStr("country"),
			pStr("administrative_area"), pStr("city"), pStr("street_address"), pStr("postal_code")}, check: checkLocation},
		"malware": {kind: kindSDO, required: []string{"is_family"},
			props: []propSpec{pStr("name"), pStr("description"), pStrs("malware_types"), pBoolean("is_family"), pStrs("aliases"),
				pKillChains("kill_chain_phases"), pTime("first_seen"), pTime("last_seen"), pRefsTo("operating_system_refs", "software"),
				pStrs("architecture_execution_envs"), pStrs("implementation_languages"), pStrs("capabilities"),
				pRefsTo("sample_refs", "file", "artifact")},
			check: func(v *validator) {
				seen(v)
				if fam, ok := v.m["is_family"].(bool); ok && fam {
					if _, ok := v.m["name"]; !ok {
						v.add("$.name", "is required when is_family is true")
					}
				}
			}},
		"malware-analysis": {kind: kindSDO, required: []string{"product"},
			props: []propSpec{pStr("product"), pStr("version"), pRefTo("host_vm_ref", "software"), pRefTo("operating_system_ref", "software"),
				pRefsTo("installed_software_refs", "software"), pStr("configuration_version"), pStrs("modules"), pStr("analysis_engine_version"),
				pStr("analysis_definition_version"), pTime("submitted"), pTime("analysis_started"), pTime("analysis_ended"),
				pStr("result_name"), pStr("result"), pRefsTo("analysis_sco_refs"), pRefTo("sample_ref")},
			check: func(v *validator) {
				_, res := v.m["result"]
				_, refs := v.m["analysis_sco_refs"]
				if !res && !refs {
					v.add("$", "must have result or analysis_sco_refs")
				}
				v.order("analysis_started", "analysis_ended", false)
			}},
		"note": {kind: kindSDO, required: []string{"content", "object_refs"},
			props: []propSpec{pStr("abstract"), pStr("content"), pStrs("authors"), pRefsTo("object_refs")}},
		"observed-data": {kind: kindSDO, required: []string{"first_observed", "last_observed", "number_observed"},
			props: []propSpec{pTime("first_observed"), pTime("last_observed"), pDictionary("objects"), pRefsTo("object_refs")},
			check: func(v *validator) {
				v.order("first_observed", "last_observed", false)
				v.integer("number_observed", 1, 999999999)
				_, objs := v.m["objects"]
				_, refs := v.m["object_refs"]
				if objs == refs {
					v.add("$.object_refs", "exactly one of object_refs or (deprecated) objects is required")
				}
			}},
		"opinion": {kind: kindSDO, required: []string{"object_refs", "opinion"},
			props: []propSpec{pStr("explanation"), pStrs("authors"), pStr("opinion"), pRefsTo("object_refs")},
			check: func(v *validator) {
				if op, ok := v.m["opinion"].(string); ok {
					switch op {
					case "strongly-disagree", "disagree", "neutral", "agree", "strongly-agree":
					default:
						v.add("$.opinion", "%q must be one of strongly-disagree, disagree, neutral, agree, strongly-agree", op)
					}
				}
			}},
		"report": {kind: kindSDO, required: []string{"name", "published", "object_refs"},
			props: []propSpec{pStr("name"), pStr("description"), pStrs("report_types"), pTime("published"), pRefsTo("object_refs")}},
		"threat-actor": withCheck(named(pStrs("threat_actor_types"), pStrs("aliases"), pTime("first_seen"), pTime("last_seen"),
			pStrs("roles"), pStrs("goals"), pStr("sophistication"), pStr("resource_level"), pStr("primary_motivation"),
			pStrs("secondary_motivations"), pStrs("personal_motivations")), seen),
		"tool":          named(pStrs("tool_types"), pStrs("aliases"), pKillChains("kill_chain_phases"), pStr("tool_version")),
		"vulnerability": named(),

		"relationship": {kind: kindSRO, required: []string{"relationship_type", "source_ref", "target_ref"},
			props: []propSpec{pStr("relationship_type"), pStr("description"), pTime("start_time"), pTime("stop_time")},
			check: func(v *validator) {
				if rt, ok := v.m["relationship_type"].(string); ok && !vocabRE.MatchString(rt) {
					v.add("$.relationship_type", "%q must contain only a-z, 0-9 and single hyphens", rt)
				}
				v.refNotTo("source_ref", nonSubjectTypes...)
				v.refNotTo("target_ref", nonSubjectTypes...)
				v.order("start_time", "stop_time", true)
			}},
		"sighting": {kind: kindSRO, required: []string{"sighting_of_ref"},
			props: []propSpec{pStr("description"), pTime("first_seen"), pTime("last_seen"), pBoolean("summary"),
				pRefsTo("observed_data_refs", "observed-data"), pRefsTo("where_sighted_refs", "identity", "location")},
			check: func(v *validator) {
				v.integer("count", 0, 999999999)
				v.refNotTo("sighting_of_ref", nonSubjectTypes...)
				seen(v)
			}},

		"marking-definition": {kind: kindMarking, props: []propSpec{pStr("name")}, check: checkMarking},

		"ipv4-addr": {kind: kindSCO, required: []string{"value"}, props: []propSpec{
			pRefsTo("resolves_to_refs", "mac-addr"), pRefsTo("belongs_to_refs", "autonomous-system")},
			check: func(v *validator) { v.address(false) }},
		"ipv6-addr": {kind: kindSCO, required: []string{"value"}, props: []propSpec{
			pRefsTo("resolves_to_refs", "mac-addr"), pRefsTo("belongs_to_refs", "autonomous-system")},
			check: func(v *validator) { v.address(true) }},
		"domain-name": {kind: kindSCO, required: []string{"value"}, props: []propSpec{pStr("value"),
			pRefsTo("resolves_to_refs", "ipv4-addr", "ipv6-addr", "domain-name")}},
		"url": {kind: kindSCO, required: []string{"value"}, props: []propSpec{pStr("value")},
			check: func(v *validator) {
				if u, ok := v.m["value"].(string); ok && !looksLikeURI(u) {
					v.add("$.value", "%q is not an absolute URL", u)
				}
			}},
		"email-addr": {kind: kindSCO, required: []string{"value"}, props: []propSpec{pStr("value"), pStr("display_name"),
			pRefTo("belongs_to_ref", "user-account")}},
		"file": {kind: kindSCO, props: []propSpec{pHash("hashes"), pStr("name"), pStr("name_enc"), pStr("magic_number_hex"),
			pStr("mime_type"), pTime("ctime"), pTime("mtime"), pTime("atime"), pRefTo("parent_directory_ref", "directory"),
			pRefsTo("contains_refs"), pRefTo("content_ref", "artifact")},
			check: func(v *validator) {
				_, hashes := v.m["hashes"]
				_, name := v.m["name"]
				if !hashes && !name {
					v.add("$", "a file must have hashes or name")
				}
				v.integer("size", 0, 1<<63-1)
			}},
		"network-traffic": {kind: kindSCO, required: []string{"protocols"},
			props: []propSpec{pTime("start"), pTime("end"), pBoolean("is_active"), pStrs("protocols"),
				pRefTo("src_ref", "ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
				pRefTo("dst_ref", "ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
				pDictionary("ipfix"), pRefTo("src_payload_ref", "artifact"), pRefTo("dst_payload_ref", "artifact"),
				pRefsTo("encapsulates_refs", "network-traffic"), pRefTo("encapsulated_by_ref", "network-traffic")},
			check: checkNetworkTraffic},
	}
}

func withCheck(t *typeSpec, f func(*validator)) *typeSpec {
	t.check = f
	return t
}

func (v *validator) address(six bool) {
	val, ok := v.m["value"].(string)
	if !ok {
		if _, present := v.m["value"]; present {
			v.add("$.value", "must be a string")
		}
		return
	}
	var (
		a   netip.Addr
		err error
	)
	if strings.Contains(val, "/") {
		var p netip.Prefix
		p, err = netip.ParsePrefix(val)
		a = p.Addr()
	} else {
		a, err = netip.ParseAddr(val)
	}
	switch {
	case err != nil, six && !a.Is6(), !six && !a.Is4():
		kind := "IPv4"
		if six {
			kind = "IPv6"
		}
		v.add("$.value", "%q is not an %s address or CIDR block", val, kind)
	case a.Zone() != "":
		v.add("$.value", "%q must not carry a zone", val)
	}
}

func checkLocation(v *validator) {
	v.number("latitude", -90, 90)
	v.number("longitude", -180, 180)
	v.number("precision", 0, 1e308)
	_, latP := v.m["latitude"]
	_, lonP := v.m["longitude"]
	_, precP := v.m["precision"]
	_, region := v.m["region"]
	_, country := v.m["country"]
	if latP != lonP {
		v.add("$", "latitude and longitude must be given together")
	}
	if precP && !(latP && lonP) {
		v.add("$.precision", "requires latitude and longitude")
	}
	if !region && !country && !(latP && lonP) {
		v.add("$", "a location must have region, country, or latitude and longitude")
	}
}

func checkNetworkTraffic(v *validator) {
	_, src := v.m["src_ref"]
	_, dst := v.m["dst_ref"]
	if !src && !dst {
		v.add("$", "network-traffic must have src_ref or dst_ref")
	}
	v.integer("src_port", 0, 65535)
	v.integer("dst_port", 0, 65535)
	for _, n := range []string{"src_byte_count", "dst_byte_count", "src_packets", "dst_packets"} {
		v.integer(n, 0, 1<<63-1)
	}
	active, _ := v.m["is_active"].(bool)
	if _, hasEnd := v.m["end"]; hasEnd && active {
		v.add("$.end", "must not be present when is_active is true")
	}
	v.order("start", "end", false)
	if ps, ok := v.m["protocols"].([]any); ok {
		for i, p := range ps {
			if s, ok := p.(string); ok && s != strings.ToLower(s) {
				v.add(index("$.protocols", i), "%q must be lowercase", s)
			}
		}
	}
}

// TLP markings. TLP 1.0 markings are predefined by STIX 2.1 (section
// 7.2.1.4); TLP 2.0 markings are published by the OASIS CTI TC as a property
// extension (cti-stix-common-objects, extension-definition-specifications/
// tlp-2.0).
const TLP2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// TLP2Markings maps each TLP 2.0 level to the id of its marking-definition.
var TLP2Markings = map[string]string{
	"clear":        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	"green":        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	"amber":        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	"amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	"red":          "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// TLP1Markings maps each TLP 1.0 level to its predefined marking-definition id.
var TLP1Markings = map[string]string{
	"white": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
	"green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
	"amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
	"red":   "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

// WellKnownMarking reports whether id is one of the TLP 1.0 or TLP 2.0
// marking definitions every STIX consumer knows without receiving it.
func WellKnownMarking(id string) bool {
	for _, m := range []map[string]string{TLP1Markings, TLP2Markings} {
		for _, x := range m {
			if x == id {
				return true
			}
		}
	}
	return false
}

func checkMarking(v *validator) {
	if _, ok := v.m["modified"]; ok {
		v.add("$.modified", "marking definitions are immutable and have no modified property")
	}
	if _, ok := v.m["revoked"]; ok {
		v.add("$.revoked", "marking definitions cannot be revoked")
	}
	id, _ := v.m["id"].(string)
	dt, hasDT := v.m["definition_type"]
	def, hasDef := v.m["definition"]
	ext, _ := v.m["extensions"].(map[string]any)
	tlp2, isTLP2 := ext[TLP2Extension].(map[string]any)

	if hasDT != hasDef {
		v.add("$", "definition_type and definition must be given together")
	}
	if !hasDT && !hasDef && len(ext) == 0 {
		v.add("$", "a marking definition needs definition_type and definition, or an extension")
	}
	if hasDT {
		dts, ok := dt.(string)
		if !ok {
			v.add("$.definition_type", "must be a string")
		}
		defm, ok := def.(map[string]any)
		if hasDef && !ok {
			v.add("$.definition", "must be a JSON object")
		}
		switch dts {
		case "statement":
			if _, ok := defm["statement"].(string); !ok && defm != nil {
				v.add("$.definition.statement", "is required and must be a string")
			}
		case "tlp":
			level, _ := defm["tlp"].(string)
			want, known := TLP1Markings[level]
			switch {
			case !known:
				v.add("$.definition.tlp", "must be white, green, amber or red")
			case id != want:
				v.add("$.id", "TLP:%s must use the predefined id %s", strings.ToUpper(level), want)
			}
		}
	}
	if isTLP2 {
		p := jsonPath("$.extensions", TLP2Extension)
		if et, _ := tlp2["extension_type"].(string); et != "property-extension" {
			v.add(p+".extension_type", `must be "property-extension" for the TLP 2.0 extension`)
		}
		level, _ := tlp2["tlp_2_0"].(string)
		want, known := TLP2Markings[level]
		switch {
		case !known:
			v.add(p+".tlp_2_0", "must be clear, green, amber, amber+strict or red")
		case id != want:
			v.add("$.id", "TLP:%s must use the published id %s", strings.ToUpper(level), want)
		}
	} else if _, present := ext[TLP2Extension]; present {
		v.add(jsonPath("$.extensions", TLP2Extension), "must be a JSON object")
	}
}
