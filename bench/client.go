package bench

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// clientSet holds one SDK client per endpoint of a service and hands them out
// round robin, so load spreads evenly over the nodes of a cluster.
type clientSet struct {
	urls    []string
	clients []*s3.Client
	next    atomic.Uint64
}

// pick returns the next client in round-robin order.
func (c *clientSet) pick() *s3.Client {
	return c.clients[(c.next.Add(1)-1)%uint64(len(c.clients))]
}

// newClientSet builds the clients for t. maxConns is the number of requests the
// run keeps in flight at most, so every one of them reuses a kept-alive
// connection instead of opening a new one. Endpoints must already be valid.
func newClientSet(t Target, creds Credentials, maxConns, retries int) (*clientSet, error) {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          0, // no overall limit
		MaxIdleConnsPerHost:   maxConns + 8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// The SDK asks for identity encoding; never let net/http add gzip.
		DisableCompression: true,
		TLSClientConfig: &tls.Config{
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: t.Insecure, //nolint:gosec // --insecure: self-signed test clusters
		},
	}
	httpClient := &http.Client{Transport: tr}

	var retryer aws.Retryer = aws.NopRetryer{}
	if retries > 0 {
		retryer = retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = retries + 1
			o.RateLimiter = ratelimit.None
		})
	}
	region := t.Region
	if region == "" {
		region = "us-east-1"
	}

	provider := creds.Provider
	if _, cached := provider.(*aws.CredentialsCache); !cached {
		provider = aws.NewCredentialsCache(provider)
	}

	cs := &clientSet{}
	for _, raw := range t.Endpoints {
		endpoint, _, _, err := SplitEndpointCredentials(raw)
		if err != nil {
			return nil, err
		}
		cs.urls = append(cs.urls, endpoint)
		cs.clients = append(cs.clients, s3.New(s3.Options{
			Region:       region,
			BaseEndpoint: aws.String(endpoint),
			UsePathStyle: t.PathStyle,
			Credentials:  provider,
			HTTPClient:   httpClient,
			Retryer:      retryer,
			// The SDK's default checksum behaviour (CRC32 on uploads, validation
			// of downloads that carry a checksum) stays on: it is what SDK users
			// get. Only its log line about skipped validation is silenced.
			DisableLogOutputChecksumValidationSkipped: true,
		}))
	}
	return cs, nil
}
