// Package sbom reads software bills of materials in CycloneDX JSON
// (1.4 to 1.6) and SPDX JSON (2.2 and 2.3) into the registry's components,
// so that an operator can attach the software of a critical computer (or a
// vendor the software of a product) and vulnerabilities are matched against
// it. See docs/imports.md ("SBOM").
package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/cpe"
	"sakimori/internal/jsonpath"
	"sakimori/internal/registry"
)

// Document is what sakimori takes from an SBOM.
type Document struct {
	Format      string // "cyclonedx" | "spdx"
	SpecVersion string // "1.5", "2.3"
	// Subject is the product or device the SBOM describes: CycloneDX
	// metadata.component; SPDX the package the document DESCRIBES
	// (documentDescribes or a DESCRIBES relationship). It is not repeated
	// in Components.
	Subject registry.Component
	// Components is the software in it, nested CycloneDX components
	// flattened depth first, exact duplicates once.
	Components []registry.Component
	// Warnings name what was dropped, by JSON path: an invalid CPE or purl
	// (the component keeps its name and version), a component with neither
	// a name nor a CPE, an over-long value.
	Warnings []string
}

// Limits of registry.Component values (see registry.Computer.Validate).
const (
	maxName     = 500
	maxVersion  = 200
	maxSupplier = 500
	maxPURL     = 2000
)

// Parse reads a CycloneDX or SPDX JSON SBOM. The format is detected from
// bomFormat ("CycloneDX") or spdxVersion ("SPDX-2.x"). The error (an
// apperr invalid error naming the JSON path) is for input that is not such
// a document or has a value of the wrong JSON type; smaller problems are
// Warnings.
func Parse(data []byte) (*Document, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("<")):
		return nil, apperr.Invalid("", "XML SBOMs are not supported; export the SBOM as CycloneDX JSON or SPDX JSON")
	case bytes.HasPrefix(trimmed, []byte("SPDXVersion:")):
		return nil, apperr.Invalid("", "SPDX tag-value documents are not supported; export the SBOM as SPDX JSON")
	}
	var top any
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, apperr.Invalid("", "not a JSON SBOM: %v", err)
	}
	root, ok := top.(map[string]any)
	if !ok {
		return nil, apperr.Invalid("", "an SBOM is a JSON object, not %s", jsonpath.Kind(top))
	}
	o := jsonpath.Object{M: root, Path: ""}
	bf, err := o.Str("bomFormat")
	if err != nil {
		return nil, invalid(err)
	}
	sv, err := o.Str("spdxVersion")
	if err != nil {
		return nil, invalid(err)
	}
	d := &Document{Components: []registry.Component{}}
	switch {
	case bf != "":
		if bf != "CycloneDX" {
			return nil, apperr.Invalid("bomFormat", "is %q, want CycloneDX", clip(bf))
		}
		err = d.cycloneDX(o)
	case sv != "":
		err = d.spdx(o, sv)
	default:
		return nil, apperr.Invalid("", "not a CycloneDX (bomFormat) or SPDX (spdxVersion) JSON document")
	}
	if err != nil {
		return nil, invalid(err)
	}
	if len(d.Components) > registry.MaxComponents {
		return nil, apperr.Invalid("components", "%d components, at most %d", len(d.Components), registry.MaxComponents)
	}
	return d, nil
}

// invalid turns a value of the wrong JSON type (a *jsonpath.Error) into
// the apperr invalid error naming its path that Parse returns.
func invalid(err error) error {
	if pe, ok := err.(*jsonpath.Error); ok {
		return apperr.Invalid(pe.Path, "%s", pe.Msg)
	}
	return err
}

// add appends a component unless an identical one is there already.
func (d *Document) add(c registry.Component) {
	if !slices.Contains(d.Components, c) {
		d.Components = append(d.Components, c)
	}
}

// warn records a warning about the value at path.
func (d *Document) warn(path, format string, args ...any) {
	d.Warnings = append(d.Warnings, path+": "+fmt.Sprintf(format, args...))
}

// finish checks and canonicalises a component read at path; ok is false
// when it is dropped (with a warning).
func (d *Document) finish(c registry.Component, path string) (registry.Component, bool) {
	c.Name, c.Version, c.Supplier = strings.TrimSpace(c.Name), strings.TrimSpace(c.Version), strings.TrimSpace(c.Supplier)
	c.CPE, c.PURL = strings.TrimSpace(c.CPE), strings.TrimSpace(c.PURL)
	if c.CPE != "" {
		n, err := cpe.Parse(c.CPE)
		if err != nil {
			d.warn(path+".cpe", "invalid CPE dropped (name and version kept): %v", err)
			c.CPE = ""
		} else {
			c.CPE = n.String()
		}
	}
	if c.PURL != "" && (!strings.HasPrefix(c.PURL, "pkg:") || len(c.PURL) > maxPURL) {
		d.warn(path+".purl", "not a package URL (pkg:type/name@version, at most %d bytes); dropped", maxPURL)
		c.PURL = ""
	}
	if len(c.Supplier) > maxSupplier {
		d.warn(path, "the supplier is longer than %d bytes; dropped", maxSupplier)
		c.Supplier = ""
	}
	switch {
	case c.Name == "" && c.CPE == "":
		d.warn(path, "a component with neither a name nor a CPE is skipped")
		return c, false
	case len(c.Name) > maxName:
		d.warn(path+".name", "longer than %d bytes; the component is skipped", maxName)
		return c, false
	case len(c.Version) > maxVersion:
		d.warn(path+".version", "longer than %d bytes; the component is skipped", maxVersion)
		return c, false
	}
	return c, true
}

// cycloneDX reads a CycloneDX JSON BOM.
func (d *Document) cycloneDX(o jsonpath.Object) error {
	d.Format = "cyclonedx"
	sv, err := o.Str("specVersion")
	if err != nil {
		return err
	}
	switch sv {
	case "1.4", "1.5", "1.6":
	case "":
		return apperr.Invalid("specVersion", "is required")
	default:
		return apperr.Invalid("specVersion", "CycloneDX %q is not supported (1.4 to 1.6)", clip(sv))
	}
	d.SpecVersion = sv
	meta, ok, err := o.Obj("metadata")
	if err != nil {
		return err
	}
	if ok {
		mc, ok, err := meta.Obj("component")
		if err != nil {
			return err
		}
		if ok {
			c, err := cdxComponent(mc)
			if err != nil {
				return err
			}
			if c.Supplier == "" {
				// The BOM's supplier or manufacturer is the product's.
				for _, k := range []string{"supplier", "manufacturer", "manufacture"} {
					if e, ok, err := meta.Obj(k); err != nil {
						return err
					} else if ok {
						if c.Supplier, err = e.Str("name"); err != nil {
							return err
						}
						if strings.TrimSpace(c.Supplier) != "" {
							break
						}
					}
				}
			}
			if c, ok := d.finish(c, mc.Path); ok {
				d.Subject = c
			}
			if err := d.cdxComponents(mc); err != nil {
				return err
			}
		}
	}
	return d.cdxComponents(o)
}

// cdxComponents reads the components array of o, recursively.
func (d *Document) cdxComponents(o jsonpath.Object) error {
	list, path, err := o.Arr("components")
	if err != nil {
		return err
	}
	for i, x := range list {
		co, err := jsonpath.AsObject(x, jsonpath.Index(path, i))
		if err != nil {
			return err
		}
		c, err := cdxComponent(co)
		if err != nil {
			return err
		}
		if c, ok := d.finish(c, co.Path); ok {
			d.add(c)
		}
		if err := d.cdxComponents(co); err != nil {
			return err
		}
	}
	return nil
}

// cdxComponent reads the fields of a CycloneDX component.
func cdxComponent(o jsonpath.Object) (registry.Component, error) {
	var c registry.Component
	var err error
	if c.Name, err = o.Str("name"); err != nil {
		return c, err
	}
	if c.Version, err = o.Str("version"); err != nil {
		return c, err
	}
	if c.CPE, err = o.Str("cpe"); err != nil {
		return c, err
	}
	if c.PURL, err = o.Str("purl"); err != nil {
		return c, err
	}
	// Supplier: supplier.name, else publisher, else manufacturer.name.
	if s, ok, err := o.Obj("supplier"); err != nil {
		return c, err
	} else if ok {
		if c.Supplier, err = s.Str("name"); err != nil {
			return c, err
		}
	}
	if strings.TrimSpace(c.Supplier) == "" {
		if c.Supplier, err = o.Str("publisher"); err != nil {
			return c, err
		}
	}
	if strings.TrimSpace(c.Supplier) == "" {
		if m, ok, err := o.Obj("manufacturer"); err != nil {
			return c, err
		} else if ok {
			if c.Supplier, err = m.Str("name"); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

// spdx reads an SPDX 2.2 or 2.3 JSON document.
func (d *Document) spdx(o jsonpath.Object, sv string) error {
	d.Format = "spdx"
	switch sv {
	case "SPDX-2.2", "SPDX-2.3":
		d.SpecVersion = strings.TrimPrefix(sv, "SPDX-")
	default:
		return apperr.Invalid("spdxVersion", "%q is not supported (SPDX-2.2 or SPDX-2.3 JSON)", clip(sv))
	}
	docID, err := o.Str("SPDXID")
	if err != nil {
		return err
	}
	if docID == "" {
		docID = "SPDXRef-DOCUMENT"
	}
	// The described elements: documentDescribes, then DESCRIBES (and
	// DESCRIBED_BY) relationships of the document.
	var described []string
	list, path, err := o.Arr("documentDescribes")
	if err != nil {
		return err
	}
	for i, x := range list {
		s, ok := x.(string)
		if !ok {
			return apperr.Invalid(jsonpath.Index(path, i), "must be a string, not %s", jsonpath.Kind(x))
		}
		described = append(described, s)
	}
	rels, rpath, err := o.Arr("relationships")
	if err != nil {
		return err
	}
	for i, x := range rels {
		r, err := jsonpath.AsObject(x, jsonpath.Index(rpath, i))
		if err != nil {
			return err
		}
		var f [3]string
		for k, key := range []string{"spdxElementId", "relationshipType", "relatedSpdxElement"} {
			if f[k], err = r.Str(key); err != nil {
				return err
			}
		}
		switch {
		case f[1] == "DESCRIBES" && f[0] == docID:
			described = append(described, f[2])
		case f[1] == "DESCRIBED_BY" && f[2] == docID:
			described = append(described, f[0])
		}
	}
	subject := ""
	if len(described) > 0 {
		subject = described[0]
	}
	pkgs, ppath, err := o.Arr("packages")
	if err != nil {
		return err
	}
	found := false
	for i, x := range pkgs {
		po, err := jsonpath.AsObject(x, jsonpath.Index(ppath, i))
		if err != nil {
			return err
		}
		id, c, err := spdxPackage(po, d)
		if err != nil {
			return err
		}
		c, ok := d.finish(c, po.Path)
		switch {
		case id == subject && subject != "" && !found:
			found = true
			if ok {
				d.Subject = c
			}
		case ok:
			d.add(c)
		}
	}
	if subject != "" && !found {
		d.warn("documentDescribes", "the described element %q is not a package; the document has no subject", clip(subject))
	}
	return nil
}

// spdxPackage reads an SPDX package: its SPDXID and component.
func spdxPackage(o jsonpath.Object, d *Document) (string, registry.Component, error) {
	var c registry.Component
	id, err := o.Str("SPDXID")
	if err != nil {
		return "", c, err
	}
	if c.Name, err = o.Str("name"); err != nil {
		return "", c, err
	}
	if c.Version, err = o.Str("versionInfo"); err != nil {
		return "", c, err
	}
	if c.Version == "NOASSERTION" || c.Version == "NONE" {
		c.Version = ""
	}
	for _, k := range []string{"supplier", "originator"} {
		s, err := o.Str(k)
		if err != nil {
			return "", c, err
		}
		if c.Supplier = spdxActor(s); c.Supplier != "" {
			break
		}
	}
	refs, path, err := o.Arr("externalRefs")
	if err != nil {
		return "", c, err
	}
	for i, x := range refs {
		r, err := jsonpath.AsObject(x, jsonpath.Index(path, i))
		if err != nil {
			return "", c, err
		}
		var f [3]string
		for k, key := range []string{"referenceCategory", "referenceType", "referenceLocator"} {
			if f[k], err = r.Str(key); err != nil {
				return "", c, err
			}
		}
		cat := strings.ToUpper(strings.ReplaceAll(f[0], "_", "-"))
		loc := strings.TrimSpace(f[2])
		switch {
		case cat == "SECURITY" && (f[1] == "cpe23Type" || f[1] == "cpe22Type"):
			if c.CPE != "" {
				continue // the first valid CPE is used
			}
			if n, err := cpe.Parse(loc); err != nil {
				d.warn(r.At("referenceLocator"), "invalid CPE dropped (name and version kept): %v", err)
			} else {
				c.CPE = n.String()
			}
		case cat == "PACKAGE-MANAGER" && f[1] == "purl":
			if c.PURL == "" {
				c.PURL = loc
			}
		}
	}
	return id, c, nil
}

// spdxActor returns the name of an SPDX actor ("Organization: Example Inc.
// (security@example.com)" gives "Example Inc."); "" for NOASSERTION.
func spdxActor(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || s == "NOASSERTION" || s == "NONE" {
		return ""
	}
	for _, p := range []string{"Organization:", "Person:", "Tool:"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	if i := strings.LastIndex(s, "("); i > 0 && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "..."
	}
	return s
}
