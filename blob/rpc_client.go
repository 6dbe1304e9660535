package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/transport"
)

// remoteReplica is another node's Replica, reached over its RPCHandler.
type remoteReplica struct {
	c    *transport.Client
	addr string
}

var _ Replica = (*remoteReplica)(nil)

// NewRemoteReplica returns the Replica of the node whose RPC server listens at addr
// ("host:port"), reached with client (signed with the cluster's RPC key). Calls end
// with their ctx; the object layer bounds each with Config.RPCTimeout, so a node that
// is down fails at once (connection refused) and a hung one at the timeout.
func NewRemoteReplica(client *transport.Client, addr string) Replica {
	return &remoteReplica{c: client, addr: addr}
}

// RemoteReplicas returns a Config.Replicas that reaches each node over client at the
// RPC address addrOf gives for it (from membership, say); an error from addrOf (an
// unknown or departed node) fails that owner's share of an operation.
func RemoteReplicas(client *transport.Client, addrOf func(layout.NodeID) (string, error)) func(layout.NodeID) (Replica, error) {
	return func(id layout.NodeID) (Replica, error) {
		addr, err := addrOf(id)
		if err != nil {
			return nil, fmt.Errorf("blob: node %s: %w", id, err)
		}
		return NewRemoteReplica(client, addr), nil
	}
}

// call posts body to the operation op (a path under RPCPrefix) with query, and returns
// the answer's body.
func (r *remoteReplica) call(ctx context.Context, op string, query url.Values, body []byte) ([]byte, error) {
	return r.callInto(ctx, op, query, body, nil)
}

// callInto is call reading the answer into buf when it has the capacity for it.
func (r *remoteReplica) callInto(ctx context.Context, op string, query url.Values, body, buf []byte) ([]byte, error) {
	path := RPCPrefix + op
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	resp, err := r.c.Do(ctx, http.MethodPost, r.addr, path, body)
	if err != nil {
		return nil, remoteErr(r.addr, err)
	}
	defer resp.Body.Close()
	if n := resp.ContentLength; n >= 0 && n <= int64(cap(buf)) {
		out := buf[:n]
		if _, err := io.ReadFull(resp.Body, out); err != nil {
			return nil, fmt.Errorf("blob: node at %s: %w", r.addr, err)
		}
		return out, nil
	}
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxRPCResponse))
	if err != nil {
		return nil, fmt.Errorf("blob: node at %s: %w", r.addr, err)
	}
	return out, nil
}

// callDecode is call followed by decoding the answer with fn.
func (r *remoteReplica) callDecode(ctx context.Context, op string, query url.Values, e *enc, fn func(d *dec)) error {
	var body []byte
	if e != nil {
		body = e.b
	}
	out, err := r.call(ctx, op, query, body)
	if err != nil {
		return err
	}
	if fn == nil {
		return nil
	}
	if err := decode(out, fn); err != nil {
		return fmt.Errorf("blob: node at %s: %s: %w", r.addr, op, err)
	}
	return nil
}

func versionQuery(lv uint64) url.Values {
	if lv == 0 {
		return nil
	}
	return url.Values{"lv": {strconv.FormatUint(lv, 10)}}
}

func (r *remoteReplica) PutBlock(ctx context.Context, lv uint64, hash [32]byte, data []byte) error {
	q := url.Values{"h": {hex.EncodeToString(hash[:])}}
	if lv != 0 {
		q.Set("lv", strconv.FormatUint(lv, 10))
	}
	_, err := r.call(ctx, "block/put", q, data)
	return err
}

func (r *remoteReplica) GetBlock(ctx context.Context, hash [32]byte, buf []byte) ([]byte, error) {
	q := url.Values{"h": {hex.EncodeToString(hash[:])}}
	raw, err := r.callInto(ctx, "block/get.v2", q, nil, buf)
	var re *transport.RemoteError
	if errors.As(err, &re) && re.Status == http.StatusNotFound && re.Code == codeBadRequest {
		// A node of an older release: the bare block, checked by its SHA-256.
		data, err := r.call(ctx, "block/get", q, nil)
		if err != nil {
			return nil, err
		}
		if block.Sum(data) != hash {
			return nil, fmt.Errorf("%w: block %s from node at %s does not match its hash", block.ErrCorrupt, hexHash(hash), r.addr)
		}
		return data, nil
	}
	if err != nil {
		return nil, err
	}
	data, ok := block.SplitTrailer(hash, raw)
	if !ok {
		return nil, fmt.Errorf("%w: block %s from node at %s does not match its checksum", block.ErrCorrupt, hexHash(hash), r.addr)
	}
	return data, nil
}

func (r *remoteReplica) PutRecord(ctx context.Context, lv uint64, p int, rec index.Record) error {
	var e enc
	e.int(p)
	e.record(&rec)
	return r.callDecode(ctx, "record/put.v2", versionQuery(lv), &e, nil)
}

func (r *remoteReplica) GetRecord(ctx context.Context, p int, bucket, key string) (rec index.Record, err error) {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	err = r.callDecode(ctx, "record/get.v2", nil, &e, func(d *dec) { rec = d.record() })
	return rec, err
}

func (r *remoteReplica) Current(ctx context.Context, p int, bucket, key string) (out []index.Record, err error) {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	err = r.callDecode(ctx, "record/current", nil, &e, func(d *dec) { out = d.records() })
	return out, err
}

func (r *remoteReplica) Versions(ctx context.Context, p int, bucket, key string, q index.VersionsQuery) (out []index.Entry, err error) {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	e.uv(q.HLC)
	e.bool(q.All)
	err = r.callDecode(ctx, "record/versions", nil, &e, func(d *dec) { out = d.entries() })
	return out, err
}

func (r *remoteReplica) GetVersion(ctx context.Context, p int, bucket, key string, hlc uint64, node string) (rec index.Record, err error) {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	e.uv(hlc)
	e.str(node)
	err = r.callDecode(ctx, "record/version", nil, &e, func(d *dec) { rec = d.record() })
	return rec, err
}

func (r *remoteReplica) ListRecords(ctx context.Context, ps []int, q index.ListQuery) (out []index.EntryBatch, err error) {
	var e enc
	e.ints(ps)
	e.query(&q)
	err = r.callDecode(ctx, "record/list.v2", nil, &e, func(d *dec) { out = d.entryBatches() })
	return out, err
}

func (r *remoteReplica) PutUpload(ctx context.Context, lv uint64, p int, u index.Upload) error {
	var e enc
	e.int(p)
	e.upload(&u)
	return r.callDecode(ctx, "upload/put", versionQuery(lv), &e, nil)
}

func (r *remoteReplica) GetUpload(ctx context.Context, p int, bucket, key, id string) (u index.Upload, err error) {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	e.str(id)
	err = r.callDecode(ctx, "upload/get", nil, &e, func(d *dec) { u = d.upload() })
	return u, err
}

func (r *remoteReplica) ListUploads(ctx context.Context, ps []int, q index.ListQuery) (out []index.UploadBatch, err error) {
	var e enc
	e.ints(ps)
	e.query(&q)
	err = r.callDecode(ctx, "upload/list.v2", nil, &e, func(d *dec) { out = d.uploadBatches() })
	return out, err
}

func (r *remoteReplica) PutPart(ctx context.Context, lv uint64, p int, u index.Upload, pt index.Part) error {
	var e enc
	e.int(p)
	e.upload(&u)
	e.part(&pt)
	return r.callDecode(ctx, "part/put", versionQuery(lv), &e, nil)
}

func (r *remoteReplica) ListParts(ctx context.Context, p int, bucket, key, id string, after, limit int) (parts []index.Part, more bool, err error) {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	e.str(id)
	e.int(after)
	e.int(limit)
	err = r.callDecode(ctx, "part/list", nil, &e, func(d *dec) { parts, more = d.parts(), d.bool() })
	return parts, more, err
}

func (r *remoteReplica) DropBucket(ctx context.Context, bucket string) error {
	var e enc
	e.str(bucket)
	return r.callDecode(ctx, "bucket/drop", nil, &e, nil)
}

func (r *remoteReplica) Digests(ctx context.Context, lv uint64, ps []int) (out []index.Digest, err error) {
	var e enc
	e.ints(ps)
	err = r.callDecode(ctx, "sync/digests", versionQuery(lv), &e, func(d *dec) { out = d.digests() })
	return out, err
}

func (r *remoteReplica) Summary(ctx context.Context, p int) (s index.Summary, err error) {
	var e enc
	e.int(p)
	err = r.callDecode(ctx, "sync/summary.v2", nil, &e, func(d *dec) { s = d.summary() })
	return s, err
}

func (r *remoteReplica) Fetch(ctx context.Context, p int, want index.Summary) (b index.Batch, err error) {
	var e enc
	e.int(p)
	e.summary(&want)
	err = r.callDecode(ctx, "sync/fetch.v2", nil, &e, func(d *dec) { b = d.batch() })
	return b, err
}

func (r *remoteReplica) Apply(ctx context.Context, p int, b index.Batch) error {
	var e enc
	e.int(p)
	e.batch(&b)
	if len(e.b) > MaxRPCBody {
		return fmt.Errorf("blob: a batch of %d items encodes to %d bytes, over MaxRPCBody", b.Len(), len(e.b))
	}
	return r.callDecode(ctx, "sync/apply.v2", nil, &e, nil)
}

func (r *remoteReplica) BlockDigests(ctx context.Context, lv uint64, partitions int, ps []int) (out []index.Digest, err error) {
	var e enc
	e.int(partitions)
	e.ints(ps)
	err = r.callDecode(ctx, "block/digests", versionQuery(lv), &e, func(d *dec) { out = d.digests() })
	return out, err
}

func (r *remoteReplica) BlockList(ctx context.Context, partitions, p int) (out [][32]byte, err error) {
	var e enc
	e.int(partitions)
	e.int(p)
	err = r.callDecode(ctx, "block/list", nil, &e, func(d *dec) { out = d.hashes() })
	return out, err
}

func (r *remoteReplica) LeaseCurrent(ctx context.Context, lv uint64, p int, bucket, key, token string, ttl time.Duration) (out []index.Record, err error) {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	e.str(token)
	e.uv(uint64(ttl / time.Millisecond))
	err = r.callDecode(ctx, "record/lease", versionQuery(lv), &e, func(d *dec) { out = d.records() })
	return out, err
}

func (r *remoteReplica) PutRecordLeased(ctx context.Context, lv uint64, p int, token string, rec index.Record) error {
	var e enc
	e.int(p)
	e.str(token)
	e.record(&rec)
	return r.callDecode(ctx, "record/put.leased", versionQuery(lv), &e, nil)
}

func (r *remoteReplica) ReleaseLease(ctx context.Context, p int, bucket, key, token string) error {
	var e enc
	e.int(p)
	e.str(bucket)
	e.str(key)
	e.str(token)
	return r.callDecode(ctx, "record/release", nil, &e, nil)
}
