package s3xml

import "encoding/xml"

// CORSConfigurationInput is the body of PutBucketCors, in any namespace. MaxAgeSeconds
// is kept as text so that a value that is not a number is told apart.
type CORSConfigurationInput struct {
	XMLName xml.Name        `xml:"CORSConfiguration"`
	Rules   []CORSRuleInput `xml:"CORSRule"`
}

// CORSRuleInput is one CORSRule of a CORSConfigurationInput.
type CORSRuleInput struct {
	ID             *string  `xml:"ID"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *string  `xml:"MaxAgeSeconds"`
}

// CORSConfiguration answers GetBucketCors.
type CORSConfiguration struct {
	XMLName xml.Name   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CORSConfiguration"`
	Rules   []CORSRule `xml:"CORSRule"`
}

// CORSRule is one rule of a CORSConfiguration, its elements in S3's order.
type CORSRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds,omitempty"`
}
