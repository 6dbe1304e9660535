package console_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/s3api/admin"
)

// chromium returns the path of a Chromium to drive: $CAIRN_CHROMIUM, else the first
// of chromium, chromium-browser, google-chrome on PATH; "" if there is none.
func chromium() string {
	if p := os.Getenv("CAIRN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newChrome starts a headless Chromium for the test and returns a tab's context.
// Every JavaScript dialog (confirm) is accepted; prompt is not used by the flow.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		t.Skip("SKIP browser tests: no Chromium found (install Debian's chromium, or set CAIRN_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 860),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx)) // start the browser now, bound to no timeout
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// eval runs script in the page and returns its result, waiting for a promise.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	return v
}

// stepper returns a function that runs browser steps, each batch within 30 seconds,
// and on a failure ends the test showing where the page was and what it said.
func stepper(t *testing.T, ctx context.Context) func(steps ...chromedp.Action[chromedp.Void]) {
	return func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
			t.Fatalf("browser step failed: %v\npage: %s", err, where)
		}
	}
}

// signInSteps signs in with the sign-in page that opening url leads to; doneCSS is what
// to wait for after.
func signInSteps(url, key, secret, doneCSS string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#access-key"), key),
		chromedp.SendKeys(chromedp.CSS("#secret-key"), secret),
		chromedp.Click(chromedp.CSS("#sign-in")), chromedp.WaitVisible(chromedp.CSS(doneCSS))}
}

// media sets the emulated prefers-color-scheme ("" for the system's).
func media(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	var f []*emulation.MediaFeature
	if scheme != "" {
		f = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
	}
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: f})
	require.NoError(t, err)
}

// throttleUploads limits the page's upload rate to upload bytes a second through
// the DevTools protocol (0: no limit).
func throttleUploads(t *testing.T, ctx context.Context, upload float64) {
	t.Helper()
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	var rules []*network.Conditions
	if upload > 0 {
		rules = []*network.Conditions{{UploadThroughput: upload, DownloadThroughput: -1}}
	}
	_, err = chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules})
	require.NoError(t, err)
}

// sha256In is script that fetches path in the page and resolves to the hex SHA-256
// of the bytes it got.
func sha256In(path string) string {
	return fmt.Sprintf(`fetch(%q).then(r => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.arrayBuffer(); })
		.then(b => crypto.subtle.digest('SHA-256', b))
		.then(h => Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, '0')).join(''))`, path)
}

// forge is script that sends a state-changing request with the page's own CSRF
// token, as a user would who forges what the page does not offer; it resolves to
// "status code".
func forge(path, body string) string {
	return fmt.Sprintf(`fetch(%q, {method: 'POST', headers: {'Content-Type': 'application/json',
		'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content}, body: %q})
		.then(r => r.json().then(j => r.status + ' ' + (j.code || '')))`, path, body)
}

// TestBrowserFlow drives the console in a real Chromium: sign in, create a bucket,
// upload a small file, a non-ASCII name and a 64 MiB file (multipart from the
// browser through presigned part URLs) into a new folder, navigate the folders by
// the breadcrumbs, search the non-ASCII name as typed differently, download and
// compare bytes, create a share link and fetch it anonymously, delete; sign out and
// find the session ended; then a read-only user sees no upload or delete controls
// and is refused when it forges the requests. With CAIRN_CONSOLE_SCREENSHOTS=1 it
// saves screenshots of the main pages, light and dark, to docs/console-*.png.
func TestBrowserFlow(t *testing.T) {
	ctx := newChrome(t)
	e := newEnv(t)
	ak, sk := e.n.RootCredentials()
	dir := t.TempDir()
	small := []byte("hello from the console\n")
	big := make([]byte, 64<<20)
	_, _ = rand.Read(big)
	unicodeName := "Ünïcödé café.txt"
	files := map[string][]byte{"hello.txt": small, "big.bin": big, unicodeName: []byte("accents\n")}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		paths = append(paths, p)
	}
	shots := os.Getenv("CAIRN_CONSOLE_SCREENSHOTS") != ""
	shoot := func(name string) {
		if !shots {
			return
		}
		for _, theme := range []string{"light", "dark"} {
			media(t, ctx, theme)
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "console-"+name+"-"+theme+".png"), png, 0o644))
		}
		media(t, ctx, "")
	}
	// do runs steps, each batch within 30 seconds; on a failure it shows where the
	// page was and what it said.
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
			t.Fatalf("browser step failed: %v\npage: %s", err, where)
		}
	}
	signIn := func(key, secret string) {
		do(chromedp.Navigate(e.base+"/buckets"),
			chromedp.WaitVisible(chromedp.CSS("#login-form")),
			chromedp.SendKeys(chromedp.CSS("#access-key"), key),
			chromedp.SendKeys(chromedp.CSS("#secret-key"), secret))
		shoot("login")
		do(chromedp.Click(chromedp.CSS("#sign-in")), chromedp.WaitVisible(chromedp.CSS("#who")))
	}

	// Sign in; no credential is in the browser's storage or readable cookies.
	signIn(ak, sk)
	stored := eval[string](t, ctx, `JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie`)
	require.NotContains(t, stored, sk)
	require.NotContains(t, stored, "cairn_console", "the session cookie is HttpOnly")

	// Create a bucket.
	do(chromedp.SendKeys(chromedp.CSS("#bucket-name"), "photos"),
		chromedp.Submit(chromedp.CSS("#bucket-name")),
		chromedp.WaitVisible(chromedp.CSS("#folder")))

	// Upload three files into a folder that does not exist yet; the page reloads
	// once every upload is done.
	start := time.Now()
	do(chromedp.Navigate(e.base+"/b/photos/trips/"),
		chromedp.WaitVisible(chromedp.CSS("#dropzone")),
		chromedp.SetUploadFiles(chromedp.CSS("#file-input"), paths),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/big.bin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/hello.txt"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/`+unicodeName+`"]`)))
	t.Logf("uploaded 64 MiB and two small files from the browser in %v", time.Since(start).Round(time.Millisecond))
	head, err := e.s3().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String("trips/big.bin")})
	require.NoError(t, err)
	require.Equal(t, int64(len(big)), aws.ToInt64(head.ContentLength))
	require.True(t, strings.HasSuffix(aws.ToString(head.ETag), `-8"`), "a multipart upload of 8 parts: %s", aws.ToString(head.ETag))
	shoot("folder")

	// Drag and drop: a file dropped on the page is uploaded into the folder.
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(['dropped bytes'], 'dropped.txt', {type: 'text/plain'}));
		document.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`)))
	do(chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/dropped.txt"]`)))
	require.Equal(t, "dropped bytes", e.get(t, "photos", "trips/dropped.txt"))

	// Cancel: a 64 MiB upload, throttled to 4 MiB/s, is cancelled once under way;
	// neither the object nor the multipart upload is left behind.
	slow := filepath.Join(dir, "slow.bin")
	require.NoError(t, os.WriteFile(slow, big, 0o600))
	throttle := func(upload float64) { throttleUploads(t, ctx, upload) }
	throttle(4 << 20)
	const slowRow = `[...document.querySelectorAll('#uploads li')].find(l => l.textContent.includes('slow.bin'))`
	do(chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{slow}))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(r => r && r.querySelector('progress').value > 0 ? true : null)(`+slowRow+`)`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	do(chromedp.Evaluate[chromedp.Void](slowRow + `.querySelector('button').click()`))
	state, err := chromedp.Run(ctx, chromedp.Poll[string](`(t => t.includes('cancelled') ? t : null)(`+slowRow+`.querySelector('.up-state').textContent)`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)
	require.Equal(t, "cancelled", state)
	throttle(0)
	_, err = e.s3().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String("trips/slow.bin")})
	require.ErrorContains(t, err, "NotFound")
	ups, err := e.s3().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("photos")})
	require.NoError(t, err)
	require.Empty(t, ups.Uploads, "the cancelled multipart upload was aborted")

	// Navigate: up by the breadcrumbs, down by the folder's link.
	do(chromedp.Click(chromedp.Search(`//nav[contains(@class,"crumbs")]/a[text()="photos"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.folder[href="/b/photos/trips/"]`)),
		chromedp.Click(chromedp.CSS(`a.folder[href="/b/photos/trips/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/hello.txt"]`)))
	crumbText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("nav.crumbs")))
	require.NoError(t, err)
	require.Equal(t, "Buckets/photos/trips", strings.ReplaceAll(crumbText, " ", ""))

	// Search the non-ASCII name, typed in capitals with a decomposed accent, from the
	// bucket's top.
	do(chromedp.Navigate(e.base+"/b/photos/"),
		chromedp.SetValue(chromedp.CSS("#search-q"), "ÜNÏCÖDÉ CAFE\u0301"),
		chromedp.Submit(chromedp.CSS("#search-q")),
		chromedp.WaitVisible(chromedp.CSS("#search-summary")))
	found, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#results tbody")))
	require.NoError(t, err)
	require.Contains(t, found, "trips/"+unicodeName)
	require.NotContains(t, found, "hello.txt")
	shoot("search")

	// The object's page: details and a text preview the page fetched.
	do(chromedp.Click(chromedp.CSS("#results a.object")), chromedp.WaitVisible(chromedp.CSS("#props")))
	preview, err := chromedp.Run(ctx, chromedp.Poll[string](`(t => t.includes('accents') ? t : null)(document.getElementById('preview-text').textContent)`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	require.Equal(t, "accents\n", preview)
	eval[bool](t, ctx, `document.getElementById('meta-form').open = true`)
	do(chromedp.WaitVisible(chromedp.CSS("#meta-save")))
	shoot("object")

	// Download the big file in the page and compare its bytes.
	do(chromedp.Navigate(e.base+"/b/photos/trips/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/big.bin"]`)))
	sum := eval[string](t, ctx, sha256In("/dl/photos/trips/big.bin"))
	want := sha256.Sum256(big)
	require.Equal(t, hex.EncodeToString(want[:]), sum)

	// A share link, fetched with no session and no credentials.
	do(chromedp.Click(chromedp.CSS(`tr[data-key="trips/hello.txt"] button.share`)),
		chromedp.WaitVisible(chromedp.CSS("#share-dialog")),
		chromedp.SetValue(chromedp.CSS("#share-expiry"), "604800"),
		chromedp.Click(chromedp.CSS("#share-create")))
	link, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById('share-url').value || null`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(link, e.base+"/s3/photos/trips/hello.txt?"), link)
	require.Contains(t, link, "X-Amz-Expires=604800")
	require.Equal(t, string(small), fetch(t, link, nil))
	shoot("share")
	do(chromedp.Click(chromedp.CSS(`#share-dialog button[value="close"]`)))

	// Delete the small file (the confirm dialog is accepted).
	do(chromedp.Click(chromedp.CSS(`tr[data-key="trips/hello.txt"] input.sel`)),
		chromedp.Click(chromedp.CSS("#delete-selected")),
		chromedp.WaitNotPresent(chromedp.CSS(`tr[data-key="trips/hello.txt"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/big.bin"]`)))
	_, err = e.s3().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String("trips/hello.txt")})
	require.ErrorContains(t, err, "NotFound")

	// The folder's move form, with its bucket choice (moves are tested in
	// move_browser_test.go); cancelled.
	_, err = e.s3().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("archive")})
	require.NoError(t, err)
	do(chromedp.Navigate(e.base+"/b/photos/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/"] button.move-folder`)),
		chromedp.Click(chromedp.CSS(`tr[data-key="trips/"] button.move-folder`)),
		chromedp.WaitVisible(chromedp.CSS("#move-folder-form")))
	require.Equal(t, "photos", eval[string](t, ctx, `document.getElementById('move-to-bucket').value`))
	shoot("move")
	do(chromedp.Click(chromedp.CSS("#move-folder-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#move-folder-form")))

	do(chromedp.Navigate(e.base+"/buckets"), chromedp.WaitVisible(chromedp.CSS("#who")))
	shoot("buckets")

	// At phone width (390 px) the folder and object pages fit: no sideways scrolling.
	_, err = chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true})
	require.NoError(t, err)
	for _, path := range []string{"/b/photos/trips/", "/o/photos/trips/big.bin", "/iam/users/reader"} {
		do(chromedp.Navigate(e.base+path), chromedp.WaitVisible(chromedp.CSS("#who")))
		overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`)
		require.LessOrEqual(t, overflow, 0, "%s is wider than a phone's screen", path)
	}
	do(chromedp.Navigate(e.base+"/b/photos/trips/"), chromedp.WaitVisible(chromedp.CSS("#who")))
	shoot("phone")
	_, err = chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
	require.NoError(t, err)

	// The administration pages render in the browser (their behaviour is tested over
	// HTTP in admin_test.go). The node has a capacity override, shown on the cluster
	// page, which its Clear button then clears.
	_, err = e.adminClient(t).SetNodeOverride(context.Background(), e.n.NodeID(), admin.NodeOverride{Capacity: aws.Uint64(2)})
	require.NoError(t, err)
	for _, p := range []struct{ path, sel, name string }{
		{"/settings/photos", "#loss", "settings"},
		{"/iam/users/reader", "#keys", "user"},
		{"/iam/policies/console-read-only", "#policy-check", "policy"},
		{"/cluster", "#nodes", "cluster"},
		{"/charts", "svg.chart", "metrics"},
		{"/audit", "#audit", "audit"},
		{"/usage", "#usage", "usage"},
	} {
		do(chromedp.Navigate(e.base+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)))
		shoot(p.name)
	}
	do(chromedp.Navigate(e.base+"/cluster"), chromedp.WaitVisible(chromedp.CSS("button.clear-override")),
		chromedp.Click(chromedp.CSS("button.clear-override")),
		// The page after the clear has no override, so no Clear button.
		chromedp.WaitNotPresent(chromedp.CSS("button.clear-override")),
		chromedp.WaitVisible(chromedp.CSS("#nodes td.override")))
	require.Equal(t, "none", eval[string](t, ctx, `document.querySelector('#nodes td.override').textContent`))
	nd, err := e.adminClient(t).Node(context.Background(), e.n.NodeID())
	require.NoError(t, err)
	require.Nil(t, nd.Override, "cleared by the page's button")
	// A layout change previewed: a node that would join, and what it would receive.
	do(chromedp.Navigate(e.base+"/cluster"), chromedp.WaitVisible(chromedp.CSS("#layout-form")),
		chromedp.SendKeys(chromedp.CSS("#layout-add-id"), "node2"),
		chromedp.Click(chromedp.CSS("#layout-preview")),
		chromedp.WaitVisible(chromedp.CSS("#layout-preview-result")))
	shoot("layout")
	do(chromedp.Navigate(e.base+"/iam/policies/console-read-only"), chromedp.WaitVisible(chromedp.CSS("#policy-check")))
	valid, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#policy-check")))
	require.NoError(t, err)
	require.Equal(t, "Valid JSON.", valid, "the editor checks the document as typed")
	do(chromedp.SendKeys(chromedp.CSS("#policy-doc"), "}"))
	invalid, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#policy-check")))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(invalid, "Not valid JSON"), invalid)

	// Sign out: the session is over on the server.
	do(chromedp.Click(chromedp.CSS("#sign-out")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	require.Equal(t, "401", eval[string](t, ctx, `fetch('/api/session').then(r => String(r.status))`))

	// The read-only user: no upload or delete controls, and forged requests refused.
	signIn(e.roKey, e.roSecret)
	do(chromedp.Navigate(e.base+"/b/photos/trips/"), chromedp.WaitVisible(chromedp.CSS(`tr[data-key="trips/big.bin"]`)))
	require.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#file-input, #dropzone, #delete-selected, #new-folder, input.sel').length`))
	require.Equal(t, "403 AccessDenied", eval[string](t, ctx, forge("/api/delete", `{"bucket":"photos","keys":["trips/big.bin"]}`)))
	require.Equal(t, "403 AccessDenied", eval[string](t, ctx, forge("/api/multipart/create", `{"bucket":"photos","key":"x","size":1}`)))
	require.Equal(t, "403", eval[string](t, ctx, `fetch('/api/presign', {method: 'POST', headers: {'Content-Type': 'application/json',
		'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content}, body: '{"method":"PUT","bucket":"photos","key":"trips/forged.txt"}'})
		.then(r => r.json()).then(p => fetch(p.path, {method: 'PUT', body: 'forged'})).then(r => String(r.status))`))
	require.Equal(t, sum, eval[string](t, ctx, sha256In("/dl/photos/trips/big.bin")), "the reader may read")
	out, err := e.s3().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("photos"), Key: aws.String("trips/big.bin")})
	require.NoError(t, err, "the forged delete did nothing")
	_ = out.Body.Close()
	require.False(t, bytes.Contains([]byte(strings.Join(e.auditLines(t, `"api":"console"`), "\n")), []byte(sk)), "no secret in the audit log")
}
