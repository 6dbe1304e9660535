package s3api_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEmptyBodyWithExpectGetsContinue checks that a zero-length PUT that asks for
// "Expect: 100-continue" gets the interim response before the final one.
func TestEmptyBodyWithExpectGetsContinue(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("expect")
	req, _ := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"/empty", nil)
	req.Header.Set("Expect", "100-continue")
	e.sign(req, []byte{}, time.Now(), "")

	u, _ := url.Parse(e.node.S3URL())
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	var head strings.Builder
	head.WriteString("PUT " + req.URL.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Length: 0\r\n")
	require.NoError(t, req.Header.Write(&head))
	head.WriteString("\r\n")
	_, err = conn.Write([]byte(head.String()))
	require.NoError(t, err)
	reader := bufio.NewReader(conn)
	status, err := reader.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", status)
	for line := "x"; line != "\r\n"; { // the rest of the interim response
		line, err = reader.ReadString('\n')
		require.NoError(t, err)
	}
	resp, err := http.ReadResponse(reader, req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, e.get(b, "empty"))
}
