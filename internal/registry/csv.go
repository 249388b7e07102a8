package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"

	"sakimori/internal/apperr"
)

// ImportProblem is a CSV row that could not be imported.
type ImportProblem struct {
	// Row is the row number as a spreadsheet shows it: the header is row 1,
	// the first data row is row 2.
	Row int
	// Field is the column as the file's header names it ("version",
	// "バージョン"); "" for the row as a whole.
	Field   string
	Message string
}

// String renders the problem as "row 3: version: is required".
func (p ImportProblem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	}
	return fmt.Sprintf("row %d: %s: %s", p.Row, p.Field, p.Message)
}

// CSVColumns are the columns of the registry CSV in the order WriteCSV
// writes them.
var CSVColumns = []string{
	"ref", "name", "function", "vendor", "product", "version", "cpe", "site", "overseas", "internet_facing",
	"business", "equipment", "in_service", "management", "contractor", "subcontractor", "excluded", "exclusion_note", "notes",
}

// csvRequired are the columns a file must have.
var csvRequired = []string{"ref", "name", "function", "vendor", "product", "version", "site", "business", "equipment"}

// csvAliases are the Japanese column names accepted for each column.
var csvAliases = map[string]string{
	"管理番号": "ref", "名称": "name", "機能": "function", "ベンダー": "vendor", "製品": "product", "バージョン": "version",
	"設置場所": "site", "海外": "overseas", "インターネット公開": "internet_facing", "特定社会基盤事業": "business",
	"特定重要設備": "equipment", "運用開始日": "in_service", "管理形態": "management", "委託先": "contractor",
	"再委託先": "subcontractor", "除外": "excluded", "除外理由": "exclusion_note", "備考": "notes",
}

// functionLabels maps the accepted spellings of a function (after fold) to
// the function.
var functionLabels = map[string]Function{
	"vpn": FunctionVPN, "authentication": FunctionAuthentication, "認証サーバ": FunctionAuthentication,
	"認証サーバー": FunctionAuthentication, "remote_access": FunctionRemoteAccess, "リモートアクセス": FunctionRemoteAccess,
	"control_gateway": FunctionControlGateway, "制御系ゲートウェイ": FunctionControlGateway, "other": FunctionOther, "その他": FunctionOther,
}

// managementLabels maps the accepted spellings of a management.
var managementLabels = map[string]Management{
	"in_house": ManagedInHouse, "自社": ManagedInHouse, "outsourced": ManagedOutsourced, "委託": ManagedOutsourced,
}

// boolLabels maps the accepted spellings of a boolean.
var boolLabels = map[string]bool{
	"true": true, "yes": true, "1": true, "はい": true,
	"false": false, "no": false, "0": false, "いいえ": false,
}

// fold puts a header or an enumerated value in the form the tables use:
// NFKC (full-width letters and half-width katakana folded), trimmed, lower
// case, with spaces and hyphens as underscores.
func fold(s string) string {
	return foldSeparators.Replace(strings.ToLower(strings.TrimSpace(norm.NFKC.String(s))))
}

var foldSeparators = strings.NewReplacer(" ", "_", "-", "_")

// ParseCSV reads computers from a CSV file with a header row. The columns
// are CSVColumns, named in English or in Japanese (csvAliases), in any
// order and case; a UTF-8 byte-order mark is ignored and a file that is
// not UTF-8 is read as Shift_JIS (Windows-31J), as Japanese Excel saves
// it. Unknown, duplicate or missing required columns make the file
// unusable (the error names them). Each data row is normalised and
// validated; a row that fails, or repeats an earlier row's ref, becomes an
// ImportProblem and the other rows are returned. Blank rows are skipped.
// Computer.ID, OrgID and the notification fields are left for the caller.
func ParseCSV(r io.Reader) ([]Computer, []ImportProblem, error) {
	cs, _, probs, err := ParseCSVRows(r)
	return cs, probs, err
}

// ParseCSVRows is ParseCSV that also returns each computer's row number
// (as a spreadsheet shows it: the header is row 1), for problems found
// later (by the store or the service) to name the row too.
func ParseCSVRows(r io.Reader) ([]Computer, []int, []ImportProblem, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, nil, apperr.Wrap(apperr.CodeInvalid, err, "reading the CSV file: %v", err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		// Only when every byte decodes: a UTF-8 file with a stray bad byte
		// stays UTF-8 (and the bad cells are reported).
		if dec, err := japanese.ShiftJIS.NewDecoder().Bytes(data); err == nil && utf8.Valid(dec) && !bytes.ContainsRune(dec, utf8.RuneError) {
			data = dec
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true // `a, "b"` as hand-written files have it; values are trimmed anyway
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, nil, apperr.Invalid("header", "the file is empty; the first row must name the columns")
	}
	if err != nil {
		return nil, nil, nil, apperr.Invalid("header", "the header row is not valid CSV: %v", err)
	}
	cols := make([]string, len(header)) // canonical column of each position
	pos := map[string]int{}
	var unknown, dups []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		name := fold(h)
		if a, ok := csvAliases[name]; ok {
			name = a
		}
		switch {
		case !slices.Contains(CSVColumns, name):
			unknown = append(unknown, fmt.Sprintf("%q (column %d)", h, i+1))
		case pos[name] != 0:
			dups = append(dups, fmt.Sprintf("%q (columns %d and %d)", h, pos[name], i+1))
		default:
			pos[name] = i + 1
			cols[i] = name
		}
	}
	if len(unknown) > 0 {
		return nil, nil, nil, apperr.Invalid("header", "unknown columns %s (the columns are %s, or their Japanese names)", strings.Join(unknown, ", "), strings.Join(CSVColumns, ", "))
	}
	if len(dups) > 0 {
		return nil, nil, nil, apperr.Invalid("header", "columns given twice: %s", strings.Join(dups, ", "))
	}
	var missing []string
	for _, c := range csvRequired {
		if pos[c] == 0 {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, nil, nil, apperr.Invalid("header", "missing required columns: %s", strings.Join(missing, ", "))
	}
	// label names a canonical column as the file's header does.
	label := func(col string) string {
		if i := pos[col]; i != 0 {
			return header[i-1]
		}
		return col
	}

	var out []Computer
	var rows []int
	var probs []ImportProblem
	refs := map[string]int{} // ref -> row
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, nil, apperr.Wrap(apperr.CodeInvalid, err, "reading the CSV file: %v", err)
			}
			probs = append(probs, ImportProblem{Row: row, Message: "not valid CSV: " + pe.Err.Error()})
			continue
		}
		blank := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		if len(rec) != len(header) {
			probs = append(probs, ImportProblem{Row: row, Message: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		values := map[string]string{}
		for i, v := range rec {
			values[cols[i]] = unguard(v)
		}
		c, field, msg := computerFromRow(values)
		if msg != "" {
			probs = append(probs, ImportProblem{Row: row, Field: label(field), Message: msg})
			continue
		}
		if first, dup := refs[c.Ref]; dup {
			probs = append(probs, ImportProblem{Row: row, Field: label("ref"), Message: fmt.Sprintf("ref %q is already used by row %d", c.Ref, first)})
			continue
		}
		refs[c.Ref] = row
		out = append(out, c)
		rows = append(rows, row)
	}
	return out, rows, probs, nil
}

// computerFromRow converts one row (canonical column -> value). A problem
// is returned as the canonical column and a message.
func computerFromRow(v map[string]string) (Computer, string, string) {
	c := Computer{
		Ref: v["ref"], Name: v["name"], Vendor: v["vendor"], Product: v["product"], ProductVersion: v["version"],
		CPE: v["cpe"], Site: v["site"], Business: v["business"], Equipment: v["equipment"], InService: v["in_service"],
		Contractor: v["contractor"], Subcontractor: v["subcontractor"], ExclusionNote: v["exclusion_note"], Notes: v["notes"],
	}
	if s := fold(v["function"]); s != "" {
		f, ok := functionLabels[s]
		if !ok {
			return c, "function", fmt.Sprintf("%q is not a function (vpn, authentication, remote_access, control_gateway, other; VPN, 認証サーバ, リモートアクセス, 制御系ゲートウェイ, その他)", v["function"])
		}
		c.Function = f
	}
	if s := fold(v["management"]); s != "" {
		m, ok := managementLabels[s]
		if !ok {
			return c, "management", fmt.Sprintf("%q is not a management (in_house, outsourced; 自社, 委託)", v["management"])
		}
		c.Management = m
	}
	for _, b := range []struct {
		col  string
		dest *bool
	}{{"overseas", &c.Overseas}, {"internet_facing", &c.InternetFacing}, {"excluded", &c.Excluded}} {
		s := fold(v[b.col])
		if s == "" {
			continue
		}
		x, ok := boolLabels[s]
		if !ok {
			return c, b.col, fmt.Sprintf("%q is not a yes/no value (true/false, yes/no, 1/0, はい/いいえ)", v[b.col])
		}
		*b.dest = x
	}
	c.InService = normalizeDate(c.InService)
	c.Normalize()
	if err := c.Validate(); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			field := ae.Field
			if field == "product_version" {
				field = "version"
			}
			return c, field, ae.Message
		}
		return c, "", err.Error()
	}
	return c, "", ""
}

// normalizeDate turns the dates spreadsheets write ("2024/4/1",
// "2024-4-1") into YYYY-MM-DD; anything else is returned as it is.
func normalizeDate(s string) string {
	s = strings.TrimSpace(norm.NFKC.String(s))
	for _, layout := range []string{"2006/1/2", "2006-1-2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return s
}

// Spreadsheet programs run a cell that starts with "=", "+", "-", "@", a
// tab or a carriage return as a formula. WriteCSV writes such a value with
// a leading apostrophe (which Excel shows as text) and ParseCSV removes
// it, so exports are safe to open and still round-trip.

// formulaLike reports whether a cell would be read as a formula, or starts
// with an apostrophe followed by such a cell (so that the guard can be
// undone exactly).
func formulaLike(s string) bool {
	for strings.HasPrefix(s, "'") {
		s = s[1:]
	}
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// guard prefixes a formula-like value with an apostrophe.
func guard(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// unguard removes the apostrophe guard puts before a formula-like value.
func unguard(s string) string {
	if strings.HasPrefix(s, "'") && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}

// WriteCSV writes computers as CSV with the English header (CSVColumns),
// which ParseCSV reads back to the same values: booleans as true/false,
// function and management as their English values. The file starts with
// a UTF-8 byte-order mark so that spreadsheet programs read Japanese text
// correctly, and formula-like values are guarded (see guard).
func WriteCSV(w io.Writer, cs []Computer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, c := range cs {
		row := []string{
			c.Ref, c.Name, string(c.Function), c.Vendor, c.Product, c.ProductVersion, c.CPE, c.Site,
			strconv.FormatBool(c.Overseas), strconv.FormatBool(c.InternetFacing), c.Business, c.Equipment, c.InService,
			string(c.Management), c.Contractor, c.Subcontractor, strconv.FormatBool(c.Excluded), c.ExclusionNote, c.Notes,
		}
		for i := range row {
			row[i] = guard(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
