package blob

import (
	"io"
	"time"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/cluster/hlc"
)

// NullVersion is the version id of every object in a bucket without versioning.
const NullVersion = "null"

// Headers are the standard HTTP headers S3 keeps with an object and returns on GET/HEAD.
type Headers struct {
	ContentType        string `json:"ct,omitempty"`
	ContentEncoding    string `json:"ce,omitempty"`
	ContentDisposition string `json:"cd,omitempty"`
	ContentLanguage    string `json:"cl,omitempty"`
	CacheControl       string `json:"cc,omitempty"`
	Expires            string `json:"ex,omitempty"` // kept verbatim as the client sent it
	// StorageClass is the S3 storage class the client asked for; "" means STANDARD.
	// Every class is stored the same way.
	StorageClass string `json:"sc,omitempty"`
}

// PartInfo describes one part of a multipart object or upload.
type PartInfo struct {
	PartNumber   int               `json:"n"`
	Size         int64             `json:"s"`
	ETag         string            `json:"e"` // hex MD5, unquoted
	LastModified time.Time         `json:"m"`
	Checksum     checksum.Checksum `json:"c,omitempty"`
	// Sealed is the part's sealed data key when it is stored encrypted (an upload
	// created with Encrypt): each part has its own. Opaque outside blob.
	Sealed []byte `json:"k,omitempty"`
}

// ObjectInfo is what S3 reports about one object version.
type ObjectInfo struct {
	Bucket       string
	Key          string
	VersionID    string // NullVersion in an unversioned bucket
	Size         int64
	ETag         string // unquoted: hex MD5, or hex MD5-of-MD5s + "-N" for multipart
	LastModified time.Time
	Headers      Headers
	UserMeta     map[string]string // x-amz-meta-* names, lower case, without the prefix
	Checksum     checksum.Checksum
	// Parts lists a multipart object's parts in order (nil for a single PUT); GET and
	// HEAD with partNumber use it.
	Parts        []PartInfo
	DeleteMarker bool
	HLC          hlc.Timestamp // creation time
	// Changed is the HLC of the last change to the version's tags or object lock
	// (zero if none was made): site sync orders such changes between sites by it.
	Changed hlc.Timestamp
	// Tags are the version's object tags.
	Tags map[string]string
	// Lock is the version's retention and legal hold.
	Lock ObjectLock
	// IsLatest is set, in a version listing, on each key's current version.
	IsLatest bool
	// Origin is where site sync brought the version from; zero if written here.
	Origin Origin
	// Encrypted is set when the version's bytes are stored encrypted (SSE-S3); Size,
	// ETag and Checksum are still those of the plaintext.
	Encrypted bool
}

// SealFunc runs after a body has been read to its end and before anything is made
// visible. It receives the body's MD5 and size, and returns the checksum to store (zero
// for none) or an error, which aborts the write and is returned to the caller unchanged.
type SealFunc func(md5sum []byte, size int64) (checksum.Checksum, error)

// PutInput is one PutObject.
type PutInput struct {
	Bucket   string
	Key      string
	Body     io.Reader // read to io.EOF; any read error aborts the put
	Headers  Headers
	UserMeta map[string]string
	Seal     SealFunc // optional
	// Versioning is the bucket's state: Enabled makes the object a new version.
	Versioning Versioning
	Tags       map[string]string
	Lock       ObjectLock // the new version's retention and legal hold
	// Origin is set by a write of site sync's (docs/site-sync.md).
	Origin Origin
	// Cond, if not nil, makes the write conditional (If-None-Match, If-Match).
	Cond *Condition
	// Encrypt stores the bytes encrypted under a fresh data key (SSE-S3,
	// docs/encryption.md). It needs Config.EncryptionKey.
	Encrypt bool
}

// CopyInput writes Dst as a new object holding Src's bytes, without copying them.
type CopyInput struct {
	Src      *Object
	Bucket   string
	Key      string
	Headers  Headers
	UserMeta map[string]string
	Checksum checksum.Checksum // usually Src's
	// Versioning is the destination bucket's state.
	Versioning Versioning
	Tags       map[string]string // the copy's tags
	Lock       ObjectLock        // the copy's retention and legal hold
	// Cond, if not nil, makes the copy conditional on the destination key.
	Cond *Condition
	// Encrypt makes the copy encrypted: a plaintext source is then read and written
	// again, encrypted. The copy of an encrypted source is always encrypted (it shares
	// the source's blocks and data key), whatever Encrypt says.
	Encrypt bool
}

// ListInput asks for one page of a bucket listing.
type ListInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	// After returns only keys that sort after it. If it is a common prefix (it starts
	// with Prefix and ends with Delimiter), every key under it is skipped too.
	After string
	Limit int // at most this many Objects plus CommonPrefixes together; 1..1000
}

// ListResult is one page of a listing in key order.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	// NextAfter is the last key or common prefix returned, to pass as After next time.
	NextAfter string
}

// CreateUploadInput starts a multipart upload.
type CreateUploadInput struct {
	Bucket            string
	Key               string
	Headers           Headers
	UserMeta          map[string]string
	ChecksumAlgorithm checksum.Algorithm // optional
	ChecksumType      checksum.Type      // optional; COMPOSITE when an algorithm is set
	Tags              map[string]string  // the object's tags, from x-amz-tagging
	// Lock is the object's retention and legal hold, applied at completion.
	Lock ObjectLock
	// Encrypt stores every part encrypted (SSE-S3), each under its own data key, and
	// so the completed object. It needs Config.EncryptionKey.
	Encrypt bool
}

// Upload describes a multipart upload in progress.
type Upload struct {
	Bucket            string
	Key               string
	UploadID          string
	Initiated         time.Time
	Headers           Headers
	UserMeta          map[string]string
	ChecksumAlgorithm checksum.Algorithm
	ChecksumType      checksum.Type
	Tags              map[string]string
	Lock              ObjectLock
	Encrypted         bool // created with CreateUploadInput.Encrypt
}

// UploadPartInput uploads one part. Uploading a part number again replaces it.
type UploadPartInput struct {
	Bucket     string
	Key        string
	UploadID   string
	PartNumber int // 1..10000
	Body       io.Reader
	Seal       SealFunc // optional
}

// CompletePart is one element of a CompleteMultipartUpload request.
type CompletePart struct {
	PartNumber int
	ETag       string // quotes are ignored
	// Checksum is what the client says the part's checksum is (optional); a mismatch
	// with the stored part checksum is ErrInvalidPart.
	Checksum checksum.Checksum
}

// ListPartsResult is one page of an upload's parts.
type ListPartsResult struct {
	Upload               Upload
	Parts                []PartInfo
	IsTruncated          bool
	NextPartNumberMarker int
}

// ListUploadsInput asks for one page of the multipart uploads in progress in a bucket.
type ListUploadsInput struct {
	Bucket         string
	Prefix         string
	Delimiter      string
	KeyMarker      string
	UploadIDMarker string
	Limit          int
}

// ListUploadsResult is one page of uploads, ordered by key and then initiation time.
type ListUploadsResult struct {
	Uploads            []Upload
	CommonPrefixes     []string
	IsTruncated        bool
	NextKeyMarker      string
	NextUploadIDMarker string
}
