package meta

import "time"

// The cluster commands: layout sync, node lifecycle, and the first root key. They
// follow the original seven (8, 9, 10, ...); the IAM family starts at 32. The
// versioning rule of CommandType applies.
const (
	CmdLayoutSyncAck CommandType = 8
	CmdNodeStatusSet CommandType = 9
	CmdRootKeyInit   CommandType = 10
)

// clusterCommandNames names the cluster command types, for CommandType.String.
var clusterCommandNames = map[CommandType]string{
	CmdLayoutSyncAck: "LayoutSyncAck",
	CmdNodeStatusSet: "NodeStatusSet",
	CmdRootKeyInit:   "RootKeyInit",
}

// LayoutSyncAck records that Node has synced its data to layout Version (and so to
// every older one). When every node of a layout version has acked it, the versions
// older than it are dropped from the layout history. Acks only grow: an older ack is
// a no-op. A version newer than the current layout is rejected with ErrInvalid.
type LayoutSyncAck struct {
	Node    string `json:"node"`
	Version uint64 `json:"version"`
}

// NodeStatusSet moves a node through its lifecycle: active → decommissioning →
// removed. Removed is final; the same status again is a no-op.
type NodeStatusSet struct {
	Node   string     `json:"node"`
	Status NodeStatus `json:"status"`
}

// RootKeyInit makes ID (with its sealed Secret) the root user's key only if root has
// none yet; otherwise it is a no-op. Every node of a new cluster may propose its own
// random key at once: the first one applied wins, and each node reads back the one
// in effect. An id held by another user is rejected with ErrAccessKeyExists.
type RootKeyInit struct {
	ID        string    `json:"id"`
	Secret    []byte    `json:"sealedSecret"`
	CreatedAt time.Time `json:"createdAt"`
}

func (LayoutSyncAck) commandType() CommandType { return CmdLayoutSyncAck }
func (NodeStatusSet) commandType() CommandType { return CmdNodeStatusSet }
func (RootKeyInit) commandType() CommandType   { return CmdRootKeyInit }
