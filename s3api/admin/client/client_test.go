package client

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"
)

func TestEscapeEncodesAllButUnreservedBytes(t *testing.T) {
	require.Equal(t, "alice", Escape("alice"))
	require.Equal(t, "a%2Bb%3Dc%2Cd%40e_f-g.h~i", Escape("a+b=c,d@e_f-g.h~i"))
	require.Equal(t, "a%2Fb%20c%25", Escape("a/b c%"))
	require.Equal(t, "%C3%A9", Escape("é"))
}

func TestNewRefusesBadEndpoints(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AK", "SK", "")
	for _, e := range []string{"", "127.0.0.1:9001", "ftp://host:9001", "http://host:9001/admin", "http://AK:SK@host:9001", "http://host:9001?x=1"} {
		_, err := New(Config{Endpoint: e, Credentials: creds})
		require.Error(t, err, e)
	}
	_, err := New(Config{Endpoint: "http://host:9001"})
	require.Error(t, err, "no credentials")
	c, err := New(Config{Endpoint: "https://host:9001/", Credentials: creds})
	require.NoError(t, err)
	require.Equal(t, "https://host:9001", c.base.String())
	require.Equal(t, "us-east-1", c.region)
}
