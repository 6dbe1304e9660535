package s3api_test

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// shiftedPresigner presigns as if the clock were off by shift.
type shiftedPresigner struct {
	inner *v4.Signer
	shift time.Duration
}

func (p shiftedPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, at time.Time, opts ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return p.inner.PresignHTTP(ctx, creds, r, payloadHash, service, region, at.Add(p.shift), opts...)
}

// presignedAt makes a presign client sign with its clock shifted by shift.
func presignedAt(shift time.Duration) func(*s3.PresignOptions) {
	return func(o *s3.PresignOptions) {
		o.Presigner = shiftedPresigner{inner: v4.NewSigner(func(so *v4.SignerOptions) { so.DisableURIPathEscaping = true }), shift: shift}
	}
}
