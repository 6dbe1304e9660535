package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// A bucket's CORS rules (docs/console.md): a table of the rules, a form that adds a
// rule or replaces the rule of an ID, and the raw CORSConfiguration for the editor.
// Every change goes through the S3 API as the signed-in user, and its refusal (code
// and message) is shown where it was typed.

// corsView is the CORS page's content.
type corsView struct {
	Bucket  string
	Rules   []corsRow
	XML     string // the configuration as the S3 API returned it, or as typed
	Err     string // the API's refusal to read it
	RuleErr string // the API's refusal of the rule form
	XMLErr  string // the API's refusal of the raw XML
	NewRule corsRow
}

// corsRow is one rule as the page shows it and the form edits it: lists are
// comma-separated.
type corsRow struct {
	ID, Origins, Methods, AllowedHeaders, ExposeHeaders, MaxAge string
}

// corsMethodNames are the methods a rule may allow, for the form's checkboxes.
var corsMethodNames = []string{"GET", "PUT", "HEAD", "POST", "DELETE"}

// HasMethod reports whether the row allows m (the form's checkboxes).
func (r corsRow) HasMethod(m string) bool {
	for _, v := range splitList(r.Methods) {
		if v == m {
			return true
		}
	}
	return false
}

// corsPage shows a bucket's CORS rules.
func (c *Console) corsPage(w http.ResponseWriter, r *http.Request) {
	c.renderCORS(w, r, http.StatusOK, func(*corsView) {})
}

// renderCORS renders the page after edit has set what the user typed and the error
// it got.
func (c *Console) renderCORS(w http.ResponseWriter, r *http.Request, status int, edit func(*corsView)) {
	s := sessionOf(r)
	bucket := r.PathValue("bucket")
	cl := c.s3Client(r, s)
	if _, err := cl.HeadBucket(r.Context(), &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		c.failErr(w, r, err)
		return
	}
	v := corsView{Bucket: bucket, NewRule: corsRow{Methods: "GET"}}
	if raw, err := c.rawS3(r, s, http.MethodGet, bucket, "cors", nil); err == nil {
		v.XML = indentXML(raw)
		rules, err := c.corsRules(r, cl, bucket)
		if err != nil {
			v.Err = errText(err)
		}
		for _, rule := range rules {
			v.Rules = append(v.Rules, corsRowOf(rule))
		}
	} else if _, code, _ := apiError(err); code != "NoSuchCORSConfiguration" {
		v.Err = errText(err)
	}
	edit(&v)
	c.render(w, r, status, "cors", v)
}

// corsRules reads the bucket's rules through the SDK; none if it has no
// configuration.
func (c *Console) corsRules(r *http.Request, cl *s3.Client, bucket string) ([]types.CORSRule, error) {
	out, err := cl.GetBucketCors(r.Context(), &s3.GetBucketCorsInput{Bucket: aws.String(bucket)})
	if err != nil {
		if _, code, _ := apiError(err); code == "NoSuchCORSConfiguration" {
			return nil, nil
		}
		return nil, err
	}
	return out.CORSRules, nil
}

// corsRowOf is a rule as the page shows it.
func corsRowOf(rule types.CORSRule) corsRow {
	row := corsRow{
		ID: aws.ToString(rule.ID), Origins: strings.Join(rule.AllowedOrigins, ", "), Methods: strings.Join(rule.AllowedMethods, ", "),
		AllowedHeaders: strings.Join(rule.AllowedHeaders, ", "), ExposeHeaders: strings.Join(rule.ExposeHeaders, ", "),
	}
	if rule.MaxAgeSeconds != nil {
		row.MaxAge = strconv.Itoa(int(*rule.MaxAgeSeconds))
	}
	return row
}

// splitList splits a comma- or line-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// corsAction changes the CORS rules: op is "rule" (add or replace one from the
// form), "rule-delete" or "xml".
func (c *Console) corsAction(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	bucket := r.PathValue("bucket")
	cl := c.s3Client(r, s)
	switch r.PathValue("op") {
	case "rule":
		c.putCORSRule(w, r, cl, bucket)
	case "rule-delete":
		c.deleteCORSRule(w, r, cl, bucket)
	case "xml":
		c.putCORSXML(w, r, s, bucket)
	default:
		c.fail(w, r, http.StatusNotFound, "NotFound", "There is no such CORS setting.")
	}
}

// putCORSRule adds the form's rule, or replaces the rule of its ID (a rule without
// an ID is always added), keeping the others; the S3 API checks the whole
// configuration.
func (c *Console) putCORSRule(w http.ResponseWriter, r *http.Request, cl *s3.Client, bucket string) {
	row := corsRow{
		ID: strings.TrimSpace(r.PostFormValue("id")), Origins: r.PostFormValue("origins"),
		Methods: strings.Join(r.PostForm["method"], ", "), AllowedHeaders: r.PostFormValue("headers"),
		ExposeHeaders: r.PostFormValue("expose"), MaxAge: strings.TrimSpace(r.PostFormValue("maxage")),
	}
	rules, err := c.corsRules(r, cl, bucket)
	var rule types.CORSRule
	if err == nil {
		rule, err = corsRuleOf(row)
	}
	if err == nil {
		kept := rules
		if row.ID != "" {
			kept = withoutCORSRule(rules, row.ID)
		}
		_, err = cl.PutBucketCors(r.Context(), &s3.PutBucketCorsInput{Bucket: aws.String(bucket),
			CORSConfiguration: &types.CORSConfiguration{CORSRules: append(kept, rule)}})
	}
	if err != nil {
		status, _, _ := apiError(err)
		c.renderCORS(w, r, status, func(v *corsView) { v.NewRule, v.RuleErr = row, errText(err) })
		return
	}
	c.toCORS(w, r, bucket)
}

// corsRuleOf is the rule a form row describes.
func corsRuleOf(row corsRow) (types.CORSRule, error) {
	rule := types.CORSRule{
		AllowedOrigins: splitList(row.Origins), AllowedMethods: splitList(row.Methods),
		AllowedHeaders: splitList(row.AllowedHeaders), ExposeHeaders: splitList(row.ExposeHeaders),
	}
	if row.ID != "" {
		rule.ID = aws.String(row.ID)
	}
	n, err := optionalInt32(row.MaxAge, "max age")
	rule.MaxAgeSeconds = n
	return rule, err
}

// withoutCORSRule returns rules without the rule of id.
func withoutCORSRule(rules []types.CORSRule, id string) []types.CORSRule {
	kept := make([]types.CORSRule, 0, len(rules))
	for _, r := range rules {
		if aws.ToString(r.ID) != id {
			kept = append(kept, r)
		}
	}
	return kept
}

// deleteCORSRule removes the rule at the form's index (rules need no ID); the last
// one's removal deletes the configuration (S3 refuses an empty one).
func (c *Console) deleteCORSRule(w http.ResponseWriter, r *http.Request, cl *s3.Client, bucket string) {
	rules, err := c.corsRules(r, cl, bucket)
	i, perr := strconv.Atoi(r.PostFormValue("index"))
	switch {
	case err != nil:
	case perr != nil || i < 0 || i >= len(rules):
		c.fail(w, r, http.StatusBadRequest, "InvalidArgument", "No such rule: the rules changed meanwhile. Reload the page.")
		return
	case len(rules) == 1:
		_, err = cl.DeleteBucketCors(r.Context(), &s3.DeleteBucketCorsInput{Bucket: aws.String(bucket)})
	default:
		kept := append(append([]types.CORSRule{}, rules[:i]...), rules[i+1:]...)
		_, err = cl.PutBucketCors(r.Context(), &s3.PutBucketCorsInput{Bucket: aws.String(bucket),
			CORSConfiguration: &types.CORSConfiguration{CORSRules: kept}})
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.toCORS(w, r, bucket)
}

// putCORSXML sends the XML the user typed to the S3 API as it is (empty deletes the
// configuration); a refusal is shown under the editor with the document as typed.
func (c *Console) putCORSXML(w http.ResponseWriter, r *http.Request, s *session, bucket string) {
	doc := strings.TrimSpace(r.PostFormValue("xml"))
	var err error
	if doc == "" {
		_, err = c.rawS3(r, s, http.MethodDelete, bucket, "cors", nil)
	} else {
		_, err = c.rawS3(r, s, http.MethodPut, bucket, "cors", []byte(doc))
	}
	if err != nil {
		status, _, _ := apiError(err)
		c.renderCORS(w, r, status, func(v *corsView) { v.XML, v.XMLErr = doc, errText(err) })
		return
	}
	c.toCORS(w, r, bucket)
}

// toCORS sends the browser back to the CORS page.
func (c *Console) toCORS(w http.ResponseWriter, r *http.Request, bucket string) {
	http.Redirect(w, r, "/cors/"+url.PathEscape(bucket), http.StatusSeeOther)
}

// addCORSPage adds the CORS page, whose template is below, to the parsed pages.
func addCORSPage(pages map[string]*template.Template, funcs template.FuncMap) error {
	t, err := template.New("cors").Funcs(funcs).Funcs(template.FuncMap{"corsMethods": func() []string { return corsMethodNames }}).
		ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return err
	}
	if _, err := t.Parse(corsTemplate); err != nil {
		return err
	}
	pages["cors"] = t
	return nil
}

// corsTemplate is the CORS page's content, in the layout every page shares.
const corsTemplate = `{{define "content"}}{{$v := .Content}}{{$csrf := .CSRF}}
<nav class="crumbs"><a href="/buckets">Buckets</a><span class="sep">/</span><a href="/b/{{$v.Bucket}}/">{{$v.Bucket}}</a><span class="sep">/</span><a href="/settings/{{$v.Bucket}}">settings</a><span class="sep">/</span><span>CORS</span></nav>
<section class="card" id="cors">
  <h2>CORS</h2>
  <p class="muted">Which web pages (origins) may call this bucket from a browser, with which methods and headers. A bucket without rules answers no cross-origin request.</p>
  {{if $v.Err}}<p class="muted" id="cors-error">{{$v.Err}}</p>{{else}}
  {{if $v.Rules}}<div class="table-wrap"><table id="cors-rules"><thead><tr><th>ID</th><th>Origins</th><th>Methods</th><th>Allowed headers</th><th>Exposed headers</th><th>Max age (s)</th><th></th></tr></thead><tbody>
  {{range $i, $r := $v.Rules}}<tr><td>{{$r.ID}}</td><td>{{$r.Origins}}</td><td>{{$r.Methods}}</td><td>{{$r.AllowedHeaders}}</td><td>{{$r.ExposeHeaders}}</td><td>{{$r.MaxAge}}</td>
    <td><form method="post" action="/cors/{{$v.Bucket}}/rule-delete" class="inline"><input type="hidden" name="csrf" value="{{$csrf}}"><input type="hidden" name="index" value="{{$i}}"><button type="submit" class="danger">Delete</button></form></td></tr>{{end}}
  </tbody></table></div>{{else}}<p class="muted" id="no-cors">No CORS rules.</p>{{end}}
  <h3>Add a rule (or replace the rule of its ID)</h3>
  <form method="post" action="/cors/{{$v.Bucket}}/rule" id="cors-rule-form"><input type="hidden" name="csrf" value="{{$csrf}}">
    <div class="toolbar">{{with $v.NewRule}}
      <label>ID <input name="id" id="cors-id" value="{{.ID}}"></label>
      <label>Origins <input name="origins" id="cors-origins" value="{{.Origins}}" placeholder="https://app.example.com, https://*.example.com" required></label>
      <fieldset><legend>Methods</legend>{{$row := .}}{{range corsMethods}}<label><input type="checkbox" name="method" value="{{.}}"{{if $row.HasMethod .}} checked{{end}}> {{.}}</label> {{end}}</fieldset>
      <label>Allowed headers <input name="headers" value="{{.AllowedHeaders}}" placeholder="*"></label>
      <label>Exposed headers <input name="expose" value="{{.ExposeHeaders}}" placeholder="ETag"></label>
      <label>Max age (seconds) <input name="maxage" inputmode="numeric" size="6" value="{{.MaxAge}}"></label>{{end}}
    </div>
    {{if $v.RuleErr}}<p class="error" role="alert" id="cors-rule-error">{{$v.RuleErr}}</p>{{end}}
    <button type="submit">Save the rule</button>
  </form>
  <h3>As XML</h3>
  <form method="post" action="/cors/{{$v.Bucket}}/xml"><input type="hidden" name="csrf" value="{{$csrf}}">
    <label for="cors-xml">The CORSConfiguration document, as the S3 API takes it (empty: no CORS)</label>
    <textarea name="xml" id="cors-xml" rows="12" spellcheck="false">{{$v.XML}}</textarea>
    {{if $v.XMLErr}}<p class="error" role="alert" id="cors-xml-error">{{$v.XMLErr}}</p>{{end}}
    <button type="submit">Save the XML</button>
  </form>{{end}}
</section>{{end}}`
