package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// The IAM pages: users, access keys, groups and managed policies, each a plain form
// that the console turns into one admin API call signed as the signed-in user, so the
// admin API's own authorization decides (admin:CreateUser, admin:AttachPolicy, ...).

// expiryPresets are the choices of a user's expiry.
var expiryPresets = []struct{ Label, Value string }{
	{"never", ""}, {"1 hour", "1h"}, {"24 hours", "24h"}, {"7 days", "168h"}, {"30 days", "720h"}, {"90 days", "2160h"},
}

// expiryFrom turns a preset's value into a time; nil for never.
func (c *Console) expiryFrom(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return nil, badInput("The expiry %q is not one of the choices.", v)
	}
	t := c.now().Add(d).UTC().Truncate(time.Second)
	return &t, nil
}

// usersView is the users page.
type usersView struct {
	Users    []admin.User
	Policies []admin.Policy
	Presets  any
	Error    string
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	v := usersView{Presets: expiryPresets}
	users, err := ac.Users(r.Context())
	if err != nil {
		v.Error = errText(err)
	}
	v.Users = users
	v.Policies, _ = ac.Policies(r.Context()) // the create form's choices; none if not allowed
	c.render(w, r, http.StatusOK, "users", v)
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	exp, err := c.expiryFrom(r.PostFormValue("expiry"))
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	in := admin.CreateUserRequest{Name: strings.TrimSpace(r.PostFormValue("name")), Policies: r.PostForm["policy"], Expiry: exp}
	if _, err := c.adminClient(r, s.accessKey, s.secret).CreateUser(r.Context(), in); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/iam/users/"+url.PathEscape(in.Name), http.StatusSeeOther)
}

// userView is one user's page.
type userView struct {
	User     admin.User
	Keys     []admin.AccessKey
	KeysErr  string
	Policies []string // policies that could be attached
	Presets  any
	NewKey   *admin.AccessKey // a key just created: its secret, shown this once
	Check    *checkResult     // the "what can this user do?" answer, when asked
}

func (c *Console) userPage(w http.ResponseWriter, r *http.Request) {
	c.renderUser(w, r, nil)
}

// renderUser renders a user's page; newKey is a key just created, whose secret the
// page shows once (the page is not cached and the secret is kept nowhere).
func (c *Console) renderUser(w http.ResponseWriter, r *http.Request, newKey *admin.AccessKey) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	u, err := ac.User(r.Context(), r.PathValue("name"))
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	v := userView{User: u, Presets: expiryPresets, NewKey: newKey}
	if v.Keys, err = ac.AccessKeys(r.Context(), u.Name); err != nil {
		v.KeysErr = errText(err)
	}
	v.Policies = c.unattached(r, ac, u.Policies)
	if q := r.URL.Query(); q.Get("action") != "" && q.Get("resource") != "" {
		v.Check = c.checkUser(r, s, ac, u, strings.TrimSpace(q.Get("action")), strings.TrimSpace(q.Get("resource")))
	}
	c.render(w, r, http.StatusOK, "user", v)
}

// unattached lists the managed policies not in attached (those the caller may list).
func (c *Console) unattached(r *http.Request, ac *client.Client, attached []string) []string {
	all, _ := ac.Policies(r.Context())
	var out []string
	for _, p := range all {
		if !slices.Contains(attached, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

// userAction is one change to a user, named by the last path segment.
func (c *Console) userAction(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	ctx, name := r.Context(), r.PathValue("name")
	back := "/iam/users/" + url.PathEscape(name)
	var err error
	switch r.PathValue("op") {
	case "disable":
		_, err = ac.DisableUser(ctx, name)
	case "enable":
		_, err = ac.EnableUser(ctx, name)
	case "expiry":
		var exp *time.Time
		if exp, err = c.expiryFrom(r.PostFormValue("expiry")); err == nil {
			_, err = ac.SetUserExpiry(ctx, name, exp)
		}
	case "attach":
		_, err = ac.AttachUserPolicy(ctx, name, r.PostFormValue("policy"))
	case "detach":
		_, err = ac.DetachUserPolicy(ctx, name, r.PostFormValue("policy"))
	case "delete":
		err, back = ac.DeleteUser(ctx, name), "/iam/users"
	case "create-key":
		k, err := ac.CreateAccessKey(ctx, name)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		c.renderUser(w, r, &k)
		return
	case "rotate-key":
		id := r.PostFormValue("key")
		k, err := ac.RotateAccessKey(ctx, id)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		c.sessions.endKey(id) // the old key stopped working
		c.renderUser(w, r, &k)
		return
	case "delete-key":
		id := r.PostFormValue("key")
		if err = ac.DeleteAccessKey(ctx, id); err == nil {
			c.sessions.endKey(id) // a session signed in with the key ends with it
		}
	default:
		c.fail(w, r, http.StatusNotFound, "NotFound", "There is no such change to a user.")
		return
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// groupsView is the groups page.
type groupsView struct {
	Groups []admin.Group
	Error  string
}

func (c *Console) groupsPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	v := groupsView{}
	var err error
	if v.Groups, err = c.adminClient(r, s.accessKey, s.secret).Groups(r.Context()); err != nil {
		v.Error = errText(err)
	}
	c.render(w, r, http.StatusOK, "groups", v)
}

func (c *Console) createGroup(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if _, err := c.adminClient(r, s.accessKey, s.secret).CreateGroup(r.Context(), admin.CreateGroupRequest{Name: name}); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/iam/groups/"+url.PathEscape(name), http.StatusSeeOther)
}

// groupView is one group's page.
type groupView struct {
	Group    admin.Group
	Policies []string
	Users    []string
}

func (c *Console) groupPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	g, err := ac.Group(r.Context(), r.PathValue("name"))
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	v := groupView{Group: g, Policies: c.unattached(r, ac, g.Policies)}
	users, _ := ac.Users(r.Context())
	for _, u := range users {
		if !slices.Contains(g.Members, u.Name) {
			v.Users = append(v.Users, u.Name)
		}
	}
	c.render(w, r, http.StatusOK, "group", v)
}

func (c *Console) groupAction(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	ctx, name := r.Context(), r.PathValue("name")
	back := "/iam/groups/" + url.PathEscape(name)
	var err error
	switch r.PathValue("op") {
	case "add":
		_, err = ac.AddUserToGroup(ctx, name, r.PostFormValue("user"))
	case "remove":
		_, err = ac.RemoveUserFromGroup(ctx, name, r.PostFormValue("user"))
	case "attach":
		_, err = ac.AttachGroupPolicy(ctx, name, r.PostFormValue("policy"))
	case "detach":
		_, err = ac.DetachGroupPolicy(ctx, name, r.PostFormValue("policy"))
	case "delete":
		err, back = ac.DeleteGroup(ctx, name), "/iam/groups"
	default:
		c.fail(w, r, http.StatusNotFound, "NotFound", "There is no such change to a group.")
		return
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// policiesView is the policies page.
type policiesView struct {
	Policies []admin.Policy
	Error    string
}

func (c *Console) policiesPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	v := policiesView{}
	var err error
	if v.Policies, err = c.adminClient(r, s.accessKey, s.secret).Policies(r.Context()); err != nil {
		v.Error = errText(err)
	}
	c.render(w, r, http.StatusOK, "policies", v)
}

// policyView is the policy editor.
type policyView struct {
	Name     string
	New      bool
	Document string
	Users    []string
	Groups   []string
	Error    string
}

func (c *Console) policyPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	name := r.PathValue("name")
	if name == "" {
		c.render(w, r, http.StatusOK, "policy", policyView{New: true, Document: "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\"], \"Resource\": [\"arn:aws:s3:::BUCKET/*\"]}\n  ]\n}"})
		return
	}
	p, err := c.adminClient(r, s.accessKey, s.secret).Policy(r.Context(), name)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "policy", policyView{Name: p.Name, Document: indentJSON(p.Document), Users: p.Users, Groups: p.Groups})
}

// putPolicy creates or replaces a managed policy; the admin API validates it, and a
// refusal shows the editor again with the document as typed and the error by it.
func (c *Console) putPolicy(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	doc := r.PostFormValue("document")
	if _, err := c.adminClient(r, s.accessKey, s.secret).PutPolicy(r.Context(), name, []byte(doc)); err != nil {
		status, _, _ := apiError(err)
		c.render(w, r, status, "policy", policyView{Name: name, New: r.PostFormValue("new") != "", Document: doc, Error: errText(err)})
		return
	}
	http.Redirect(w, r, "/iam/policies/"+url.PathEscape(name), http.StatusSeeOther)
}

func (c *Console) deletePolicy(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if err := c.adminClient(r, s.accessKey, s.secret).DeletePolicy(r.Context(), r.PathValue("name")); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/iam/policies", http.StatusSeeOther)
}

// errText is "Code: message" of an API error.
func errText(err error) string {
	_, code, msg := apiError(err)
	return code + ": " + msg
}

// indentJSON pretty-prints a JSON document for the editor.
func indentJSON(doc json.RawMessage) string {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return string(doc)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return string(doc)
	}
	return string(out)
}
