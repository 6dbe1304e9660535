package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealthcheckFollowsStatus(t *testing.T) {
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/health/ready", r.URL.Path)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	run := func() error {
		cmd := healthcheckCommand()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetArgs([]string{"--url", srv.URL + "/health/ready"})
		return cmd.ExecuteContext(context.Background())
	}
	require.ErrorContains(t, run(), "503")
	status = http.StatusOK
	require.NoError(t, run())
	srv.Close()
	require.Error(t, run(), "a node that does not answer is not ready")
}

func TestDefaultHealthURL(t *testing.T) {
	require.Equal(t, "http://127.0.0.1:9001/health/ready", defaultHealthURL(""))
	require.Equal(t, "http://127.0.0.1:19001/health/ready", defaultHealthURL(":19001"))
	require.Equal(t, "http://127.0.0.1:9101/health/ready", defaultHealthURL("0.0.0.0:9101"))
}
