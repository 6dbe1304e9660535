package metrics

// Operation classes group S3 operations for the per-bucket request counters (and
// match the Grafana dashboard's "by operation class" panels): reads of object data,
// writes and deletes of objects, listings, and everything else (bucket
// configuration, tagging, ACLs).
const (
	ClassRead  = "read"
	ClassWrite = "write"
	ClassList  = "list"
	ClassOther = "other"
)

// Classes are the operation classes, in the order reports show them.
var Classes = []string{ClassRead, ClassWrite, ClassList, ClassOther}

var operationClass = map[string]string{
	"GetObject": ClassRead, "HeadObject": ClassRead,

	"PutObject": ClassWrite, "UploadPart": ClassWrite, "UploadPartCopy": ClassWrite, "CopyObject": ClassWrite,
	"CompleteMultipartUpload": ClassWrite, "CreateMultipartUpload": ClassWrite, "PostObject": ClassWrite,
	"DeleteObject": ClassWrite, "DeleteObjects": ClassWrite, "AbortMultipartUpload": ClassWrite,

	"ListObjects": ClassList, "ListObjectsV2": ClassList, "ListObjectVersions": ClassList,
	"ListBuckets": ClassList, "ListMultipartUploads": ClassList, "ListParts": ClassList,
}

// OperationClass returns the class of an S3 operation name.
func OperationClass(op string) string {
	if c, ok := operationClass[op]; ok {
		return c
	}
	return ClassOther
}
