package s3api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awshttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// The blocks of these tests are the default 1 MiB.
const integrityBlock = 1 << 20

// newEnvAt starts a node whose data lives in dir.
func newEnvAt(t *testing.T, dir string) *env {
	t.Helper()
	n := nodetest.Start(t, func(c *node.Config) { c.DataDir = dir })
	return &env{t: t, node: n, s3: sdkClient(n, ""), ctx: t.Context()}
}

// corruptBlock flips one bit in the middle of the block file holding data.
func corruptBlock(t *testing.T, dir string, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:])
	file := filepath.Join(dir, "blob", "blocks", name[:2], name[2:4], name)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	raw[len(raw)/2] ^= 0x20
	require.NoError(t, os.WriteFile(file, raw, 0o600))
}

// requireInternalError asserts an S3 InternalError with status 500.
func requireInternalError(t *testing.T, err error) {
	t.Helper()
	requireCode(t, err, "InternalError")
	var re *awshttp.ResponseError
	require.True(t, errors.As(err, &re), "%v", err)
	require.Equal(t, http.StatusInternalServerError, re.HTTPStatusCode())
}

func TestGetCorruptInlineObjectAnswersInternalError(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("integrity-inline")
	data := randomBytes(21, 4096)
	e.put(b, "small", data)
	require.NoError(t, e.node.Close())

	// Flip a bit of every copy of the bytes in the index file (bbolt keeps older
	// copies of a page until it reuses it).
	index := filepath.Join(dir, "blob", "index.db")
	raw, err := os.ReadFile(index)
	require.NoError(t, err)
	n := 0
	for off := 0; ; n++ {
		i := bytes.Index(raw[off:], data)
		if i < 0 {
			break
		}
		raw[off+i+100] ^= 0x01
		off += i + len(data)
	}
	require.Positive(t, n)
	require.NoError(t, os.WriteFile(index, raw, 0o600))

	e = newEnvAt(t, dir)
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("small")})
	requireInternalError(t, err)
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/small")})
	requireInternalError(t, err)
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("copy")})
	requireCode(t, err, "NotFound")

	// A part copied from it: refused too, where it used to copy the damaged bytes.
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	_, err = e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String(b + "/small"),
	})
	requireInternalError(t, err)
	parts, err := e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId})
	require.NoError(t, err)
	require.Empty(t, parts.Parts)
}

func TestGetCorruptFirstBlockAnswersInternalError(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("integrity-blocks")
	data := randomBytes(22, 3*integrityBlock)
	e.put(b, "big", data)
	corruptBlock(t, dir, data[integrityBlock:2*integrityBlock])

	// A read whose first block is the bad one: a 500 before any header or byte.
	_, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big"), Range: aws.String("bytes=1048576-")})
	requireInternalError(t, err)
	// The bad copy was quarantined by that read: the whole object fails up front
	// only if its first block is bad; here the first block is good, so the status is
	// sent and the body is cut short where the bad block begins.
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big")})
	require.NoError(t, err)
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	require.Error(t, err)
	require.Less(t, len(got), len(data))
	require.Equal(t, data[:len(got)], got, "what was sent is the object's bytes")

	// The first block of the object.
	e.put(b, "big2", randomBytes(23, 2*integrityBlock))
	corruptBlock(t, dir, randomBytes(23, 2*integrityBlock)[:integrityBlock])
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big2")})
	requireInternalError(t, err)
}

func TestCopyObjectFromCorruptSourceCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("integrity-copy")
	data := randomBytes(24, 2*integrityBlock+10)
	e.put(b, "src", data)
	corruptBlock(t, dir, data[integrityBlock:2*integrityBlock])

	_, err := e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst"), CopySource: aws.String(b + "/src")})
	requireInternalError(t, err)
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dst")})
	requireCode(t, err, "NotFound")
}

func TestUploadPartCopyFromCorruptSourceCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("integrity-partcopy")
	data := randomBytes(25, 2*integrityBlock+10)
	e.put(b, "src", data)
	corruptBlock(t, dir, data[integrityBlock:2*integrityBlock])

	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	_, err = e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String(b + "/src"),
	})
	requireInternalError(t, err)
	_, err = e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(2),
		CopySource: aws.String(b + "/src"), CopySourceRange: aws.String("bytes=1048576-1048999"),
	})
	requireInternalError(t, err)
	parts, err := e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId})
	require.NoError(t, err)
	require.Empty(t, parts.Parts, "no part was created")
}
