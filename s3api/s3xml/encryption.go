package s3xml

import "encoding/xml"

// ServerSideEncryptionConfiguration answers GetBucketEncryption.
type ServerSideEncryptionConfiguration struct {
	XMLName xml.Name                   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ServerSideEncryptionConfiguration"`
	Rules   []ServerSideEncryptionRule `xml:"Rule"`
}

// ServerSideEncryptionRule is the one rule of a bucket's default encryption.
type ServerSideEncryptionRule struct {
	ApplyServerSideEncryptionByDefault ApplyServerSideEncryptionByDefault `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled                   bool                               `xml:"BucketKeyEnabled"`
}

// ApplyServerSideEncryptionByDefault names the default algorithm.
type ApplyServerSideEncryptionByDefault struct {
	SSEAlgorithm string `xml:"SSEAlgorithm"`
}

// ServerSideEncryptionConfigurationInput is the body of PutBucketEncryption, in any
// namespace. Its elements are pointers so that a missing one is told apart from an
// empty one.
type ServerSideEncryptionConfigurationInput struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Rules   []struct {
		ApplyServerSideEncryptionByDefault *struct {
			SSEAlgorithm   *string `xml:"SSEAlgorithm"`
			KMSMasterKeyID *string `xml:"KMSMasterKeyID"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled *bool `xml:"BucketKeyEnabled"`
	} `xml:"Rule"`
}
