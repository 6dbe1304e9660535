package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Environment variables read by ResolveCredentials before the AWS SDK's own.
const (
	EnvAccessKey    = "CAIRN_ACCESS_KEY"
	EnvSecretKey    = "CAIRN_SECRET_KEY"
	EnvSessionToken = "CAIRN_SESSION_TOKEN"
)

// CredentialOptions are what a user gave explicitly; ResolveCredentials falls back
// to the environment and the AWS shared files for the rest.
type CredentialOptions struct {
	// AccessKey, SecretKey and SessionToken come from flags. Give both keys or
	// neither; the token is optional.
	AccessKey    string
	SecretKey    string
	SessionToken string
	// Endpoints are the service URLs; one may carry KEY:SECRET as user info.
	Endpoints []string
	// Profile names a profile of the AWS shared config and credentials files.
	Profile string
}

// Credentials are resolved credentials and where they were found.
type Credentials struct {
	AccessKey    string
	SecretKey    string
	SessionToken string
	// Source says where the credentials came from, e.g. "flags" or
	// "environment (CAIRN_ACCESS_KEY)". It never contains a secret.
	Source string
	// Provider yields these credentials to an SDK client, refreshing them when
	// they came from a source that expires (SSO, assumed roles).
	Provider aws.CredentialsProvider
}

// String describes the credentials without their secret.
func (c Credentials) String() string {
	return fmt.Sprintf("access key %s from %s", c.AccessKey, c.Source)
}

// ResolveCredentials finds credentials in this order, the first that is present
// winning:
//
//  1. explicit keys (flags): AccessKey and SecretKey;
//  2. user info in an endpoint URL: http://KEY:SECRET@host:9000;
//  3. an explicit Profile of the AWS shared files (--profile);
//  4. the environment: CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY (and
//     CAIRN_SESSION_TOKEN);
//  5. the AWS SDK's default chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN; then the profile named by AWS_PROFILE (or "default") in
//     ~/.aws/credentials and ~/.aws/config, whose paths AWS_SHARED_CREDENTIALS_FILE
//     and AWS_CONFIG_FILE override; then web identity, container and EC2 instance
//     roles.
//
// Half of a pair (an access key without a secret) is an error rather than a reason
// to look further, so a typo never silently selects other credentials.
func ResolveCredentials(ctx context.Context, in CredentialOptions) (Credentials, error) {
	static := func(ak, sk, tok, source string) Credentials {
		return Credentials{AccessKey: ak, SecretKey: sk, SessionToken: tok, Source: source,
			Provider: credentials.NewStaticCredentialsProvider(ak, sk, tok)}
	}

	if in.AccessKey != "" || in.SecretKey != "" {
		if in.AccessKey == "" || in.SecretKey == "" {
			return Credentials{}, errors.New("credentials: give both an access key and a secret key")
		}
		return static(in.AccessKey, in.SecretKey, in.SessionToken, "flags"), nil
	}

	var urlAK, urlSK string
	for _, e := range in.Endpoints {
		_, ak, sk, err := SplitEndpointCredentials(e)
		if err != nil {
			return Credentials{}, fmt.Errorf("credentials: %w", err)
		}
		if ak == "" {
			continue
		}
		if urlAK != "" && (ak != urlAK || sk != urlSK) {
			return Credentials{}, errors.New("credentials: endpoint URLs carry different credentials")
		}
		urlAK, urlSK = ak, sk
	}
	if urlAK != "" {
		return static(urlAK, urlSK, "", "endpoint URL"), nil
	}

	if in.Profile != "" {
		return fromSDK(ctx, fmt.Sprintf("AWS profile %q", in.Profile), config.WithSharedConfigProfile(in.Profile))
	}

	ak, sk := os.Getenv(EnvAccessKey), os.Getenv(EnvSecretKey)
	if ak != "" || sk != "" {
		if ak == "" || sk == "" {
			return Credentials{}, fmt.Errorf("credentials: set both %s and %s", EnvAccessKey, EnvSecretKey)
		}
		return static(ak, sk, os.Getenv(EnvSessionToken), "environment ("+EnvAccessKey+")"), nil
	}

	return fromSDK(ctx, "AWS default chain")
}

// sdkLookupTimeout bounds the SDK chain, whose last resort (the EC2 instance
// metadata service) can take seconds to give up on a machine outside EC2.
const sdkLookupTimeout = 10 * time.Second

func fromSDK(ctx context.Context, what string, opts ...func(*config.LoadOptions) error) (Credentials, error) {
	ctx, cancel := context.WithTimeout(ctx, sdkLookupTimeout)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Credentials{}, fmt.Errorf("credentials: %s: %w", what, err)
	}
	if cfg.Credentials == nil {
		return Credentials{}, noCredentials(what, nil)
	}
	v, err := cfg.Credentials.Retrieve(ctx)
	if err != nil || !v.HasKeys() {
		return Credentials{}, noCredentials(what, err)
	}
	return Credentials{AccessKey: v.AccessKeyID, SecretKey: v.SecretAccessKey, SessionToken: v.SessionToken,
		Source: what + " (" + v.Source + ")", Provider: cfg.Credentials}, nil
}

func noCredentials(what string, err error) error {
	msg := "credentials: none found; give --access-key and --secret-key, an endpoint URL with KEY:SECRET@, " +
		EnvAccessKey + " and " + EnvSecretKey + ", AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an AWS profile " +
		"(--profile, AWS_PROFILE, ~/.aws/credentials)"
	if err != nil {
		return fmt.Errorf("%s (%s: %v)", msg, what, err)
	}
	return errors.New(msg)
}
