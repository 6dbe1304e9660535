package s3api_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
)

func TestBucketLifecycle(t *testing.T) {
	e := newEnv(t)
	e.bucket("alpha")
	e.bucket("beta")

	list, err := e.s3.ListBuckets(e.ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
	var names []string
	for _, b := range list.Buckets {
		names = append(names, *b.Name)
		require.NotNil(t, b.CreationDate)
	}
	require.Equal(t, []string{"alpha", "beta"}, names)

	_, err = e.s3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String("alpha")})
	require.NoError(t, err)

	loc, err := e.s3.GetBucketLocation(e.ctx, &s3.GetBucketLocationInput{Bucket: aws.String("alpha")})
	require.NoError(t, err)
	require.Equal(t, types.BucketLocationConstraint(""), loc.LocationConstraint)

	_, err = e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("alpha")})
	requireCode(t, err, "BucketAlreadyOwnedByYou")

	e.put("alpha", "k", []byte("x"))
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
	requireCode(t, err, "BucketNotEmpty")

	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k")})
	require.NoError(t, err)
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
	require.NoError(t, err)

	_, err = e.s3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String("alpha")})
	requireCode(t, err, "NotFound") // HEAD has no body: the SDK reports the status
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String("alpha")})
	requireCode(t, err, "NoSuchBucket")
	_, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha")})
	requireCode(t, err, "NoSuchBucket")

	// A deleted bucket's name can be used again, and starts empty.
	e.bucket("alpha")
	out, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("alpha")})
	require.NoError(t, err)
	require.Empty(t, out.Contents)
}

func TestBucketNames(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{
		"ab", strings.Repeat("a", 64), "UpperCase", "under_score", "-leading", "trailing-",
		"double..dot", "dot.-dash", "192.168.5.4", "xn--punycode", "name-s3alias",
	} {
		_, err := e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		requireCode(t, err, "InvalidBucketName")
	}
	for _, name := range []string{"abc", strings.Repeat("a", 63), "my.bucket-1", "0numeric"} {
		e.bucket(name)
	}
}

// TestCreateBucketAnyRegion: by default a client that signs for another region and
// creates its bucket there works, and the bucket keeps its LocationConstraint.
func TestCreateBucketAnyRegion(t *testing.T) {
	e := newEnv(t)
	eu := sdkClient(e.node, "", func(o *s3.Options) { o.Region = "eu-central-1" })
	_, err := eu.CreateBucket(e.ctx, &s3.CreateBucketInput{
		Bucket:                    aws.String("elsewhere"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuCentral1},
	})
	require.NoError(t, err)
	loc, err := eu.GetBucketLocation(e.ctx, &s3.GetBucketLocationInput{Bucket: aws.String("elsewhere")})
	require.NoError(t, err)
	require.Equal(t, types.BucketLocationConstraintEuCentral1, loc.LocationConstraint)
	_, err = eu.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("elsewhere"), Key: aws.String("k"), Body: strings.NewReader("data")})
	require.NoError(t, err)
	require.Equal(t, []byte("data"), e.get("elsewhere", "k"), "signed for us-east-1")
	out, err := e.s3.ListBuckets(e.ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
	require.Len(t, out.Buckets, 1)
	require.Equal(t, "eu-central-1", aws.ToString(out.Buckets[0].BucketRegion))

	// The default region is an empty constraint, as in S3.
	e.bucket("home")
	loc, err = e.s3.GetBucketLocation(e.ctx, &s3.GetBucketLocationInput{Bucket: aws.String("home")})
	require.NoError(t, err)
	require.Equal(t, types.BucketLocationConstraint(""), loc.LocationConstraint)

	_, err = e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{
		Bucket:                    aws.String("nowhere"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "no/such region"},
	})
	requireCode(t, err, "InvalidLocationConstraint")
}

// TestCreateBucketStrictRegion: with the region pinned, other regions are refused,
// in signatures and in LocationConstraint, as AWS does.
func TestCreateBucketStrictRegion(t *testing.T) {
	e := startEnv(t, func(c *node.Config) { c.RegionStrict = true })
	_, err := e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{
		Bucket:                    aws.String("elsewhere"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1},
	})
	requireCode(t, err, "IllegalLocationConstraintException")
	_, err = e.s3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String("elsewhere")})
	require.Error(t, err)
	eu := sdkClient(e.node, "", func(o *s3.Options) { o.Region = "eu-central-1"; o.RetryMaxAttempts = 1 })
	_, err = eu.ListBuckets(e.ctx, &s3.ListBucketsInput{})
	requireCode(t, err, "AuthorizationHeaderMalformed")
}
