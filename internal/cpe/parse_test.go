package cpe

import (
	"strings"
	"testing"
)

// TestParseFormattedString parses real-world names (NVD dictionary style)
// and checks the attributes and the canonical string.
func TestParseFormattedString(t *testing.T) {
	tests := []struct {
		in    string
		want  Name
		canon string // "" means the input is already canonical
	}{
		{
			in:   "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*",
			want: Name{"o", "fortinet", "fortios", "7.2.4", "*", "*", "*", "*", "*", "*", "*"},
		},
		{
			in:   "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*",
			want: Name{"a", "ivanti", "connect_secure", "22.7", "r2.3", "*", "*", "*", "*", "*", "*"},
		},
		{
			in:   "cpe:2.3:o:cisco:ios_xe:17.9.4a:*:*:*:*:*:*:*",
			want: Name{"o", "cisco", "ios_xe", "17.9.4a", "*", "*", "*", "*", "*", "*", "*"},
		},
		{
			in:   "cpe:2.3:o:microsoft:windows_server_2019:10.0.17763.5458:*:*:*:*:*:x64:*",
			want: Name{"o", "microsoft", "windows_server_2019", "10.0.17763.5458", "*", "*", "*", "*", "*", "x64", "*"},
		},
		{
			in:   "cpe:2.3:a:paloaltonetworks:pan-os:10.2.9:h1:*:*:*:*:*:*",
			want: Name{"a", "paloaltonetworks", "pan-os", "10.2.9", "h1", "*", "*", "*", "*", "*", "*"},
		},
		{
			in:   "cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-49.15:*:*:*:*:*:*:*",
			want: Name{"a", "citrix", "netscaler_application_delivery_controller", "13.1-49.15", "*", "*", "*", "*", "*", "*", "*"},
		},
		{
			in:   "cpe:2.3:a:microsoft:.net_framework:4.8:*:*:*:*:*:*:*",
			want: Name{"a", "microsoft", ".net_framework", "4.8", "*", "*", "*", "*", "*", "*", "*"},
		},
		{
			// NISTIR 7695 example: NA update, sw_edition/target_sw/target_hw set.
			in:   "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
			want: Name{"a", "hp", "insight_diagnostics", "7.4.0.1570", "-", "*", "*", "online", "win2003", "x64", "*"},
		},
		{
			// NISTIR 7695 example with escaped punctuation.
			in:   `cpe:2.3:a:foo\\bar:big\$money:2010:*:*:*:special:ipod_touch:80gb:*`,
			want: Name{"a", `foo\\bar`, `big\$money`, "2010", "*", "*", "*", "special", "ipod_touch", "80gb", "*"},
		},
		{
			// NVD writes IOS versions with escaped parentheses.
			in:   `cpe:2.3:o:cisco:ios:15.2\(4\)m11:*:*:*:*:*:*:*`,
			want: Name{"o", "cisco", "ios", `15.2\(4\)m11`, "*", "*", "*", "*", "*", "*", "*"},
		},
		{
			// Uppercase input is lowercased, as NVD does; the prefix is case-insensitive.
			in:    "CPE:2.3:O:Cisco:IOS_XE:17.9.4A:*:*:*:*:*:*:*",
			want:  Name{"o", "cisco", "ios_xe", "17.9.4a", "*", "*", "*", "*", "*", "*", "*"},
			canon: "cpe:2.3:o:cisco:ios_xe:17.9.4a:*:*:*:*:*:*:*",
		},
		{
			// Escaped "." "-" "_" are unescaped in the canonical form (NISTIR 7695 6.2.2.2).
			in:    `cpe:2.3:a:microsoft:\.net_framework:4\.8:*:*:*:*:*:*:*`,
			want:  Name{"a", "microsoft", ".net_framework", "4.8", "*", "*", "*", "*", "*", "*", "*"},
			canon: "cpe:2.3:a:microsoft:.net_framework:4.8:*:*:*:*:*:*:*",
		},
		{
			// A literal hyphen stays escaped: "-" alone would be NA.
			in:   `cpe:2.3:a:vendor:product:\-:*:*:*:*:*:*:*`,
			want: Name{"a", "vendor", "product", `\-`, "*", "*", "*", "*", "*", "*", "*"},
		},
		{
			// Wildcards at the ends (NISTIR 7695 5.3.2); escaped colon inside a value.
			in:   `cpe:2.3:a:vendor:pro\:duct:7.2.*:?:*x??:*:*:*:*:*`,
			want: Name{"a", "vendor", `pro\:duct`, "7.2.*", "?", "*x??", "*", "*", "*", "*", "*"},
		},
		{
			in:   "cpe:2.3:h:cisco:asa_5505:-:*:*:*:*:*:*:*",
			want: Name{"h", "cisco", "asa_5505", "-", "*", "*", "*", "*", "*", "*", "*"},
		},
		{
			in:    "  cpe:2.3:a:openbsd:openssh:9.3:p1:*:*:*:*:*:*\n",
			want:  Name{"a", "openbsd", "openssh", "9.3", "p1", "*", "*", "*", "*", "*", "*"},
			canon: "cpe:2.3:a:openbsd:openssh:9.3:p1:*:*:*:*:*:*",
		},
		{
			in:   "cpe:2.3:a:oracle:jdk:1.8.0:update_202:*:*:*:*:*:*",
			want: Name{"a", "oracle", "jdk", "1.8.0", "update_202", "*", "*", "*", "*", "*", "*"},
		},
		{
			in:   "cpe:2.3:*:*:*:*:*:*:en:*:*:*:*",
			want: Name{"*", "*", "*", "*", "*", "*", "en", "*", "*", "*", "*"},
		},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) =\n  %#v\nwant\n  %#v", tt.in, got, tt.want)
		}
		canon := tt.canon
		if canon == "" {
			canon = tt.in
		}
		if s := got.String(); s != canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, s, canon)
		}
		if again := MustParse(got.String()); again != got {
			t.Errorf("round trip of %q: %#v != %#v", tt.in, again, got)
		}
	}
}

// TestParseURI parses CPE 2.2 URIs, including the NISTIR 7695 examples.
func TestParseURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cpe:/o:cisco:ios:15.2(4)m11", `cpe:2.3:o:cisco:ios:15.2\(4\)m11:*:*:*:*:*:*:*`},
		{"cpe:/o:cisco:ios:15.2%284%29m11", `cpe:2.3:o:cisco:ios:15.2\(4\)m11:*:*:*:*:*:*:*`},
		{"cpe:/a:microsoft:internet_explorer:8.%02:sp%01", "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*"},
		{"cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~", "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*"},
		{"cpe:/a:hp:openview_network_manager:7.51:-:~~~linux~~", "cpe:2.3:a:hp:openview_network_manager:7.51:-:*:*:*:linux:*:*"},
		{"cpe:/a:foo%5cbar:big%24money_2010%07::~~special~ipod_touch~80gb~", ""}, // %07 is not printable: error
		{"cpe:/a:foo~bar:big%7emoney_2010", `cpe:2.3:a:foo\~bar:big\~money_2010:*:*:*:*:*:*:*:*`},
		{"cpe:/a:foo%5cbar:big%24money:2010::~~special~ipod_touch~80gb~", `cpe:2.3:a:foo\\bar:big\$money:2010:*:*:*:special:ipod_touch:80gb:*`},
		{"cpe:/a:microsoft:.net_framework:4.8", "cpe:2.3:a:microsoft:.net_framework:4.8:*:*:*:*:*:*:*"},
		{"cpe:/a:pulsesecure:pulse_connect_secure:9.1:r18.2", "cpe:2.3:a:pulsesecure:pulse_connect_secure:9.1:r18.2:*:*:*:*:*:*"},
		{"CPE:/O:Microsoft:Windows_7:-:SP1", "cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*"},
		{"cpe:/a:apache:http_server:2.4.58:::en-us", "cpe:2.3:a:apache:http_server:2.4.58:*:*:en-us:*:*:*:*"},
		{"cpe:/a:vendor:product:%2d", `cpe:2.3:a:vendor:product:\-:*:*:*:*:*:*:*`},
		{"cpe:/a", "cpe:2.3:a:*:*:*:*:*:*:*:*:*:*"},
		{"cpe:/", "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*"},
		{"cpe:/a:vendor:product:%02", "cpe:2.3:a:vendor:product:*:*:*:*:*:*:*:*"},
		{"cpe:/a:vendor:product:%01%01", "cpe:2.3:a:vendor:product:??:*:*:*:*:*:*:*"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if s := got.String(); s != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, s, tt.want)
		}
		if again := MustParse(got.String()); again != got {
			t.Errorf("round trip of %q: %#v != %#v", tt.in, again, got)
		}
	}
}

// TestParseErrors checks that bad names are refused with a message that
// names the attribute and the problem.
func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "neither a CPE 2.3 formatted string"},
		{"cpe:2.2:a:b:c", "neither a CPE 2.3 formatted string"},
		{"fortinet fortios 7.2.4", "neither"},
		{"cpe:2.3:a:fortinet:fortios:7.2.4", `has 6 components, want 13 ("cpe", "2.3" and 11 attributes); attribute "update" (component 7)`},
		{"cpe:2.3:a:fortinet:fortios:7.2.4:*:*:*:*:*:*:*:*", "has 14 components, want 13"},
		{"cpe:2.3:a:cisco:ios:15.2:4:m11:*:*:*:*:*:*", "has 14 components"},
		{"cpe:2.3:x:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", `attribute "part" (component 3): "x" is not a part`},
		{"cpe:2.3:ao:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", `attribute "part" (component 3)`},
		{"cpe:2.3:a:fortinet::7.2.4:*:*:*:*:*:*:*", `attribute "product" (component 5): empty value`},
		{"cpe:2.3:a:fortinet:fortios:7.2.4:*:*:*:*:*:*:", `attribute "other" (component 13): empty value`},
		{"cpe:2.3:a:fortinet:fortios:7.?.4:*:*:*:*:*:*:*", `attribute "version" (component 6): unquoted "?" inside the value`},
		{"cpe:2.3:a:fortinet:fortios:7.*.4:*:*:*:*:*:*:*", `attribute "version" (component 6): unquoted "*" inside the value`},
		{"cpe:2.3:a:fortinet:fortios:**:*:*:*:*:*:*:*", `attribute "version" (component 6): a value made only of wildcards`},
		{"cpe:2.3:a:fortinet:fortios:7.2**:*:*:*:*:*:*:*", `attribute "version" (component 6): unquoted "*" inside`},
		{"cpe:2.3:a:fortinet:fortios:?*:*:*:*:*:*:*:*", `attribute "version" (component 6): a value made only of wildcards`},
		{"cpe:2.3:o:cisco:ios:15.2(4)m11:*:*:*:*:*:*:*", `attribute "version" (component 6): unescaped "(" in "15.2(4)m11" (write "\\(")`},
		{"cpe:2.3:a:foo bar:x:1:*:*:*:*:*:*:*", `attribute "vendor" (component 4): invalid character ' '`},
		{"cpe:2.3:a:café:x:1:*:*:*:*:*:*:*", `attribute "vendor" (component 4): invalid character`},
		{`cpe:2.3:a:vendor:product:1\a:*:*:*:*:*:*:*`, `attribute "version" (component 6): escaped letter or digit "\\a"`},
		{`cpe:2.3:a:vendor:product:*:*:*:*:*:*:*:x\`, `attribute "other" (component 13): value "x\\" ends with a lone backslash`},
		{"cpe:/a:vendor:product:1:2:3:4:5", "URI has 8 components"},
		{"cpe:/x:vendor", `attribute "part" (URI component 1)`},
		{"cpe:/a:vendor:product:7.*", `attribute "version" (URI component 4): raw "*"`},
		{"cpe:/a:vendor:product:7.%0", `attribute "version" (URI component 4): bad percent-encoding "%0"`},
		{"cpe:/a:vendor:product:7.%zz", `bad percent-encoding "%zz"`},
		{"cpe:/a:vendor:product:7.%00", `percent-encoded byte %00`},
		{"cpe:/a:vendor:product:7%022", `attribute "version" (URI component 4): unquoted "*" inside the value`},
		{"cpe:/a:vendor:product:1::~a~b~c", `attribute "edition" (URI component 6): packed edition "~a~b~c" has 3`},
		{"cpe:/a:vendor:product:1::ed~ition", `raw "~"`},
		{"cpe:/a:vendor:product:1::~~~~~x%01y", `attribute "other" (packed in URI component 6): unquoted "?" inside`},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.in, got, tt.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "cpe: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse of a bad name did not panic")
		}
	}()
	MustParse("cpe:2.3:a")
}

func TestStringAndHelpers(t *testing.T) {
	n := Name{Part: "a", Vendor: "fortinet", Product: "fortios"}
	if got, want := n.String(), "cpe:2.3:a:fortinet:fortios:*:*:*:*:*:*:*:*"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := n.VendorProduct(); got != "fortinet:fortios" {
		t.Errorf("VendorProduct() = %q", got)
	}
	if got := (Name{}).VendorProduct(); got != "*:*" {
		t.Errorf("empty VendorProduct() = %q", got)
	}
	quotes := []struct{ literal, quoted string }{
		{"15.2(4)M11", `15.2\(4\)M11`},
		{"-", `\-`},
		{"a-b_c.d", "a-b_c.d"},
		{"*", `\*`},
		{`big$money`, `big\$money`},
		{"", ""},
	}
	for _, q := range quotes {
		if got := Quote(q.literal); got != q.quoted {
			t.Errorf("Quote(%q) = %q, want %q", q.literal, got, q.quoted)
		}
		if got := Unquote(q.quoted); got != q.literal {
			t.Errorf("Unquote(%q) = %q, want %q", q.quoted, got, q.literal)
		}
	}
	for i, name := range AttributeNames {
		var n Name
		*n.fields()[i] = "x"
		if n.Attributes()[i] != "x" {
			t.Errorf("attribute %d (%s): fields and Attributes disagree", i, name)
		}
	}
}
