package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/transport"
)

// RPCPrefix is the path under which RPCHandler serves, and which NewRemoteReplica
// calls: the wiring mounts the handler there, behind transport.Authenticate.
const RPCPrefix = "/rpc/blob/"

// MaxRPCBody is the largest request body a node sends another: 16 MiB. The wiring
// must let bodies this large through transport.Authenticate in front of RPCHandler
// (its maxBody at least MaxRPCBody). A block (at most half of it, see
// Config.BlockSize) travels alone; a version record carries its block list, about 35
// bytes per block, so a record for an object of up to about 450k blocks (450 GiB in
// 1 MiB blocks) fits; anti-entropy batches are cut to fit.
const MaxRPCBody = 16 << 20

// maxBlockSize is the largest BlockSize a node can ship to another in one request.
const maxBlockSize = MaxRPCBody / 2

// maxRPCResponse bounds what a client reads back: a block, a record, a listing round,
// or the summary of one partition (tens of bytes per object).
const maxRPCResponse = 1 << 30

// Error codes of RPC answers, which the client maps back to sentinel errors.
const (
	codeNotFound      = "NotFound"
	codeBlockNotFound = "BlockNotFound"
	codeBlockCorrupt  = "BlockCorrupt"
	codeRecordCorrupt = "RecordCorrupt"
	codeInvalidKey    = "InvalidKey"
	codeStaleLayout   = "StaleLayout"
	codeLeaseHeld     = "LeaseHeld"
	codeLeaseLost     = "LeaseLost"
	codeUnleased      = "StoredUnleased"
	codeBadRequest    = "BadRequest"
	codeUnavailable   = "Unavailable"
	codeInternal      = "InternalError"
)

// rpcOp serves one operation: it decodes body (and the query), calls the local
// replica, and returns the encoded answer.
type rpcOp func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error)

// RPCHandler serves this node's replica (Store.Local) to the other nodes of the
// cluster, at paths under RPCPrefix, one POST per Replica method. It does no
// authentication: mount it behind transport.Authenticate(key, MaxRPCBody, ...).
func (s *Store) RPCHandler() http.Handler {
	ops := rpcOps()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == reportPath && r.Method == http.MethodPost {
			s.serveReport(w, r)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, RPCPrefix)
		op := ops[name]
		if !ok || op == nil {
			transport.WriteError(w, http.StatusNotFound, codeBadRequest, "no such operation: "+r.URL.Path)
			return
		}
		if r.Method != http.MethodPost {
			transport.WriteError(w, http.StatusMethodNotAllowed, codeBadRequest, "POST only")
			return
		}
		if err := s.enter(); err != nil {
			transport.WriteError(w, http.StatusServiceUnavailable, codeUnavailable, err.Error())
			return
		}
		defer s.leave()
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRPCBody+1))
		if err != nil {
			transport.WriteError(w, http.StatusBadRequest, codeBadRequest, err.Error())
			return
		}
		if len(body) > MaxRPCBody {
			transport.WriteError(w, http.StatusRequestEntityTooLarge, codeBadRequest, "request body too large")
			return
		}
		out, err := op(r.Context(), s.local, r.URL.Query(), body)
		if err != nil {
			status, code := rpcStatus(err)
			if status == http.StatusInternalServerError {
				s.log.Error("rpc failed", "op", name, "from", transport.SenderNode(r), "error", err)
			}
			transport.WriteError(w, status, code, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
	})
}

// rpcStatus maps an error to the status and code of its answer.
func rpcStatus(err error) (int, string) {
	switch {
	case errors.Is(err, index.ErrNotFound):
		return http.StatusNotFound, codeNotFound
	case errors.Is(err, block.ErrNotFound):
		return http.StatusNotFound, codeBlockNotFound
	case errors.Is(err, block.ErrCorrupt):
		return http.StatusConflict, codeBlockCorrupt
	case errors.Is(err, index.ErrCorruptInline):
		return http.StatusConflict, codeRecordCorrupt
	case errors.Is(err, index.ErrInvalidKey):
		return http.StatusBadRequest, codeInvalidKey
	case errors.Is(err, ErrStaleLayout):
		return http.StatusConflict, codeStaleLayout
	case errors.Is(err, ErrLeaseHeld):
		return http.StatusConflict, codeLeaseHeld
	case errors.Is(err, ErrLeaseLost):
		return http.StatusConflict, codeLeaseLost
	case errors.Is(err, ErrStoredUnleased):
		return http.StatusConflict, codeUnleased
	case errors.Is(err, errWire):
		return http.StatusBadRequest, codeBadRequest
	case errors.Is(err, ErrClosed), errors.Is(err, index.ErrClosed),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, codeUnavailable
	}
	return http.StatusInternalServerError, codeInternal
}

// remoteErr maps an RPC answer's error back to the sentinel it stood for.
func remoteErr(addr string, err error) error {
	var re *transport.RemoteError
	if !errors.As(err, &re) {
		return fmt.Errorf("blob: node at %s: %w", addr, err)
	}
	var sentinel error
	switch re.Code {
	case codeNotFound:
		sentinel = index.ErrNotFound
	case codeBlockNotFound:
		sentinel = block.ErrNotFound
	case codeBlockCorrupt:
		sentinel = block.ErrCorrupt
	case codeRecordCorrupt:
		sentinel = index.ErrCorruptInline
	case codeInvalidKey:
		sentinel = index.ErrInvalidKey
	case codeStaleLayout:
		sentinel = ErrStaleLayout
	case codeLeaseHeld:
		sentinel = ErrLeaseHeld
	case codeLeaseLost:
		sentinel = ErrLeaseLost
	case codeUnleased:
		sentinel = ErrStoredUnleased
	default:
		return fmt.Errorf("blob: node at %s: %w", addr, err)
	}
	return fmt.Errorf("%w (node at %s: %s)", sentinel, addr, re.Message)
}

// parseHash reads a block hash from the query.
func parseHash(q url.Values) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(q.Get("h"))
	if err != nil || len(b) != len(h) {
		return h, fmt.Errorf("%w: bad block hash %q", errWire, q.Get("h"))
	}
	copy(h[:], b)
	return h, nil
}

// parseVersion reads the layout version of a write from the query.
func parseVersion(q url.Values) (uint64, error) {
	s := q.Get("lv")
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: bad layout version %q", errWire, s)
	}
	return v, nil
}

// decode runs fn over body and checks that it consumed it exactly.
func decode(body []byte, fn func(d *dec)) error {
	d := &dec{b: body}
	fn(d)
	return d.end()
}

// encoded returns the message fn writes.
func encoded(fn func(e *enc)) []byte {
	var e enc
	fn(&e)
	return e.b
}

// rpcOps is the table of operations, by path under RPCPrefix.
func rpcOps() map[string]rpcOp {
	ops := map[string]rpcOp{
		"block/put": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			h, err := parseHash(q)
			if err != nil {
				return nil, err
			}
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			// The transport checked the body against the hash the sender signed; the
			// block's name must still match its bytes.
			if block.Sum(body) != h {
				return nil, fmt.Errorf("%w: block %s received with other bytes", block.ErrCorrupt, hexHash(h))
			}
			return nil, r.PutBlock(ctx, lv, h, body)
		},
		"block/get": func(ctx context.Context, r *localReplica, q url.Values, _ []byte) ([]byte, error) {
			h, err := parseHash(q)
			if err != nil {
				return nil, err
			}
			return r.GetBlock(ctx, h, nil)
		},
		// The block followed by its trailer (block.AppendTrailer), which the client
		// checks instead of the block's SHA-256.
		"block/get.v2": func(ctx context.Context, r *localReplica, q url.Values, _ []byte) ([]byte, error) {
			h, err := parseHash(q)
			if err != nil {
				return nil, err
			}
			data, err := r.GetBlock(ctx, h, nil)
			if err != nil {
				return nil, err
			}
			return block.AppendTrailer(h, data), nil
		},
		"record/put.v2": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			var p int
			var rec index.Record
			if err := decode(body, func(d *dec) { p, rec = d.int(), d.record() }); err != nil {
				return nil, err
			}
			return nil, r.PutRecord(ctx, lv, p, rec)
		},
		"record/lease": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			var p int
			var bucket, key, token string
			var ttl uint64
			if err := decode(body, func(d *dec) { p, bucket, key, token, ttl = d.int(), d.str(), d.str(), d.str(), d.uv() }); err != nil {
				return nil, err
			}
			if ttl > uint64(maxLeaseTTL/time.Millisecond) {
				return nil, fmt.Errorf("%w: lease of %d ms", errWire, ttl)
			}
			recs, err := r.LeaseCurrent(ctx, lv, p, bucket, key, token, time.Duration(ttl)*time.Millisecond)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.records(recs) }), nil
		},
		"record/put.leased": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			var p int
			var token string
			var rec index.Record
			if err := decode(body, func(d *dec) { p, token, rec = d.int(), d.str(), d.record() }); err != nil {
				return nil, err
			}
			return nil, r.PutRecordLeased(ctx, lv, p, token, rec)
		},
		"record/release": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var bucket, key, token string
			if err := decode(body, func(d *dec) { p, bucket, key, token = d.int(), d.str(), d.str(), d.str() }); err != nil {
				return nil, err
			}
			return nil, r.ReleaseLease(ctx, p, bucket, key, token)
		},
		"record/get.v2": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var bucket, key string
			if err := decode(body, func(d *dec) { p, bucket, key = d.int(), d.str(), d.str() }); err != nil {
				return nil, err
			}
			rec, err := r.GetRecord(ctx, p, bucket, key)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.record(&rec) }), nil
		},
		"record/current": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var bucket, key string
			if err := decode(body, func(d *dec) { p, bucket, key = d.int(), d.str(), d.str() }); err != nil {
				return nil, err
			}
			recs, err := r.Current(ctx, p, bucket, key)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.records(recs) }), nil
		},
		"record/versions": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var bucket, key string
			var q index.VersionsQuery
			if err := decode(body, func(d *dec) { p, bucket, key, q.HLC, q.All = d.int(), d.str(), d.str(), d.uv(), d.bool() }); err != nil {
				return nil, err
			}
			es, err := r.Versions(ctx, p, bucket, key, q)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.entries(es) }), nil
		},
		"record/version": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var bucket, key, node string
			var hlc uint64
			if err := decode(body, func(d *dec) { p, bucket, key, hlc, node = d.int(), d.str(), d.str(), d.uv(), d.str() }); err != nil {
				return nil, err
			}
			rec, err := r.GetVersion(ctx, p, bucket, key, hlc, node)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.record(&rec) }), nil
		},
		"record/list.v2": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var ps []int
			var lq index.ListQuery
			if err := decode(body, func(d *dec) { ps, lq = d.ints(), d.query() }); err != nil {
				return nil, err
			}
			bs, err := r.ListRecords(ctx, ps, lq)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.entryBatches(bs) }), nil
		},
		"upload/put": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			var p int
			var u index.Upload
			if err := decode(body, func(d *dec) { p, u = d.int(), d.upload() }); err != nil {
				return nil, err
			}
			return nil, r.PutUpload(ctx, lv, p, u)
		},
		"upload/get": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var bucket, key, id string
			if err := decode(body, func(d *dec) { p, bucket, key, id = d.int(), d.str(), d.str(), d.str() }); err != nil {
				return nil, err
			}
			u, err := r.GetUpload(ctx, p, bucket, key, id)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.upload(&u) }), nil
		},
		"upload/list.v2": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var ps []int
			var lq index.ListQuery
			if err := decode(body, func(d *dec) { ps, lq = d.ints(), d.query() }); err != nil {
				return nil, err
			}
			bs, err := r.ListUploads(ctx, ps, lq)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.uploadBatches(bs) }), nil
		},
		"part/put": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			var p int
			var u index.Upload
			var pt index.Part
			if err := decode(body, func(d *dec) { p, u, pt = d.int(), d.upload(), d.part() }); err != nil {
				return nil, err
			}
			return nil, r.PutPart(ctx, lv, p, u, pt)
		},
		"part/list": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p, after, limit int
			var bucket, key, id string
			if err := decode(body, func(d *dec) {
				p, bucket, key, id, after, limit = d.int(), d.str(), d.str(), d.str(), d.int(), d.int()
			}); err != nil {
				return nil, err
			}
			parts, more, err := r.ListParts(ctx, p, bucket, key, id, after, limit)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.parts(parts); e.bool(more) }), nil
		},
		"bucket/drop": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var bucket string
			if err := decode(body, func(d *dec) { bucket = d.str() }); err != nil {
				return nil, err
			}
			return nil, r.DropBucket(ctx, bucket)
		},
		"sync/digests": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			var ps []int
			if err := decode(body, func(d *dec) { ps = d.ints() }); err != nil {
				return nil, err
			}
			ds, err := r.Digests(ctx, lv, ps)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.digests(ds) }), nil
		},
		"sync/summary.v2": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			if err := decode(body, func(d *dec) { p = d.int() }); err != nil {
				return nil, err
			}
			sum, err := r.Summary(ctx, p)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.summary(&sum) }), nil
		},
		"sync/fetch.v2": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var want index.Summary
			if err := decode(body, func(d *dec) { p, want = d.int(), d.summary() }); err != nil {
				return nil, err
			}
			b, err := r.Fetch(ctx, p, want)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.batch(&b) }), nil
		},
		"sync/apply.v2": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var p int
			var b index.Batch
			if err := decode(body, func(d *dec) { p, b = d.int(), d.batch() }); err != nil {
				return nil, err
			}
			return nil, r.Apply(ctx, p, b)
		},
		"block/digests": func(ctx context.Context, r *localReplica, q url.Values, body []byte) ([]byte, error) {
			lv, err := parseVersion(q)
			if err != nil {
				return nil, err
			}
			var n int
			var ps []int
			if err := decode(body, func(d *dec) { n, ps = d.int(), d.ints() }); err != nil {
				return nil, err
			}
			ds, err := r.BlockDigests(ctx, lv, n, ps)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.digests(ds) }), nil
		},
		"block/list": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var n, p int
			if err := decode(body, func(d *dec) { n, p = d.int(), d.int() }); err != nil {
				return nil, err
			}
			hs, err := r.BlockList(ctx, n, p)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.hashes(hs) }), nil
		},
	}
	maps.Copy(ops, gcOps())
	return ops
}
