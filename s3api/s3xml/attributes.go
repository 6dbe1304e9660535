package s3xml

import "encoding/xml"

// GetObjectAttributesResponse answers GetObjectAttributes; only the attributes asked
// for are set.
type GetObjectAttributesResponse struct {
	XMLName      xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ GetObjectAttributesResponse"`
	ETag         string       `xml:"ETag,omitempty"`
	Checksum     *Checksums   `xml:"Checksum,omitempty"`
	ObjectParts  *ObjectParts `xml:"ObjectParts,omitempty"`
	StorageClass string       `xml:"StorageClass,omitempty"`
	ObjectSize   *int64       `xml:"ObjectSize,omitempty"`
}

// ObjectParts is the ObjectParts attribute: a page of a multipart object's parts.
type ObjectParts struct {
	IsTruncated          bool         `xml:"IsTruncated"`
	MaxParts             int          `xml:"MaxParts"`
	NextPartNumberMarker int          `xml:"NextPartNumberMarker"`
	PartNumberMarker     int          `xml:"PartNumberMarker"`
	Parts                []ObjectPart `xml:"Part"`
	PartsCount           int          `xml:"PartsCount"`
}

// ObjectPart is one part in ObjectParts.
type ObjectPart struct {
	Checksums
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}
