package meta

import "errors"

// ErrNoSuchNode: a node id the cluster does not know (not in Raft, the layout or
// gossip).
var ErrNoSuchNode = errors.New("meta: no such node")
