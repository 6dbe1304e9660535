package console

import (
	"net/http"
	"strings"
)

// routes is every console path. None starts with /admin/, /health/, /metrics or
// /v1/, which the admin address serves beside the console.
func (c *Console) routes() *http.ServeMux {
	m := http.NewServeMux()
	page := func(pattern string, h http.HandlerFunc) { m.Handle(pattern, securityHeaders(c.requireSession(h))) }

	m.Handle("GET /static/", securityHeaders(c.static))
	m.Handle("GET /login", securityHeaders(http.HandlerFunc(c.loginPage)))
	m.Handle("POST /login", securityHeaders(http.HandlerFunc(c.login)))
	page("POST /logout", c.logout)
	if c.sso != nil {
		m.Handle("GET /sso/start", securityHeaders(http.HandlerFunc(c.ssoStart)))
		m.Handle("GET /sso/callback", securityHeaders(http.HandlerFunc(c.ssoCallback)))
	}
	// The S3 API on the console's origin, for presigned URLs (proxy.go): it carries
	// no session and needs none; the signature in the URL is the authority.
	m.Handle("/s3/", http.HandlerFunc(c.proxyS3))

	page("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/buckets", http.StatusSeeOther) })
	page("GET /buckets", c.bucketsPage)
	page("POST /buckets", c.createBucket)
	page("GET /b/{bucket}/{prefix...}", c.folderPage)
	page("GET /m/{mount}/{path...}", c.mountPage)
	page("GET /search/{bucket}", c.searchPage)
	page("GET /deleted/{bucket}/{prefix...}", c.deletedPage)

	page("GET /o/{bucket}/{key...}", c.detailsPage)
	page("GET /dl/{bucket}/{key...}", c.download)
	page("POST /lock/{bucket}/{key...}", c.lockAction)
	page("POST /api/version/restore", c.restoreVersion)
	page("POST /api/version/delete", c.deleteVersion)
	page("GET /iam/{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/iam/users", http.StatusSeeOther) })
	page("GET /iam/users", c.usersPage)
	page("POST /iam/users", c.createUser)
	page("GET /iam/users/{name}", c.userPage)
	page("POST /iam/users/{name}/{op}", c.userAction)
	page("GET /iam/groups", c.groupsPage)
	page("POST /iam/groups", c.createGroup)
	page("GET /iam/groups/{name}", c.groupPage)
	page("POST /iam/groups/{name}/{op}", c.groupAction)
	page("GET /iam/policies", c.policiesPage)
	page("GET /iam/new-policy", c.policyPage)
	page("POST /iam/policies", c.putPolicy)
	page("GET /iam/policies/{name}", c.policyPage)
	page("POST /iam/policies/{name}/delete", c.deletePolicy)
	page("GET /cluster", c.clusterPage)
	page("POST /cluster/preview", c.previewLayout)
	page("POST /cluster/apply", c.applyLayout)
	page("POST /cluster/clear-override", c.clearOverride)
	page("GET /audit", c.auditPage)
	page("GET /usage", c.usagePage)
	page("GET /charts", c.metricsPage) // not /metrics: the admin address serves Prometheus there
	page("GET /sync", c.syncPage)
	page("GET /sync/new-connection", c.connectionPage)
	page("GET /sync/connections/{name}", c.connectionPage)
	page("POST /sync/connections", c.putConnection)
	page("POST /sync/connections/{name}", c.putConnection)
	page("GET /sync/new-rule", c.rulePage)
	page("GET /sync/rules/{bucket}/{id}", c.rulePage)
	page("POST /sync/rules", c.putRule)
	page("POST /sync/rules/{bucket}/{id}", c.putRule)
	page("POST /sync/rules/{bucket}/{id}/{op}", c.ruleAction)
	page("GET /settings/{bucket}", c.settingsPage)
	page("POST /settings/{bucket}/{op}", c.settingsAction)
	page("GET /cors/{bucket}", c.corsPage)
	page("POST /cors/{bucket}/{op}", c.corsAction)

	page("POST /api/presign", c.presign)
	page("POST /api/multipart/urls", c.multipartURLs)
	page("POST /api/multipart/create", c.multipartCreate)
	page("POST /api/multipart/complete", c.multipartComplete)
	page("POST /api/multipart/abort", c.multipartAbort)
	page("POST /api/multipart/parts", c.multipartParts)
	page("POST /api/delete", c.deleteObjects)
	page("POST /api/copy", c.copyObject)
	page("POST /api/tags", c.putObjectTags)
	page("POST /api/metadata", c.putObjectMetadata)
	page("POST /api/move-folder", c.moveFolder)
	page("GET /api/session", c.sessionInfo)
	page("GET /api/buckets", c.bucketNames)

	m.Handle("/", securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusNotFound, "NotFound", "There is no such page in the console.")
	})))
	return m
}

// isAPI reports whether r is a fetch from the console's script (JSON answers).
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
