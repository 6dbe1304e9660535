package s3xml

import "encoding/xml"

// ReplicationConfiguration answers GetBucketReplication and, without its namespace,
// is the body of PutBucketReplication (ReplicationConfigurationInput).
type ReplicationConfiguration struct {
	XMLName xml.Name          `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ReplicationConfiguration"`
	Role    string            `xml:"Role"`
	Rules   []ReplicationRule `xml:"Rule"`
}

// ReplicationConfigurationInput is the body of PutBucketReplication, in any
// namespace.
type ReplicationConfigurationInput struct {
	XMLName xml.Name          `xml:"ReplicationConfiguration"`
	Role    string            `xml:"Role"`
	Rules   []ReplicationRule `xml:"Rule"`
}

// ReplicationRule is one Rule of a replication configuration. Prefix directly in the
// rule is the older (V1) form of Filter/Prefix.
type ReplicationRule struct {
	ID                        string             `xml:"ID,omitempty"`
	Priority                  *int               `xml:"Priority,omitempty"`
	Status                    string             `xml:"Status"`
	Prefix                    *string            `xml:"Prefix,omitempty"`
	Filter                    *ReplicationFilter `xml:"Filter,omitempty"`
	DeleteMarkerReplication   *StatusElement     `xml:"DeleteMarkerReplication,omitempty"`
	ExistingObjectReplication *StatusElement     `xml:"ExistingObjectReplication,omitempty"`
	Destination               *Destination       `xml:"Destination"`
}

// ReplicationFilter selects the objects a rule replicates: a prefix, one tag, or
// both kinds under And.
type ReplicationFilter struct {
	Prefix *string    `xml:"Prefix,omitempty"`
	Tag    *Tag       `xml:"Tag,omitempty"`
	And    *FilterAnd `xml:"And,omitempty"`
}

// FilterAnd is the And of a ReplicationFilter.
type FilterAnd struct {
	Prefix string `xml:"Prefix,omitempty"`
	Tags   []Tag  `xml:"Tag"`
}

// StatusElement is an element holding only a Status (Enabled or Disabled).
type StatusElement struct {
	Status string `xml:"Status"`
}

// Destination is where a rule replicates to: the target bucket's ARN.
type Destination struct {
	Bucket       string `xml:"Bucket"`
	StorageClass string `xml:"StorageClass,omitempty"`
	Account      string `xml:"Account,omitempty"`
}
