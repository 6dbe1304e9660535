package s3api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/checksum"
)

// sdkAlgorithms are the algorithms aws-sdk-go-v2 computes itself; for the others the
// tests send the x-amz-checksum-* header in a request signed with the SDK's signer.
var sdkAlgorithms = map[checksum.Algorithm]bool{
	checksum.CRC32: true, checksum.CRC32C: true, checksum.CRC64NVME: true,
	checksum.SHA1: true, checksum.SHA256: true, checksum.SHA512: true,
}

// sdkChecksum returns the value of alg's checksum member in an SDK answer's fields.
func sdkChecksum(alg checksum.Algorithm, f sdkChecksumFields) string {
	p := map[checksum.Algorithm]*string{
		checksum.CRC32: f.CRC32, checksum.CRC32C: f.CRC32C, checksum.CRC64NVME: f.CRC64NVME,
		checksum.SHA1: f.SHA1, checksum.SHA256: f.SHA256, checksum.SHA512: f.SHA512, checksum.MD5: f.MD5,
		checksum.XXHASH64: f.XXHASH64, checksum.XXHASH3: f.XXHASH3, checksum.XXHASH128: f.XXHASH128,
	}[alg]
	return aws.ToString(p)
}

// sdkChecksumFields are the checksum members the SDK's answers share.
type sdkChecksumFields struct {
	CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512, MD5, XXHASH64, XXHASH3, XXHASH128 *string
}

func headFields(o *s3.HeadObjectOutput) sdkChecksumFields {
	return sdkChecksumFields{o.ChecksumCRC32, o.ChecksumCRC32C, o.ChecksumCRC64NVME, o.ChecksumSHA1, o.ChecksumSHA256,
		o.ChecksumSHA512, o.ChecksumMD5, o.ChecksumXXHASH64, o.ChecksumXXHASH3, o.ChecksumXXHASH128}
}

func getFields(o *s3.GetObjectOutput) sdkChecksumFields {
	return sdkChecksumFields{o.ChecksumCRC32, o.ChecksumCRC32C, o.ChecksumCRC64NVME, o.ChecksumSHA1, o.ChecksumSHA256,
		o.ChecksumSHA512, o.ChecksumMD5, o.ChecksumXXHASH64, o.ChecksumXXHASH3, o.ChecksumXXHASH128}
}

func partFields(p types.Part) sdkChecksumFields {
	return sdkChecksumFields{p.ChecksumCRC32, p.ChecksumCRC32C, p.ChecksumCRC64NVME, p.ChecksumSHA1, p.ChecksumSHA256,
		p.ChecksumSHA512, p.ChecksumMD5, p.ChecksumXXHASH64, p.ChecksumXXHASH3, p.ChecksumXXHASH128}
}

func completeFields(o *s3.CompleteMultipartUploadOutput) sdkChecksumFields {
	return sdkChecksumFields{o.ChecksumCRC32, o.ChecksumCRC32C, o.ChecksumCRC64NVME, o.ChecksumSHA1, o.ChecksumSHA256,
		o.ChecksumSHA512, o.ChecksumMD5, o.ChecksumXXHASH64, o.ChecksumXXHASH3, o.ChecksumXXHASH128}
}

// completedPart is a CompletedPart carrying value as alg's checksum member.
func completedPart(n int32, etag string, alg checksum.Algorithm, value string) types.CompletedPart {
	p := types.CompletedPart{PartNumber: aws.Int32(n), ETag: aws.String(etag)}
	*map[checksum.Algorithm]**string{
		checksum.CRC32: &p.ChecksumCRC32, checksum.CRC32C: &p.ChecksumCRC32C, checksum.CRC64NVME: &p.ChecksumCRC64NVME,
		checksum.SHA1: &p.ChecksumSHA1, checksum.SHA256: &p.ChecksumSHA256, checksum.SHA512: &p.ChecksumSHA512,
		checksum.MD5: &p.ChecksumMD5, checksum.XXHASH64: &p.ChecksumXXHASH64, checksum.XXHASH3: &p.ChecksumXXHASH3,
		checksum.XXHASH128: &p.ChecksumXXHASH128,
	}[alg] = aws.String(value)
	return p
}

// rawPut sends a PUT (an object or, with query, a part) signed with the SDK's signer,
// carrying alg's checksum header with value, and returns the response.
func (e *env) rawPut(path string, data []byte, alg checksum.Algorithm, value string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPut, e.node.S3URL()+path, nil)
	require.NoError(e.t, err)
	req.Header.Set(alg.HeaderName(), value)
	req.Header.Set("x-amz-sdk-checksum-algorithm", string(alg))
	return e.signedResponse(req, data)
}

// TestChecksumAlgorithmsSinglePut stores an object with each of the ten algorithms and
// reads the checksum back through the SDK with checksum mode on; a wrong value of each
// is refused with BadDigest and stores nothing.
func TestChecksumAlgorithmsSinglePut(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("ten-sums")
	data := randomBytes(71, 100000)
	for _, alg := range checksum.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			key := "obj-" + string(alg)
			want := alg.Sum(data)
			if sdkAlgorithms[alg] {
				_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key),
					Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithm(alg)})
				require.NoError(t, err)
			} else {
				resp := e.rawPut("/"+b+"/"+key, data, alg, want)
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Equal(t, want, resp.Header.Get(alg.HeaderName()))
			}
			head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			require.NoError(t, err)
			require.Equal(t, want, sdkChecksum(alg, headFields(head)))
			require.Equal(t, types.ChecksumTypeFullObject, head.ChecksumType)
			get, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			require.NoError(t, err)
			get.Body.Close()
			require.Equal(t, want, sdkChecksum(alg, getFields(get)))

			// A well-formed value of the wrong data.
			bad := alg.Sum([]byte("other data"))
			resp := e.rawPut("/"+b+"/bad-"+string(alg), data, alg, bad)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Equal(t, "BadDigest", errorCode(t, resp))
			_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("bad-" + string(alg))})
			requireCode(t, err, "NotFound")
			// A value of the wrong length for the algorithm.
			resp = e.rawPut("/"+b+"/short-"+string(alg), data, alg, "AAAA")
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Equal(t, "InvalidRequest", errorCode(t, resp))
		})
	}
}

// TestChecksumAlgorithmsMultipart uploads three parts with each algorithm, checks
// ListParts, the completion's checksum (COMPOSITE by default, FULL_OBJECT for
// CRC64NVME) and HEAD's, and that FULL_OBJECT is refused for the non-CRC algorithms.
func TestChecksumAlgorithmsMultipart(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("ten-parts")
	const partSize = 5 << 20
	data := randomBytes(72, 2*partSize+777)
	parts := [][]byte{data[:partSize], data[partSize : 2*partSize], data[2*partSize:]}
	for _, alg := range checksum.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			key := "mp-" + string(alg)
			create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(key),
				ChecksumAlgorithm: types.ChecksumAlgorithm(alg)})
			require.NoError(t, err)
			wantType := types.ChecksumTypeComposite
			if alg == checksum.CRC64NVME {
				wantType = types.ChecksumTypeFullObject
			}
			require.Equal(t, wantType, create.ChecksumType)
			var completed []types.CompletedPart
			var values []string
			for i, p := range parts {
				n := int32(i + 1)
				v := alg.Sum(p)
				values = append(values, v)
				var etag string
				if sdkAlgorithms[alg] {
					out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String(key), UploadId: create.UploadId,
						PartNumber: aws.Int32(n), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithm(alg)})
					require.NoError(t, err)
					etag = aws.ToString(out.ETag)
				} else {
					resp := e.rawPut("/"+b+"/"+key+"?partNumber="+strconv.Itoa(int(n))+"&uploadId="+aws.ToString(create.UploadId), p, alg, v)
					require.Equal(t, http.StatusOK, resp.StatusCode)
					require.Equal(t, v, resp.Header.Get(alg.HeaderName()))
					etag = resp.Header.Get("ETag")
				}
				completed = append(completed, completedPart(n, etag, alg, v))
			}
			list, err := e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String(key), UploadId: create.UploadId})
			require.NoError(t, err)
			require.Equal(t, types.ChecksumAlgorithm(alg), list.ChecksumAlgorithm)
			require.Len(t, list.Parts, 3)
			for i, p := range list.Parts {
				require.Equal(t, values[i], sdkChecksum(alg, partFields(p)))
			}

			done, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(key),
				UploadId: create.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}})
			require.NoError(t, err)
			want := alg.Sum(data)
			if alg != checksum.CRC64NVME {
				var raw []byte
				for _, v := range values {
					sum, err := base64.StdEncoding.DecodeString(v)
					require.NoError(t, err)
					raw = append(raw, sum...)
				}
				want = alg.Sum(raw) + "-3"
			}
			require.Equal(t, want, sdkChecksum(alg, completeFields(done)))
			require.Equal(t, wantType, done.ChecksumType)
			head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			require.NoError(t, err)
			require.Equal(t, want, sdkChecksum(alg, headFields(head)))
			require.Equal(t, wantType, head.ChecksumType)

			// FULL_OBJECT needs a CRC.
			_, err = e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String(key),
				ChecksumAlgorithm: types.ChecksumAlgorithm(alg), ChecksumType: types.ChecksumTypeFullObject})
			if alg.IsCRC() {
				require.NoError(t, err)
			} else {
				requireCode(t, err, "InvalidRequest")
			}
		})
	}
}

// TestPartChecksumComputedByServer: in an upload with a checksum algorithm, a part
// sent without a checksum gets one computed by the server (as S3 does), so the
// completion has its checksum; a part with a checksum of another algorithm is refused
// at once; a completion naming another checksum type is BadDigest.
func TestPartChecksumComputedByServer(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("server-sums")
	bare := sdkClient(e.node, "", func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired })
	const partSize = 5 << 20
	data := randomBytes(73, partSize+100)
	parts := [][]byte{data[:partSize], data[partSize:]}

	create, err := bare.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	require.NoError(t, err)
	var completed []types.CompletedPart
	var raw []byte
	for i, p := range parts {
		out, err := bare.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		require.NoError(t, err)
		want := checksum.SHA256.Sum(p)
		require.Equal(t, want, aws.ToString(out.ChecksumSHA256), "the part's checksum, computed by the server")
		sum, _ := base64.StdEncoding.DecodeString(want)
		raw = append(raw, sum...)
		completed = append(completed, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}

	// A CRC32 part in a SHA256 upload.
	resp := e.rawPut("/"+b+"/k?partNumber=3&uploadId="+aws.ToString(create.UploadId), parts[1], checksum.CRC32, checksum.CRC32.Sum(parts[1]))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	var xe struct{ Code, Message string }
	require.NoError(t, xml.NewDecoder(resp.Body).Decode(&xe))
	require.Equal(t, "InvalidRequest", xe.Code)
	require.Equal(t, "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32", xe.Message)

	_, err = bare.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"),
		UploadId: create.UploadId, ChecksumType: types.ChecksumTypeFullObject, MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}})
	requireCode(t, err, "BadDigest")

	done, err := bare.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"),
		UploadId: create.UploadId, ChecksumType: types.ChecksumTypeComposite, MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}})
	require.NoError(t, err)
	require.Equal(t, checksum.SHA256.Sum(raw)+"-2", aws.ToString(done.ChecksumSHA256))
	require.Equal(t, data, e.get(b, "k"))
}

// TestCompleteChecksWholeObjectChecksum: a completion's x-amz-checksum-<alg> is the
// whole object's checksum and x-amz-mp-object-size its size; either one that does not
// match what the parts make is refused before anything is committed, and the upload
// can still be completed rightly afterwards.
func TestCompleteChecksWholeObjectChecksum(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("whole-sum")
	const partSize = 5 << 20
	data := randomBytes(74, partSize+10)
	parts := [][]byte{data[:partSize], data[partSize:]}
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	require.NoError(t, err)
	var completed []types.CompletedPart
	var raw []byte
	for i, p := range parts {
		out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		require.NoError(t, err)
		completed = append(completed, completedPart(int32(i+1), aws.ToString(out.ETag), checksum.CRC32, aws.ToString(out.ChecksumCRC32)))
		sum, err := base64.StdEncoding.DecodeString(aws.ToString(out.ChecksumCRC32))
		require.NoError(t, err)
		raw = append(raw, sum...)
	}
	want := checksum.CRC32.Sum(raw) + "-2"
	complete := func(mod func(*s3.CompleteMultipartUploadInput)) (*s3.CompleteMultipartUploadOutput, error) {
		in := &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: create.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: completed}}
		mod(in)
		return e.s3.CompleteMultipartUpload(e.ctx, in)
	}

	_, err = complete(func(in *s3.CompleteMultipartUploadInput) {
		in.ChecksumCRC32 = aws.String(checksum.CRC32.Sum([]byte("not it")) + "-2")
	})
	requireCode(t, err, "BadDigest")
	_, err = complete(func(in *s3.CompleteMultipartUploadInput) { in.ChecksumSHA256 = aws.String(checksum.SHA256.Sum(data)) })
	requireCode(t, err, "InvalidRequest")
	_, err = complete(func(in *s3.CompleteMultipartUploadInput) { in.MpuObjectSize = aws.Int64(int64(len(data) + 1)) })
	requireCode(t, err, "InvalidRequest")
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	requireCode(t, err, "NotFound")

	_, err = complete(func(in *s3.CompleteMultipartUploadInput) { in.ChecksumCRC32 = aws.String(want[:len(want)-1] + "3") })
	requireCode(t, err, "BadDigest") // the right value with another part count

	done, err := complete(func(in *s3.CompleteMultipartUploadInput) {
		in.ChecksumCRC32, in.MpuObjectSize = aws.String(want[:len(want)-2]), aws.Int64(int64(len(data))) // without "-2" too
	})
	require.NoError(t, err)
	require.Equal(t, want, aws.ToString(done.ChecksumCRC32))
}
