package s3api_test

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// fill puts the keys concurrently with tiny bodies.
func (e *env) fill(bucket string, keys []string) {
	e.t.Helper()
	var wg sync.WaitGroup
	ch := make(chan string)
	errs := make(chan error, len(keys))
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range ch {
				_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, k := range keys {
		ch <- k
	}
	close(ch)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(e.t, err)
	}
}

func TestListObjectsV2PrefixDelimiterAndPaging(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("listing")
	var keys []string
	for i := 0; i < 1200; i++ {
		keys = append(keys, fmt.Sprintf("logs/2024/%04d.log", i))
	}
	keys = append(keys, "logs/2025/a.log", "logs/2025/b.log", "photos/x.jpg", "photos/y/z.jpg", "readme.txt", "logs/top.txt")
	e.fill(b, keys)
	sort.Strings(keys)

	// Paging through everything returns every key once, in order.
	var got []string
	p := s3.NewListObjectsV2Paginator(e.s3, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(e.ctx)
		require.NoError(t, err)
		pages++
		for _, o := range page.Contents {
			got = append(got, *o.Key)
			require.Equal(t, int64(len(*o.Key)), *o.Size)
			require.Equal(t, types.ObjectStorageClassStandard, o.StorageClass)
		}
	}
	require.Equal(t, keys, got)
	require.Equal(t, 2, pages)

	// Delimiter at the root.
	out, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Delimiter: aws.String("/")})
	require.NoError(t, err)
	require.Equal(t, []string{"logs/", "photos/"}, prefixes(out.CommonPrefixes))
	require.Equal(t, []string{"readme.txt"}, objectKeys(out.Contents))
	require.Equal(t, int32(3), *out.KeyCount)

	// Prefix and delimiter.
	out, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("logs/"), Delimiter: aws.String("/")})
	require.NoError(t, err)
	require.Equal(t, []string{"logs/2024/", "logs/2025/"}, prefixes(out.CommonPrefixes))
	require.Equal(t, []string{"logs/top.txt"}, objectKeys(out.Contents))

	// Common prefixes count toward max-keys and paging skips a whole prefix.
	out, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("logs/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	require.NoError(t, err)
	require.Equal(t, []string{"logs/2024/"}, prefixes(out.CommonPrefixes))
	require.True(t, *out.IsTruncated)
	out, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("logs/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), ContinuationToken: out.NextContinuationToken})
	require.NoError(t, err)
	require.Equal(t, []string{"logs/2025/"}, prefixes(out.CommonPrefixes))
	require.Empty(t, out.Contents)

	// StartAfter.
	out, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), StartAfter: aws.String("photos/x.jpg")})
	require.NoError(t, err)
	require.Equal(t, []string{"photos/y/z.jpg", "readme.txt"}, objectKeys(out.Contents))

	// FetchOwner.
	out, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("readme"), FetchOwner: aws.Bool(true)})
	require.NoError(t, err)
	require.NotNil(t, out.Contents[0].Owner)

	// max-keys 0 and a bad token.
	out, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), MaxKeys: aws.Int32(0)})
	require.NoError(t, err)
	require.Empty(t, out.Contents)
	_, err = e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), ContinuationToken: aws.String("!!!")})
	requireCode(t, err, "InvalidArgument")
}

func TestListObjectsV1Markers(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("listing-v1")
	e.fill(b, []string{"a/1", "a/2", "b/1", "c", "d"})
	out, err := e.s3.ListObjects(e.ctx, &s3.ListObjectsInput{Bucket: aws.String(b), MaxKeys: aws.Int32(2)})
	require.NoError(t, err)
	require.Equal(t, []string{"a/1", "a/2"}, objectKeys(out.Contents))
	require.True(t, *out.IsTruncated)
	require.NotNil(t, out.Contents[0].Owner)
	out, err = e.s3.ListObjects(e.ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Marker: aws.String("a/2"), MaxKeys: aws.Int32(2)})
	require.NoError(t, err)
	require.Equal(t, []string{"b/1", "c"}, objectKeys(out.Contents))

	out, err = e.s3.ListObjects(e.ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	require.NoError(t, err)
	require.Equal(t, []string{"a/", "b/"}, prefixes(out.CommonPrefixes))
	require.Equal(t, "b/", *out.NextMarker)
	out, err = e.s3.ListObjects(e.ctx, &s3.ListObjectsInput{Bucket: aws.String(b), Delimiter: aws.String("/"), Marker: out.NextMarker})
	require.NoError(t, err)
	require.Equal(t, []string{"c", "d"}, objectKeys(out.Contents))
	require.Empty(t, out.CommonPrefixes)
}

func TestListEncodingTypeURL(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("listing-enc")
	e.fill(b, []string{"a b/c+d", "ü/x", "top level"})
	list := func(query string) string {
		req, err := http.NewRequest(http.MethodGet, e.node.S3URL()+"/"+b+"?"+query, nil)
		require.NoError(t, err)
		return e.signedDo(req, nil)
	}
	body := list("list-type=2&encoding-type=url")
	require.Contains(t, body, "<Key>a%20b/c%2Bd</Key>")
	require.Contains(t, body, "<Key>%C3%BC/x</Key>")
	require.Contains(t, body, "<Key>top%20level</Key>")
	require.Contains(t, body, "<EncodingType>url</EncodingType>")

	// CommonPrefixes, Prefix and Delimiter are encoded the same way, in both versions.
	for _, q := range []string{"list-type=2&encoding-type=url&delimiter=/", "encoding-type=url&delimiter=/", "encoding-type=url&delimiter=/&marker=a%20a"} {
		body = list(q)
		require.Contains(t, body, "<CommonPrefixes><Prefix>a%20b/</Prefix></CommonPrefixes>", q)
		require.Contains(t, body, "<CommonPrefixes><Prefix>%C3%BC/</Prefix></CommonPrefixes>", q)
		require.Contains(t, body, "<Key>top%20level</Key>", q)
		require.NotContains(t, body, "+", q)
	}
	require.Contains(t, body, "<Marker>a%20a</Marker>")
	body = list("list-type=2&encoding-type=url&prefix=a%20b/&delimiter=%2B&start-after=a%20a")
	require.Contains(t, body, "<Prefix>a%20b/</Prefix>")
	require.Contains(t, body, "<Delimiter>%2B</Delimiter>")
	require.Contains(t, body, "<StartAfter>a%20a</StartAfter>")
	require.Contains(t, body, "<CommonPrefixes><Prefix>a%20b/c%2B</Prefix></CommonPrefixes>")

	// ListMultipartUploads: keys, prefixes and markers.
	for _, key := range []string{"up load/one", "up load/two"} {
		_, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(key)})
		require.NoError(t, err)
	}
	body = list("uploads&encoding-type=url")
	require.Contains(t, body, "<Key>up%20load/one</Key>")
	require.Contains(t, body, "<EncodingType>url</EncodingType>")
	body = list("uploads&encoding-type=url&delimiter=/")
	require.Contains(t, body, "<CommonPrefixes><Prefix>up%20load/</Prefix></CommonPrefixes>")
	require.NotContains(t, body, "+")

	req, _ := http.NewRequest(http.MethodGet, e.node.S3URL()+"/"+b+"?list-type=2&encoding-type=base64", nil)
	resp := e.signedResponse(req, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	data, _ := io.ReadAll(resp.Body)
	require.Contains(t, string(data), "<Code>InvalidArgument</Code>")
}

func TestDeleteObjects(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("batch")
	e.fill(b, []string{"a", "b", "c"})
	out, err := e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("a")}, {Key: aws.String("b")}, {Key: aws.String("missing")}},
	}})
	require.NoError(t, err)
	require.Len(t, out.Deleted, 3)
	require.Empty(t, out.Errors)
	list, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, []string{"c"}, objectKeys(list.Contents))

	// Quiet mode reports only failures.
	out, err = e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{
		Quiet: aws.Bool(true), Objects: []types.ObjectIdentifier{{Key: aws.String("c")}, {Key: aws.String(strings.Repeat("k", 1025))}},
	}})
	require.NoError(t, err)
	require.Empty(t, out.Deleted)
	require.Len(t, out.Errors, 1)
	require.Equal(t, "KeyTooLongError", *out.Errors[0].Code)

	// More than 1000 keys is malformed.
	var many []types.ObjectIdentifier
	for i := 0; i < 1001; i++ {
		many = append(many, types.ObjectIdentifier{Key: aws.String(fmt.Sprint(i))})
	}
	_, err = e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: many}})
	requireCode(t, err, "MalformedXML")
}

func prefixes(cps []types.CommonPrefix) []string {
	var out []string
	for _, cp := range cps {
		out = append(out, *cp.Prefix)
	}
	return out
}

func objectKeys(objs []types.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, *o.Key)
	}
	return out
}
