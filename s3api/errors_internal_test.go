package s3api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// TestLostQuorumMessage: a lost quorum is a 503 ServiceUnavailable that says replicas
// could not be reached (with the counts when known), never SlowDown's text.
func TestLostQuorumMessage(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("put: %w", &blob.QuorumError{Reached: 1, Needed: 2, Err: errors.New("node b: connection refused")}),
			"Not enough replicas reachable: 2 needed, 1 confirmed."},
		{fmt.Errorf("%w: no layout yet", blob.ErrNoQuorum), "Not enough replicas reachable."},
		{fmt.Errorf("bucket: %w", meta.ErrNotReady), "The cluster's metadata leader cannot be reached: not enough nodes are up for a Raft majority."},
	} {
		e := toS3Error(tc.err, nil)
		if e == nil || e.Code != s3err.ServiceUnavailable || e.Status != http.StatusServiceUnavailable || e.Message != tc.want {
			t.Errorf("toS3Error(%v) = %+v, want 503 ServiceUnavailable %q", tc.err, e, tc.want)
		}
	}
	if !errors.Is(&blob.QuorumError{}, blob.ErrNoQuorum) {
		t.Error("a QuorumError is not ErrNoQuorum")
	}
}
