package console_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestSiteSyncPageInABrowser: in Chromium, root adds a connection and a rule with
// the site sync page's forms, pauses and resumes the rule with its button, and
// edits the rule with its form (filled in from the rule); the page shows each
// state, and never the secret typed (the connection's form shows it as set).
func TestSiteSyncPageInABrowser(t *testing.T) {
	ctx := newChrome(t)
	e := newEnv(t)
	ak, sk := e.n.RootCredentials()
	do := stepper(t, ctx)
	do(signInSteps(e.base+"/buckets", ak, sk, "#who")...)
	do(chromedp.SendKeys(chromedp.CSS("#bucket-name"), "photos"),
		chromedp.Submit(chromedp.CSS("#bucket-name")),
		chromedp.WaitVisible(chromedp.CSS("#folder")))

	const secret = "typed-secret-0123456789"
	do(chromedp.Navigate(e.base+"/sync"), chromedp.WaitVisible(chromedp.CSS("#create-connection")),
		chromedp.SendKeys(chromedp.CSS(`#create-connection input[name="name"]`), "eu"),
		chromedp.SendKeys(chromedp.CSS(`#create-connection input[name="endpoint"]`), "http://127.0.0.1:1"),
		chromedp.SendKeys(chromedp.CSS(`#create-connection input[name="accessKey"]`), "AKEU"),
		chromedp.SendKeys(chromedp.CSS(`#create-connection input[name="secretKey"]`), secret),
		chromedp.Submit(chromedp.CSS(`#create-connection input[name="name"]`)),
		chromedp.WaitReady(chromedp.CSS(`#create-rule select[name="connection"] option`)))
	do(chromedp.SendKeys(chromedp.CSS(`#create-rule input[name="bucket"]`), "photos"),
		chromedp.SendKeys(chromedp.CSS(`#create-rule input[name="id"]`), "to-eu"),
		chromedp.SendKeys(chromedp.CSS(`#create-rule input[name="targetBucket"]`), "photos-eu"),
		chromedp.Submit(chromedp.CSS(`#create-rule input[name="bucket"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-rule="photos/to-eu"]`)))
	text := eval[string](t, ctx, `document.querySelector('tr[data-rule="photos/to-eu"]').innerText`)
	require.Contains(t, text, "active")
	require.NotContains(t, eval[string](t, ctx, `document.documentElement.outerHTML`), secret)

	do(chromedp.Click(chromedp.CSS(`tr[data-rule="photos/to-eu"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/sync/rules/photos/to-eu/resume"] button`)))
	require.Contains(t, eval[string](t, ctx, `document.querySelector('tr[data-rule="photos/to-eu"]').innerText`), "paused")
	r, err := e.adminClient(t).ReplicationRule(context.Background(), "photos", "to-eu")
	require.NoError(t, err)
	require.True(t, r.Paused)
	do(chromedp.Click(chromedp.CSS(`tr[data-rule="photos/to-eu"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/sync/rules/photos/to-eu/pause"] button`)))
	require.Contains(t, eval[string](t, ctx, `document.querySelector('tr[data-rule="photos/to-eu"]').innerText`), "active")

	do(chromedp.Click(chromedp.CSS(`tr[data-rule="photos/to-eu"] a.edit-rule`)),
		chromedp.WaitVisible(chromedp.CSS(`#rule-form`)))
	require.Equal(t, "photos-eu", eval[string](t, ctx, `document.querySelector('#rule-form input[name="targetBucket"]').value`))
	do(chromedp.SetValue(chromedp.CSS(`#rule-form input[name="targetBucket"]`), "photos-archive"),
		chromedp.SendKeys(chromedp.CSS(`#rule-form textarea[name="tags"]`), "class=gold"),
		chromedp.Click(chromedp.CSS(`#rule-form input[name="replicateDeletes"]`)),
		chromedp.Submit(chromedp.CSS(`#rule-form input[name="targetBucket"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-rule="photos/to-eu"]`)))
	text = eval[string](t, ctx, `document.querySelector('tr[data-rule="photos/to-eu"]').innerText`)
	require.Contains(t, text, "photos-archive")
	require.Contains(t, text, "class=gold")
	r, err = e.adminClient(t).ReplicationRule(context.Background(), "photos", "to-eu")
	require.NoError(t, err)
	require.True(t, r.ReplicateDeletes)
	require.Equal(t, map[string]string{"class": "gold"}, r.Tags)
	require.NotContains(t, eval[string](t, ctx, `document.documentElement.outerHTML`), secret)

	// The connection's form shows its secret only as set.
	do(chromedp.Navigate(e.base+"/sync/connections/eu"), chromedp.WaitVisible(chromedp.CSS(`#secret-set`)))
	require.Equal(t, "AKEU", eval[string](t, ctx, `document.querySelector('#connection-form input[name="accessKey"]').value`))
	require.Empty(t, eval[string](t, ctx, `document.querySelector('#connection-form input[name="secretKey"]').value`))
	require.NotContains(t, eval[string](t, ctx, `document.documentElement.outerHTML`), secret)
}
