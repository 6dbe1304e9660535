package meta

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Site sync's commands: the replication family starts at 96.
const (
	CmdConnectionPut         CommandType = 96
	CmdConnectionDelete      CommandType = 97
	CmdReplicationRulePut    CommandType = 98
	CmdReplicationRuleDelete CommandType = 99
	CmdReplicationRulePause  CommandType = 100
	CmdReplicationRulesSet   CommandType = 101
)

var replicationCommandNames = map[CommandType]string{
	CmdConnectionPut:          "ConnectionPut",
	CmdConnectionDelete:       "ConnectionDelete",
	CmdReplicationRulePut:     "ReplicationRulePut",
	CmdReplicationRuleDelete:  "ReplicationRuleDelete",
	CmdReplicationRulePause:   "ReplicationRulePause",
	CmdReplicationRulesSet:    "ReplicationRulesSet",
	CmdReplicationProgressSet: "ReplicationProgressSet",
	CmdReplicationResync:      "ReplicationResync",
}

// ConnectionPut makes a connection (Create) or replaces one (not Create; its
// CreatedAt is kept). The proposer validates and seals: the record's secret is sealed
// under Config.SecretKey bound to the connection's name. Create of a name that is
// taken by another record is rejected with ErrConnectionExists, a replace of a name
// that is not with ErrNoSuchConnection; the same record again is a no-op (a retry).
type ConnectionPut struct {
	Record connectionRecord `json:"record"`
	Create bool             `json:"create"`
}

// ConnectionDelete removes a connection; ErrNoSuchConnection if there is none,
// ErrConnectionInUse while a rule replicates through it.
type ConnectionDelete struct {
	Name string `json:"name"`
}

// ReplicationRulePut makes (Create) or replaces a bucket's rule. The bucket and the
// connection must exist (ErrNoSuchBucket, ErrNoSuchConnection). As ConnectionPut:
// ErrReplicationRuleExists, ErrNoSuchReplicationRule, and a retry is a no-op. A
// replace keeps the rule's CreatedAt and Since.
type ReplicationRulePut struct {
	Rule   ReplicationRule `json:"rule"`
	Create bool            `json:"create"`
}

// ReplicationRuleDelete removes one rule; ErrNoSuchReplicationRule if there is none.
type ReplicationRuleDelete struct {
	Bucket string `json:"bucket"`
	ID     string `json:"id"`
}

// ReplicationRulesSet replaces every rule of a bucket with Rules at once (S3's
// PutBucketReplication; none is DeleteBucketReplication, and a no-op on a bucket
// without rules). Each rule must name Bucket, and the ids must be unique. A rule
// whose id the bucket had keeps its CreatedAt and Since. ErrNoSuchBucket,
// ErrNoSuchConnection; idempotent.
type ReplicationRulesSet struct {
	Bucket string            `json:"bucket"`
	Rules  []ReplicationRule `json:"rules,omitempty"`
}

// ReplicationRulePause pauses or resumes a rule; idempotent.
// ErrNoSuchReplicationRule if there is none.
type ReplicationRulePause struct {
	Bucket string `json:"bucket"`
	ID     string `json:"id"`
	Paused bool   `json:"paused"`
}

func (ConnectionPut) commandType() CommandType         { return CmdConnectionPut }
func (ConnectionDelete) commandType() CommandType      { return CmdConnectionDelete }
func (ReplicationRulePut) commandType() CommandType    { return CmdReplicationRulePut }
func (ReplicationRuleDelete) commandType() CommandType { return CmdReplicationRuleDelete }
func (ReplicationRulePause) commandType() CommandType  { return CmdReplicationRulePause }
func (ReplicationRulesSet) commandType() CommandType   { return CmdReplicationRulesSet }

func (f *fsm) applyConnectionPut(c *ConnectionPut) error {
	rec := c.Record
	if rec.Name == "" || rec.Endpoint == "" {
		return invalidf("a connection needs a name and an endpoint")
	}
	old, exists := f.st.Replication.Connections[rec.Name]
	switch {
	case exists && reflect.DeepEqual(old, rec):
		return nil // a retry
	case c.Create && exists:
		return fmt.Errorf("%w: %s", ErrConnectionExists, rec.Name)
	case !c.Create && !exists:
		return fmt.Errorf("%w: %s", ErrNoSuchConnection, rec.Name)
	case exists:
		rec.CreatedAt = old.CreatedAt
	}
	f.st.Replication.Connections[rec.Name] = rec
	return nil
}

func (f *fsm) applyConnectionDelete(c *ConnectionDelete) error {
	if _, ok := f.st.Replication.Connections[c.Name]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchConnection, c.Name)
	}
	for _, r := range f.st.Replication.Rules {
		if r.Connection == c.Name {
			return fmt.Errorf("%w: %s is used by rule %s of bucket %s", ErrConnectionInUse, c.Name, r.ID, r.Bucket)
		}
	}
	delete(f.st.Replication.Connections, c.Name)
	return nil
}

func (f *fsm) applyReplicationRulePut(c *ReplicationRulePut) error {
	r := c.Rule
	if err := checkRule(r); err != nil {
		return err
	}
	if _, ok := f.st.Buckets[r.Bucket]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, r.Bucket)
	}
	if _, ok := f.st.Replication.Connections[r.Connection]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchConnection, r.Connection)
	}
	key := ruleKey(r.Bucket, r.ID)
	old, exists := f.st.Replication.Rules[key]
	switch {
	case exists && reflect.DeepEqual(old, r):
		return nil
	case c.Create && exists:
		return fmt.Errorf("%w: %s of bucket %s", ErrReplicationRuleExists, r.ID, r.Bucket)
	case !c.Create && !exists:
		return fmt.Errorf("%w: %s of bucket %s", ErrNoSuchReplicationRule, r.ID, r.Bucket)
	case exists:
		r.CreatedAt, r.Since = old.CreatedAt, old.Since
	}
	f.st.Replication.Rules[key] = r
	return nil
}

func (f *fsm) applyReplicationRuleDelete(c *ReplicationRuleDelete) error {
	key := ruleKey(c.Bucket, c.ID)
	if _, ok := f.st.Replication.Rules[key]; !ok {
		return fmt.Errorf("%w: %s of bucket %s", ErrNoSuchReplicationRule, c.ID, c.Bucket)
	}
	delete(f.st.Replication.Rules, key)
	delete(f.st.Replication.Progress, key)
	return nil
}

func (f *fsm) applyReplicationRulesSet(c *ReplicationRulesSet) error {
	if len(c.Rules) == 0 {
		f.deleteBucketRules(c.Bucket)
		return nil
	}
	if _, ok := f.st.Buckets[c.Bucket]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	seen := map[string]bool{}
	for _, r := range c.Rules {
		if err := checkRule(r); err != nil {
			return err
		}
		switch {
		case r.Bucket != c.Bucket:
			return invalidf("rule %s is of bucket %s, not %s", r.ID, r.Bucket, c.Bucket)
		case seen[r.ID]:
			return invalidf("rule id %s is given twice", r.ID)
		}
		seen[r.ID] = true
		if _, ok := f.st.Replication.Connections[r.Connection]; !ok {
			return fmt.Errorf("%w: %s", ErrNoSuchConnection, r.Connection)
		}
	}
	old := map[string]ReplicationRule{}
	for k, r := range f.st.Replication.Rules {
		if r.Bucket == c.Bucket {
			old[r.ID] = r
			delete(f.st.Replication.Rules, k)
			if !slices.ContainsFunc(c.Rules, func(n ReplicationRule) bool { return n.ID == r.ID }) {
				delete(f.st.Replication.Progress, k)
			}
		}
	}
	for _, r := range c.Rules {
		if o, ok := old[r.ID]; ok {
			r.CreatedAt, r.Since = o.CreatedAt, o.Since
		}
		f.st.Replication.Rules[ruleKey(r.Bucket, r.ID)] = r
	}
	return nil
}

// deleteBucketRules removes every rule of bucket (with f.mu held).
func (f *fsm) deleteBucketRules(bucket string) {
	maps.DeleteFunc(f.st.Replication.Rules, func(k string, _ ReplicationRule) bool {
		return strings.HasPrefix(k, bucket+"\x00")
	})
	maps.DeleteFunc(f.st.Replication.Progress, func(k string, _ ReplicationProgress) bool {
		return strings.HasPrefix(k, bucket+"\x00")
	})
}

func (f *fsm) applyReplicationRulePause(c *ReplicationRulePause) error {
	key := ruleKey(c.Bucket, c.ID)
	r, ok := f.st.Replication.Rules[key]
	if !ok {
		return fmt.Errorf("%w: %s of bucket %s", ErrNoSuchReplicationRule, c.ID, c.Bucket)
	}
	r.Paused = c.Paused
	f.st.Replication.Rules[key] = r
	return nil
}
