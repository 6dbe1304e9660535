package sigv4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/cairnstore/cairn/blob/checksum"
)

// newS3Client returns the real aws-sdk-go-v2 S3 client talking to ts. Options not
// set here keep their defaults; RequestChecksumCalculation is set to what
// config.LoadDefaultConfig gives it (WhenSupported: a CRC32 on every upload).
func newS3Client(ts *testServer, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider(testAccessKey, secret, ""),
		BaseEndpoint:               aws.String(ts.URL),
		UsePathStyle:               true,
		HTTPClient:                 ts.Client(),
		Retryer:                    aws.NopRetryer{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	})
}

// TestS3Client drives the verifier with the real S3 client: over HTTP it signs the
// body's SHA-256 and sends the checksum as a header; over HTTPS it sends
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with the checksum in a trailer.
func TestS3Client(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
		mode string // x-amz-content-sha256 the SDK uses for PutObject; "" for a hex hash
	}{
		{"http", false, ""},
		{"https", true, StreamingUnsignedPayloadTrailer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(time.Now())
			var ts *testServer
			if tc.tls {
				ts = newTLSTestServer(t, v)
			} else {
				ts = newTestServer(t, v)
			}
			testS3Client(t, ts, tc.mode)
		})
	}
}

func testS3Client(t *testing.T, ts *testServer, mode string) {
	client := newS3Client(ts, testSecretKey)
	ctx := context.Background()
	data := bytes.Repeat([]byte("cairn "), 200000)

	last := func() outcome {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		return ts.last
	}

	for _, tc := range []struct {
		name string
		alg  types.ChecksumAlgorithm
		want checksum.Algorithm
	}{
		{"default", "", checksum.CRC32},
		{"crc32c", types.ChecksumAlgorithmCrc32c, checksum.CRC32C},
		{"crc64nvme", types.ChecksumAlgorithmCrc64nvme, checksum.CRC64NVME},
		{"sha1", types.ChecksumAlgorithmSha1, checksum.SHA1},
		{"sha256", types.ChecksumAlgorithmSha256, checksum.SHA256},
	} {
		t.Run("PutObject "+tc.name, func(t *testing.T) {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{
				Bucket:            aws.String("bucket"),
				Key:               aws.String("dir/a key+with=odd&chars ü.txt"),
				Body:              bytes.NewReader(data),
				ChecksumAlgorithm: tc.alg,
				Metadata:          map[string]string{"owner": "test"},
			})
			o := last()
			if err != nil {
				t.Fatalf("PutObject: %v (server: %v)", err, o.err)
			}
			wantOK(t, o)
			if !bytes.Equal(o.body, data) {
				t.Fatalf("server read %d bytes, want %d", len(o.body), len(data))
			}
			want := checksum.Checksum{Algorithm: tc.want, Value: tc.want.Sum(data), Type: checksum.FullObject}
			if o.sum != want {
				t.Errorf("checksum %+v, want %+v", o.sum, want)
			}
			if got := o.auth.payloadHash; mode == "" && !IsHexSHA256(got) || mode != "" && got != mode {
				t.Errorf("x-amz-content-sha256 %s, want %q", got, mode)
			}
		})
	}

	t.Run("UploadPart", func(t *testing.T) {
		_, err := client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String("bucket"), Key: aws.String("k"), UploadId: aws.String("upload/id+1"), PartNumber: aws.Int32(3),
			Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			t.Fatal(err)
		}
		if o := last(); !bytes.Equal(o.body, data) || o.sum.Value != checksum.CRC32.Sum(data) {
			t.Errorf("server read %d bytes, checksum %+v", len(o.body), o.sum)
		}
	})

	t.Run("unseekable body", func(t *testing.T) {
		if mode == "" {
			t.Skip("the SDK refuses unseekable bodies over plain HTTP")
		}
		_, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("bucket"), Key: aws.String("stream"),
			Body:          struct{ io.Reader }{bytes.NewReader(data)},
			ContentLength: aws.Int64(int64(len(data))),
		})
		if err != nil {
			t.Fatal(err)
		}
		if o := last(); !bytes.Equal(o.body, data) {
			t.Errorf("server read %d bytes", len(o.body))
		}
	})

	t.Run("ListObjectsV2", func(t *testing.T) {
		_, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String("bucket"), Prefix: aws.String("a b+c/ü"), Delimiter: aws.String("/"), StartAfter: aws.String("x=y&z"),
		})
		// The test server's empty answer is not a listing; only the signature matters.
		if o := last(); o.err != nil {
			t.Fatalf("server: %v (client: %v)", o.err, err)
		}
	})

	t.Run("presigned GET and PUT", func(t *testing.T) {
		pc := s3.NewPresignClient(client)
		get, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a b/ü+.txt")}, s3.WithPresignExpires(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ts.Client().Get(get.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if o := last(); o.err != nil || !o.auth.Presigned {
			t.Fatalf("presigned GET: %v", o.err)
		}

		put, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("up load")})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(put.Method, put.URL, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range put.SignedHeader {
			if k != "Host" {
				req.Header[k] = v
			}
		}
		resp, err = ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if o := last(); o.err != nil || !bytes.Equal(o.body, data) {
			t.Fatalf("presigned PUT: %v, %d bytes", o.err, len(o.body))
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		_, err := newS3Client(ts, "not the secret").PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("bucket"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x")),
		})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
			t.Fatalf("error %v, want SignatureDoesNotMatch", err)
		}
	})
}
