package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// TestCLIShowsBucketUsage: `cairn admin usage` prints what was written through S3:
// every bucket as a table row, JSON with --json, one bucket by name.
func TestCLIShowsBucketUsage(t *testing.T) {
	cleanCredentialEnv(t)
	n := nodetest.Start(t, func(c *node.Config) { c.UsageMaxAge = -1 })
	ak, sk := n.RootCredentials()
	s3c := s3.New(s3.Options{BaseEndpoint: aws.String(n.S3URL()), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
	ctx := t.Context()
	for _, b := range []string{"photos", "empty"} {
		_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	for _, k := range []string{"a", "b", "c"} {
		_, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(k), Body: strings.NewReader(strings.Repeat("x", 1000))})
		require.NoError(t, err)
	}

	base := []string{"--endpoint", n.AdminURL(), "--access-key", ak, "--secret-key", sk}
	out := mustCLI(t, append(base, "usage")...)
	require.Regexp(t, `(?m)^BUCKET\s+OBJECTS\s+BYTES\s+VERSIONS\s+VERSION BYTES\s+DELETE MARKERS\s+READ\s+WRITE\s+LIST\s+OTHER\s+ERRORS`, out)
	require.Regexp(t, `(?m)^photos\s+3\s+3000\s+3\s+3000\s+0\s+0\s+3\s+0\s+1\s+0\s`, out)
	require.Regexp(t, `(?m)^empty\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+1\s+0\s`, out)

	rep := jsonCLI[admin.BucketStatsReport](t, append(base, "usage", "photos")...)
	require.Len(t, rep.Items, 1)
	require.Equal(t, admin.BucketUsage{Objects: 3, Bytes: 3000, Versions: 3, VersionBytes: 3000}, rep.Items[0].Usage)
	require.Equal(t, int64(3), rep.Items[0].Traffic.Requests["write"])

	_, err := cli(t, "", append(base, "usage", "no-such-bucket")...)
	require.True(t, client.IsCode(err, admin.NoSuchBucket), "%v", err)
}
