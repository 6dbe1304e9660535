// Package replication is site sync: it keeps buckets in step with buckets behind
// connections (other Cairn sites, or any S3 endpoint), driven by the object index's
// change feed. It talks to the peer only through aws-sdk-go-v2, never through Cairn
// internals, so a one-way target can be any S3 server. docs/site-sync.md describes
// the model and what is built.
package replication

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/meta"
)

// UserAgent is the User-Agent of site sync's requests, for the peer's logs. Loops are
// prevented by a version's origin, never by this.
const UserAgent = "cairn-site-sync"

// ErrNoCredentials: a connection's source yields no credentials (the variables are
// unset, the profile has no keys, the metadata service does not answer).
var ErrNoCredentials = errors.New("replication: the connection's credentials source yields no credentials")

// ErrPeerNotCairn: a bidirectional rule's target does not name its site (the
// x-cairn-site-id header), so it is not a Cairn site: a write sent there could not
// keep its origin, and would come back.
var ErrPeerNotCairn = errors.New("replication: a bidirectional rule's peer must be a Cairn site")

// CredentialsProvider returns the aws-sdk-go-v2 provider of a connection's
// credentials, from the source it names:
//
//   - static: the access key id and the sealed secret (secret);
//   - env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN of this
//     process, read again at every retrieval;
//   - shared: a profile ("default" when unnamed) of the aws cli shared files
//     (the connection's paths, else the SDK's defaults), with everything the SDK
//     supports there (static keys, assumed roles, SSO, credential_process);
//   - imds: the EC2 instance metadata service's role credentials, refreshed before
//     they expire;
//   - default: the SDK's default chain, the merge of all of those.
//
// Nothing is fetched here: a source that yields nothing fails at the first request
// (ErrNoCredentials in the error chain, for env).
func CredentialsProvider(ctx context.Context, c meta.Connection, secret meta.ConnectionSecret) (aws.CredentialsProvider, error) {
	cr := c.Credentials
	switch cr.Source {
	case meta.CredentialsStatic:
		if cr.AccessKeyID == "" || secret.SecretAccessKey == "" {
			return nil, fmt.Errorf("%w: connection %s has no static key", ErrNoCredentials, c.Name)
		}
		return credentials.NewStaticCredentialsProvider(cr.AccessKeyID, secret.SecretAccessKey, secret.SessionToken), nil
	case meta.CredentialsEnv:
		return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			env, err := config.NewEnvConfig()
			if err != nil {
				return aws.Credentials{}, err
			}
			if !env.Credentials.HasKeys() {
				return aws.Credentials{}, fmt.Errorf("%w: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (connection %s)", ErrNoCredentials, c.Name)
			}
			v := env.Credentials
			v.Source = "EnvConfigCredentials"
			return v, nil
		}), nil
	case meta.CredentialsIMDS:
		var opts imds.Options
		if cr.IMDSEndpoint != "" {
			opts.Endpoint = cr.IMDSEndpoint
		}
		return aws.NewCredentialsCache(ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = imds.New(opts) })), nil
	case meta.CredentialsShared, meta.CredentialsDefault:
		var opts []func(*config.LoadOptions) error
		if cr.Source == meta.CredentialsShared || cr.Profile != "" {
			profile := cr.Profile
			if profile == "" {
				profile = "default"
			}
			// A profile named in code wins over the environment's keys in the
			// SDK's chain, so the shared source reads the files only.
			opts = append(opts, config.WithSharedConfigProfile(profile))
		}
		if cr.CredentialsFile != "" {
			opts = append(opts, config.WithSharedCredentialsFiles([]string{cr.CredentialsFile}))
		}
		if cr.ConfigFile != "" {
			opts = append(opts, config.WithSharedConfigFiles([]string{cr.ConfigFile}))
		}
		if cr.IMDSEndpoint != "" {
			opts = append(opts, config.WithEC2IMDSEndpoint(cr.IMDSEndpoint))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("replication: connection %s: %w", c.Name, err)
		}
		if cfg.Credentials == nil {
			return nil, fmt.Errorf("%w: connection %s", ErrNoCredentials, c.Name)
		}
		return cfg.Credentials, nil
	}
	return nil, fmt.Errorf("replication: connection %s: unknown credentials source %q", c.Name, cr.Source)
}

// NewClient returns an S3 client for a connection: its endpoint (path-style, so any
// S3 server works), region, credentials and TLS settings, with the default
// PeerIdleTimeout.
func NewClient(ctx context.Context, c meta.Connection, secret meta.ConnectionSecret) (*s3.Client, error) {
	return newClient(ctx, c, secret, DefaultConfig().PeerIdleTimeout)
}

// newClient is NewClient whose connections are closed after idle without a byte
// read or written (progressConn).
func newClient(ctx context.Context, c meta.Connection, secret meta.ConnectionSecret, idle time.Duration) (*s3.Client, error) {
	creds, err := CredentialsProvider(ctx, c, secret)
	if err != nil {
		return nil, err
	}
	tlsConf, err := tlsConfig(c.TLS)
	if err != nil {
		return nil, fmt.Errorf("replication: connection %s: %w", c.Name, err)
	}
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.TLSClientConfig = tlsConf
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &progressConn{Conn: conn, idle: idle}, nil
		}
		tr.ResponseHeaderTimeout = idle
	})
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(c.Endpoint),
		Region:       c.Region,
		UsePathStyle: true,
		Credentials:  creds,
		HTTPClient:   httpClient,
		AppID:        UserAgent,
		// Checksums only where the operation requires them: the peer may be any S3
		// server, and Cairn's versions carry their own checksums in metadata.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}), nil
}

// dialTimeout bounds the making of a connection to a peer.
const dialTimeout = 10 * time.Second

// progressConn is a connection to a peer that fails a read or write after idle
// without progress: a peer that stops answering, or a link that drops packets
// without a reset, fails the request (the change is retried, with back-off),
// instead of holding the rule's round until TCP gives up, many minutes later. A
// slow transfer that keeps moving is never cut.
type progressConn struct {
	net.Conn
	idle time.Duration
}

func (c *progressConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *progressConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// tlsConfig builds a connection's TLS settings.
func tlsConfig(t meta.ConnectionTLS) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // an operator's explicit choice, for tests
	if t.CACertPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(t.CACertPEM)) {
			return nil, errors.New("the CA certificate is not valid PEM")
		}
		c.RootCAs = pool
	}
	return c, nil
}
