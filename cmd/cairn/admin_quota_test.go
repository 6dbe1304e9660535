package main

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
)

// TestCLIQuota: `cairn admin quota set` takes a size with a unit and an objects
// count, `quota` shows them, `quota clear` removes them; a bad size is refused before
// any request.
func TestCLIQuota(t *testing.T) {
	cleanCredentialEnv(t)
	n := nodetest.Start(t)
	ak, sk := n.RootCredentials()
	s3c := s3.New(s3.Options{BaseEndpoint: aws.String(n.S3URL()), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
	_, err := s3c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("photos")})
	require.NoError(t, err)
	base := []string{"--endpoint", n.AdminURL(), "--access-key", ak, "--secret-key", sk}

	out := mustCLI(t, append(base, "quota", "set", "photos", "--size", "10GiB", "--objects", "1000")...)
	require.Regexp(t, `(?m)^Size limit:\s+10GiB$`, out)
	require.Regexp(t, `(?m)^Objects limit:\s+1000$`, out)
	q := jsonCLI[admin.BucketQuotaAnswer](t, append(base, "quota", "photos")...)
	require.Equal(t, admin.BucketQuota{Bytes: 10 << 30, Objects: 1000}, q.Quota)

	_, err = cli(t, "", append(base, "quota", "set", "photos", "--size", "lots")...)
	require.ErrorContains(t, err, "--size")
	_, err = cli(t, "", append(base, "quota", "set", "photos")...)
	require.ErrorContains(t, err, "give --size")

	mustCLI(t, append(base, "quota", "clear", "photos")...)
	out = mustCLI(t, append(base, "quota", "photos")...)
	require.Regexp(t, `(?m)^Size limit:\s+none$`, out)
}
