package s3xml

import "encoding/xml"

// LifecycleConfigurationInput is the body of PutBucketLifecycleConfiguration, in any
// namespace. Elements are pointers so that a missing element is told apart from an
// empty one; Transitions are decoded only to be refused.
type LifecycleConfigurationInput struct {
	XMLName xml.Name             `xml:"LifecycleConfiguration"`
	Rules   []LifecycleRuleInput `xml:"Rule"`
}

// LifecycleRuleInput is one Rule of a LifecycleConfigurationInput.
type LifecycleRuleInput struct {
	ID                             *string                     `xml:"ID"`
	Status                         *string                     `xml:"Status"`
	Prefix                         *string                     `xml:"Prefix"`
	Filter                         *LifecycleFilterInput       `xml:"Filter"`
	Expiration                     *LifecycleExpirationInput   `xml:"Expiration"`
	NoncurrentVersionExpiration    *NoncurrentExpirationInput  `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *AbortIncompleteUploadInput `xml:"AbortIncompleteMultipartUpload"`
	Transitions                    []struct{}                  `xml:"Transition"`
	NoncurrentVersionTransitions   []struct{}                  `xml:"NoncurrentVersionTransition"`
}

// LifecycleFilterInput is a rule's Filter: at most one condition, or an And.
type LifecycleFilterInput struct {
	Prefix                *string            `xml:"Prefix"`
	Tags                  []TagInput         `xml:"Tag"`
	ObjectSizeGreaterThan *string            `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *string            `xml:"ObjectSizeLessThan"`
	And                   *LifecycleAndInput `xml:"And"`
}

// LifecycleAndInput is a Filter's And: every condition must hold.
type LifecycleAndInput struct {
	Prefix                *string    `xml:"Prefix"`
	Tags                  []TagInput `xml:"Tag"`
	ObjectSizeGreaterThan *string    `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *string    `xml:"ObjectSizeLessThan"`
}

// LifecycleExpirationInput is a rule's Expiration.
type LifecycleExpirationInput struct {
	Days                      *string `xml:"Days"`
	Date                      *string `xml:"Date"`
	ExpiredObjectDeleteMarker *string `xml:"ExpiredObjectDeleteMarker"`
}

// NoncurrentExpirationInput is a rule's NoncurrentVersionExpiration.
type NoncurrentExpirationInput struct {
	NoncurrentDays          *string `xml:"NoncurrentDays"`
	NewerNoncurrentVersions *string `xml:"NewerNoncurrentVersions"`
}

// AbortIncompleteUploadInput is a rule's AbortIncompleteMultipartUpload.
type AbortIncompleteUploadInput struct {
	DaysAfterInitiation *string `xml:"DaysAfterInitiation"`
}

// LifecycleConfiguration answers GetBucketLifecycleConfiguration.
type LifecycleConfiguration struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LifecycleConfiguration"`
	Rules   []LifecycleRule `xml:"Rule"`
}

// LifecycleRule is one rule of a LifecycleConfiguration. Prefix is the legacy
// top-level prefix, given only when the rule was put that way.
type LifecycleRule struct {
	ID                             string                 `xml:"ID,omitempty"`
	Prefix                         *string                `xml:"Prefix"`
	Filter                         *LifecycleFilter       `xml:"Filter"`
	Status                         string                 `xml:"Status"`
	Expiration                     *LifecycleExpiration   `xml:"Expiration"`
	NoncurrentVersionExpiration    *NoncurrentExpiration  `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *AbortIncompleteUpload `xml:"AbortIncompleteMultipartUpload"`
}

// LifecycleFilter is a rule's Filter in an answer.
type LifecycleFilter struct {
	Prefix                *string       `xml:"Prefix"`
	Tag                   *Tag          `xml:"Tag"`
	ObjectSizeGreaterThan int64         `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    int64         `xml:"ObjectSizeLessThan,omitempty"`
	And                   *LifecycleAnd `xml:"And"`
}

// LifecycleAnd is a Filter's And in an answer.
type LifecycleAnd struct {
	Prefix                *string `xml:"Prefix"`
	Tags                  []Tag   `xml:"Tag"`
	ObjectSizeGreaterThan int64   `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    int64   `xml:"ObjectSizeLessThan,omitempty"`
}

// LifecycleExpiration is a rule's Expiration in an answer.
type LifecycleExpiration struct {
	Days                      int    `xml:"Days,omitempty"`
	Date                      string `xml:"Date,omitempty"`
	ExpiredObjectDeleteMarker bool   `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

// NoncurrentExpiration is a rule's NoncurrentVersionExpiration in an answer.
type NoncurrentExpiration struct {
	NoncurrentDays          int `xml:"NoncurrentDays"`
	NewerNoncurrentVersions int `xml:"NewerNoncurrentVersions,omitempty"`
}

// AbortIncompleteUpload is a rule's AbortIncompleteMultipartUpload in an answer.
type AbortIncompleteUpload struct {
	DaysAfterInitiation int `xml:"DaysAfterInitiation"`
}
