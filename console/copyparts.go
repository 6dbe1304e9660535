package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// copyPartSize is the part size of a multipart copy, unless the S3 API's copy limit
// is smaller (each part is at most the limit) or the object needs bigger parts to fit
// in maxCopyParts.
const copyPartSize = 512 << 20

// maxCopyParts is the most parts of a multipart upload, as in S3.
const maxCopyParts = 10000

// abortTimeout bounds the abort of a failed multipart copy, which runs even when the
// browser's request was cancelled.
const abortTimeout = time.Minute

// copySpec is one object to copy, as the user.
type copySpec struct {
	Bucket, Key     string
	ToBucket, ToKey string
	// VersionID is the source's version; "" for its latest.
	VersionID string
	// ETag, when set, is the source's ETag (quoted, as S3 sends it): the copy is
	// made only from that version of the source (x-amz-copy-source-if-match).
	ETag string
	// Size is the source's size when known (from a listing); -1 when not, and the
	// source's HeadObject tells.
	Size int64
}

// afterCopyPart, when set (by the tests only), is called after each part of a
// multipart copy is stored, with its number.
var afterCopyPart func(part int32)

// copySource is the x-amz-copy-source of in's source.
func (in copySpec) copySource() *string {
	src := in.Bucket + "/" + escapeKey(in.Key)
	if in.VersionID != "" {
		src += "?versionId=" + url.QueryEscape(in.VersionID)
	}
	return &src
}

// headSource is HeadObject of in's source, with its checksum, as the user.
func headSource(ctx context.Context, cl *s3.Client, in copySpec) (*s3.HeadObjectOutput, error) {
	return cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), VersionId: nonEmpty(in.VersionID),
		IfMatch: nonEmpty(in.ETag), ChecksumMode: types.ChecksumModeEnabled})
}

// copyAs copies one object as the user with cl: one S3 CopyObject when the source is
// at most c.cfg.CopyLimit bytes (the S3 API refuses larger ones), otherwise a
// multipart copy (copyInParts). Either way the copy carries what CopyObject with the
// COPY directives carries: the content headers, the user metadata and the tags. It
// returns the version the copy made ("" in a bucket without versioning).
func (c *Console) copyAs(ctx context.Context, cl *s3.Client, in copySpec) (string, error) {
	if in.Size < 0 || in.Size > c.cfg.CopyLimit {
		// A refused HEAD has no body to carry the S3 error's code and message: then
		// CopyObject, below, is sent anyway, and its refusal says why.
		if head, err := headSource(ctx, cl, in); err == nil {
			if in.ETag == "" {
				in.ETag = aws.ToString(head.ETag)
			}
			if aws.ToInt64(head.ContentLength) > c.cfg.CopyLimit {
				return c.copyInParts(ctx, cl, in, head, nil)
			}
		}
	}
	out, err := cl.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: aws.String(in.ToBucket), Key: aws.String(in.ToKey),
		CopySource: in.copySource(), CopySourceIfMatch: nonEmpty(in.ETag),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.VersionId), nil
}

// copyInParts copies an object too large for CopyObject, as the user: its tags
// (GetObjectTagging, only when it has some), then CreateMultipartUpload at the
// destination with the source's content headers, metadata, tags and checksum
// algorithm, one UploadPartCopy per range of the source (each on the condition that
// the source's ETag is still the one read, so every part comes from the same
// version), and CompleteMultipartUpload. Any failure aborts the upload, so a failed
// copy leaves no object and no upload behind. head is the source's HeadObject; edit,
// when not nil, changes the upload's headers and metadata before it is created (an
// edit of the metadata: the REPLACE directive of CopyObject). It returns the version
// the copy made ("" in a bucket without versioning).
func (c *Console) copyInParts(ctx context.Context, cl *s3.Client, in copySpec, head *s3.HeadObjectOutput, edit func(*s3.CreateMultipartUploadInput)) (string, error) {
	size := aws.ToInt64(head.ContentLength)
	partSize := min(int64(copyPartSize), c.cfg.CopyLimit)
	if need := (size + maxCopyParts - 1) / maxCopyParts; need > partSize {
		partSize = need
	}
	if partSize > c.cfg.CopyLimit {
		return "", badInput("The object is too large to copy: %d bytes in at most %d parts of at most %d bytes.", size, maxCopyParts, c.cfg.CopyLimit)
	}
	create := &s3.CreateMultipartUploadInput{
		Bucket: aws.String(in.ToBucket), Key: aws.String(in.ToKey),
		ContentType: head.ContentType, ContentEncoding: head.ContentEncoding,
		ContentDisposition: head.ContentDisposition, ContentLanguage: head.ContentLanguage,
		CacheControl: head.CacheControl, Metadata: head.Metadata,
	}
	if t, err := http.ParseTime(aws.ToString(head.ExpiresString)); err == nil {
		create.Expires = &t
	}
	if aws.ToInt32(head.TagCount) > 0 {
		tags, err := cl.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), VersionId: nonEmpty(in.VersionID)})
		if err != nil {
			return "", err
		}
		create.Tagging = aws.String(encodeTags(tags.TagSet))
	}
	create.ChecksumAlgorithm, create.ChecksumType = checksumOf(head)
	if edit != nil {
		edit(create)
	}
	up, err := cl.CreateMultipartUpload(ctx, create)
	if err != nil {
		return "", err
	}
	parts, err := copyParts(ctx, cl, in, up.UploadId, size, partSize)
	var done *s3.CompleteMultipartUploadOutput
	if err == nil {
		done, err = cl.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(in.ToBucket), Key: aws.String(in.ToKey), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
	}
	if err != nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
		defer cancel()
		_, _ = cl.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(in.ToBucket), Key: aws.String(in.ToKey), UploadId: up.UploadId})
		return "", err
	}
	return aws.ToString(done.VersionId), nil
}

// copyParts copies the source into the upload, one UploadPartCopy of partSize bytes
// (the last of what is left) after the other, and returns the parts for the
// completion.
func copyParts(ctx context.Context, cl *s3.Client, in copySpec, uploadID *string, size, partSize int64) ([]types.CompletedPart, error) {
	var parts []types.CompletedPart
	for n, first := int32(1), int64(0); first < size; n, first = n+1, first+partSize {
		last := min(first+partSize, size) - 1
		out, err := cl.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
			Bucket: aws.String(in.ToBucket), Key: aws.String(in.ToKey), UploadId: uploadID, PartNumber: aws.Int32(n),
			CopySource:        in.copySource(),
			CopySourceRange:   aws.String("bytes=" + strconv.FormatInt(first, 10) + "-" + strconv.FormatInt(last, 10)),
			CopySourceIfMatch: nonEmpty(in.ETag),
		})
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", n, err)
		}
		r := out.CopyPartResult
		if r == nil {
			return nil, fmt.Errorf("part %d: no CopyPartResult in the answer", n)
		}
		parts = append(parts, types.CompletedPart{
			PartNumber: aws.Int32(n), ETag: r.ETag,
			ChecksumCRC32: r.ChecksumCRC32, ChecksumCRC32C: r.ChecksumCRC32C, ChecksumCRC64NVME: r.ChecksumCRC64NVME,
			ChecksumSHA1: r.ChecksumSHA1, ChecksumSHA256: r.ChecksumSHA256,
		})
		if afterCopyPart != nil {
			afterCopyPart(n)
		}
	}
	return parts, nil
}

// checksumOf returns the checksum algorithm and type of the source, for the copy's
// upload: a CRC of the whole object is kept whole (FULL_OBJECT, the same value as the
// source's), another algorithm becomes the checksum of the parts (COMPOSITE), as a
// multipart upload of it would be.
func checksumOf(head *s3.HeadObjectOutput) (types.ChecksumAlgorithm, types.ChecksumType) {
	var alg types.ChecksumAlgorithm
	switch {
	case head.ChecksumCRC64NVME != nil:
		return types.ChecksumAlgorithmCrc64nvme, types.ChecksumTypeFullObject
	case head.ChecksumCRC32 != nil:
		alg = types.ChecksumAlgorithmCrc32
	case head.ChecksumCRC32C != nil:
		alg = types.ChecksumAlgorithmCrc32c
	case head.ChecksumSHA1 != nil:
		return types.ChecksumAlgorithmSha1, types.ChecksumTypeComposite
	case head.ChecksumSHA256 != nil:
		return types.ChecksumAlgorithmSha256, types.ChecksumTypeComposite
	default:
		return "", ""
	}
	if head.ChecksumType == types.ChecksumTypeComposite {
		return alg, types.ChecksumTypeComposite
	}
	return alg, types.ChecksumTypeFullObject
}

// encodeTags encodes tags as the x-amz-tagging header does: a URL query.
func encodeTags(tags []types.Tag) string {
	v := url.Values{}
	for _, t := range tags {
		v.Set(aws.ToString(t.Key), aws.ToString(t.Value))
	}
	return v.Encode()
}
