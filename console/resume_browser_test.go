package console_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBrowserResumeUpload: a 40 MiB upload (5 parts of 8 MiB), throttled, is cut by
// a page reload after some parts are stored; selecting the same file again offers to
// resume it, and resuming sends only the missing parts (the audit log has exactly 5
// stored UploadParts and one CreateMultipartUpload) and stores the file whole. The
// browser kept the upload id and the parts' ETags, and no secret; the record is gone
// once the upload completes.
func TestBrowserResumeUpload(t *testing.T) {
	ctx := newChrome(t)
	e := newEnv(t)
	ak, sk := e.n.RootCredentials()
	_, err := e.s3().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("resume")})
	require.NoError(t, err)
	data := make([]byte, 40<<20)
	_, _ = rand.Read(data)
	path := filepath.Join(t.TempDir(), "film.bin")
	require.NoError(t, os.WriteFile(path, data, 0o600))

	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
			t.Fatalf("browser step failed: %v\npage: %s", err, where)
		}
	}
	run(chromedp.Navigate(e.base+"/buckets"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#access-key"), ak),
		chromedp.SendKeys(chromedp.CSS("#secret-key"), sk),
		chromedp.Click(chromedp.CSS("#sign-in")), chromedp.WaitVisible(chromedp.CSS("#who")),
		chromedp.Navigate(e.base+"/b/resume/"), chromedp.WaitVisible(chromedp.CSS("#dropzone")))

	throttle := func(upload float64) { throttleUploads(t, ctx, upload) }
	throttle(4 << 20)
	stored := func() int { return len(e.auditLines(t, `"action":"UploadPart"`, `"status":200`)) }

	// Start, and reload once at least two parts are stored but not all.
	run(chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{path}))
	const record = `(() => { for (const k of Object.keys(localStorage)) if (k.startsWith('cairn-upload:')) return localStorage.getItem(k); return null; })()`
	_, err = chromedp.Run(ctx, chromedp.Poll[string](`(r => r && Object.keys(JSON.parse(r).parts).length >= 2 ? r : null)(`+record+`)`, chromedp.WithPollingTimeout(60*time.Second)))
	require.NoError(t, err)
	saved, err := chromedp.Run(ctx, chromedp.Evaluate[string](record))
	require.NoError(t, err)
	require.Contains(t, saved, `"uploadId"`)
	require.NotContains(t, saved, sk)
	require.NotContains(t, saved, "X-Amz-Signature", "no URL is kept")
	run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#dropzone")))
	throttle(0)
	before := stored()
	require.GreaterOrEqual(t, before, 2)
	require.Less(t, before, 5, "the reload cut the upload short")

	// The same file again: the page offers to resume; resuming completes it.
	run(chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{path}),
		chromedp.WaitVisible(chromedp.CSS("#uploads li button.resume")),
		chromedp.Click(chromedp.CSS("#uploads li button.resume")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="film.bin"]`)))
	require.Equal(t, 5, stored(), "only the missing parts were sent")
	require.Len(t, e.auditLines(t, `"action":"CreateMultipartUpload"`, `"status":200`), 1, "the same upload was resumed")
	out, err := e.s3().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("resume"), Key: aws.String("film.bin")})
	require.NoError(t, err)
	got, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	want := sha256.Sum256(data)
	have := sha256.Sum256(got)
	require.Equal(t, hex.EncodeToString(want[:]), hex.EncodeToString(have[:]))
	require.True(t, strings.HasSuffix(aws.ToString(out.ETag), `-5"`), aws.ToString(out.ETag))
	left, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(Object.keys(localStorage).filter(k => k.startsWith('cairn-upload:')))`))
	require.NoError(t, err)
	require.Equal(t, "[]", left, "the record is dropped once the upload completes")
}
