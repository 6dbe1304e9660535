package node

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/membership"
	"github.com/cairnstore/cairn/cluster/transport"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/replication"
)

// siteSync is the node's site sync worker (replication.Worker) and how to stop it.
type siteSync struct {
	w    *replication.Worker
	stop context.CancelFunc
	done chan struct{}
}

// startSiteSync starts the site sync worker once the node serves S3: it reads what
// it sends through this node's own S3 endpoint, signed with the root key.
func (n *Node) startSiteSync() error {
	httpClient := awshttp.NewBuildableClient()
	if n.tls != nil {
		// This node's own listener, over loopback: its certificate may not name
		// 127.0.0.1.
		httpClient = httpClient.WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec // our own listener
		})
	}
	local := s3.New(s3.Options{
		BaseEndpoint: aws.String(n.s3URL), UsePathStyle: true, Region: n.cfg.Region,
		Credentials: credentials.NewStaticCredentialsProvider(n.accessKey, n.secretKey, ""),
		HTTPClient:  httpClient, AppID: replication.UserAgent,
	})
	cfg := replication.DefaultConfig()
	cfg.Local, cfg.Logger = local, n.log
	if iv := n.cfg.Timings.SiteSync; iv > 0 {
		cfg.Interval = iv
	}
	if pg := n.cfg.Timings.SiteSyncBackfillPage; pg > 0 {
		cfg.BackfillPage = pg
	}
	if v := n.cfg.Timings.SiteSyncMultipartThreshold; v > 0 {
		cfg.MultipartThreshold = v
	}
	if v := n.cfg.Timings.SiteSyncPartSize; v > 0 {
		cfg.PartSize = v
	}
	if v := n.cfg.Timings.SiteSyncBucketInterval; v > 0 {
		cfg.BucketInterval = v
	}
	w, err := replication.New(cfg, n.meta, &siteSyncFeed{n: n})
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	n.sync = &siteSync{w: w, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(n.sync.done)
		w.Run(ctx)
	}()
	return nil
}

// stopSiteSync stops the worker and waits for its round to end.
func (n *Node) stopSiteSync() {
	if n.sync == nil {
		return
	}
	n.sync.stop()
	select {
	case <-n.sync.done:
	case <-time.After(n.cfg.ShutdownTimeout):
	}
}

// SiteSync returns the node's site sync worker; nil before the node serves.
func (n *Node) SiteSync() *replication.Worker {
	if n.sync == nil {
		return nil
	}
	return n.sync.w
}

// siteSyncFeed is the node's change feed and share of site sync's work.
type siteSyncFeed struct{ n *Node }

// Partitions returns the partitions this node is the first live owner of in the
// current layout (owners in the layout's order of preference), so that exactly one
// live node delivers each partition's changes while gossip agrees.
func (f *siteSyncFeed) Partitions() []int {
	l := f.n.meta.Layout()
	if l == nil {
		return nil
	}
	ms := f.n.Membership()
	alive := func(id layout.NodeID) bool {
		if ms == nil || string(id) == f.n.cfg.NodeID {
			return true
		}
		m, ok := ms.Member(string(id))
		return ok && m.State == membership.StateAlive
	}
	var out []int
	for p := range l.Partitions {
		for _, id := range l.Owners(p) {
			if alive(id) {
				if string(id) == f.n.cfg.NodeID {
					out = append(out, p)
				}
				break
			}
		}
	}
	return out
}

// Changes reads this node's change feed.
func (f *siteSyncFeed) Changes(ctx context.Context, p int, after uint64, limit int) ([]replication.Change, error) {
	cs, err := f.n.store.Changes(ctx, p, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]replication.Change, len(cs))
	for i, c := range cs {
		out[i] = replication.Change{Seq: c.Seq, Bucket: c.Bucket, Key: c.Key}
		if !c.Removed {
			continue
		}
		// A lifecycle rule's removal is not replicated (S3's replication
		// replicates no lifecycle action): a plain change of the key.
		lc, err := f.n.store.RemovedByLifecycle(ctx, p, c.Bucket, c.Key, c.HLC, c.Node)
		if err != nil {
			return nil, err
		}
		if !lc {
			out[i].Removed = blob.EncodeVersionID(c.HLC, c.Node)
		}
	}
	return out, nil
}

// Backfiller reports whether this node is the Raft leader, which runs backfills.
func (f *siteSyncFeed) Backfiller() bool {
	st, _, _, _, _ := f.n.meta.RaftState()
	return st == "Leader"
}

// siteSyncStatusPath is the node-to-node endpoint that answers a node's site sync
// status.
const siteSyncStatusPath = "/rpc/node/site-sync-status"

// siteSyncStatus reads the worker's status for the admin API and the metrics, which
// are made before the worker starts.
type siteSyncStatus struct{ n *Node }

// Status returns this node's status; empty before the worker starts.
func (s siteSyncStatus) Status() []meta.ReplicationStatus {
	if w := s.n.SiteSync(); w != nil {
		return w.Status()
	}
	return nil
}

// NodeStatus implements admin.SiteSyncStatus: every live node's status, this one's
// included, by node id, from those that answered within ctx.
func (s siteSyncStatus) NodeStatus(ctx context.Context) (map[string][]meta.ReplicationStatus, int, error) {
	nodes, err := s.n.meta.Nodes()
	if err != nil {
		return nil, 0, err
	}
	asked := 0
	for _, info := range nodes {
		if s.n.askable(info) {
			asked++
		}
	}
	out := askNodes(s.n, nodes, func(info meta.NodeInfo, local bool) ([]meta.ReplicationStatus, error) {
		if local {
			return s.Status(), nil
		}
		var st []meta.ReplicationStatus
		err := s.n.RPCClient().CallJSON(ctx, info.RPCAddr, siteSyncStatusPath, struct{}{}, &st)
		return st, err
	})
	return out, asked, nil
}

// serveSiteSyncStatus answers siteSyncStatusPath.
func (n *Node) serveSiteSyncStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(siteSyncStatus{n}.Status()); err != nil {
		transport.WriteError(w, http.StatusInternalServerError, "Internal", err.Error())
	}
}

// PartitionCount is the current layout's partition count.
func (f *siteSyncFeed) PartitionCount() int {
	if l := f.n.meta.Layout(); l != nil {
		return l.Partitions
	}
	return 0
}

// Trim trims this node's change feed.
func (f *siteSyncFeed) Trim(ctx context.Context, p int, upTo uint64) error {
	return f.n.store.TrimChanges(ctx, p, upTo)
}
