package web

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/i18n"
)

// form is a form's submitted (or initial) values and its errors. A form
// that fails is rendered again from the same values, so nothing the user
// typed is lost (except passwords, which are never echoed back).
type form struct {
	// Labels are this form's own label keys for inputs whose label is
	// not the usual one (fieldLabels), e.g. a cluster's "title".
	Labels map[string]string
	Values url.Values
	Errors map[string]string // input name -> translated reason, shown next to the input
	List   []fieldErr        // the same errors in order, for the summary at the top
	Error  string            // a translated error about the form as a whole
}

type fieldErr struct {
	Name, ID, Label, Reason string
}

func newForm(v url.Values) *form {
	if v == nil {
		v = url.Values{}
	}
	return &form{Values: v, Errors: map[string]string{}}
}

// Get returns the value of input name.
func (f *form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Checked reports whether value is among the values of input name.
func (f *form) Checked(name, value string) bool {
	if f == nil {
		return false
	}
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Failed reports whether the form has any error.
func (f *form) Failed() bool { return f != nil && (f.Error != "" || len(f.List) > 0) }

// invalid records a translated error for input name.
func (f *form) invalid(name, reason string) {
	if _, dup := f.Errors[name]; dup {
		return
	}
	f.Errors[name] = reason
	label := f.Labels[name]
	if label == "" {
		label = fieldLabels[name]
	}
	if label == "" {
		label = "field.unknown"
	}
	f.List = append(f.List, fieldErr{Name: name, ID: inputID(name), Label: label, Reason: reason})
}

// fieldLabels maps every form input name to the catalogue key of its label.
// Input names follow the service's error Field paths ("name.ja",
// "emergency_contact.phone"), so most errors land on their input as is.
var fieldLabels = map[string]string{
	"email":                   "field.email",
	"password":                "field.password",
	"password_confirm":        "field.password_confirm",
	"current_password":        "field.current_password",
	"slug":                    "field.slug",
	"kind":                    "field.kind",
	"sector":                  "field.sector",
	"name.ja":                 "field.name_ja",
	"name.en":                 "field.name_en",
	"emergency_contact.name":  "field.contact_name",
	"emergency_contact.phone": "field.contact_phone",
	"emergency_contact.email": "field.contact_email",
	"emergency_contact.hours": "field.contact_hours",
	"partner":                 "field.partner",
	"direction":               "field.direction",
	"description":             "field.description",
	"display_name":            "field.display_name",
	"roles":                   "field.roles",
	"locale":                  "field.locale",
	"disabled":                "field.disabled",
	"name":                    "field.token_name",
	"scopes":                  "field.scopes",
	"expires":                 "field.expires",
	"q":                       "field.q",
	"org":                     "field.org",
	"role":                    "field.role",
	"action":                  "field.action",
	"actor":                   "field.actor",
	"outcome":                 "field.outcome",
	"since":                   "field.since",
	"until":                   "field.until",
	"anchor":                  "field.anchor",
	"after":                   "field.after",
}

func inputID(name string) string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(name)
}

// inputFor maps a service error's Field path to the form input: an index
// ("roles[1]") is dropped, then remap (per form) applies.
func inputFor(field string, remap map[string]string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	if r, ok := remap[field]; ok {
		return r
	}
	return field
}

// apply puts a service error on the form: next to its input when it names
// one, as a form-level message otherwise. It returns the HTTP status to
// answer with. remap translates Field paths whose input has another name.
func (s *server) apply(rq *req, f *form, err error, remap map[string]string) int {
	ae := apperr.As(err)
	status := apperr.Status(ae)
	if status >= 500 {
		s.log.Error("web: form failed", "method", rq.Method, "path", rq.URL.Path, "err", err)
	}
	if ae.Field != "" && (ae.Code == apperr.CodeInvalid || ae.Code == apperr.CodeConflict) {
		name := inputFor(ae.Field, remap)
		if _, ok := fieldLabels[name]; ok || f.Labels[name] != "" {
			f.invalid(name, reason(rq, ae))
			return status
		}
	}
	switch {
	case ae.MessageKey != "":
		f.Error = rq.T(ae.MessageKey)
	case ae.Code == apperr.CodeInvalid || ae.Code == apperr.CodeConflict:
		f.Error = reason(rq, ae)
	default:
		f.Error = rq.T("errpage." + string(ae.Code))
	}
	return status
}

// reasons translates the service's validation messages. The service speaks
// English; the key says the same in the user's language. A message not
// listed is shown as is (English) after a translated "invalid input".
var reasons = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^required$`), "reason.required"},
	{regexp.MustCompile(`^must be at least (\d+) characters$`), "reason.min_chars"},
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "reason.max_chars"},
	{regexp.MustCompile(`^not valid UTF-8$`), "reason.utf8"},
	{regexp.MustCompile(`^contains control characters$`), "reason.control"},
	{regexp.MustCompile(`^must be 2-63 characters of a-z`), "reason.slug"},
	{regexp.MustCompile(`^unknown (organisation kind|sector|role|scope) `), "reason.unknown_value"},
	{regexp.MustCompile(`^a critical-infrastructure operator must name its sector$`), "reason.operator_sector"},
	{regexp.MustCompile(`^an emergency contact needs a phone number or an email address$`), "reason.contact_channel"},
	{regexp.MustCompile(`^not a phone number$`), "reason.phone"},
	{regexp.MustCompile(`^not an email address$`), "reason.email"},
	{regexp.MustCompile(`^an organisation cannot supply itself$`), "reason.self_link"},
	{regexp.MustCompile(`^a user needs at least one role$`), "reason.roles_required"},
	{regexp.MustCompile(`^a token needs at least one scope$`), "reason.scopes_required"},
	{regexp.MustCompile(`^must be in the future$`), "reason.future"},
	{regexp.MustCompile(`^must be "ja", "en" or empty$`), "reason.locale"},
	{regexp.MustCompile(`^you cannot disable your own account$`), "reason.own_disable"},
	{regexp.MustCompile(`^tokens that never expire are created by platform administrators only$`), "reason.never_expiry"},
	{regexp.MustCompile(`^must be within (\d+) days$`), "reason.within_days"},
	{regexp.MustCompile(`^must be a positive duration`), "reason.duration"},
	{regexp.MustCompile(`^no organisation `), "reason.no_org"},
	{regexp.MustCompile(`^a user with email .* already exists$`), "reason.email_taken"},
	{regexp.MustCompile(`^an organisation with slug .* already exists$`), "reason.slug_taken"},
	{regexp.MustCompile(`^this supply-chain link already exists$`), "reason.link_exists"},
	{regexp.MustCompile(`^refers to something that does not exist$`), "reason.missing_ref"},
}

// fallbackReasons translate the reporting, alert and correlation
// services' messages, and general shapes of messages; they are tried
// after reasons (which pages extend with their own, more precise ones).
var fallbackReasons = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^(?:is required$|the Japanese (?:title|summary) is required$|give the authority's reference)`), "reason.required"},
	{regexp.MustCompile(`^(?:say (?:why|what) |an emergency submission without full approval needs a reason$)`), "reason.say_why"},
	{regexp.MustCompile(`^(?:at most|longer than) (\d+) characters$`), "reason.max_chars"},
	{regexp.MustCompile(`^must be 1 to (\d+) characters$`), "reason.max_chars_required"},
	{regexp.MustCompile(`^longer than \d+ bytes$`), "reason.too_long"},
	{regexp.MustCompile(`^must be between (\d+) and (\d+)$`), "reason.between"},
	{regexp.MustCompile(`^(?:must be|use) [^ ]+(?:, [^ ]+)* or [^ ]+$`), "reason.unknown_value"},
	{regexp.MustCompile(`: not a recognisable indicator \(`), "reason.indicator"},
	{regexp.MustCompile(`^cpe: .* is neither a CPE 2\.3 formatted string`), "reason.cpe_format"},
}

// reasonKey returns the catalogue key and arguments for a service message,
// or "" if the message is not known.
func reasonKey(msg string) (string, []any) {
	for _, r := range append(reasons[:len(reasons):len(reasons)], fallbackReasons...) {
		if m := r.re.FindStringSubmatch(msg); m != nil {
			var args []any
			for _, a := range m[1:] {
				if n, err := strconv.Atoi(a); err == nil {
					args = append(args, n)
				}
			}
			return r.key, args
		}
	}
	return "", nil
}

func reason(rq *req, ae *apperr.Error) string {
	if ae.MessageKey != "" {
		return rq.T(ae.MessageKey)
	}
	if key, args := reasonKey(ae.Message); key != "" {
		return rq.T(key, args...)
	}
	if ae.Code == apperr.CodeConflict {
		return rq.T("reason.exists")
	}
	if rq.lang == i18n.EN {
		return ae.Message
	}
	return rq.T("reason.invalid", ae.Message)
}

// ---- views of inputs for the partials -----------------------------------

type fieldView struct {
	Name, ID, Label, Type, Value, Err, Help, Autocomplete, List string
	Required, Readonly                                          bool
	Max                                                         int
}

// newField describes an input for the "input" partial. opts are
// "required", "readonly", "help=KEY", "ac=AUTOCOMPLETE", "max=N",
// "list=DATALIST-ID" and "label=KEY" (default: the input's entry in
// fieldLabels).
func newField(f *form, name, typ string, opts ...string) fieldView {
	v := fieldView{Name: name, ID: inputID(name), Label: fieldLabels[name], Type: typ}
	if typ != "password" {
		v.Value = f.Get(name)
	}
	if f != nil {
		v.Err = f.Errors[name]
	}
	for _, o := range opts {
		k, val, _ := strings.Cut(o, "=")
		switch k {
		case "required":
			v.Required = true
		case "readonly":
			v.Readonly = true
		case "help":
			v.Help = val
		case "ac":
			v.Autocomplete = val
		case "max":
			v.Max, _ = strconv.Atoi(val)
		case "label":
			v.Label = val
		case "list":
			v.List = val
		}
	}
	if v.Label == "" {
		v.Label = "field.unknown"
	}
	return v
}

// option is one choice of a select or checkbox group; Label and Desc are
// already translated.
type option struct {
	Value, Label, Desc string
}

type choiceView struct {
	Name, ID, Label, Err, Help string
	Required                   bool
	Options                    []optionView
}

type optionView struct {
	Value, Label, Desc, ID string
	Selected               bool
}

// newChoice describes a select ("select" partial) or a checkbox group
// ("checks" partial). opts as for newField (required, help=, label=).
func newChoice(f *form, name string, options []option, opts ...string) choiceView {
	fv := newField(f, name, "", opts...)
	v := choiceView{Name: name, ID: fv.ID, Label: fv.Label, Err: fv.Err, Help: fv.Help, Required: fv.Required}
	for i, o := range options {
		v.Options = append(v.Options, optionView{Value: o.Value, Label: o.Label, Desc: o.Desc,
			ID: v.ID + "-" + strconv.Itoa(i), Selected: f.Checked(name, o.Value)})
	}
	return v
}
