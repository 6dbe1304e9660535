package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestMoveFolderAndMetadataInABrowser: in Chromium, root renames a folder of 105
// objects with its row's button and form (two batches, driven by the page's script)
// and the folder page then lists the new name only; moves it to another bucket chosen
// in the form, after which the folder is gone from the page and in that bucket; then
// edits an object's Cache-Control and
// metadata with the object page's form, which shows them after saving.
func TestMoveFolderAndMetadataInABrowser(t *testing.T) {
	ctx := newChrome(t)
	e := newEnv(t)
	bg := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = cl.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("archive")})
	require.NoError(t, err)
	for i := 0; i < 105; i++ {
		k := fmt.Sprintf("src/f%03d.txt", i)
		_, err = cl.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String(k), Body: strings.NewReader(k)})
		require.NoError(t, err)
	}
	ak, sk := e.n.RootCredentials()
	do := stepper(t, ctx)
	do(signInSteps(e.base+"/b/docs/", ak, sk, `tr[data-key="src/"] button.move-folder`)...)
	do(chromedp.Click(chromedp.CSS(`tr[data-key="src/"] button.move-folder`)),
		chromedp.WaitReady(chromedp.CSS(`#move-to-bucket option[value="archive"]`)), chromedp.WaitVisible(chromedp.CSS("#move-folder-form")))
	require.Equal(t, "docs", eval[string](t, ctx, `document.getElementById('move-to-bucket').value`), "this bucket is chosen first")
	do(chromedp.SetValue(chromedp.CSS("#move-to-prefix"), "dst"),
		chromedp.Click(chromedp.CSS("#move-folder-go")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="dst/"]`)))
	require.False(t, eval[bool](t, ctx, `!!document.querySelector('tr[data-key="src/"]')`), "the old folder is gone from the page")
	require.Len(t, e.keys(t, "docs", "dst/"), 105)
	require.Empty(t, e.keys(t, "docs", "src/"))

	// To another bucket, chosen in the form.
	do(chromedp.Click(chromedp.CSS(`tr[data-key="dst/"] button.move-folder`)),
		chromedp.WaitReady(chromedp.CSS(`#move-to-bucket option[value="archive"]`)), chromedp.WaitVisible(chromedp.CSS("#move-folder-form")),
		chromedp.SetValue(chromedp.CSS("#move-to-bucket"), "archive"),
		chromedp.SetValue(chromedp.CSS("#move-to-prefix"), "2026/dst/"),
		chromedp.Click(chromedp.CSS("#move-folder-go")),
		chromedp.WaitVisible(chromedp.CSS(`#move-status`)),
		chromedp.WaitNotPresent(chromedp.CSS(`tr[data-key="dst/"]`)))
	require.Len(t, e.keys(t, "archive", "2026/dst/"), 105)
	require.Empty(t, e.keys(t, "docs", "dst/"))
	require.Equal(t, "src/f042.txt", e.get(t, "archive", "2026/dst/f042.txt"))
	do(chromedp.Navigate(e.base+"/b/archive/2026/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-key="2026/dst/"]`)))

	do(chromedp.Navigate(e.base+"/o/archive/2026/dst/f007.txt"), chromedp.WaitVisible(chromedp.CSS("#props")))
	eval[bool](t, ctx, `document.querySelectorAll('details').forEach(d => d.open = true); true`)
	do(chromedp.SetValue(chromedp.CSS("#meta-cache-control"), "no-cache"),
		chromedp.SetValue(chromedp.CSS("#meta-edit"), "reviewed=yes"),
		chromedp.Click(chromedp.CSS("#meta-save")),
		chromedp.WaitVisible(chromedp.CSS("#cache-control")))
	require.Equal(t, "no-cache", eval[string](t, ctx, `document.getElementById('cache-control').textContent`))
	require.Contains(t, eval[string](t, ctx, `document.getElementById('metadata').innerText`), "yes")
	head, err := cl.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("archive"), Key: aws.String("2026/dst/f007.txt")})
	require.NoError(t, err)
	require.Equal(t, "no-cache", aws.ToString(head.CacheControl))
	require.Equal(t, map[string]string{"reviewed": "yes"}, head.Metadata)
}
