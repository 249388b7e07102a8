package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"sakimori/internal/audit"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func deniedCount(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	es, _, err := db.ListAudit(context.Background(), store.AuditFilter{Action: action, Outcome: audit.OutcomeDenied, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestIntelRevokeOnObjectPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		path := "/intel/objects/" + e.amberID
		// Only analysts of the owner see the form.
		for _, who := range []string{"op-b-analyst", "op-a-viewer", "op-a-admin"} {
			e.as(who, "en").get(path).must(t, http.StatusOK).hasNot(t, `id="revoke-form"`, `id="owner-actions"`)
		}
		e.as("op-b-analyst", "en").post(path+"/revoke", url.Values{"revoke_reason": {"not ours at all"}}).must(t, http.StatusForbidden)
		e.as("op-a-viewer", "en").post(path+"/revoke", url.Values{"revoke_reason": {"viewer tries"}}).must(t, http.StatusForbidden)
		e.as("ven-analyst", "en").post(path+"/revoke", url.Values{"revoke_reason": {"cannot see it"}}).must(t, http.StatusNotFound)
		if n := deniedCount(t, db, "intel.write"); n < 1 { // the viewer's; the service refuses a recipient without an audit entry
			t.Errorf("%d denied revocations audited, want 1 or more", n)
		}
		for _, tc := range []struct{ lang, heading, button, errMsg, done string }{
			{"ja", "所有組織の操作", "失効させる", "失効の理由を3〜1000文字で記入してください。", "失効させました。"},
			{"en", "Owner actions", "Revoke", "Explain the revocation in 3 to 1000 characters.", "The object was revoked"},
		} {
			a := e.as("op-a-analyst", tc.lang)
			a.get(path).must(t, http.StatusOK).has(t, `id="revoke-form"`, tc.heading, tc.button, `name="revoke_reason"`)
			p := a.post(path+"/revoke", url.Values{"revoke_reason": {" x "}}).must(t, http.StatusBadRequest)
			if got := p.fieldError("revoke_reason"); got != tc.errMsg {
				t.Errorf("%s: reason error %q", tc.lang, got)
			}
			p = a.post(path+"/revoke", url.Values{"revoke_reason": {strings.Repeat("長", 1001)}}).must(t, http.StatusBadRequest)
			if p.fieldError("revoke_reason") == "" {
				t.Errorf("%s: a long reason is accepted", tc.lang)
			}
		}
		if n := auditCount(t, db, "intel.revoke", e.amberID); n != 0 {
			t.Fatalf("rejected revocations wrote %d audit entries", n)
		}
		a := e.as("op-a-analyst", "ja")
		p := a.post(path+"/revoke", url.Values{"revoke_reason": {"警察によりシンクホール化"}}).must(t, http.StatusSeeOther)
		if p.Location != path+"?done=object_revoked" {
			t.Errorf("redirect to %q", p.Location)
		}
		d := a.get(p.Location).must(t, http.StatusOK)
		d.has(t, "失効させました。", `<span class="badge off">失効</span>`)
		d.hasNot(t, `id="revoke-form"`)
		if n := auditCount(t, db, "intel.revoke", e.amberID); n != 1 {
			t.Errorf("%d revoke audit entries, want 1", n)
		}
		e.as("op-b-analyst", "en").get(path).must(t, http.StatusOK).has(t, `<span class="badge off">Revoked</span>`)
	})
}

func TestIntelDeleteWithConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		path := "/intel/objects/" + e.amberID
		confirm := path + "/delete?collection=op-a-amber"
		for _, tc := range []struct{ lang, button, title, lead string }{
			{"ja", "「op-a-amber 集」から削除", "本当に削除しますか？", "「op-a-amber 集」にあるこのオブジェクトの版（2件）を削除します。"},
			{"en", "Delete from “op-a-amber”", "Really delete?", "All 2 version(s) of this object in “op-a-amber” will be deleted."},
		} {
			a := e.as("op-a-analyst", tc.lang)
			a.get(path).must(t, http.StatusOK).has(t, tc.button, `action="/intel/objects/`+e.amberID+`/delete"`, `name="collection" value="op-a-amber"`)
			c := a.get(confirm).must(t, http.StatusOK)
			c.has(t, tc.title, tc.lead, `id="delete-form"`, `method="post"`, `name="csrf"`)
			if main := c.Body[strings.Index(c.Body, "<main"):]; strings.Contains(main, "<script") || strings.Contains(main, "onclick") {
				t.Error("the confirmation page uses JavaScript")
			}
		}
		// Others: no button, no confirmation page, no deletion.
		for _, who := range []string{"op-b-analyst", "op-a-viewer"} {
			c := e.as(who, "en")
			c.get(path).must(t, http.StatusOK).hasNot(t, "Delete from")
			c.get(confirm).must(t, http.StatusForbidden)
			c.post(path+"/delete", url.Values{"collection": {"op-a-amber"}}).must(t, http.StatusForbidden)
		}
		v := e.as("ven-analyst", "en")
		v.get(confirm).must(t, http.StatusNotFound)
		v.post(path+"/delete", url.Values{"collection": {"op-a-amber"}}).must(t, http.StatusNotFound)
		a := e.as("op-a-analyst", "en")
		a.get(path+"/delete").must(t, http.StatusBadRequest)
		a.get(path+"/delete?collection=exchange").must(t, http.StatusForbidden)
		if n := auditCount(t, db, "intel.delete", e.amberID); n != 0 {
			t.Fatalf("%d delete audit entries before the confirmed deletion", n)
		}
		// Confirmed.
		p := a.post(path+"/delete", url.Values{"collection": {"op-a-amber"}}).must(t, http.StatusSeeOther)
		if p.Location != "/intel?done=object_deleted" {
			t.Errorf("redirect to %q", p.Location)
		}
		l := a.get(p.Location).must(t, http.StatusOK)
		l.has(t, "The object was deleted")
		l.hasNot(t, "/intel/objects/"+e.amberID)
		a.get(path).must(t, http.StatusNotFound)
		ts, err := e.w.Svc.Deletions(context.Background(), e.w.P("op-b-analyst"), "op-a-amber", 0, 100)
		if err != nil || len(ts) != 2 {
			t.Errorf("tombstones: %v %+v", err, ts)
		}
	})
}

func TestIntelGroupEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		edit := "/groups/council/edit"
		for _, tc := range []struct{ lang, title, save string }{
			{"ja", "共有グループ「council」を編集", "保存"}, {"en", "Edit sharing group council", "Save"},
		} {
			n := e.as("nco-admin", tc.lang)
			n.get("/groups").must(t, http.StatusOK).has(t, `href="/groups/council/edit"`)
			n.get(edit).must(t, http.StatusOK).has(t, tc.title, tc.save, `id="group-edit-form"`, `value="nco, op-b"`, `value="協議会"`)
		}
		// Not the managing organisation's administrators: no link, 403.
		for _, who := range []string{"op-a-admin", "nco-analyst", "op-b-analyst"} {
			c := e.as(who, "en")
			c.get("/groups").must(t, http.StatusOK).hasNot(t, `href="/groups/council/edit"`)
			c.get(edit).must(t, http.StatusForbidden)
			c.post(edit, url.Values{"name.ja": {"乗っ取り"}, "name.en": {"Mine"}, "members": {"op-a"}}).must(t, http.StatusForbidden)
		}
		e.as("nco-admin", "en").get("/groups/nowhere/edit").must(t, http.StatusNotFound)
		// Bad input is named, in both languages.
		n := e.as("nco-admin", "ja")
		p := n.post(edit, url.Values{"name.ja": {"協議会"}, "name.en": {"Council"}, "members": {"op-b, nowhere"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("members"); !strings.Contains(got, "nowhere") {
			t.Errorf("members error %q", got)
		}
		p = e.as("nco-admin", "en").post(edit, url.Values{"name.ja": {"協議会"}, "name.en": {"Council"}, "members": {""}}).must(t, http.StatusBadRequest)
		if p.fieldError("members") == "" {
			t.Errorf("empty members not named: %s", p.Body)
		}
		// Saved and audited; sup now receives the council's RED object.
		p = n.post(edit, url.Values{"name.ja": {"協議会"}, "name.en": {"ACD council"}, "description": {"能動的サイバー防御"},
			"members": {"nco, op-b, sup"}}).must(t, http.StatusSeeOther)
		n.get(p.Location).must(t, http.StatusOK).has(t, "共有グループを保存しました。", "能動的サイバー防御")
		e.as("sup-analyst", "en").get("/intel/objects/"+e.redID).must(t, http.StatusOK)
		if n := auditCount(t, db, "group.update", ""); n < 1 {
			t.Error("group update not audited")
		}
		// Platform administrators manage every group.
		e.as("platform", "en").get(edit).must(t, http.StatusOK)
	})
}

func TestIntelWarninglistAdministration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		list := `{"name":"Docs 2","description":"RFC 5737","version":2,"type":"cidr","list":["203.0.113.0/24"],"matching_attributes":["ip-dst"]}`
		for _, tc := range []struct{ lang, upload, disable string }{
			{"ja", "警告リストを読み込む", "無効にする"}, {"en", "Load a warninglist", "Disable"},
		} {
			e.as("platform", tc.lang).get("/warninglists").must(t, http.StatusOK).
				has(t, tc.upload, `id="wl-upload-form"`, `enctype="multipart/form-data"`, tc.disable, `action="/warninglists/Test%20resolvers/disable"`)
		}
		// Others see no administration and are refused (audited).
		o := e.as("op-a-admin", "en")
		o.get("/warninglists").must(t, http.StatusOK).hasNot(t, `id="wl-upload-form"`, "/disable")
		o.upload("/warninglists", nil, "list.json", list).must(t, http.StatusForbidden)
		o.post("/warninglists/Test%20resolvers/disable", nil).must(t, http.StatusForbidden)
		o.post("/warninglists/Test%20resolvers/delete", nil).must(t, http.StatusForbidden)
		if n := deniedCount(t, db, "warninglist.manage"); n != 3 {
			t.Errorf("%d denied warninglist changes audited, want 3", n)
		}
		// Bad files are named.
		for _, lang := range []string{"ja", "en"} {
			p := e.as("platform", lang)
			p.get("/warninglists").must(t, http.StatusOK)
			r := p.upload("/warninglists", nil, "", "").must(t, http.StatusBadRequest)
			if r.fieldError("file") == "" {
				t.Errorf("%s: missing file not named", lang)
			}
			r = p.upload("/warninglists", nil, "list.json", `{"name":"x"}`).must(t, http.StatusBadRequest)
			if got := r.fieldError("file"); got == "" || lang == "ja" && !strings.Contains(got, "警告リストとして読み込めません") {
				t.Errorf("%s: bad file error %q", lang, got)
			}
		}
		p := e.as("platform", "en")
		p.get("/warninglists").must(t, http.StatusOK)
		r := p.upload("/warninglists", nil, "list.json", list).must(t, http.StatusSeeOther)
		p.get(r.Location).must(t, http.StatusOK).has(t, "The warninglist was loaded.", "Docs 2", "RFC 5737")
		r = p.post("/warninglists/Docs%202/disable", nil).must(t, http.StatusSeeOther)
		p.get(r.Location).must(t, http.StatusOK).has(t, "The warninglist was disabled.", `action="/warninglists/Docs%202/enable"`)
		r = p.post("/warninglists/Docs%202/enable", nil).must(t, http.StatusSeeOther)
		p.get(r.Location).must(t, http.StatusOK).has(t, "The warninglist was enabled.", `action="/warninglists/Docs%202/disable"`)
		r = p.post("/warninglists/Docs%202/delete", nil).must(t, http.StatusSeeOther)
		d := p.get(r.Location).must(t, http.StatusOK)
		d.has(t, "The warninglist was deleted.")
		d.hasNot(t, "Docs 2")
		p.post("/warninglists/Nothing/delete", nil).must(t, http.StatusNotFound)
		for _, a := range []string{"warninglist.put", "warninglist.enable", "warninglist.delete"} {
			if n := auditCount(t, db, a, ""); n < 1 {
				t.Logf("no %s audit entries (actions may be named differently)", a)
			}
		}
		if n := auditCount(t, db, "warninglist.", ""); n < 4 {
			t.Errorf("%d warninglist audit entries, want at least 4", n)
		}
	})
}

func TestIntelActionFormsNeedCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newIntelEnv(t, db)
		a := e.as("op-a-analyst", "en")
		a.do(http.MethodPost, "/intel/objects/"+e.amberID+"/revoke", url.Values{"revoke_reason": {"forged request"}}).must(t, http.StatusForbidden)
		a.do(http.MethodPost, "/intel/objects/"+e.amberID+"/delete", url.Values{"collection": {"op-a-amber"}}).must(t, http.StatusForbidden)
		n := e.as("nco-admin", "en")
		n.do(http.MethodPost, "/groups/council/edit", url.Values{"name.ja": {"x"}, "name.en": {"x"}, "members": {"nco"}}).must(t, http.StatusForbidden)
		p := e.as("platform", "en")
		for _, path := range []string{"/warninglists/Test%20resolvers/disable", "/warninglists/Test%20resolvers/delete"} {
			p.do(http.MethodPost, path, url.Values{}).must(t, http.StatusForbidden).has(t, "The form has expired")
		}
		p.upload("/warninglists", map[string]string{"csrf": "wrong"}, "l.json", `{}`).must(t, http.StatusForbidden)
		if n := auditCount(t, db, "intel.revoke", ""); n != 0 {
			t.Errorf("forged revoke audited as done: %d", n)
		}
		ctx := context.Background()
		if h, err := e.w.Svc.History(ctx, e.w.P("op-a-analyst"), e.amberID); err != nil || len(h) != 2 || h[1].Revoked {
			t.Errorf("object changed by forged posts: %v", err)
		}
		if ls, _ := e.w.Svc.Warninglists(ctx, e.w.P("platform")); len(ls) != 1 || !ls[0].Enabled {
			t.Errorf("warninglists changed by forged posts: %+v", ls)
		}
	})
}
