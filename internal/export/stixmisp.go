package export

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/match"
)

// uuidFrom is a deterministic UUID (version 5 layout, SHA-256 based) for
// the given parts, so re-exports keep their ids.
func uuidFrom(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

const stixTime = "2006-01-02T15:04:05.000Z"

func stixTS(t time.Time) string { return t.UTC().Format(stixTime) }

// stixString quotes s as a STIX pattern string literal.
func stixString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// stixComparison is the pattern comparison of one value.
func stixComparison(k match.Kind, v string) string {
	var path string
	switch k {
	case match.KindIPv4, match.KindCIDR4:
		path = "ipv4-addr:value"
	case match.KindIPv6, match.KindCIDR6:
		path = "ipv6-addr:value"
	case match.KindDomain:
		path = "domain-name:value"
	case match.KindURL:
		path = "url:value"
	case match.KindEmail:
		path = "email-addr:value"
	case match.KindMD5:
		path = "file:hashes.MD5"
	case match.KindSHA1:
		path = "file:hashes.'SHA-1'"
	case match.KindSHA256:
		path = "file:hashes.'SHA-256'"
	case match.KindSHA512:
		path = "file:hashes.'SHA-512'"
	}
	return "[" + path + " = " + stixString(v) + "]"
}

type stixIndicator struct {
	Type        string   `json:"type"`
	SpecVersion string   `json:"spec_version"`
	ID          string   `json:"id"`
	Created     string   `json:"created"`
	Modified    string   `json:"modified"`
	Name        string   `json:"name,omitempty"`
	Pattern     string   `json:"pattern"`
	PatternType string   `json:"pattern_type"`
	PatternVer  string   `json:"pattern_version"`
	ValidFrom   string   `json:"valid_from"`
	ValidUntil  string   `json:"valid_until,omitempty"`
	Confidence  *int     `json:"confidence,omitempty"`
	MarkingRefs []string `json:"object_marking_refs,omitempty"`
}

// stix: a STIX 2.1 bundle with one indicator per STIX id (entries sharing
// an id, the atoms of one indicator, are joined with OR), the id kept,
// created = modified = valid_from = the indicator's modified time (or
// Generated when unknown), marked with the TLP 2.0 marking definition whose
// object is included. An entry whose valid_until is not after its
// modified time is skipped (STIX forbids it).
func writeSTIX(w *writer, ents []entry, o *Options, st *Stats) error {
	groups := map[string][]*entry{}
	var ids []string
	for i := range ents {
		e := &ents[i]
		id := e.ID
		if !validID(id) || !strings.HasPrefix(id, "indicator--") {
			id = "indicator--" + uuidFrom("sakimori-indicator", e.Kind.String(), e.Value, e.ID)
		}
		if groups[id] == nil {
			ids = append(ids, id)
		}
		groups[id] = append(groups[id], e)
	}
	slices.Sort(ids)
	tlps := map[marking.TLP]bool{}
	var objs []any
	for _, id := range ids {
		g := groups[id]
		in := stixIndicator{Type: "indicator", SpecVersion: "2.1", ID: id, PatternType: "stix", PatternVer: "2.1"}
		var mod time.Time
		var tlp marking.TLP
		conf := -1
		var vu *time.Time
		var pats []string
		for i, e := range g {
			if i == 0 {
				tlp = e.TLP
			} else {
				tlp = marking.Stricter(tlp, e.TLP) // invalid if any is invalid
			}
			if e.Modified.After(mod) {
				mod = e.Modified
			}
			conf = max(conf, e.Confidence)
			if in.Name == "" {
				in.Name = e.Name
			}
			if e.ValidUntil != nil && (vu == nil || e.ValidUntil.After(*vu)) {
				vu = e.ValidUntil
			}
			pats = append(pats, stixComparison(e.Kind, e.Value))
		}
		if mod.IsZero() {
			mod = o.Generated
		}
		mod = mod.Truncate(time.Millisecond)
		if vu != nil && !vu.Truncate(time.Millisecond).After(mod) {
			for _, e := range g {
				st.skip(e.Kind)
			}
			continue
		}
		in.Created, in.Modified, in.ValidFrom = stixTS(mod), stixTS(mod), stixTS(mod)
		if vu != nil {
			in.ValidUntil = stixTS(vu.Truncate(time.Millisecond))
		}
		if conf >= 0 && conf <= 100 {
			in.Confidence = &conf
		}
		if tlp.Valid() {
			in.MarkingRefs = []string{tlp.StixID()}
			tlps[tlp] = true
		}
		in.Pattern = strings.Join(pats, " OR ")
		objs = append(objs, in)
		st.Written += len(g)
	}
	var defs []any
	for _, t := range marking.TLPs {
		if tlps[t] {
			d, _ := t.StixDefinition()
			defs = append(defs, d)
		}
	}
	bundle := struct {
		Type    string `json:"type"`
		ID      string `json:"id"`
		Objects []any  `json:"objects"`
	}{"bundle", "bundle--" + uuidFrom("sakimori-bundle", o.Name, stixTS(o.Generated), strings.Join(ids, ",")), append(defs, objs...)}
	if bundle.Objects == nil {
		bundle.Objects = []any{}
	}
	b, err := json.MarshalIndent(bundle, "", " ")
	if err != nil {
		return err
	}
	w.line(string(b))
	return nil
}

// MISP attribute type and category per kind.
var mispTypes = map[match.Kind][2]string{
	match.KindIPv4: {"ip-dst", "Network activity"}, match.KindIPv6: {"ip-dst", "Network activity"},
	match.KindCIDR4: {"ip-dst", "Network activity"}, match.KindCIDR6: {"ip-dst", "Network activity"},
	match.KindDomain: {"domain", "Network activity"}, match.KindURL: {"url", "Network activity"},
	match.KindEmail: {"email-src", "Payload delivery"},
	match.KindMD5:   {"md5", "Payload delivery"}, match.KindSHA1: {"sha1", "Payload delivery"},
	match.KindSHA256: {"sha256", "Payload delivery"}, match.KindSHA512: {"sha512", "Payload delivery"},
}

// MISPEventSize is the most attributes one feed event holds.
const MISPEventSize = 10_000

type mispOrg struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

type mispTag struct {
	Name   string `json:"name"`
	Colour string `json:"colour"`
}

type mispAttribute struct {
	UUID      string `json:"uuid"`
	Type      string `json:"type"`
	Category  string `json:"category"`
	Value     string `json:"value"`
	ToIDS     bool   `json:"to_ids"`
	Timestamp string `json:"timestamp"`
	Comment   string `json:"comment"`
}

type mispEvent struct {
	UUID          string          `json:"uuid"`
	Info          string          `json:"info"`
	Date          string          `json:"date"`
	Analysis      string          `json:"analysis"`
	ThreatLevelID string          `json:"threat_level_id"`
	Timestamp     string          `json:"timestamp"`
	Published     bool            `json:"published"`
	Orgc          mispOrg         `json:"Orgc"`
	Tag           []mispTag       `json:"Tag,omitempty"`
	Attribute     []mispAttribute `json:"Attribute"`
}

type mispManifest struct {
	Info          string    `json:"info"`
	Date          string    `json:"date"`
	Analysis      int       `json:"analysis"`
	ThreatLevelID int       `json:"threat_level_id"`
	Timestamp     int64     `json:"timestamp"`
	Orgc          mispOrg   `json:"Orgc"`
	Tag           []mispTag `json:"Tag,omitempty"`
}

var tlpColours = map[marking.TLP]string{
	marking.TLPClear: "#ffffff", marking.TLPGreen: "#33ff00", marking.TLPAmber: "#ffc000",
	marking.TLPAmberStrict: "#ffc000", marking.TLPRed: "#ff2b2b",
}

// MISPFeed returns the files of a MISP feed directory: "manifest.json"
// (events keyed by uuid with info, date, analysis, threat_level_id,
// timestamp, Orgc and Tag), one "<uuid>.json" per event ({"Event": {...,
// "Attribute": [...]}}) and "hashes.csv" ("<md5 of value>,<event uuid>"
// lines). Indicators are grouped into one event per TLP label (tagged
// tlp:<label>), split every MISPEventSize attributes; event and attribute
// uuids are derived from the name, label and chunk (events) and from the
// indicator id, kind and value (attributes), so they are stable across
// exports. An event's timestamp is the latest modified time of its
// attributes. Values listed by several indicators become one attribute.
func MISPFeed(inds []match.Indicator, opt Options) (map[string][]byte, Stats, error) {
	o, err := opt.normalized(FormatMISPFeed)
	if err != nil {
		return nil, Stats{}, err
	}
	var st Stats
	ents := prepare(FormatMISPFeed, inds, &o, &st)
	files, err := mispFiles(ents, &o, &st)
	return files, st, err
}

func mispFiles(ents []entry, o *Options, st *Stats) (map[string][]byte, error) {
	byTLP := map[marking.TLP][]*entry{}
	for i := range ents {
		e := &ents[i]
		t := e.TLP
		if !t.Valid() {
			t = marking.TLPInvalid
		}
		byTLP[t] = append(byTLP[t], e)
	}
	org := mispOrg{Name: "sakimori", UUID: uuidFrom("sakimori-org", o.Source)}
	files := map[string][]byte{}
	manifest := map[string]mispManifest{}
	var hashes bytes.Buffer
	for _, t := range append([]marking.TLP{marking.TLPInvalid}, marking.TLPs...) {
		list := byTLP[t]
		var chunks [][]*entry
		for len(list) > 0 {
			n := min(len(list), MISPEventSize)
			chunks = append(chunks, list[:n])
			list = list[n:]
		}
		for ci, chunk := range chunks {
			label := "untagged"
			var tags []mispTag
			if t.Valid() {
				label = t.String()
				tags = []mispTag{{Name: "tlp:" + t.Name(), Colour: tlpColours[t]}}
			}
			ev := mispEvent{
				UUID:          uuidFrom("sakimori-misp-event", o.Name, label, strconv.Itoa(ci)),
				Info:          "sakimori " + o.Name + " " + label,
				Analysis:      "2",
				ThreatLevelID: "4",
				Published:     true,
				Orgc:          org,
				Tag:           tags,
			}
			if len(chunks) > 1 {
				ev.Info += " (" + strconv.Itoa(ci+1) + "/" + strconv.Itoa(len(chunks)) + ")"
			}
			var latest time.Time
			prevKind, prevVal := match.KindNone, ""
			for _, e := range chunk {
				st.Written++
				if e.Modified.After(latest) {
					latest = e.Modified
				}
				if e.Kind == prevKind && e.Value == prevVal {
					continue
				}
				prevKind, prevVal = e.Kind, e.Value
				mt := mispTypes[e.Kind]
				comment := e.ID
				if e.Name != "" {
					comment = e.Name + " (" + e.ID + ")"
				}
				ev.Attribute = append(ev.Attribute, mispAttribute{
					UUID: uuidFrom("sakimori-misp-attribute", e.ID, e.Kind.String(), e.Value),
					Type: mt[0], Category: mt[1], Value: e.Value, ToIDS: true,
					Timestamp: strconv.FormatInt(max(e.Modified.Unix(), 0), 10), Comment: comment,
				})
				sum := md5.Sum([]byte(e.Value))
				hashes.WriteString(hex.EncodeToString(sum[:]) + "," + ev.UUID + "\n")
			}
			if latest.IsZero() {
				latest = o.Generated
			}
			ts := max(latest.Unix(), 0)
			ev.Timestamp = strconv.FormatInt(ts, 10)
			ev.Date = time.Unix(ts, 0).UTC().Format("2006-01-02")
			b, err := json.MarshalIndent(map[string]mispEvent{"Event": ev}, "", " ")
			if err != nil {
				return nil, err
			}
			files[ev.UUID+".json"] = append(b, '\n')
			manifest[ev.UUID] = mispManifest{Info: ev.Info, Date: ev.Date, Analysis: 2, ThreatLevelID: 4, Timestamp: ts, Orgc: org, Tag: tags}
		}
	}
	b, err := json.MarshalIndent(manifest, "", " ")
	if err != nil {
		return nil, err
	}
	files["manifest.json"] = append(b, '\n')
	files["hashes.csv"] = hashes.Bytes()
	return files, nil
}

// writeMISPTar writes the feed's files as a gzipped tar (names sorted,
// times from Generated), byte-identical for identical input.
func writeMISPTar(w *writer, ents []entry, o *Options, st *Stats) error {
	files, err := mispFiles(ents, o, st)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	zw, _ := gzip.NewWriterLevel(wrapIO{w}, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	mt := o.Generated.UTC().Truncate(time.Second)
	if mt.Before(time.Unix(0, 0)) {
		mt = time.Unix(0, 0)
	}
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: mt, Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
			return err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
