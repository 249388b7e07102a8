package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/confidence"
	"sakimori/internal/intel"
	"sakimori/internal/ioclist"
	"sakimori/internal/marking"
	"sakimori/internal/misp"
	"sakimori/internal/share"
)

// maxImportBytes bounds an uploaded or pasted import.
const maxImportBytes = 10 << 20

// upload is s.user for a multipart form (a file upload): the body may be
// larger than other forms, and the CSRF token is read from the multipart
// fields.
func (s *server) upload(fn handlerFunc) http.Handler { return s.signedIn(s.parseUpload, fn) }

func (s *server) parseUpload(w http.ResponseWriter, rq *req) bool {
	rq.Body = http.MaxBytesReader(w, rq.Body, maxImportBytes+64<<10)
	var err error
	if mt, _, _ := mime.ParseMediaType(rq.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = rq.ParseMultipartForm(maxImportBytes)
	} else {
		err = rq.ParseForm()
	}
	return s.parsed(w, rq, err, "upload")
}

type jobRow struct {
	share.Job
	Collection string
	Kind       string
	Pending    bool
}

type importData struct {
	Form          *form
	CollOptions   []option
	FormatOptions []option
	TLPOptions    []option
	ConfOptions   []option
	Job           *jobRow  // the summary shown (after an import, or ?job=)
	Problems      []string // importer's notes on the input (MISP, IOC lists)
	Jobs          []jobRow // recent imports
	Refresh       bool     // a job is pending: reload the page
	CanWrite      bool

	byID map[string]*share.CollectionView // the collections the user can see, for job rows
}

func (s *server) importData(w http.ResponseWriter, rq *req, f *form) (*importData, error) {
	colls, byID, err := s.collIndex(rq)
	if err != nil {
		return nil, err
	}
	sc := s.confScale(w, rq)
	d := &importData{Form: f, byID: byID, TLPOptions: tlpOptions(rq, "import.tlp_collection"),
		CanWrite: auth.Can(rq.P, auth.ActIntelWrite, auth.Target{}),
		FormatOptions: []option{{Value: "stix", Label: rq.T("import.format.stix")}, {Value: "misp", Label: rq.T("import.format.misp")},
			{Value: "iocs", Label: rq.T("import.format.iocs")}}}
	for _, c := range colls {
		if c.CanWrite {
			d.CollOptions = append(d.CollOptions, option{Value: c.Alias, Label: c.Title.In(rq.lang) + " (" + c.TLP.String() + ")"})
		}
	}
	for _, l := range confidence.Labels(sc) {
		v := ""
		if l.Specified {
			v = strconv.Itoa(l.Value)
		}
		d.ConfOptions = append(d.ConfOptions, option{Value: v, Label: l.Text.In(rq.lang)})
	}
	jobs, err := s.opt.Intel.Jobs(rq.Context(), rq.P, 20)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		r := s.jobRow(rq, j, byID)
		d.Jobs = append(d.Jobs, r)
		d.Refresh = d.Refresh || r.Pending
	}
	return d, nil
}

func (s *server) jobRow(rq *req, j share.Job, byID map[string]*share.CollectionView) jobRow {
	r := jobRow{Job: j, Collection: j.CollectionID, Pending: j.Status == share.JobPending}
	if c := byID[j.CollectionID]; c != nil {
		r.Collection = c.Title.In(rq.lang)
	}
	switch j.Kind {
	case "misp":
		r.Kind = rq.T("import.format.misp")
	case "iocs":
		r.Kind = rq.T("import.format.iocs")
	default:
		r.Kind = rq.T("import.format.stix")
	}
	return r
}

func (s *server) importPage(w http.ResponseWriter, rq *req) {
	d, err := s.importData(w, rq, newForm(url.Values{"format": {"stix"}}))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	if id := rq.URL.Query().Get("job"); id != "" {
		j, err := s.opt.Intel.Job(rq.Context(), rq.P, id)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		r := s.jobRow(rq, *j, d.byID)
		d.Job = &r
		d.Refresh = d.Refresh || r.Pending
	}
	s.render(w, rq, http.StatusOK, "import", d)
}

func (s *server) importSubmit(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	f := newForm(url.Values{})
	for _, k := range []string{"collection", "format", "tlp", "confidence", "text"} {
		f.Values.Set(k, rq.PostFormValue(k))
	}
	var data []byte
	source := rq.T("import.pasted_text")
	if rq.MultipartForm != nil {
		if fh := rq.MultipartForm.File["file"]; len(fh) > 0 && fh[0].Size > 0 {
			source = fh[0].Filename
			file, err := fh[0].Open()
			if err == nil {
				data, err = io.ReadAll(io.LimitReader(file, maxImportBytes+1))
				file.Close()
			}
			if err != nil {
				f.invalid("file", rq.T("import.unreadable"))
			}
		}
	}
	if len(data) == 0 {
		data = []byte(f.Get("text"))
	} else if strings.TrimSpace(f.Get("text")) != "" {
		f.invalid("text", rq.T("import.file_or_text"))
	}
	if strings.TrimSpace(string(data)) == "" && !f.Failed() {
		f.invalid("file", rq.T("import.nothing"))
	}
	if len(data) > maxImportBytes {
		f.invalid("file", rq.T("import.too_large", maxImportBytes>>20))
	}
	if f.Get("collection") == "" {
		f.invalid("collection", rq.T("reason.required"))
	}
	var tlp marking.TLP
	if v := f.Get("tlp"); v != "" {
		t, err := marking.ParseTLP(v)
		if err != nil {
			f.invalid("tlp", rq.T("reason.tlp"))
		}
		tlp = t
	}
	var conf *int
	if v := f.Get("confidence"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || confidence.Validate(n) != nil {
			f.invalid("confidence", rq.T("reason.confidence"))
		} else {
			conf = &n
		}
	}
	var problems []string
	var payload []byte
	format := f.Get("format")
	now := time.Now().UTC()
	if !f.Failed() {
		switch format {
		case "stix":
			payload = data
			if line, ok := jsonErrorLine(data); ok {
				f.invalid("file", rq.T("import.bad_line", source, line, rq.T("import.json_syntax")))
			}
		case "misp":
			res, err := misp.Import(data, misp.Options{Now: now, DefaultTLP: tlp})
			if err != nil {
				f.invalid("file", rq.T("import.bad_file", source, rq.T("import.bad_input", err.Error())))
				break
			}
			payload = res.Bundle
			for _, pr := range res.Problems {
				problems = append(problems, pr.String())
			}
		case "iocs":
			list, bundle, err := ioclist.Import(data, ioclist.Options{Now: now, TLP: tlp, Confidence: conf, Source: "web", Scope: p.OrgID()})
			if err != nil {
				f.invalid("file", rq.T("import.bad_file", source, rq.T("import.bad_input", err.Error())))
				break
			}
			payload = bundle
			for _, pr := range list.Problems {
				problems = append(problems, pr.String())
			}
		default:
			f.invalid("format", rq.T("reason.unknown_value"))
		}
	}
	var job *share.Job
	status := http.StatusBadRequest
	if !f.Failed() {
		raws, err := intel.SplitObjects(payload)
		if err == nil {
			job, err = s.opt.Intel.IngestRaw(ctx, p, f.Get("collection"), raws, intel.IngestOptions{Kind: format, Source: intel.SourceWeb})
		}
		switch {
		case err == nil:
			status = http.StatusOK
		case apperr.CodeOf(err) == apperr.CodeForbidden || apperr.CodeOf(err) == apperr.CodeNotFound:
			if apperr.CodeOf(err) == apperr.CodeNotFound {
				f.invalid("collection", rq.T("reason.unknown_value"))
			} else {
				f.Error = rq.T("import.forbidden")
				status = http.StatusForbidden
			}
		default:
			ae := apperr.As(err)
			if ae.Code == apperr.CodeInvalid && (ae.Field == "" || ae.Field == "objects") {
				f.invalid("file", rq.T("import.bad_file", source, reason(rq, ae)))
			} else {
				status = s.apply(rq, f, err, nil)
			}
		}
	}
	d, err := s.importData(w, rq, f)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d.Problems = problems
	if job != nil {
		r := s.jobRow(rq, *job, d.byID)
		d.Job = &r
		f.Values.Del("text")
	}
	rq.here = "/import"
	s.render(w, rq, status, "import", d)
}

// jsonErrorLine reports the line (from 1) of the first syntax error in
// data, if it is not valid JSON.
func jsonErrorLine(data []byte) (int, bool) {
	if json.Valid(data) {
		return 0, false
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	off := int64(len(data))
	if errors.As(err, &se) {
		off = se.Offset
	}
	off = min(max(off, 1), int64(len(data)))
	return bytes.Count(data[:off-1], []byte("\n")) + 1, true
}

// importStatus is GET /import/{id}/status: the job's progress as JSON, for
// the import page's progress bars (static/import.js).
func (s *server) importStatus(w http.ResponseWriter, rq *req) {
	j, err := s.opt.Intel.Job(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		status := apperr.Status(apperr.As(err))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"error": apperr.As(err).Message})
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"id": j.ID, "pending": j.Status == share.JobPending, "status": j.Status,
		"done": j.Done(), "total": j.Total, "accepted": j.Accepted, "updated": j.Updated, "duplicates": j.Duplicates,
		"rejected": j.Rejected, "summary": "/import?job=" + url.QueryEscape(j.ID),
		"text": rq.T("import.progress", j.Done(), j.Total)})
}
