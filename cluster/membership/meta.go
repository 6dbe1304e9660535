package membership

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/memberlist"
)

// NodeMeta is what a node tells the others about itself through gossip. It is
// encoded as JSON and must fit memberlist's 512-byte limit.
type NodeMeta struct {
	// RPCAddr is the node-to-node HTTP API ("host:port"), under /rpc/.
	RPCAddr string `json:"rpc,omitempty"`
	// RaftAddr is the node's Raft transport address.
	RaftAddr string `json:"raft,omitempty"`
	// S3Addr and AdminAddr are the node's S3 and admin endpoints ("host:port").
	S3Addr    string `json:"s3,omitempty"`
	AdminAddr string `json:"admin,omitempty"`
	// Zone is the failure domain the layout spreads replicas over.
	Zone string `json:"zone,omitempty"`
	// Capacity is the node's relative storage weight in the layout.
	Capacity uint64 `json:"cap,omitempty"`
	// Version is the software version the node runs.
	Version string `json:"ver,omitempty"`
	// StartedAt is when the node's process started.
	StartedAt time.Time `json:"start,omitzero"`
	// RaftState reports that the node has Raft state: it bootstrapped a cluster or
	// was added to one. --bootstrap-expect never bootstraps while any member has it.
	RaftState bool `json:"rs,omitempty"`
	// Starting says the node is in gossip (its Raft and meta RPC work) but does not
	// serve its object store yet: the others keep it out of the data plane until it
	// clears this. A node of an older version never sets it.
	Starting bool `json:"starting,omitempty"`
	// Leaving is set by Leave just before the node says goodbye, so that the others
	// can tell a node that left from one that died (memberlist does not say).
	Leaving bool `json:"leaving,omitempty"`
}

func (m NodeMeta) encode() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("membership: encode node metadata: %w", err)
	}
	if len(b) > memberlist.MetaMaxSize {
		return nil, fmt.Errorf("membership: node metadata is %d bytes, more than gossip's limit of %d", len(b), memberlist.MetaMaxSize)
	}
	return b, nil
}

// decodeMeta decodes another node's metadata; a node whose metadata does not decode
// (another program, a newer incompatible version) gets the zero NodeMeta.
func decodeMeta(b []byte) NodeMeta {
	var m NodeMeta
	if len(b) > 0 {
		_ = json.Unmarshal(b, &m)
	}
	return m
}
