package replication

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

// TestSilentPeerFailsTheRequest: a peer that takes the connection and the
// request and never answers (a stalled server, or a link that drops packets
// without a reset) fails the request once the connection has gone idle, so that
// the change is retried, not held until the caller's context ends.
func TestSilentPeerFailsTheRequest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c) }() // reads, never answers
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	conn := meta.Connection{Name: "silent", Endpoint: "http://" + ln.Addr().String(), Region: "us-east-1",
		Credentials: meta.ConnectionCredentials{Source: meta.CredentialsStatic, AccessKeyID: "AK"}}
	cl, err := newClient(ctx, conn, meta.ConnectionSecret{SecretAccessKey: "SK"}, 300*time.Millisecond)
	require.NoError(t, err)
	_, err = cl.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("b")}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	require.Error(t, err)
	require.NoError(t, ctx.Err(), "the request failed before the caller's deadline: %v", err)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "a timeout: %v", err)
}
