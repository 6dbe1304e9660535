package management

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
)

// deleteBucket deletes an empty bucket, then its group and its policy. Members of
// the group that were the bucket's own users (in no other group, with no policy of
// their own) are deleted with their keys; other members are only removed from the
// group, as they may still use other buckets.
//
// The bucket goes first: if it is not empty nothing changes (409). If a later step
// fails the call answers 500, and a retry finds no bucket: a DELETE of a missing
// bucket still removes a leftover group and policy of that name before answering
// 404, so a retry always finishes the cleanup.
func (s *Server) deleteBucket(c echo.Context) error {
	name, err := param(c, "bucket")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, err = s.meta.Bucket(ctx, name)
	if errors.Is(err, meta.ErrNoSuchBucket) {
		if _, cerr := s.removeAccess(ctx, name); cerr != nil {
			s.log.Warn("removing a deleted bucket's leftover group and policy failed", "bucket", name, "error", cerr)
		}
		return errorf(NotFound, "No such bucket: %q.", name)
	}
	if err != nil {
		return err
	}
	empty, err := s.objects.BucketEmpty(ctx, name)
	if err != nil {
		return err
	}
	if !empty {
		return errorf(Conflict, "The bucket %q is not empty: delete its objects first.", name)
	}
	if err := s.meta.DeleteBucket(ctx, name); err != nil && !errors.Is(err, meta.ErrNoSuchBucket) {
		return err
	}
	if err := s.objects.DropBucket(ctx, name); err != nil {
		// The bucket is gone; its leftovers are garbage that a later drop or GC removes.
		s.log.Warn("dropping a deleted bucket's leftovers failed", "bucket", name, "error", err)
	}
	out, err := s.removeAccess(ctx, name)
	if err != nil {
		return err
	}
	out.Bucket = "/" + name
	s.log.Info("bucket deleted", "bucket", name, "users_deleted", len(out.Users))
	return c.JSON(http.StatusOK, out)
}

// removeAccess deletes the bucket's group (after emptying it) and its policy, and
// the members that were only the bucket's users. What is already gone is skipped.
func (s *Server) removeAccess(ctx context.Context, bucket string) (DeleteBucketResponse, error) {
	out := DeleteBucketResponse{Users: []string{}, Policies: []string{}, Groups: []string{}}
	gname, pname := groupName(bucket), policyName(bucket)
	g, err := s.meta.Group(ctx, gname)
	switch {
	case errors.Is(err, meta.ErrNoSuchGroup):
	case err != nil:
		return out, err
	default:
		for _, member := range slices.Clone(g.Members) {
			deleted, err := s.releaseMember(ctx, gname, member)
			if err != nil {
				return out, err
			}
			if deleted {
				out.Users = append(out.Users, member)
			}
		}
		if err := s.meta.DeleteGroup(ctx, gname); err != nil && !errors.Is(err, meta.ErrNoSuchGroup) {
			return out, err
		}
		out.Groups = append(out.Groups, gname)
	}
	switch err := s.meta.DeletePolicy(ctx, pname); {
	case err == nil:
		out.Policies = append(out.Policies, pname)
	case errors.Is(err, meta.ErrNoSuchPolicy):
	case errors.Is(err, meta.ErrPolicyInUse):
		// Someone attached it elsewhere through the admin API: keep it, it is theirs now.
		s.log.Warn("a deleted bucket's policy is attached elsewhere; kept", "bucket", bucket, "policy", pname)
	default:
		return out, err
	}
	return out, nil
}

// releaseMember takes user out of the bucket's group: it deletes the user if the
// group was all it had, else removes it from the group. It reports whether the user
// was deleted.
func (s *Server) releaseMember(ctx context.Context, group, user string) (bool, error) {
	u, err := s.meta.User(ctx, user)
	if errors.Is(err, meta.ErrNoSuchUser) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(u.Policies) == 0 && len(u.Groups) == 1 && u.Groups[0] == group {
		if err := s.meta.DeleteUser(ctx, user); err != nil && !errors.Is(err, meta.ErrNoSuchUser) {
			return false, err
		}
		return true, nil
	}
	if err := s.meta.RemoveUserFromGroup(ctx, group, user); err != nil && !errors.Is(err, meta.ErrNoSuchGroup) {
		return false, err
	}
	return false, nil
}
