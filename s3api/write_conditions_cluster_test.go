package s3api_test

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// clusterClients returns one SDK client per node, without retries, so that every
// attempt counts once.
func clusterClients(nodes []*node.Node) []*s3.Client {
	out := make([]*s3.Client, len(nodes))
	for i, n := range nodes {
		out[i] = sdkClient(n, "", func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	}
	return out
}

// codeOf is the S3 error code of err, "" if it is none.
func codeOf(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// In a 3-node cluster, writers racing If-None-Match "*" on the same keys through
// every node: for each key exactly one succeeds, the others are PreconditionFailed
// or ConditionalRequestConflict, and every node reads the winner's object.
func TestClusterConditionalPutRace(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3)
	clients := clusterClients(nodes)
	e := &env{t: t, node: nodes[0], s3: clients[0], ctx: t.Context()}
	b := e.bucket("cond-cluster")
	// One key at a time, its writers all at once: the race is per key, and a machine
	// of two cores shared with the cluster's Raft and gossip must keep up.
	const keys, perNode = 20, 4
	type attempt struct {
		body string
		err  error
	}
	results := make([][]attempt, keys)
	for k := range keys {
		results[k] = make([]attempt, len(clients)*perNode)
		key := fmt.Sprint("terraform.tfstate.tflock-", k)
		var wg sync.WaitGroup
		for c, cl := range clients {
			for j := range perNode {
				i := c*perNode + j
				body := fmt.Sprintf("holder node%d-%d", c, j)
				wg.Go(func() {
					_, err := cl.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key),
						Body: strings.NewReader(body), IfNoneMatch: aws.String("*")})
					results[k][i] = attempt{body, err}
				})
			}
		}
		wg.Wait()
	}
	codes := map[string]int{}
	for k := range keys {
		key := fmt.Sprint("terraform.tfstate.tflock-", k)
		winner := ""
		for _, a := range results[k] {
			if a.err == nil {
				require.Empty(t, winner, "key %s: two writers succeeded (%q and %q)", key, winner, a.body)
				winner = a.body
				continue
			}
			code := codeOf(a.err)
			require.Contains(t, []string{"PreconditionFailed", "ConditionalRequestConflict"}, code, "key %s: %v", key, a.err)
			codes[code]++
		}
		require.NotEmpty(t, winner, "key %s: no writer succeeded", key)
		// Every owner takes the winner's record at once, not only its lease quorum:
		// the owner never asked for a lease stores an extra copy.
		l := nodes[0].Store().CurrentLayout()
		p := l.ObjectPartition(b, key)
		for _, id := range l.Owners(p) {
			for _, n := range nodes {
				if n.NodeID() != string(id) {
					continue
				}
				nodetest.WaitFor(t, "owner "+n.NodeID()+" holds "+key, func() bool {
					rec, err := n.Store().Local().GetRecord(e.ctx, p, b, key)
					return err == nil && rec.Size == int64(len(winner))
				})
			}
		}
		for i, cl := range clients {
			out, err := cl.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
			require.NoError(t, err)
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			require.NoError(t, err)
			require.Equal(t, winner, string(got), "key %s through node %d", key, i)
		}
	}
	t.Logf("losers: %v", codes)
}

// In a 3-node cluster, clients on every node increment one counter object by
// read-modify-write with If-Match, retrying on 412 and 409: no increment is lost, so
// the final value is the number of successful writes.
func TestClusterConditionalCounter(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3)
	clients := clusterClients(nodes)
	e := &env{t: t, node: nodes[0], s3: clients[0], ctx: t.Context()}
	b := e.bucket("cond-counter")
	_, err := clients[0].PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("n"),
		Body: strings.NewReader("0"), IfNoneMatch: aws.String("*")})
	require.NoError(t, err)
	const workersPerNode, increments = 2, 10
	var wg sync.WaitGroup
	var succeeded, conflicts atomic.Int64
	errs := make(chan error, len(clients)*workersPerNode)
	for _, cl := range clients {
		for range workersPerNode {
			wg.Go(func() {
				for done := 0; done < increments; {
					out, err := cl.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("n")})
					if err != nil {
						errs <- err
						return
					}
					data, err := io.ReadAll(out.Body)
					out.Body.Close()
					if err != nil {
						errs <- err
						return
					}
					n, err := strconv.Atoi(string(data))
					if err != nil {
						errs <- err
						return
					}
					_, err = cl.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("n"),
						Body: strings.NewReader(strconv.Itoa(n + 1)), IfMatch: out.ETag})
					switch codeOf(err) {
					case "":
						if err != nil {
							errs <- err
							return
						}
						succeeded.Add(1)
						done++
					case "PreconditionFailed", "ConditionalRequestConflict":
						conflicts.Add(1)
					default:
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	want := len(clients) * workersPerNode * increments
	require.EqualValues(t, want, succeeded.Load())
	for i, cl := range clients {
		out, err := cl.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("n")})
		require.NoError(t, err)
		data, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(want), string(data), "through node %d", i)
	}
	t.Logf("%d increments, %d refused attempts", succeeded.Load(), conflicts.Load())
}
