package replication

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Copies by multipart upload (docs/site-sync.md#large-and-multipart-objects).
const (
	// maxPutSize is S3's largest PutObject, and largest part.
	maxPutSize = 5 << 30
	// minPartSize is S3's smallest part but the last.
	minPartSize = 5 << 20
	// maxParts is S3's most parts of an upload.
	maxParts = 10000
)

// isMultipartETag reports an ETag of an object uploaded in parts (MD5 of the
// parts' MD5s, "-" and their count).
func isMultipartETag(etag string) bool {
	return strings.Contains(strings.Trim(etag, `"`), "-")
}

// partSizes returns the sizes of the parts to copy an object of size bytes in: the
// source's own parts when it has some (so the copy's multipart ETag is the
// source's and a later backfill finds them equal), nil to copy it with one
// PutObject, or, above the multipart threshold, parts of the configured size
// grown as the SDKs' upload managers do so that they number at most 10,000.
func (d *delivery) partSizes(ctx context.Context, key string, obj *s3.GetObjectOutput) ([]int64, error) {
	size := aws.ToInt64(obj.ContentLength)
	if isMultipartETag(aws.ToString(obj.ETag)) {
		return d.sourceParts(ctx, key, aws.ToString(obj.VersionId), size)
	}
	if size <= d.w.cfg.MultipartThreshold {
		return nil, nil
	}
	ps := max(d.w.cfg.PartSize, minPartSize)
	if (size+ps-1)/ps > maxParts {
		ps = size/maxParts + 1
	}
	var sizes []int64
	for left := size; left > 0; left -= ps {
		sizes = append(sizes, min(ps, left))
	}
	return sizes, nil
}

// sourceParts lists the part sizes of version vid of key on the source
// (GetObjectAttributes ObjectParts), and checks that they add up to size: the key
// changed between the two reads otherwise, and the change is retried.
func (d *delivery) sourceParts(ctx context.Context, key, vid string, size int64) ([]int64, error) {
	in := &s3.GetObjectAttributesInput{Bucket: aws.String(d.rule.Bucket), Key: aws.String(key),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectParts}, MaxParts: aws.Int32(1000)}
	if vid != "" {
		in.VersionId = aws.String(vid)
	}
	var sizes []int64
	var total int64
	for {
		out, err := d.w.cfg.Local.GetObjectAttributes(ctx, in)
		if err != nil {
			return nil, sourceErr(fmt.Errorf("parts: %w", err))
		}
		if out.ObjectParts == nil {
			break
		}
		for _, p := range out.ObjectParts.Parts {
			if int(aws.ToInt32(p.PartNumber)) != len(sizes)+1 {
				return nil, sourceErr(fmt.Errorf("parts of %s: part %d out of order", key, aws.ToInt32(p.PartNumber)))
			}
			sizes = append(sizes, aws.ToInt64(p.Size))
			total += aws.ToInt64(p.Size)
		}
		if !aws.ToBool(out.ObjectParts.IsTruncated) {
			break
		}
		in.PartNumberMarker = out.ObjectParts.NextPartNumberMarker
	}
	if len(sizes) == 0 || total != size {
		return nil, sourceErr(fmt.Errorf("parts of %s add up to %d bytes, not %d (changed meanwhile)", key, total, size))
	}
	return sizes, nil
}

// putMultipart copies body, whose whole is in's object, to the target by a
// multipart upload in parts of sizes: read in order from the one source stream,
// each part spooled on its own (memory or a temporary file, as spool), so memory
// stays bounded whatever the object's size. in carries the object's headers, tags
// and lock; opt its origin, sent with the creation and the completion. A failed
// copy's upload is aborted. It returns the bytes sent and the copy's ETag.
func (d *delivery) putMultipart(ctx context.Context, body io.Reader, in *s3.PutObjectInput, sizes []int64, opt func(*s3.Options)) (int64, string, error) {
	create, err := d.target.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: in.Bucket, Key: in.Key, ContentType: in.ContentType, ContentEncoding: in.ContentEncoding,
		ContentDisposition: in.ContentDisposition, ContentLanguage: in.ContentLanguage, CacheControl: in.CacheControl,
		Expires: in.Expires, Metadata: in.Metadata, Tagging: in.Tagging,
		ObjectLockMode: in.ObjectLockMode, ObjectLockRetainUntilDate: in.ObjectLockRetainUntilDate,
		ObjectLockLegalHoldStatus: in.ObjectLockLegalHoldStatus, ChecksumAlgorithm: in.ChecksumAlgorithm,
		ServerSideEncryption: in.ServerSideEncryption,
	}, opt)
	if err != nil {
		return 0, "", err
	}
	done := false
	defer func() {
		if !done {
			// Best effort, on its own deadline: an upload left behind is the
			// target's lifecycle's (AbortIncompleteMultipartUpload) to remove.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_, _ = d.target.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: in.Bucket, Key: in.Key, UploadId: create.UploadId})
		}
	}()
	parts := make([]types.CompletedPart, 0, len(sizes))
	var sent int64
	for i, size := range sizes {
		n, etag, err := d.uploadPart(ctx, body, in, create.UploadId, int32(i+1), size)
		if err != nil {
			return sent, "", err
		}
		sent += n
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: aws.String(etag)})
	}
	out, err := d.target.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: in.Bucket, Key: in.Key,
		UploadId: create.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}, opt)
	if err != nil {
		return sent, "", err
	}
	done = true
	return sent, aws.ToString(out.ETag), nil
}

// uploadPart sends the next size bytes of body as part number num.
func (d *delivery) uploadPart(ctx context.Context, body io.Reader, in *s3.PutObjectInput, uploadID *string, num int32, size int64) (int64, string, error) {
	part, n, cleanup, err := spool(io.LimitReader(body, size), size)
	if err != nil {
		return 0, "", sourceErr(err)
	}
	defer cleanup()
	if n != size {
		return 0, "", sourceErr(fmt.Errorf("part %d: the source's body ended after %d of %d bytes", num, n, size))
	}
	out, err := d.target.UploadPart(ctx, &s3.UploadPartInput{Bucket: in.Bucket, Key: in.Key, UploadId: uploadID,
		PartNumber: aws.Int32(num), Body: part, ContentLength: aws.Int64(n), ChecksumAlgorithm: in.ChecksumAlgorithm})
	if err != nil {
		return 0, "", err
	}
	return n, aws.ToString(out.ETag), nil
}
