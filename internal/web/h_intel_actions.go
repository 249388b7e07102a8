package web

// Owner actions on shared objects (revoke, delete with a confirmation
// page), editing sharing groups, and warninglist administration. As
// everywhere, intel.Service decides and audits; these handlers translate.

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/warninglist"
)

func init() {
	fieldLabels["revoke_reason"] = "field.revoke_reason"
	for k, v := range map[string]string{
		"object_revoked":       "done.object_revoked",
		"object_deleted":       "done.object_deleted",
		"group_saved":          "done.group_saved",
		"warninglist_loaded":   "done.warninglist_loaded",
		"warninglist_enabled":  "done.warninglist_enabled",
		"warninglist_disabled": "done.warninglist_disabled",
		"warninglist_deleted":  "done.warninglist_deleted",
	} {
		doneMessages[k] = v
	}
}

// actionRoutes registers the routes of this file (called by intelRoutes).
func (s *server) actionRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	mux.Handle("POST /intel/objects/{id}/revoke", s.user(s.intelRevoke))
	mux.Handle("GET /intel/objects/{id}/delete", s.user(s.intelDeleteConfirm))
	mux.Handle("POST /intel/objects/{id}/delete", s.user(s.intelDelete))
	mux.Handle("GET /groups/{ref}/edit", s.user(s.groupEdit))
	mux.Handle("POST /groups/{ref}/edit", s.user(s.groupUpdate))
	mux.Handle("POST /warninglists", s.upload(s.wlUpload))
	mux.Handle("POST /warninglists/{name}/enable", s.user(s.wlEnable(true)))
	mux.Handle("POST /warninglists/{name}/disable", s.user(s.wlEnable(false)))
	mux.Handle("POST /warninglists/{name}/delete", s.user(s.wlDelete))
}

// ---- revoke and delete --------------------------------------------------------------

// ownedColl is a collection in which the viewer's organisation owns the object.
// ownedColl is a collection in which the user's organisation owns the
// object, with the number of versions there.
type ownedColl struct {
	Alias, Title string
	Versions     int
}

// ownerActions fills the revoke and delete parts of an object page: shown
// to analysts of the organisation that owns the object in some collection.
func (s *server) ownerActions(rq *req, d *intelObjectData, versions []intel.VersionView, byID map[string]*share.CollectionView) {
	own := rq.P.OrgID()
	if own == "" {
		return
	}
	at := map[string]int{} // collection id -> index in d.Owned
	for _, v := range versions {
		if v.OwnerOrgID != own {
			continue
		}
		if i, ok := at[v.CollectionID]; ok {
			d.Owned[i].Versions++
			continue
		}
		oc := ownedColl{Alias: v.CollectionID, Title: v.CollectionID, Versions: 1}
		if c := byID[v.CollectionID]; c != nil {
			oc.Alias, oc.Title = c.Alias, c.Title.In(rq.lang)
		}
		at[v.CollectionID] = len(d.Owned)
		d.Owned = append(d.Owned, oc)
	}
	if len(d.Owned) == 0 {
		return
	}
	d.CanRevoke = !d.Revoked && auth.Can(rq.P, auth.ActIntelWrite, auth.Target{OrgID: own})
	d.CanDelete = auth.Can(rq.P, auth.ActIntelDelete, auth.Target{OrgID: own})
	if d.RevokeForm == nil {
		d.RevokeForm = newForm(nil)
	}
}

func (s *server) intelRevoke(w http.ResponseWriter, rq *req) {
	id := rq.PathValue("id")
	f := newForm(rq.PostForm)
	reason := strings.TrimSpace(f.Get("revoke_reason"))
	status := http.StatusBadRequest
	if !share.ReasonOK(reason) {
		f.invalid("revoke_reason", rq.T("reason.revoke_reason"))
	} else {
		_, err := s.opt.Intel.Revoke(rq.Context(), rq.P, id, reason)
		if err == nil {
			redirect(w, rq, "/intel/objects/"+url.PathEscape(id), "object_revoked")
			return
		}
		if apperr.CodeOf(err) != apperr.CodeInvalid {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, map[string]string{"reason": "revoke_reason"})
	}
	s.objectPage(w, rq, status, blankSighting(), newForm(nil), f)
}

type deleteData struct {
	ID, Name   string
	Collection ownedColl
	Versions   int
	TLP        tlpBadge
}

// deletable checks that the user may delete the object of the path from
// the collection named in the form or query: 404 when the object is not
// visible, 403 when it is not the user's organisation's there.
func (s *server) deletable(w http.ResponseWriter, rq *req, collRef string) (*deleteData, error) {
	d, err := s.objectData(w, rq, newForm(nil), newForm(nil))
	if err != nil {
		return nil, err
	}
	if !d.CanDelete {
		return nil, apperr.ErrForbidden
	}
	for _, c := range d.Owned {
		if c.Alias == collRef {
			return &deleteData{ID: d.ID, Name: d.Name, Collection: c, TLP: d.TLP, Versions: c.Versions}, nil
		}
	}
	if collRef == "" {
		return nil, apperr.Invalid("collection", "required")
	}
	return nil, apperr.ErrForbidden
}

func (s *server) intelDeleteConfirm(w http.ResponseWriter, rq *req) {
	d, err := s.deletable(w, rq, rq.URL.Query().Get("collection"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "intel_delete", d)
}

func (s *server) intelDelete(w http.ResponseWriter, rq *req) {
	coll := rq.PostForm.Get("collection")
	if _, err := s.deletable(w, rq, coll); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	if _, err := s.opt.Intel.Delete(rq.Context(), rq.P, coll, rq.PathValue("id"), share.VersionMatch{All: true}, nil); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	redirect(w, rq, "/intel", "object_deleted")
}

// ---- sharing groups: edit -----------------------------------------------------------

type groupFormData struct {
	Form       *form
	Slug, Kind string
	Action     string
}

// editableGroup returns the group of the path if the user may manage it.
func (s *server) editableGroup(rq *req) (*share.Group, error) {
	g, err := s.opt.Intel.Group(rq.Context(), rq.P, rq.PathValue("ref"))
	if err != nil {
		return nil, err
	}
	if !auth.Can(rq.P, auth.ActGroupManage, auth.Target{OrgID: g.OwnerOrgID}) {
		return nil, apperr.ErrForbidden
	}
	return g, nil
}

func (s *server) groupForm(w http.ResponseWriter, rq *req, status int, g *share.Group, f *form) {
	rq.here = "/groups/" + url.PathEscape(g.Slug) + "/edit"
	s.render(w, rq, status, "group_form", groupFormData{Form: f, Slug: g.Slug, Kind: groupKindLabel(rq, g.Kind), Action: rq.here})
}

func (s *server) groupEdit(w http.ResponseWriter, rq *req) {
	g, err := s.editableGroup(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n, err := s.names(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	var members []string
	for _, o := range g.OrgIDs {
		members = append(members, n.orgSlug(o))
	}
	f := newForm(url.Values{"name.ja": {g.Name.JA}, "name.en": {g.Name.EN}, "description": {g.Description},
		"members": {strings.Join(members, ", ")}})
	s.groupForm(w, rq, http.StatusOK, g, f)
}

func (s *server) groupUpdate(w http.ResponseWriter, rq *req) {
	g, err := s.editableGroup(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	name := org.Names{JA: strings.TrimSpace(f.Get("name.ja")), EN: strings.TrimSpace(f.Get("name.en"))}
	desc := strings.TrimSpace(f.Get("description"))
	orgs := s.orgIDs(rq, f, "members")
	status := http.StatusBadRequest
	if !f.Failed() {
		_, err := s.opt.Intel.UpdateGroup(rq.Context(), rq.P, g.ID, func(x *share.Group) error {
			x.Name, x.Description, x.OrgIDs = name, desc, orgs
			x.Normalize()
			return x.Validate()
		})
		if err == nil {
			redirect(w, rq, "/groups", "group_saved")
			return
		}
		if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, map[string]string{"org_ids": "members", "user_ids": "members", "name": "name.ja"})
	}
	s.groupForm(w, rq, status, g, f)
}

// ---- warninglists: administration ------------------------------------------------------

// maxWarninglistBytes bounds an uploaded warninglist file.
const maxWarninglistBytes = 16 << 20

func (s *server) wlUpload(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActWarninglistManage, auth.Target{}) {
		// Through the service, so that the denial is audited.
		_, err := s.opt.Intel.PutWarninglist(rq.Context(), rq.P, "web.json", nil)
		if err == nil {
			err = apperr.ErrForbidden
		}
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(nil)
	file, hdr, err := rq.FormFile("file")
	var body []byte
	name := "web.json"
	switch {
	case errors.Is(err, http.ErrMissingFile):
		f.invalid("file", rq.T("reason.required"))
	case err != nil:
		f.invalid("file", rq.T("wl.bad_file", err.Error()))
	default:
		defer file.Close()
		name = filepath.Base(hdr.Filename)
		body, err = io.ReadAll(io.LimitReader(file, maxWarninglistBytes+1))
		if err != nil || len(body) > maxWarninglistBytes {
			f.invalid("file", rq.T("reason.max_chars", maxWarninglistBytes))
		} else if len(strings.TrimSpace(string(body))) == 0 {
			f.invalid("file", rq.T("reason.required"))
		}
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		_, err := s.opt.Intel.PutWarninglist(rq.Context(), rq.P, name, body)
		if err == nil {
			redirect(w, rq, "/warninglists", "warninglist_loaded")
			return
		}
		switch ae := apperr.As(err); ae.Code {
		case apperr.CodeInvalid:
			msg := ae.Message
			if ae.Field != "" {
				msg = ae.Field + ": " + msg
			}
			f.invalid("file", rq.T("wl.bad_file", msg))
		case apperr.CodeForbidden:
			s.errorPage(w, rq, err)
			return
		default:
			status = s.apply(rq, f, err, nil)
		}
	}
	s.wlPage(w, rq, status, newForm(nil), f)
}

func (s *server) wlEnable(on bool) handlerFunc {
	return func(w http.ResponseWriter, rq *req) {
		if err := s.opt.Intel.SetWarninglistEnabled(rq.Context(), rq.P, rq.PathValue("name"), on); err != nil {
			s.errorPage(w, rq, err)
			return
		}
		done := "warninglist_disabled"
		if on {
			done = "warninglist_enabled"
		}
		redirect(w, rq, "/warninglists", done)
	}
}

func (s *server) wlDelete(w http.ResponseWriter, rq *req) {
	if err := s.opt.Intel.DeleteWarninglist(rq.Context(), rq.P, rq.PathValue("name")); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	redirect(w, rq, "/warninglists", "warninglist_deleted")
}

// wlRow is a warninglist as the page lists it, with the path of its actions.
type wlRow struct {
	warninglist.Info
	Path string
}
