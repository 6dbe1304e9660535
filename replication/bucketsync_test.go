package replication_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// bucketSettings is what bucket-level sync keeps in step, as a client reads it.
type bucketSettings struct {
	exists     bool
	versioning string
	lock       string
	lifecycle  string
	policy     string
	tags       string
	cors       string
	encryption string
}

func readBucketSettings(t *testing.T, c *s3.Client, bucket string) bucketSettings {
	t.Helper()
	ctx, b := t.Context(), aws.String(bucket)
	var s bucketSettings
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b}); err != nil {
		return s
	}
	s.exists = true
	if v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b}); err == nil {
		s.versioning = string(v.Status)
	}
	if l, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b}); err == nil && l.ObjectLockConfiguration != nil {
		data, _ := json.Marshal(l.ObjectLockConfiguration)
		s.lock = string(data)
	}
	if l, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}); err == nil {
		data, _ := json.Marshal(l.Rules)
		s.lifecycle = string(data)
	}
	if p, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b}); err == nil {
		s.policy = aws.ToString(p.Policy)
	}
	if tg, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); err == nil {
		s.tags = fmt.Sprint(tagMapOf(tg.TagSet))
	}
	if c, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); err == nil {
		data, _ := json.Marshal(c.CORSRules)
		s.cors = string(data)
	}
	if e, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b}); err == nil && e.ServerSideEncryptionConfiguration != nil {
		data, _ := json.Marshal(e.ServerSideEncryptionConfiguration.Rules)
		s.encryption = string(data)
	}
	return s
}

// TestBucketLevelSync: a rule with syncBucket makes its target bucket on the other
// Cairn site (with object lock when the source has it) and keeps its versioning,
// object lock configuration, lifecycle, policy (renamed to the target bucket),
// tags, CORS rules and default encryption the source's, through changes and removals; objects are delivered into it.
// A rule without it leaves a missing target bucket missing.
func TestBucketLevelSync(t *testing.T) {
	ctx := t.Context()
	fast := func(c *node.Config) {
		c.Timings.SiteSync = 50 * time.Millisecond
		c.Timings.SiteSyncBucketInterval = 100 * time.Millisecond
	}
	a, b := nodetest.Start(t, fast), nodetest.Start(t)
	as, bs := s3Client(a), s3Client(b)
	u, err := url.Parse(b.S3URL())
	require.NoError(t, err)
	ak, sk := b.RootCredentials()
	m := a.Meta()
	_, err = m.CreateConnection(ctx, meta.ConnectionInput{Name: "peer", Endpoint: "http://" + ak + ":" + sk + "@" + u.Host})
	require.NoError(t, err)

	_, err = as.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = as.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("docs"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	_, err = as.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("docs"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}}})
	require.NoError(t, err)
	_, err = as.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("docs"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{ID: aws.String("tmp"),
			Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(3)}}}}})
	require.NoError(t, err)
	_, err = as.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("docs"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::docs/public/*"}]}`)})
	require.NoError(t, err)
	_, err = as.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("docs"), CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://app.example"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)}}}})
	require.NoError(t, err)
	_, err = as.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("docs"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}}}}})
	require.NoError(t, err)
	_, err = as.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vault"), ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
	_, err = as.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("vault"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(2)}}}})
	require.NoError(t, err)
	_, err = as.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain")})
	require.NoError(t, err)

	for src, dst := range map[string]string{"docs": "docs-eu", "vault": "vault-eu"} {
		_, err = m.CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: src, ID: "eu", Connection: "peer", TargetBucket: dst,
			Mode: meta.ModeNewOnly, SyncBucket: true})
		require.NoError(t, err)
	}
	_, err = m.CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "plain", ID: "eu", Connection: "peer", TargetBucket: "plain-eu",
		Mode: meta.ModeNewOnly})
	require.NoError(t, err)

	// want is the source's settings as the target should show them.
	want := func(src string) bucketSettings {
		s := readBucketSettings(t, as, src)
		s.policy = strings.ReplaceAll(s.policy, "arn:aws:s3:::"+src+"/", "arn:aws:s3:::"+src+"-eu/")
		return s
	}
	matches := func(buckets ...string) func() bool {
		return func() bool {
			for _, src := range buckets {
				if readBucketSettings(t, bs, src+"-eu") != want(src) {
					return false
				}
			}
			return true
		}
	}
	nodetest.WaitFor(t, "the target buckets are made with the source's settings", matches("docs", "vault"))
	got := readBucketSettings(t, bs, "docs-eu")
	require.Equal(t, "Enabled", got.versioning)
	require.Contains(t, got.policy, "arn:aws:s3:::docs-eu/public/*")
	require.Equal(t, "map[team:ops]", got.tags)
	require.Contains(t, got.lifecycle, "tmp/")
	require.Contains(t, got.cors, "https://app.example")
	require.Contains(t, got.encryption, "AES256")
	require.Contains(t, readBucketSettings(t, bs, "vault-eu").lock, "GOVERNANCE")

	// Objects go into the bucket made.
	_, err = as.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("a.txt"), Body: strings.NewReader("a")})
	require.NoError(t, err)
	nodetest.WaitFor(t, "an object reaches the bucket made", func() bool {
		_, ok, err := read(ctx, bs, "docs-eu", "a.txt")
		return err == nil && ok
	})

	// Changes and removals follow.
	_, err = as.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("docs"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	require.NoError(t, err)
	_, err = as.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = as.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = as.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = as.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = as.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("docs"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("dev")}}}})
	require.NoError(t, err)
	_, err = as.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("vault"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Days: aws.Int32(1)}}}})
	require.NoError(t, err)
	nodetest.WaitFor(t, "the changes reach the target buckets", matches("docs", "vault"))
	got = readBucketSettings(t, bs, "docs-eu")
	require.Equal(t, bucketSettings{exists: true, versioning: "Suspended", tags: "map[team:dev]"}, got)
	require.Contains(t, readBucketSettings(t, bs, "vault-eu").lock, "COMPLIANCE")

	// Without syncBucket the missing target bucket stays missing (delivery fails,
	// and says so).
	_, err = as.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("plain"), Key: aws.String("x"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	nodetest.WaitFor(t, "the plain rule reports the missing bucket", func() bool {
		for _, s := range a.SiteSync().Status() {
			if s.Bucket == "plain" && s.Failures["NoSuchBucket"] > 0 {
				return true
			}
		}
		return false
	})
	require.False(t, readBucketSettings(t, bs, "plain-eu").exists)
	for _, s := range a.SiteSync().Status() {
		if s.Bucket != "plain" {
			require.Empty(t, s.Failures, "rule %s/%s: %s", s.Bucket, s.ID, s.LastError)
		}
	}
}

// TestBucketSyncRefusedDoesNotHoldObjectsBack: a target user who may write
// objects but not read or change bucket settings gets the objects all the same;
// the refusal is counted and shown, and tried again at the next comparison.
func TestBucketSyncRefusedDoesNotHoldObjectsBack(t *testing.T) {
	ctx := t.Context()
	a, b := newSite(t, false), newSite(t, false)
	_, err := a.s3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("shared"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}})
	require.NoError(t, err)
	k := b.user(t, "sync", syncPolicy)
	u, err := url.Parse(b.n.S3URL())
	require.NoError(t, err)
	m := a.n.Meta()
	_, err = m.CreateConnection(ctx, meta.ConnectionInput{Name: "peer", Endpoint: "http://" + k.ID + ":" + k.Secret + "@" + u.Host})
	require.NoError(t, err)
	_, err = m.CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "shared", ID: "to-peer", Connection: "peer",
		TargetBucket: "shared", Mode: meta.ModeNewOnly, SyncBucket: true})
	require.NoError(t, err)
	for i := range 3 {
		_, err = a.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(fmt.Sprint("k", i)), Body: strings.NewReader("v")})
		require.NoError(t, err)
	}
	nodetest.WaitFor(t, "the objects reach b", func() bool { return len(b.keys(t)) == 3 })
	st := a.status(t)
	require.Positive(t, st.Failures["AccessDenied"], "the refused bucket settings are not reported")
	require.Contains(t, st.LastError, "bucket shared")
	require.Empty(t, readBucketSettings(t, b.s3, "shared").tags)
}
