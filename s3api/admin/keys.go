package admin

import (
	"net/http"

	"github.com/cairnstore/cairn/meta"
)

// The access key endpoints. A secret is in the answer of create and rotate only:
// no other endpoint ever returns it, and it is never logged.

func (s *Server) listKeys(cl *call) error {
	keys, err := s.deps.Meta.AccessKeys(cl.Request().Context(), cl.param("name"))
	if err != nil {
		return err
	}
	out := List[AccessKey]{Items: make([]AccessKey, 0, len(keys))}
	for _, k := range keys {
		out.Items = append(out.Items, AccessKey{AccessKeyID: k.ID, User: k.User, CreatedAt: k.CreatedAt, Expiry: k.Expiry})
	}
	return cl.ok(http.StatusOK, out)
}

func (s *Server) createKey(cl *call) error {
	k, err := s.deps.Meta.CreateAccessKey(cl.Request().Context(), cl.param("name"))
	if err != nil {
		return err
	}
	return cl.ok(http.StatusCreated, AccessKey{AccessKeyID: k.ID, SecretKey: k.Secret, User: k.User, CreatedAt: k.CreatedAt})
}

// deleteKey deletes an access key; the root user's key cannot be deleted here, which
// would lock every administrator out.
func (s *Server) deleteKey(cl *call) error {
	ctx, id := cl.Request().Context(), cl.param("id")
	k, err := s.deps.Meta.AccessKey(ctx, id)
	if err != nil {
		return err
	}
	if k.User == meta.RootUser {
		return newError(RootUserKey)
	}
	if err := s.deps.Meta.DeleteAccessKey(ctx, id); err != nil {
		return err
	}
	return cl.NoContent(http.StatusNoContent)
}

// rotateKey replaces a key by a new one of the same user, in one step: the old id
// stops working at once and the new key works at once.
func (s *Server) rotateKey(cl *call) error {
	id := cl.param("id")
	k, err := s.deps.Meta.RotateAccessKey(cl.Request().Context(), id)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, AccessKey{AccessKeyID: k.ID, SecretKey: k.Secret, User: k.User, CreatedAt: k.CreatedAt, Replaces: id})
}
