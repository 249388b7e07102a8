package registry

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

const englishHeader = "ref,name,function,vendor,product,version,cpe,site,overseas,internet_facing,business,equipment,in_service,management,contractor,subcontractor,excluded,exclusion_note,notes"

// vpnRow is a valid row under englishHeader.
const vpnRow = `FW-001,本社SSL-VPN装置,vpn,Fortinet,FortiGate,7.2.4,,東京本社,false,true,電気事業,中央給電指令所,2023-04-01,in_house,,,false,,`

func problemStrings(ps []ImportProblem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestParseCSVEnglish(t *testing.T) {
	in := englishHeader + "\n" + vpnRow + "\n" +
		`AUTH-01,"Authentication server, primary",authentication,Microsoft,Windows Server,2022,cpe:/o:microsoft:windows_server_2022,大阪DC,no,no,電気事業,需給管理システム,,outsourced,Example Systems,Sub Example,0,,"line one` + "\n" + `line two"` + "\n" +
		`OT-GW,制御系GW,control_gateway,Cisco,IOS XE,17.9.4a,,Singapore DC,yes,0,ガス事業,製造設備,2020-10-01,in_house,,,true,法定除外 1号,` + "\n"
	cs, probs, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Fatalf("problems %q", problemStrings(probs))
	}
	want := []Computer{
		{Ref: "FW-001", Name: "本社SSL-VPN装置", Function: FunctionVPN, Vendor: "Fortinet", Product: "FortiGate", ProductVersion: "7.2.4",
			Site: "東京本社", InternetFacing: true, Business: "電気事業", Equipment: "中央給電指令所", InService: "2023-04-01",
			Management: ManagedInHouse, Components: []Component{}},
		{Ref: "AUTH-01", Name: "Authentication server, primary", Function: FunctionAuthentication, Vendor: "Microsoft", Product: "Windows Server",
			ProductVersion: "2022", CPE: "cpe:2.3:o:microsoft:windows_server_2022:*:*:*:*:*:*:*:*", Site: "大阪DC", Business: "電気事業",
			Equipment: "需給管理システム", Management: ManagedOutsourced, Contractor: "Example Systems", Subcontractor: "Sub Example",
			Notes: "line one\nline two", Components: []Component{}},
		{Ref: "OT-GW", Name: "制御系GW", Function: FunctionControlGateway, Vendor: "Cisco", Product: "IOS XE", ProductVersion: "17.9.4a",
			Site: "Singapore DC", Overseas: true, Business: "ガス事業", Equipment: "製造設備", InService: "2020-10-01", Management: ManagedInHouse,
			Excluded: true, ExclusionNote: "法定除外 1号", Components: []Component{}},
	}
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("got\n%+v\nwant\n%+v", cs, want)
	}
}

func TestParseCSVJapanese(t *testing.T) {
	// Japanese headers in another order, a byte-order mark, Japanese
	// labels, full-width and half-width forms, a slash date, spaces.
	in := "\ufeff 管理番号 ,名称,機能,ベンダー,製品,バージョン,設置場所,特定社会基盤事業,特定重要設備,海外,インターネット公開,運用開始日,管理形態,委託先,再委託先,除外,除外理由,備考,CPE\r\n" +
		"RA-01,保守用リモートアクセス,ﾘﾓｰﾄｱｸｾｽ,Ivanti,Connect Secure, 22.7R2.3 ,名古屋,鉄道事業,運行管理システム,いいえ,はい,2024/4/1,委託,保守ベンダー株式会社,,いいえ,,夜間のみ使用,\r\n" +
		"AUTH-02,RADIUS,認証サーバー,FreeRADIUS,FreeRADIUS,3.2.3,札幌,鉄道事業,運行管理システム,ＹＥＳ,１,2019-07-01,自社,,,いいえ,,,\r\n" +
		"X-1, \"その他の装置\",その他,Example,Box,1.0,福岡,鉄道事業,運行管理システム,,,,,,,,,,\r\n"
	cs, probs, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Fatalf("problems %q", problemStrings(probs))
	}
	want := []Computer{
		{Ref: "RA-01", Name: "保守用リモートアクセス", Function: FunctionRemoteAccess, Vendor: "Ivanti", Product: "Connect Secure", ProductVersion: "22.7R2.3",
			Site: "名古屋", InternetFacing: true, Business: "鉄道事業", Equipment: "運行管理システム", InService: "2024-04-01",
			Management: ManagedOutsourced, Contractor: "保守ベンダー株式会社", Notes: "夜間のみ使用", Components: []Component{}},
		{Ref: "AUTH-02", Name: "RADIUS", Function: FunctionAuthentication, Vendor: "FreeRADIUS", Product: "FreeRADIUS", ProductVersion: "3.2.3",
			Site: "札幌", Overseas: true, InternetFacing: true, Business: "鉄道事業", Equipment: "運行管理システム", InService: "2019-07-01",
			Management: ManagedInHouse, Components: []Component{}},
		{Ref: "X-1", Name: "その他の装置", Function: FunctionOther, Vendor: "Example", Product: "Box", ProductVersion: "1.0",
			Site: "福岡", Business: "鉄道事業", Equipment: "運行管理システム", Management: ManagedInHouse, Components: []Component{}},
	}
	if !reflect.DeepEqual(cs, want) {
		t.Errorf("got\n%+v\nwant\n%+v", cs, want)
	}
}

func TestParseCSVShiftJIS(t *testing.T) {
	utf := "管理番号,名称,機能,ベンダー,製品,バージョン,設置場所,特定社会基盤事業,特定重要設備\r\n" +
		"VPN-9,拠点VPN,VPN,Fortinet,FortiGate,7.4.2,横浜,電気事業,変電所監視\r\n"
	sjis, err := japanese.ShiftJIS.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	cs, probs, err := ParseCSV(strings.NewReader(sjis))
	if err != nil || len(probs) != 0 || len(cs) != 1 {
		t.Fatalf("%v %q %+v", err, problemStrings(probs), cs)
	}
	if c := cs[0]; c.Name != "拠点VPN" || c.Site != "横浜" || c.Function != FunctionVPN || c.Equipment != "変電所監視" {
		t.Errorf("%+v", c)
	}
}

func TestParseCSVProblems(t *testing.T) {
	tests := []struct {
		name string
		row  string // under englishHeader
		want string // the problem; the row is not imported
	}{
		{"bad function", strings.Replace(vpnRow, ",vpn,", ",firewall,", 1),
			`row 2: function: "firewall" is not a function (vpn, authentication, remote_access, control_gateway, other; VPN, 認証サーバ, リモートアクセス, 制御系ゲートウェイ, その他)`},
		{"no function", strings.Replace(vpnRow, ",vpn,", ",,", 1),
			"row 2: function: must be one of vpn, authentication, remote_access, control_gateway, other"},
		{"bad boolean", strings.Replace(vpnRow, ",false,true,", ",false,maybe,", 1),
			`row 2: internet_facing: "maybe" is not a yes/no value (true/false, yes/no, 1/0, はい/いいえ)`},
		{"bad management", strings.Replace(vpnRow, ",in_house,", ",cloud,", 1),
			`row 2: management: "cloud" is not a management (in_house, outsourced; 自社, 委託)`},
		{"no version", strings.Replace(vpnRow, ",7.2.4,", ", ,", 1), "row 2: version: is required"},
		{"no site", strings.Replace(vpnRow, ",東京本社,", ",,", 1), "row 2: site: is required"},
		{"outsourced without contractor", strings.Replace(vpnRow, ",in_house,", ",outsourced,", 1),
			"row 2: contractor: is required when the computer is outsourced"},
		{"excluded without note", strings.Replace(vpnRow, ",false,,", ",true,,", 1), "row 2: exclusion_note: say which designated exclusion applies"},
		{"bad date", strings.Replace(vpnRow, ",2023-04-01,", ",令和5年4月1日,", 1), "row 2: in_service: must be a date YYYY-MM-DD"},
		{"bad cpe", strings.Replace(vpnRow, ",7.2.4,,", ",7.2.4,cpe:2.3:o:fortinet,", 1), "row 2: cpe: cpe: formatted string has 4 components"},
		{"cpe without product", strings.Replace(vpnRow, ",7.2.4,,", ",7.2.4,cpe:2.3:o:fortinet:*:*:*:*:*:*:*:*:*,", 1),
			"row 2: cpe: must name the part, vendor and product"},
		{"too few fields", "FW-001,x,vpn", "row 2: has 3 fields, the header has 19"},
		{"bad quote", `FW-001,"a"b,vpn,Fortinet,FortiGate,7.2.4,,東京本社,false,true,電気事業,中央給電指令所,,,,,,,`, `row 2: not valid CSV: extraneous or missing " in quoted-field`},
		{"too long", strings.Replace(vpnRow, "本社SSL-VPN装置", strings.Repeat("長", 201), 1), "row 2: name: must be valid text of at most 200 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, probs, err := ParseCSV(strings.NewReader(englishHeader + "\n" + tt.row + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 0 {
				t.Errorf("imported %+v", cs)
			}
			if got := problemStrings(probs); len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseCSVRows(t *testing.T) {
	// Good rows are kept around bad ones; rows are numbered as in a
	// spreadsheet (a multi-line cell is one row, blank rows count); a
	// Japanese header names the column in the problem.
	in := "管理番号,名称,機能,ベンダー,製品,バージョン,設置場所,特定社会基盤事業,特定重要設備\n" +
		"A-1,one,vpn,Fortinet,FortiGate,7.2.4,東京,電気事業,設備\n" +
		"A-2,\"two\nlines\",vpn,Fortinet,FortiGate,,東京,電気事業,設備\n" +
		",,,,,,,,\n" +
		"A-1,again,vpn,Fortinet,FortiGate,7.2.5,東京,電気事業,設備\n" +
		"A-3,three,VPN,Fortinet,FortiGate,7.4.1,東京,電気事業,設備\n"
	cs, probs, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []ImportProblem{
		{Row: 3, Field: "バージョン", Message: "is required"},
		{Row: 5, Field: "管理番号", Message: `ref "A-1" is already used by row 2`},
	}
	if !reflect.DeepEqual(probs, want) {
		t.Errorf("problems %q", problemStrings(probs))
	}
	if len(cs) != 2 || cs[0].Ref != "A-1" || cs[1].Ref != "A-3" {
		t.Errorf("computers %+v", cs)
	}
}

func TestParseCSVHeaderErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "the file is empty"},
		{"only a BOM", "\ufeff", "the file is empty"},
		{"unknown", "ref,name,function,vendor,product,version,site,business,equipment,owner,\n",
			`unknown columns "owner" (column 10), "" (column 11)`},
		{"missing", "ref,名称,function,product,notes\n", "missing required columns: vendor, version, site, business, equipment"},
		{"twice", "ref,name,名称,function,vendor,product,version,site,business,equipment\n", `columns given twice: "名称" (columns 2 and 3)`},
		{"bad header", "ref,\"name\n", "the header row is not valid CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseCSV(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	// Case and spelling of the English names do not matter.
	cs, probs, err := ParseCSV(strings.NewReader("REF,Name,Function,Vendor,Product,Version,Site,Business,Equipment,Internet-Facing,In Service\n" +
		"A-1,one,vpn,Fortinet,FortiGate,7.2.4,東京,電気事業,設備,yes,2024-01-31\n"))
	if err != nil || len(probs) != 0 || len(cs) != 1 || !cs[0].InternetFacing || cs[0].InService != "2024-01-31" {
		t.Errorf("%v %q %+v", err, problemStrings(probs), cs)
	}
}

func TestWriteCSV(t *testing.T) {
	cs := []Computer{
		{Ref: "FW-001", Name: "本社SSL-VPN装置", Function: FunctionVPN, Vendor: "Fortinet", Product: "FortiGate", ProductVersion: "7.2.4",
			CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Site: "東京本社", InternetFacing: true, Business: "電気事業", Equipment: "中央給電指令所",
			InService: "2023-04-01", Management: ManagedOutsourced, Contractor: "=HYPERLINK(\"http://evil.example\")", Notes: "a, \"quoted\"\nnote",
			Components: []Component{{Name: "openssl", Version: "3.0.7"}}},
		{Ref: "-1", Name: "'=x", Function: FunctionOther, Vendor: "v", Product: "p", ProductVersion: "+1", Site: "s", Business: "b", Equipment: "e",
			Management: ManagedInHouse, Excluded: true, ExclusionNote: "@note", Components: []Component{}},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, cs); err != nil {
		t.Fatal(err)
	}
	want := "\ufeff" + englishHeader + "\n" +
		"FW-001,本社SSL-VPN装置,vpn,Fortinet,FortiGate,7.2.4,cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*,東京本社,false,true,電気事業,中央給電指令所,2023-04-01,outsourced," +
		`"'=HYPERLINK(""http://evil.example"")",,false,,"a, ""quoted""` + "\nnote\"\n" +
		"'-1,''=x,other,v,p,'+1,,s,false,false,b,e,,in_house,,,true,'@note,\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Round trip (components are not in the CSV).
	back, probs, err := ParseCSV(&buf)
	if err != nil || len(probs) != 0 {
		t.Fatalf("%v %q", err, problemStrings(probs))
	}
	cs[0].Components = []Component{}
	if !reflect.DeepEqual(back, cs) {
		t.Errorf("round trip\n%+v\nwant\n%+v", back, cs)
	}
}

func TestImportProblemString(t *testing.T) {
	if got := (ImportProblem{Row: 3, Field: "version", Message: "is required"}).String(); got != "row 3: version: is required" {
		t.Error(got)
	}
	if got := (ImportProblem{Row: 4, Message: "has 3 fields, the header has 19"}).String(); got != "row 4: has 3 fields, the header has 19" {
		t.Error(got)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(englishHeader + "\n" + vpnRow + "\n"))
	f.Add([]byte("管理番号,名称,機能,ベンダー,製品,バージョン,設置場所,特定社会基盤事業,特定重要設備,除外,除外理由\nA,b,その他,c,d,1,e,f,g,はい,'=x\n"))
	f.Add([]byte("ref,name,function,vendor,product,version,site,business,equipment,management,contractor\n\"a\"\"\",b,vpn,c,d,1,e,f,g,委託,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, probs, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			if len(cs) != 0 || len(probs) != 0 {
				t.Fatal("results with an error")
			}
			return
		}
		refs := map[string]bool{}
		for _, c := range cs {
			if err := c.Validate(); err != nil {
				t.Fatalf("%+v: %v", c, err)
			}
			if refs[c.Ref] {
				t.Fatalf("ref %q twice", c.Ref)
			}
			refs[c.Ref] = true
		}
		for _, p := range probs {
			if p.Row < 2 {
				t.Fatalf("problem row %d", p.Row)
			}
		}
		// What was read writes and reads back the same (carriage returns
		// inside cells are not kept by encoding/csv).
		var buf bytes.Buffer
		if err := WriteCSV(&buf, cs); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "\r") {
			return
		}
		back, probs, err := ParseCSV(&buf)
		if err != nil || len(probs) != 0 {
			t.Fatalf("round trip: %v %q", err, problemStrings(probs))
		}
		if len(cs) == 0 && len(back) == 0 {
			return
		}
		if !reflect.DeepEqual(back, cs) {
			t.Fatalf("round trip\n%+v\nwant\n%+v", back, cs)
		}
	})
}
