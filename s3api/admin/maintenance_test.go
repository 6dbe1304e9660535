package admin_test

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

func TestMaintenanceEndpoints(t *testing.T) {
	e := newEnv(t)
	ak, sk := e.node.RootCredentials()
	s3c := e.s3Client(ak, sk)
	_, err := s3c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String("maint")})
	require.NoError(t, err)
	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	_, err = s3c.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("maint"), Key: aws.String("k"), Body: bytes.NewReader(data)})
	require.NoError(t, err)

	gc, err := e.root.RunGC(e.ctx, true)
	require.NoError(t, err)
	require.True(t, gc.DryRun)
	require.Zero(t, gc.BlocksRemoved, "a live object's blocks are not candidates")
	st, err := e.root.GC(e.ctx)
	require.NoError(t, err)
	require.Equal(t, gc.Start.UTC(), st.Last.Start.UTC())
	require.Zero(t, st.Totals.Runs, "dry runs are not in the totals")

	sc, err := e.root.RunScrub(e.ctx, true)
	require.NoError(t, err)
	require.True(t, sc.DryRun)
	require.GreaterOrEqual(t, sc.Checked, 3)
	require.Zero(t, sc.Corrupt)
	sc, err = e.root.RunScrub(e.ctx, false)
	require.NoError(t, err)
	require.False(t, sc.DryRun)
	ss, err := e.root.Scrub(e.ctx)
	require.NoError(t, err)
	require.Equal(t, sc.Checked, ss.Last.Checked)
	require.Equal(t, sc.Checked, ss.Totals.Checked, "dry runs are not in the totals")

	// Read-only users may look but not run.
	ro, _ := e.user("viewer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:GetCluster","Resource":"*"}]}`)
	_, err = ro.GC(e.ctx)
	require.NoError(t, err)
	_, err = ro.RunGC(e.ctx, true)
	var apiErr *client.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "AccessDenied", string(apiErr.Code))

	status, _, body := e.raw("POST", admin.Prefix+"/maintenance/gc?dry-run=maybe", "", true, emptySHA256)
	require.Equal(t, 400, status, string(body))
	require.Contains(t, string(body), "InvalidRequest")
}
