package blob

import (
	"encoding/json"
	"fmt"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/hlc"
)

// The index stores a record's Meta and Parts, and an upload's and a part's Meta, as
// opaque bytes the object layer fills: a version record's Meta in the binary encoding
// of meta_codec.go (listings decode it for every entry), everything else as JSON.
// Fields are only ever added, so every reader understands every record written before
// it.

// objectMeta is a version record's Meta: what a listing returns besides size and ETag.
type objectMeta struct {
	Headers  Headers
	UserMeta map[string]string
	Checksum checksum.Checksum
	Tags     map[string]string // object tags, a mutable attribute (see SetTags)
	Lock     ObjectLock        // retention and legal hold, mutable (see SetLock)
	Origin   Origin            // set on a version site sync replicated here
	// SSE is the sealed data key of an object stored encrypted (blob/sse); nil for
	// plaintext. Its blocks (or inline bytes) then hold sse.CipherSize(Size) bytes.
	SSE []byte
}

// uploadMeta is an upload record's Meta.
type uploadMeta struct {
	Headers           Headers            `json:"h,omitzero"`
	UserMeta          map[string]string  `json:"u,omitempty"`
	ChecksumAlgorithm checksum.Algorithm `json:"ca,omitempty"`
	ChecksumType      checksum.Type      `json:"ct,omitempty"`
	Tags              map[string]string  `json:"t,omitempty"`
	Lock              ObjectLock         `json:"l,omitzero"`
	Encrypt           bool               `json:"e,omitempty"`
}

// partMeta is a part record's Meta.
type partMeta struct {
	Checksum checksum.Checksum `json:"c,omitzero"`
	Sealed   []byte            `json:"k,omitempty"` // PartInfo.Sealed
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("blob: encoding %T: %v", v, err)) // plain structs of strings cannot fail
	}
	return b
}

func decodeJSON(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("blob: corrupt record metadata: %w", err)
	}
	return nil
}

// infoFromEntry builds the ObjectInfo of a listed record (without Parts).
func infoFromEntry(bucket string, e *index.Entry) (ObjectInfo, error) {
	m, err := decodeObjectMeta(e.Meta)
	if err != nil {
		return ObjectInfo{}, err
	}
	ts := hlc.Timestamp(e.HLC)
	return ObjectInfo{
		Bucket:       bucket,
		Key:          e.Key,
		VersionID:    entryVersionID(e),
		Size:         e.Size,
		ETag:         e.ETag,
		LastModified: ts.Time(),
		Headers:      m.Headers,
		UserMeta:     m.UserMeta,
		Checksum:     m.Checksum,
		Tags:         m.Tags,
		Lock:         m.Lock,
		Origin:       m.Origin,
		Encrypted:    m.SSE != nil,
		DeleteMarker: e.DeleteMarker,
		HLC:          ts,
		Changed:      hlc.Timestamp(e.Changed),
	}, nil
}

// infoFromRecord builds the whole ObjectInfo of a record.
func infoFromRecord(r *index.Record) (ObjectInfo, error) {
	e := r.Entry()
	info, err := infoFromEntry(r.Bucket, &e)
	if err != nil {
		return ObjectInfo{}, err
	}
	if len(r.Parts) > 0 {
		if err := decodeJSON(r.Parts, &info.Parts); err != nil {
			return ObjectInfo{}, err
		}
	}
	return info, nil
}

// uploadFromIndex builds an Upload from its record.
func uploadFromIndex(u *index.Upload) (Upload, error) {
	var m uploadMeta
	if err := decodeJSON(u.Meta, &m); err != nil {
		return Upload{}, err
	}
	return Upload{
		Bucket:            u.Bucket,
		Key:               u.Key,
		UploadID:          u.ID,
		Initiated:         hlc.Timestamp(u.Initiated).Time(),
		Headers:           m.Headers,
		UserMeta:          m.UserMeta,
		ChecksumAlgorithm: m.ChecksumAlgorithm,
		ChecksumType:      m.ChecksumType,
		Tags:              m.Tags,
		Lock:              m.Lock,
		Encrypted:         m.Encrypt,
	}, nil
}

// partFromIndex builds a PartInfo from its record.
func partFromIndex(pt *index.Part) (PartInfo, error) {
	var m partMeta
	if err := decodeJSON(pt.Meta, &m); err != nil {
		return PartInfo{}, err
	}
	return PartInfo{
		PartNumber:   pt.Number,
		Size:         pt.Size,
		ETag:         pt.ETag,
		LastModified: hlc.Timestamp(pt.HLC).Time(),
		Checksum:     m.Checksum,
		Sealed:       m.Sealed,
	}, nil
}
