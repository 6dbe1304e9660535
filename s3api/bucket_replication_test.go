package s3api_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

func TestBucketReplicationMapsOntoSiteSyncRules(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("replicated")
	m := e.node.Meta()
	_, err := m.CreateConnection(e.ctx, meta.ConnectionInput{Name: "eu", Endpoint: "https://AK:SK@eu.example"})
	require.NoError(t, err)

	_, err = e.s3.GetBucketReplication(e.ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(b)})
	requireCode(t, err, "ReplicationConfigurationNotFoundError")

	put := func(c *s3.Client, cfg types.ReplicationConfiguration) error {
		_, err := c.PutBucketReplication(e.ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(b), ReplicationConfiguration: &cfg})
		return err
	}
	cfg := types.ReplicationConfiguration{
		Role: aws.String("arn:cairn:admin:::site/eu"),
		Rules: []types.ReplicationRule{
			{ID: aws.String("photos"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
				Filter:                    &types.ReplicationRuleFilter{Prefix: aws.String("photos/")},
				DeleteMarkerReplication:   &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusEnabled},
				ExistingObjectReplication: &types.ExistingObjectReplication{Status: types.ExistingObjectReplicationStatusEnabled},
				Destination:               &types.Destination{Bucket: aws.String("arn:aws:s3:::backup")}},
			{ID: aws.String("tagged"), Priority: aws.Int32(2), Status: types.ReplicationRuleStatusDisabled,
				Filter: &types.ReplicationRuleFilter{And: &types.ReplicationRuleAndOperator{Prefix: aws.String("docs/"),
					Tags: []types.Tag{{Key: aws.String("sync"), Value: aws.String("yes")}, {Key: aws.String("tier"), Value: aws.String("gold")}}}},
				DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
				Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::backup-docs")}},
		},
	}
	require.NoError(t, put(e.s3, cfg))

	rules, err := m.ReplicationRules(e.ctx, b)
	require.NoError(t, err)
	require.Len(t, rules, 2)
	require.Equal(t, meta.ReplicationRule{Bucket: b, ID: "photos", Connection: "eu", TargetBucket: "backup", Mode: meta.ModeAll,
		Prefix: "photos/", ReplicateDeletes: true, Since: rules[0].Since, CreatedAt: rules[0].CreatedAt, UpdatedAt: rules[0].UpdatedAt}, rules[0])
	require.Equal(t, meta.ModeNewOnly, rules[1].Mode)
	require.True(t, rules[1].Paused, "Status Disabled is a paused rule")
	require.Equal(t, map[string]string{"sync": "yes", "tier": "gold"}, rules[1].Tags)

	got, err := e.s3.GetBucketReplication(e.ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	rc := got.ReplicationConfiguration
	require.Equal(t, "arn:cairn:admin:::site/eu", aws.ToString(rc.Role))
	require.Len(t, rc.Rules, 2)
	require.Equal(t, "arn:aws:s3:::backup", aws.ToString(rc.Rules[0].Destination.Bucket))
	require.Equal(t, "photos/", aws.ToString(rc.Rules[0].Filter.Prefix))
	require.Equal(t, types.ExistingObjectReplicationStatusEnabled, rc.Rules[0].ExistingObjectReplication.Status)
	require.Equal(t, types.ReplicationRuleStatusDisabled, rc.Rules[1].Status)
	require.Len(t, rc.Rules[1].Filter.And.Tags, 2)

	// A user with only the bucket's replication permission may pause and resume,
	// and nothing more.
	owner, _ := e.user("owner", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:GetReplicationConfiguration","s3:PutReplicationConfiguration"],"Resource":"arn:aws:s3:::replicated"}]}`)
	cfg.Rules[0].Status = types.ReplicationRuleStatusDisabled
	cfg.Rules[1].Status = types.ReplicationRuleStatusEnabled
	require.NoError(t, put(owner, cfg))
	rules, err = m.ReplicationRules(e.ctx, b)
	require.NoError(t, err)
	require.True(t, rules[0].Paused)
	require.False(t, rules[1].Paused)
	cfg.Rules[0].Destination.Bucket = aws.String("arn:aws:s3:::elsewhere")
	requireCode(t, put(owner, cfg), "AccessDenied")
	_, err = owner.DeleteBucketReplication(e.ctx, &s3.DeleteBucketReplicationInput{Bucket: aws.String(b)})
	requireCode(t, err, "AccessDenied")

	// Bad configurations.
	bad := cfg
	bad.Role = aws.String("nowhere")
	requireCode(t, put(e.s3, bad), "InvalidRequest")
	bad = types.ReplicationConfiguration{Role: aws.String("eu"), Rules: []types.ReplicationRule{{ID: aws.String("x"), Status: types.ReplicationRuleStatusEnabled,
		Filter:      &types.ReplicationRuleFilter{Prefix: aws.String("a"), Tag: &types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
		Destination: &types.Destination{Bucket: aws.String("t")}}}}
	requireCode(t, put(e.s3, bad), "InvalidRequest")

	_, err = e.s3.DeleteBucketReplication(e.ctx, &s3.DeleteBucketReplicationInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	_, err = e.s3.GetBucketReplication(e.ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(b)})
	requireCode(t, err, "ReplicationConfigurationNotFoundError")
	_, err = e.s3.GetBucketReplication(e.ctx, &s3.GetBucketReplicationInput{Bucket: aws.String("nowhere")})
	requireCode(t, err, "NoSuchBucket")
}
