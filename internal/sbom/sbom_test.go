package sbom

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/cpe"
	"sakimori/internal/registry"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkComponents checks that a computer accepts the components.
func checkComponents(t *testing.T, d *Document) {
	t.Helper()
	c := registry.Computer{Ref: "r", Name: "n", Function: registry.FunctionVPN, Vendor: "v", Product: "p", ProductVersion: "1",
		Site: "s", Business: "b", Equipment: "e", Components: d.Components}
	c.Normalize()
	if err := c.Validate(); err != nil {
		t.Errorf("components do not validate: %v", err)
	}
}

func TestParseCycloneDX(t *testing.T) {
	d, err := Parse(readFixture(t, "cyclonedx-sslvpn-firmware.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Document{
		Format:      "cyclonedx",
		SpecVersion: "1.5",
		// No supplier on the component: the BOM's.
		Subject: registry.Component{Name: "KumoGate SG-500 SSL-VPN firmware", Version: "7.2.4", Supplier: "Kumotori Networks K.K.",
			CPE: "cpe:2.3:o:kumotori:kumoos:7.2.4:*:*:*:*:*:*:*", PURL: "pkg:generic/kumotori/kumoos@7.2.4"},
		Components: []registry.Component{
			{Name: "openssl", Version: "3.0.7", Supplier: "OpenSSL Software Foundation", CPE: "cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*", PURL: "pkg:generic/openssl@3.0.7"},
			{Name: "openssh", Version: "9.3p1", Supplier: "OpenBSD", CPE: "cpe:2.3:a:openbsd:openssh:9.3:p1:*:*:*:*:*:*", PURL: "pkg:generic/openssh@9.3p1"},
			{Name: "busybox", Version: "1.36.1", Supplier: "BusyBox", CPE: "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*", PURL: "pkg:generic/busybox@1.36.1"},
			{Name: "sslvpnd", Version: "7.2.4", Supplier: "Kumotori Networks K.K."},
			// Nested in sslvpnd.
			{Name: "libxml2", Version: "2.10.3", CPE: "cpe:2.3:a:xmlsoft:libxml2:2.10.3:*:*:*:*:*:*:*"},
			{Name: "zlib", Version: "1.2.13", PURL: "pkg:generic/zlib@1.2.13"},
			// The invalid CPE is dropped, name and version kept.
			{Name: "lighttpd", Version: "1.4.69"},
			{Name: "linux", Version: "5.15.120", CPE: "cpe:2.3:o:linux:linux_kernel:5.15.120:*:*:*:*:*:*:*"},
		},
		Warnings: []string{
			`components[4].cpe: invalid CPE dropped (name and version kept): cpe: formatted string has 6 components, want 13 ("cpe", "2.3" and 11 attributes); attribute "update" (component 7) and any after it are missing`,
		},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got\n%+v\nwant\n%+v", d, want)
	}
	checkComponents(t, d)
}

func TestParseSPDX(t *testing.T) {
	d, err := Parse(readFixture(t, "spdx-auth-server.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Document{
		Format:      "spdx",
		SpecVersion: "2.3",
		// The package the document DESCRIBES; not repeated in Components.
		Subject: registry.Component{Name: "Kumotori AuthServer", Version: "4.1.0", Supplier: "Kumotori Networks K.K.",
			CPE: "cpe:2.3:a:kumotori:authserver:4.1.0:*:*:*:*:*:*:*"},
		Components: []registry.Component{
			{Name: "openldap", Version: "2.6.4", Supplier: "OpenLDAP Foundation", CPE: "cpe:2.3:a:openldap:openldap:2.6.4:*:*:*:*:*:*:*", PURL: "pkg:generic/openldap@2.6.4"},
			// The CPE 2.2 URI in 2.3 form.
			{Name: "krb5", Version: "1.20.1", Supplier: "MIT", CPE: "cpe:2.3:a:mit:kerberos_5:1.20.1:*:*:*:*:*:*:*"},
			// Supplier NOASSERTION: the originator.
			{Name: "freeradius", Version: "3.2.3+dfsg-1", Supplier: "The FreeRADIUS Server Project", PURL: "pkg:deb/debian/freeradius@3.2.3%2Bdfsg-1?arch=amd64"},
			{Name: "ldap3", Version: "2.9.1", Supplier: "Giovanni Cannata", PURL: "pkg:pypi/ldap3@2.9.1"},
		},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got\n%+v\nwant\n%+v", d, want)
	}
	checkComponents(t, d)
}

func TestParseVariants(t *testing.T) {
	tests := []struct {
		name string
		data string
		want *Document
	}{
		{
			name: "SPDX 2.2 documentDescribes",
			data: `{"spdxVersion":"SPDX-2.2","SPDXID":"SPDXRef-DOCUMENT","documentDescribes":["SPDXRef-b"],"packages":[
				{"SPDXID":"SPDXRef-a","name":"a","versionInfo":"NOASSERTION","externalRefs":[{"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"bad"},{"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:x:a:1:*:*:*:*:*:*:*"}]},
				{"SPDXID":"SPDXRef-b","name":"b","versionInfo":"2","supplier":"Person: Jane Doe (jane@example.com)"}]}`,
			want: &Document{Format: "spdx", SpecVersion: "2.2", Subject: registry.Component{Name: "b", Version: "2", Supplier: "Jane Doe"},
				Components: []registry.Component{{Name: "a", CPE: "cpe:2.3:a:x:a:1:*:*:*:*:*:*:*"}},
				Warnings:   []string{`packages[0].externalRefs[0].referenceLocator: invalid CPE dropped (name and version kept): cpe: "bad" is neither a CPE 2.3 formatted string ("cpe:2.3:...") nor a CPE 2.2 URI ("cpe:/...")`}},
		},
		{
			name: "SPDX DESCRIBED_BY, no subject package",
			data: `{"spdxVersion":"SPDX-2.3","relationships":[{"spdxElementId":"SPDXRef-File-x","relationshipType":"DESCRIBED_BY","relatedSpdxElement":"SPDXRef-DOCUMENT"}],"packages":[{"SPDXID":"SPDXRef-a","name":"a"}]}`,
			want: &Document{Format: "spdx", SpecVersion: "2.3", Components: []registry.Component{{Name: "a"}},
				Warnings: []string{`documentDescribes: the described element "SPDXRef-File-x" is not a package; the document has no subject`}},
		},
		{
			name: "CycloneDX 1.6 manufacturer, duplicates, nameless",
			data: `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"name":"dev","components":[{"name":"inner","version":"1"}]}},"components":[
				{"name":"a","version":"1","manufacturer":{"name":"ACME"}},{"name":"a","version":"1","manufacturer":{"name":"ACME"}},
				{"version":"2"},{"cpe":"cpe:/a:x:y:3"},{"name":"p","purl":"npm/left-pad@1.3.0"}]}`,
			want: &Document{Format: "cyclonedx", SpecVersion: "1.6", Subject: registry.Component{Name: "dev"},
				Components: []registry.Component{{Name: "inner", Version: "1"}, {Name: "a", Version: "1", Supplier: "ACME"}, {CPE: "cpe:2.3:a:x:y:3:*:*:*:*:*:*:*"}, {Name: "p"}},
				Warnings: []string{
					"components[2]: a component with neither a name nor a CPE is skipped",
					"components[4].purl: not a package URL (pkg:type/name@version, at most 2000 bytes); dropped",
				}},
		},
		{
			name: "CycloneDX without metadata",
			data: "\ufeff" + `{"bomFormat":"CycloneDX","specVersion":"1.4","components":[]}`,
			want: &Document{Format: "cyclonedx", SpecVersion: "1.4", Components: []registry.Component{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d, tt.want) {
				t.Errorf("got\n%+v\nwant\n%+v", d, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, data, field, msg string }{
		{"not json", `{"bomFormat":`, "", "not a JSON SBOM"},
		{"array", `[]`, "", "an SBOM is a JSON object, not an array"},
		{"neither", `{"name":"x"}`, "", "not a CycloneDX (bomFormat) or SPDX (spdxVersion) JSON document"},
		{"xml", `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>`, "", "XML SBOMs are not supported"},
		{"tag-value", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "", "SPDX tag-value documents are not supported"},
		{"other bomFormat", `{"bomFormat":"SWID"}`, "bomFormat", `is "SWID", want CycloneDX`},
		{"old CycloneDX", `{"bomFormat":"CycloneDX","specVersion":"1.3"}`, "specVersion", `CycloneDX "1.3" is not supported (1.4 to 1.6)`},
		{"no specVersion", `{"bomFormat":"CycloneDX"}`, "specVersion", "is required"},
		{"SPDX 3", `{"spdxVersion":"SPDX-3.0"}`, "spdxVersion", `"SPDX-3.0" is not supported (SPDX-2.2 or SPDX-2.3 JSON)`},
		{"components type", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":{}}`, "components", "must be an array, not an object"},
		{"nested name type", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"a","components":[{"name":1}]}]}`,
			"components[0].components[0].name", "must be a string, not a number"},
		{"component type", `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[[]]}`, "components[0]", "must be an object, not an array"},
		{"supplier type", `{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"name":"a","supplier":"ACME"}}}`,
			"metadata.component.supplier", "must be an object, not a string"},
		{"version type", `{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","versionInfo":2}]}`, "packages[0].versionInfo", "must be a string, not a number"},
		{"refs type", `{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","externalRefs":[{"referenceLocator":true}]}]}`,
			"packages[0].externalRefs[0].referenceLocator", "must be a string, not a boolean"},
		{"describes type", `{"spdxVersion":"SPDX-2.3","documentDescribes":[1]}`, "documentDescribes[0]", "must be a string, not a number"},
		{"relationship type", `{"spdxVersion":"SPDX-2.3","relationships":[{"relationshipType":null,"spdxElementId":5}]}`,
			"relationships[0].spdxElementId", "must be a string, not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.data))
			if err == nil {
				t.Fatalf("no error: %+v", d)
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.CodeInvalid {
				t.Fatalf("not an invalid error: %v", err)
			}
			if ae.Field != tt.field || !strings.HasPrefix(ae.Message, tt.msg) {
				t.Errorf("field %q message %q, want %q %q", ae.Field, ae.Message, tt.field, tt.msg)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	long := strings.Repeat("x", 600)
	d, err := Parse([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
		{"name":"` + long + `"},{"name":"a","version":"` + long + `"},{"name":"b","supplier":{"name":"` + long + `"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"components[0].name: longer than 500 bytes; the component is skipped",
		"components[1].version: longer than 200 bytes; the component is skipped",
		"components[2]: the supplier is longer than 500 bytes; dropped",
	}
	if !reflect.DeepEqual(d.Warnings, want) || !reflect.DeepEqual(d.Components, []registry.Component{{Name: "b"}}) {
		t.Errorf("%+v", d)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"cyclonedx-sslvpn-firmware.json", "spdx-auth-server.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"spdxVersion":"SPDX-2.2","documentDescribes":["a"],"packages":[{"SPDXID":"a","name":"a","externalRefs":[{"referenceCategory":"SECURITY","referenceType":"cpe22Type","referenceLocator":"cpe:/a:b:c"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			if d != nil {
				t.Fatal("a document with an error")
			}
			return
		}
		if d.Format != "cyclonedx" && d.Format != "spdx" {
			t.Fatalf("format %q", d.Format)
		}
		for _, c := range append([]registry.Component{d.Subject}, d.Components...) {
			if c.CPE != "" {
				n, err := cpe.Parse(c.CPE)
				if err != nil || n.String() != c.CPE {
					t.Fatalf("cpe %q: %v", c.CPE, err)
				}
			}
		}
		for _, c := range d.Components {
			if c.Name == "" && c.CPE == "" {
				t.Fatalf("empty component")
			}
		}
		checkComponents(t, d)
	})
}
