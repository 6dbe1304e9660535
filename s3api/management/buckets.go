package management

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api"
)

// createBucket makes a bucket, a policy granting full access to it and a group
// holding that policy: all three or, if a step fails, none.
func (s *Server) createBucket(c echo.Context) error {
	var req CreateBucketRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	name := req.BucketInput.Bucket
	if !s3api.ValidBucketName(name) {
		return errorf(BadRequest, "%q is not a valid bucket name: 3 to 63 characters of a-z, 0-9, '.' and '-', starting and ending with a letter or digit.", name)
	}
	if acl := req.BucketInput.ACL; acl != "" && acl != "private" {
		return errorf(BadRequest, "ACL %q is not supported: buckets are private and access is granted by policy.", acl)
	}
	if conf := req.BucketInput.CreateBucketConfiguration; conf != nil && conf.LocationConstraint != "" && conf.LocationConstraint != s.cfg.Region {
		return errorf(BadRequest, "The location constraint %q is not this cluster's region %q.", conf.LocationConstraint, s.cfg.Region)
	}
	tags, err := checkTags(req.Tags)
	if err != nil {
		return err
	}
	lc, err := lifecyclePreset(req.Lifecycle)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.ensureAbsent(ctx, name); err != nil {
		return err
	}
	out, err := s.makeBucket(ctx, name, tags, lc)
	if err != nil {
		return err
	}
	s.log.Info("bucket created", "bucket", name, "policy", out.Policy.PolicyName, "group", out.Group.GroupName)
	return c.JSON(http.StatusAccepted, out)
}

// ensureAbsent answers 409 if the bucket, its policy or its group exists.
func (s *Server) ensureAbsent(ctx context.Context, bucket string) error {
	_, err := s.meta.Bucket(ctx, bucket)
	switch {
	case err == nil:
		return errorf(Conflict, "The bucket %q already exists.", bucket)
	case !errors.Is(err, meta.ErrNoSuchBucket):
		return err
	}
	_, err = s.meta.Policy(ctx, policyName(bucket))
	switch {
	case err == nil:
		return errorf(Conflict, "The policy %q already exists.", policyName(bucket))
	case !errors.Is(err, meta.ErrNoSuchPolicy):
		return err
	}
	_, err = s.meta.Group(ctx, groupName(bucket))
	switch {
	case err == nil:
		return errorf(Conflict, "The group %q already exists.", groupName(bucket))
	case !errors.Is(err, meta.ErrNoSuchGroup):
		return err
	}
	return nil
}

// makeBucket creates the bucket, its policy, its group, its tags and its lifecycle
// configuration (nil: none), undoing the steps done if a later one fails.
func (s *Server) makeBucket(ctx context.Context, name string, tags map[string]string, lc *meta.LifecycleConfig) (out CreateBucketResponse, err error) {
	var u undo
	defer func() {
		if err != nil {
			u.run(ctx, s.log, "create bucket "+name)
		}
	}()
	err = s.meta.CreateBucket(ctx, meta.Bucket{Name: name, Owner: meta.RootUser, Region: s.cfg.Region, CreatedAt: time.Now().UTC()})
	if errors.Is(err, meta.ErrBucketExists) {
		return out, errorf(Conflict, "The bucket %q already exists.", name)
	}
	if err != nil {
		return out, err
	}
	u.add(func(ctx context.Context) error { return s.meta.DeleteBucket(ctx, name) })
	pname, gname := policyName(name), groupName(name)
	if err = s.meta.PutPolicy(ctx, pname, fullAccessPolicy(name)); err != nil {
		return out, err
	}
	u.add(func(ctx context.Context) error { return s.meta.DeletePolicy(ctx, pname) })
	err = s.meta.CreateGroup(ctx, meta.GroupInput{Name: gname, Policies: []string{pname}})
	if errors.Is(err, meta.ErrGroupExists) {
		return out, errorf(Conflict, "The group %q already exists.", gname)
	}
	if err != nil {
		return out, err
	}
	u.add(func(ctx context.Context) error { return s.meta.DeleteGroup(ctx, gname) })
	if len(tags) > 0 {
		// Undone with the bucket: its tags go with it.
		if err = s.meta.PutBucketTags(ctx, name, tags); err != nil {
			return out, err
		}
	}
	if lc != nil {
		// Undone with the bucket, like its tags.
		if err = s.meta.PutBucketLifecycle(ctx, name, lc); err != nil {
			return out, err
		}
	}
	p, err := s.meta.Policy(ctx, pname)
	if err != nil {
		return out, err
	}
	g, err := s.meta.Group(ctx, gname)
	if err != nil {
		return out, err
	}
	return CreateBucketResponse{Bucket: "/" + name, Policy: s.policyOut(p, 1), Group: s.groupOut(g)}, nil
}

// listBuckets answers the names of every bucket, sorted.
func (s *Server) listBuckets(c echo.Context) error {
	buckets, err := s.meta.Buckets(c.Request().Context())
	if err != nil {
		return err
	}
	names := make([]string, 0, len(buckets))
	for _, b := range buckets {
		names = append(names, b.Name)
	}
	slices.Sort(names)
	return c.JSON(http.StatusOK, names)
}

// bucket returns the bucket named in the path; 404 if there is none.
func (s *Server) bucket(c echo.Context) (meta.Bucket, error) {
	name, err := param(c, "bucket")
	if err != nil {
		return meta.Bucket{}, err
	}
	b, err := s.meta.Bucket(c.Request().Context(), name)
	if errors.Is(err, meta.ErrNoSuchBucket) {
		return b, errorf(NotFound, "No such bucket: %q.", name)
	}
	return b, err
}

// headBucket answers 200 if the bucket exists.
func (s *Server) headBucket(c echo.Context) error {
	if _, err := s.bucket(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// getBucket answers the bucket's tags, its logging (none) and whether it is empty.
func (s *Server) getBucket(c echo.Context) error {
	b, err := s.bucket(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	tags, err := s.meta.BucketTags(ctx, b.Name)
	if errors.Is(err, meta.ErrNoSuchBucket) {
		return errorf(NotFound, "No such bucket: %q.", b.Name) // deleted since s.bucket
	}
	if err != nil {
		return err
	}
	out := BucketInfo{Tags: tagList(tags)}
	if out.Empty, err = s.objects.BucketEmpty(ctx, b.Name); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// updateBucket replaces the bucket's tags.
func (s *Server) updateBucket(c echo.Context) error {
	var req UpdateBucketRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Tags == nil {
		return errorf(BadRequest, "\"Tags\" is required: updating a bucket replaces its tags.")
	}
	tags, err := checkTags(*req.Tags)
	if err != nil {
		return err
	}
	b, err := s.bucket(c)
	if err != nil {
		return err
	}
	err = s.meta.PutBucketTags(c.Request().Context(), b.Name, tags)
	if errors.Is(err, meta.ErrNoSuchBucket) {
		return errorf(NotFound, "No such bucket: %q.", b.Name) // deleted since s.bucket
	}
	if err != nil {
		return err
	}
	s.log.Info("bucket tags replaced", "bucket", b.Name, "tags", len(tags))
	return c.JSON(http.StatusOK, struct{ Tags []Tag }{tagList(tags)})
}
