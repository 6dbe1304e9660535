package management

import "github.com/labstack/echo/v4"

// routes builds the API: every request is counted, given an id and rate limited;
// all but ping and version need the token; every path with {account} checks it.
// The token and account checks are per route, not group middleware, so that an
// unknown path answers 404 and a wrong method 405.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.renderError
	e.Use(s.begin, s.rateLimit)

	api := e.Group("/v1/s3")
	api.GET("/ping", s.ping)
	api.GET("/version", s.version)
	api.GET("/metrics", s.metrics, s.authenticate)

	a, auth := api.Group("/:account"), []echo.MiddlewareFunc{s.authenticate, s.checkAccount}
	a.POST("/buckets", s.createBucket, auth...)
	a.GET("/buckets", s.listBuckets, auth...)
	a.HEAD("/buckets/:bucket", s.headBucket, auth...)
	a.GET("/buckets/:bucket", s.getBucket, auth...)
	a.PUT("/buckets/:bucket", s.updateBucket, auth...)
	a.DELETE("/buckets/:bucket", s.deleteBucket, auth...)
	a.GET("/buckets/:bucket/duck", s.duck, auth...)

	a.POST("/buckets/:bucket/users", s.createUser, auth...)
	a.GET("/buckets/:bucket/users", s.listUsers, auth...)
	a.GET("/buckets/:bucket/users/:user", s.getUser, auth...)
	a.PUT("/buckets/:bucket/users/:user", s.resetKeys, auth...)
	a.DELETE("/buckets/:bucket/users/:user", s.deleteUser, auth...)
	return e
}
