package admin

import (
	"errors"
	"net/http"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
)

// endpoint is one operation of the admin API: its route under Prefix, its name (in
// the audit log), the permissions it needs and its handler.
type endpoint struct {
	method string
	path   string
	op     string
	// perms returns what the caller must be allowed, computed from the request (its
	// path, its body); nil: any authenticated caller (whoami).
	perms  func(s *Server, cl *call) ([]permission, error)
	handle func(s *Server, cl *call) error
}

// endpoints is the whole admin API. docs/admin-api.md documents each row.
var endpoints = []endpoint{
	{http.MethodGet, "/whoami", "WhoAmI", nil, (*Server).whoami},

	{http.MethodGet, "/cluster", "GetCluster", need(policy.AdminGetCluster, "cluster"), (*Server).getCluster},
	{http.MethodGet, "/raft", "GetRaft", need(policy.AdminGetRaft, "cluster"), (*Server).getRaft},
	{http.MethodGet, "/nodes", "ListNodes", need(policy.AdminListNodes, "node/*"), (*Server).listNodes},
	{http.MethodGet, "/nodes/:id", "GetNode", needParam(policy.AdminListNodes, "node/", "id"), (*Server).getNode},
	{http.MethodPut, "/nodes/:id", "SetNodeOverride", needParam(policy.AdminUpdateLayout, "node/", "id"), (*Server).setNodeOverride},
	{http.MethodDelete, "/nodes/:id", "RemoveNode", needParam(policy.AdminUpdateLayout, "node/", "id"), (*Server).removeNode},
	{http.MethodGet, "/layout", "GetLayout", need(policy.AdminGetLayout, "cluster"), (*Server).getLayout},
	{http.MethodPost, "/layout/preview", "PreviewLayout", need(policy.AdminGetLayout, "cluster"), (*Server).previewLayout},
	{http.MethodPut, "/layout", "UpdateLayout", need(policy.AdminUpdateLayout, "cluster"), (*Server).updateLayout},
	{http.MethodGet, "/sync", "GetSyncStatus", need(policy.AdminGetLayout, "cluster"), (*Server).getSync},
	{http.MethodPost, "/maintenance/gc", "RunGC", need(policy.AdminRunMaintenance, "cluster"), (*Server).runGC},
	{http.MethodGet, "/maintenance/gc", "GetGC", need(policy.AdminGetCluster, "cluster"), (*Server).getGC},
	{http.MethodPost, "/maintenance/scrub", "RunScrub", need(policy.AdminRunMaintenance, "cluster"), (*Server).runScrub},
	{http.MethodGet, "/maintenance/scrub", "GetScrub", need(policy.AdminGetCluster, "cluster"), (*Server).getScrub},
	{http.MethodPost, "/maintenance/lifecycle", "RunLifecycle", need(policy.AdminRunMaintenance, "cluster"), (*Server).runLifecycle},
	{http.MethodGet, "/maintenance/lifecycle", "GetLifecycle", need(policy.AdminGetCluster, "cluster"), (*Server).getLifecycle},
	{http.MethodGet, "/audit", "GetAuditLog", need(policy.AdminGetAuditLog, "cluster"), (*Server).getAudit},

	{http.MethodGet, "/users", "ListUsers", need(policy.AdminListUsers, "user/*"), (*Server).listUsers},
	{http.MethodPost, "/users", "CreateUser", createUserPerms, (*Server).createUser},
	{http.MethodGet, "/users/:name", "GetUser", needParam(policy.AdminGetUser, "user/", "name"), (*Server).getUser},
	{http.MethodDelete, "/users/:name", "DeleteUser", needParam(policy.AdminDeleteUser, "user/", "name"), (*Server).deleteUser},
	{http.MethodPost, "/users/:name/disable", "DisableUser", needParam(policy.AdminUpdateUser, "user/", "name"), (*Server).disableUser},
	{http.MethodPost, "/users/:name/enable", "EnableUser", needParam(policy.AdminUpdateUser, "user/", "name"), (*Server).enableUser},
	{http.MethodPut, "/users/:name/expiry", "SetUserExpiry", needParam(policy.AdminUpdateUser, "user/", "name"), (*Server).setUserExpiry},
	{http.MethodPut, "/users/:name/policies/:policy", "AttachUserPolicy", attachPerms(policy.AdminAttachPolicy, "user/"), (*Server).attachUserPolicy},
	{http.MethodDelete, "/users/:name/policies/:policy", "DetachUserPolicy", attachPerms(policy.AdminDetachPolicy, "user/"), (*Server).detachUserPolicy},

	{http.MethodGet, "/users/:name/keys", "ListAccessKeys", needParam(policy.AdminListAccessKeys, "user/", "name"), (*Server).listKeys},
	{http.MethodPost, "/users/:name/keys", "CreateAccessKey", needParam(policy.AdminCreateAccessKey, "user/", "name"), (*Server).createKey},
	{http.MethodDelete, "/keys/:id", "DeleteAccessKey", keyPerms(policy.AdminDeleteAccessKey), (*Server).deleteKey},
	{http.MethodPost, "/keys/:id/rotate", "RotateAccessKey", keyPerms(policy.AdminCreateAccessKey, policy.AdminDeleteAccessKey), (*Server).rotateKey},

	{http.MethodGet, "/groups", "ListGroups", need(policy.AdminListGroups, "group/*"), (*Server).listGroups},
	{http.MethodPost, "/groups", "CreateGroup", createGroupPerms, (*Server).createGroup},
	{http.MethodGet, "/groups/:name", "GetGroup", needParam(policy.AdminGetGroup, "group/", "name"), (*Server).getGroup},
	{http.MethodDelete, "/groups/:name", "DeleteGroup", needParam(policy.AdminDeleteGroup, "group/", "name"), (*Server).deleteGroup},
	{http.MethodPut, "/groups/:name/members/:user", "AddUserToGroup", needParam(policy.AdminUpdateGroup, "group/", "name"), (*Server).addMember},
	{http.MethodDelete, "/groups/:name/members/:user", "RemoveUserFromGroup", needParam(policy.AdminUpdateGroup, "group/", "name"), (*Server).removeMember},
	{http.MethodPut, "/groups/:name/policies/:policy", "AttachGroupPolicy", attachPerms(policy.AdminAttachPolicy, "group/"), (*Server).attachGroupPolicy},
	{http.MethodDelete, "/groups/:name/policies/:policy", "DetachGroupPolicy", attachPerms(policy.AdminDetachPolicy, "group/"), (*Server).detachGroupPolicy},

	{http.MethodGet, "/policies", "ListPolicies", need(policy.AdminListPolicies, "policy/*"), (*Server).listPolicies},
	{http.MethodGet, "/policies/:name", "GetPolicy", needParam(policy.AdminGetPolicy, "policy/", "name"), (*Server).getPolicy},
	{http.MethodPut, "/policies/:name", "PutPolicy", needParam(policy.AdminPutPolicy, "policy/", "name"), (*Server).putPolicy},
	{http.MethodDelete, "/policies/:name", "DeletePolicy", needParam(policy.AdminDeletePolicy, "policy/", "name"), (*Server).deletePolicy},

	{http.MethodGet, "/buckets", "ListBuckets", need(policy.AdminListBuckets, "bucket/*"), (*Server).listBuckets},
	{http.MethodGet, "/buckets/:name", "GetBucket", needParam(policy.AdminGetBucket, "bucket/", "name"), (*Server).getBucket},
	{http.MethodGet, "/buckets/:name/usage", "GetBucketUsage", needParam(policy.AdminGetBucket, "bucket/", "name"), (*Server).getBucketUsage},
	{http.MethodGet, "/buckets/:name/quota", "GetBucketQuota", needParam(policy.AdminGetBucket, "bucket/", "name"), (*Server).getBucketQuota},
	{http.MethodPut, "/buckets/:name/quota", "SetBucketQuota", needParam(policy.AdminSetBucketQuota, "bucket/", "name"), (*Server).setBucketQuota},
	{http.MethodDelete, "/buckets/:name/quota", "DeleteBucketQuota", needParam(policy.AdminSetBucketQuota, "bucket/", "name"), (*Server).deleteBucketQuota},
	{http.MethodGet, "/usage", "ListBucketUsage", need(policy.AdminListBuckets, "bucket/*"), (*Server).listBucketUsage},

	// site sync (replication.go)
	{http.MethodGet, "/connections", "ListConnections", need(policy.AdminListSites, "site/*"), (*Server).listConnections},
	{http.MethodPost, "/connections", "CreateConnection", createConnectionPerms, (*Server).createConnection},
	{http.MethodGet, "/connections/:name", "GetConnection", needParam(policy.AdminListSites, "site/", "name"), (*Server).getConnection},
	{http.MethodPut, "/connections/:name", "UpdateConnection", needParam(policy.AdminAddSite, "site/", "name"), (*Server).updateConnection},
	{http.MethodDelete, "/connections/:name", "DeleteConnection", needParam(policy.AdminRemoveSite, "site/", "name"), (*Server).deleteConnection},
	{http.MethodGet, "/replication/status", "GetReplicationStatus", need(policy.AdminGetBucket, "bucket/*"), (*Server).replicationStatus},
	{http.MethodGet, "/replication/rules", "ListReplicationRules", need(policy.AdminGetBucket, "bucket/*"), (*Server).listAllRules},
	{http.MethodGet, "/buckets/:name/replication", "GetBucketReplicationRules", bucketPerm(policy.ActionGetReplicationConfiguration), (*Server).listBucketRules},
	{http.MethodPost, "/buckets/:name/replication", "CreateReplicationRule", needParam(policy.AdminUpdateBucket, "bucket/", "name"), (*Server).createRule},
	{http.MethodGet, "/buckets/:name/replication/:id", "GetReplicationRule", bucketPerm(policy.ActionGetReplicationConfiguration), (*Server).getRule},
	{http.MethodPut, "/buckets/:name/replication/:id", "UpdateReplicationRule", needParam(policy.AdminUpdateBucket, "bucket/", "name"), (*Server).updateRule},
	{http.MethodDelete, "/buckets/:name/replication/:id", "DeleteReplicationRule", needParam(policy.AdminUpdateBucket, "bucket/", "name"), (*Server).deleteRule},
	{http.MethodPost, "/buckets/:name/replication/:id/pause", "PauseReplicationRule", bucketPerm(policy.ActionPutReplicationConfiguration), (*Server).pauseRule},
	{http.MethodPost, "/buckets/:name/replication/:id/resume", "ResumeReplicationRule", bucketPerm(policy.ActionPutReplicationConfiguration), (*Server).resumeRule},
	{http.MethodPost, "/buckets/:name/replication/:id/resync", "ResyncReplicationRule", bucketPerm(policy.ActionPutReplicationConfiguration), (*Server).resyncRule},
}

// need is a fixed permission.
func need(action, resource string) func(*Server, *call) ([]permission, error) {
	return func(*Server, *call) ([]permission, error) {
		return []permission{{action, resource}}, nil
	}
}

// needParam is action on the resource kind (e.g. "user/") named by a path parameter.
func needParam(action, kind, param string) func(*Server, *call) ([]permission, error) {
	return func(_ *Server, cl *call) ([]permission, error) {
		return []permission{{action, kind + cl.param(param)}}, nil
	}
}

// attachPerms is attaching or detaching a policy: action on both the user or group
// (kind, the :name parameter) and the policy (the :policy parameter), so that a
// policy can limit which policies someone may hand out.
func attachPerms(action, kind string) func(*Server, *call) ([]permission, error) {
	return func(_ *Server, cl *call) ([]permission, error) {
		return []permission{{action, kind + cl.param("name")}, {action, "policy/" + cl.param("policy")}}, nil
	}
}

// createUserPerms: CreateUser on the new user, and AttachPolicy on it and on each
// policy the request attaches.
func createUserPerms(_ *Server, cl *call) ([]permission, error) {
	var in CreateUserRequest
	if err := cl.decode(&in); err != nil {
		return nil, err
	}
	perms := []permission{{policy.AdminCreateUser, "user/" + in.Name}}
	for _, p := range in.Policies {
		perms = append(perms, permission{policy.AdminAttachPolicy, "user/" + in.Name}, permission{policy.AdminAttachPolicy, "policy/" + p})
	}
	return perms, nil
}

// createGroupPerms: CreateGroup on the new group, AttachPolicy for each policy and
// UpdateGroup for initial members.
func createGroupPerms(_ *Server, cl *call) ([]permission, error) {
	var in CreateGroupRequest
	if err := cl.decode(&in); err != nil {
		return nil, err
	}
	perms := []permission{{policy.AdminCreateGroup, "group/" + in.Name}}
	for _, p := range in.Policies {
		perms = append(perms, permission{policy.AdminAttachPolicy, "group/" + in.Name}, permission{policy.AdminAttachPolicy, "policy/" + p})
	}
	if len(in.Members) > 0 {
		perms = append(perms, permission{policy.AdminUpdateGroup, "group/" + in.Name})
	}
	return perms, nil
}

// keyPerms is actions on the user who owns the access key named by :id. A key that
// does not exist is checked against "user/*": a caller allowed on every user learns
// that it does not exist (404), any other caller gets AccessDenied, so that key ids
// cannot be probed.
func keyPerms(actions ...string) func(*Server, *call) ([]permission, error) {
	return func(s *Server, cl *call) ([]permission, error) {
		owner := "*"
		k, err := s.deps.Meta.AccessKey(cl.Request().Context(), cl.param("id"))
		switch {
		case err == nil:
			owner = k.User
		case !errors.Is(err, meta.ErrNoSuchAccessKey):
			return nil, err
		}
		perms := make([]permission, len(actions))
		for i, a := range actions {
			perms[i] = permission{a, "user/" + owner}
		}
		return perms, nil
	}
}
