package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
)

// Site sync's forms that make and edit connections and rules (docs/console.md): a
// connection with any credentials source and its TLS settings, a rule with its tag
// filter. Each is one admin API call as the signed-in user; a refusal shows the
// form again, as typed but without any secret, with the API's error under it.

// credentialSources are the choices of a connection's credentials source; "" lets
// the admin API choose (static with a key, else default).
var credentialSources = []string{"", meta.CredentialsStatic, meta.CredentialsEnv, meta.CredentialsShared, meta.CredentialsIMDS, meta.CredentialsDefault}

// connectionView is the page that makes (New) or edits a connection. It never
// holds a secret: HasSecret says whether one is stored.
type connectionView struct {
	New       bool
	Conn      admin.Connection
	HasSecret bool
	Sources   []string
	Error     string
}

// connectionPage shows the form of a new connection, or of a stored one (without
// its secret).
func (c *Console) connectionPage(w http.ResponseWriter, r *http.Request) {
	v := connectionView{New: true, Sources: credentialSources}
	if name := r.PathValue("name"); name != "" {
		s := sessionOf(r)
		conn, err := c.adminClient(r, s.accessKey, s.secret).Connection(r.Context(), name)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		v = connectionView{Conn: conn, HasSecret: conn.HasSecret, Sources: credentialSources}
	}
	c.render(w, r, http.StatusOK, "syncconnection", v)
}

// connectionForm reads a connection's form: the request for the admin API and,
// for showing the form again, the connection as typed without its secrets.
func connectionForm(r *http.Request) (admin.ConnectionRequest, admin.Connection) {
	field := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	in := admin.ConnectionRequest{
		Name:     field("name"),
		Endpoint: field("endpoint"),
		Region:   field("region"),
		Credentials: admin.ConnectionCredentials{
			ConnectionCredentials: meta.ConnectionCredentials{
				Source:          field("source"),
				AccessKeyID:     field("accessKey"),
				Profile:         field("profile"),
				CredentialsFile: field("credentialsFile"),
				ConfigFile:      field("configFile"),
				IMDSEndpoint:    field("imdsEndpoint"),
			},
			SecretAccessKey: r.PostFormValue("secretKey"),
			SessionToken:    r.PostFormValue("sessionToken"),
		},
		TLS: meta.ConnectionTLS{
			CACertPEM:          field("caCertPem"),
			ServerName:         field("serverName"),
			InsecureSkipVerify: r.PostFormValue("insecureSkipVerify") == "on",
		},
	}
	typed := admin.Connection{Name: in.Name, Endpoint: withoutUserInfo(in.Endpoint), Region: in.Region,
		Credentials: in.Credentials.ConnectionCredentials, TLS: in.TLS}
	typed.Credentials.IMDSEndpoint = withoutUserInfo(typed.Credentials.IMDSEndpoint)
	return in, typed
}

// withoutUserInfo drops the credentials a URL may embed (https://KEY:SECRET@host),
// for showing it back; a URL that does not parse is not shown at all, since it may
// hold a secret.
func withoutUserInfo(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	return u.String()
}

// putConnection makes (POST /sync/connections) or replaces (POST
// /sync/connections/{name}) a connection. A replace is whole, as the admin API's
// PUT: a static secret left empty keeps the stored one (same key and endpoint only).
func (c *Console) putConnection(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	in, typed := connectionForm(r)
	name, create := r.PathValue("name"), r.PathValue("name") == ""
	var err error
	if create {
		_, err = ac.CreateConnection(r.Context(), in)
	} else {
		in.Name, typed.Name = "", name
		_, err = ac.UpdateConnection(r.Context(), name, in)
	}
	if err != nil {
		status, _, _ := apiError(err)
		v := connectionView{New: create, Conn: typed, Sources: credentialSources, Error: errText(err)}
		if !create {
			if old, err := ac.Connection(r.Context(), name); err == nil {
				v.HasSecret = old.HasSecret
			}
		}
		c.render(w, r, status, "syncconnection", v)
		return
	}
	http.Redirect(w, r, "/sync", http.StatusSeeOther)
}

// ruleView is the page that makes (New) or edits a rule.
type ruleView struct {
	New         bool
	Rule        admin.ReplicationRule
	Tags        string // "key=value" lines
	Connections []string
	Modes       []string
	Error       string
}

// rulePage shows the form of a new rule, or of a stored one filled in.
func (c *Console) rulePage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	v := ruleView{New: true, Rule: admin.ReplicationRule{Mode: meta.ModeNewOnly}}
	if id := r.PathValue("id"); id != "" {
		rule, err := ac.ReplicationRule(r.Context(), r.PathValue("bucket"), id)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		v = ruleView{Rule: rule, Tags: ruleTagLines(rule.Tags)}
	}
	c.renderRule(w, r, http.StatusOK, v)
}

// renderRule shows the rule form with the connections to choose from (those the
// user may list, and the rule's own).
func (c *Console) renderRule(w http.ResponseWriter, r *http.Request, status int, v ruleView) {
	s := sessionOf(r)
	conns, _ := c.adminClient(r, s.accessKey, s.secret).Connections(r.Context())
	for _, cn := range conns {
		v.Connections = append(v.Connections, cn.Name)
	}
	if v.Rule.Connection != "" && !slices.Contains(v.Connections, v.Rule.Connection) {
		v.Connections = append(v.Connections, v.Rule.Connection)
	}
	v.Modes = []string{meta.ModeNewOnly, meta.ModeAll, meta.ModeBidirectional}
	c.render(w, r, status, "syncrule", v)
}

// putRule makes (POST /sync/rules) or replaces (POST /sync/rules/{bucket}/{id}) a
// rule from the form.
func (c *Console) putRule(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	in := admin.ReplicationRuleRequest{
		ID:               strings.TrimSpace(r.PostFormValue("id")),
		Connection:       strings.TrimSpace(r.PostFormValue("connection")),
		TargetBucket:     strings.TrimSpace(r.PostFormValue("targetBucket")),
		Mode:             r.PostFormValue("mode"),
		Prefix:           r.PostFormValue("prefix"),
		ReplicateDeletes: r.PostFormValue("replicateDeletes") == "on",
		SyncBucket:       r.PostFormValue("syncBucket") == "on",
		Paused:           r.PostFormValue("paused") == "on",
	}
	bucket, create := strings.TrimSpace(r.PostFormValue("bucket")), r.PathValue("id") == ""
	if !create {
		bucket, in.ID = r.PathValue("bucket"), r.PathValue("id")
	}
	tagText := r.PostFormValue("tags")
	tags, err := parseTags(tagText, false)
	if err == nil && len(tags) > 0 {
		in.Tags = map[string]string{}
		for _, t := range tags {
			in.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	if err == nil {
		if create {
			_, err = ac.CreateReplicationRule(r.Context(), bucket, in)
		} else {
			_, err = ac.UpdateReplicationRule(r.Context(), bucket, in.ID, in)
		}
	}
	if err != nil {
		status, _, _ := apiError(err)
		c.renderRule(w, r, status, ruleView{New: create, Tags: tagText, Error: errText(err), Rule: admin.ReplicationRule{
			Bucket: bucket, ID: in.ID, Connection: in.Connection, TargetBucket: in.TargetBucket, Mode: in.Mode,
			Prefix: in.Prefix, ReplicateDeletes: in.ReplicateDeletes, SyncBucket: in.SyncBucket, Paused: in.Paused}})
		return
	}
	http.Redirect(w, r, "/sync", http.StatusSeeOther)
}

// ruleTagLines renders a rule's tag filter as sorted "key=value" lines.
func ruleTagLines(tags map[string]string) string {
	out := make([]types.Tag, 0, len(tags))
	for k, v := range tags {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return tagLines(out)
}
