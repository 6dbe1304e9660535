package s3xml

import "encoding/xml"

// ObjectLockConfiguration answers GetObjectLockConfiguration.
type ObjectLockConfiguration struct {
	XMLName           xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ObjectLockConfiguration"`
	ObjectLockEnabled string          `xml:"ObjectLockEnabled,omitempty"`
	Rule              *ObjectLockRule `xml:"Rule,omitempty"`
}

// ObjectLockRule is a bucket's default retention.
type ObjectLockRule struct {
	DefaultRetention DefaultRetention `xml:"DefaultRetention"`
}

// DefaultRetention is the mode and the period (Days or Years) of a default retention.
type DefaultRetention struct {
	Mode  string `xml:"Mode"`
	Days  int    `xml:"Days,omitempty"`
	Years int    `xml:"Years,omitempty"`
}

// ObjectLockConfigurationInput is the body of PutObjectLockConfiguration, in any
// namespace. Its elements are pointers so that a missing one is told apart from an
// empty one.
type ObjectLockConfigurationInput struct {
	XMLName           xml.Name `xml:"ObjectLockConfiguration"`
	ObjectLockEnabled *string  `xml:"ObjectLockEnabled"`
	Rule              *struct {
		DefaultRetention *struct {
			Mode  *string `xml:"Mode"`
			Days  *string `xml:"Days"`
			Years *string `xml:"Years"`
		} `xml:"DefaultRetention"`
	} `xml:"Rule"`
}

// Retention answers GetObjectRetention.
type Retention struct {
	XMLName         xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Retention"`
	Mode            string   `xml:"Mode,omitempty"`
	RetainUntilDate string   `xml:"RetainUntilDate,omitempty"`
}

// RetentionInput is the body of PutObjectRetention, in any namespace.
type RetentionInput struct {
	XMLName         xml.Name `xml:"Retention"`
	Mode            *string  `xml:"Mode"`
	RetainUntilDate *string  `xml:"RetainUntilDate"`
}

// LegalHold answers GetObjectLegalHold.
type LegalHold struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LegalHold"`
	Status  string   `xml:"Status"`
}

// LegalHoldInput is the body of PutObjectLegalHold, in any namespace.
type LegalHoldInput struct {
	XMLName xml.Name `xml:"LegalHold"`
	Status  *string  `xml:"Status"`
}
