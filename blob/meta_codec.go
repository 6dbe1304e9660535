package blob

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/cairnstore/cairn/blob/checksum"
)

// A version record's Meta is what every listing entry decodes, so it has a compact
// binary encoding rather than JSON (decoding a page of 1000 entries costs about a
// tenth). It is a format byte, then fields as (tag byte, uvarint length, bytes); a
// reader skips tags it does not know, so fields can be added without a new format.
// A user metadata entry is tag metaUser with the name, followed by its value as
// metaUserValue.
const metaFormat1 = 1

// Field tags of objectMeta. Append only; never renumber.
const (
	metaContentType byte = iota + 1
	metaContentEncoding
	metaContentDisposition
	metaContentLanguage
	metaCacheControl
	metaExpires
	metaChecksumAlgorithm
	metaChecksumValue
	metaChecksumType
	metaUser
	metaUserValue
	metaStorageClass
	metaTag // an object tag's key, followed by its value as metaTagValue
	metaTagValue
	metaLockMode      // the retention mode (ObjectLock.Mode)
	metaLockUntil     // the retention date, Unix nanoseconds in decimal
	metaLockLegalHold // "ON" when a legal hold is on, "OFF" when one was taken off
	metaOriginSite    // the site a replicated version came from (Origin)
	metaOriginHLC     // the original write's HLC, in decimal
	metaSSE           // the sealed data key of an encrypted object (objectMeta.SSE)
	metaLifecycle     // on a tombstone or delete marker: "1" when a lifecycle rule made it
)

// encodeObjectMeta encodes m; user metadata in name order, so equal metadata encodes
// equally.
func encodeObjectMeta(m objectMeta) []byte {
	b := []byte{metaFormat1}
	field := func(tag byte, v string) {
		if v == "" {
			return
		}
		b = append(b, tag)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	field(metaContentType, m.Headers.ContentType)
	field(metaContentEncoding, m.Headers.ContentEncoding)
	field(metaContentDisposition, m.Headers.ContentDisposition)
	field(metaContentLanguage, m.Headers.ContentLanguage)
	field(metaCacheControl, m.Headers.CacheControl)
	field(metaExpires, m.Headers.Expires)
	field(metaChecksumAlgorithm, string(m.Checksum.Algorithm))
	field(metaChecksumValue, m.Checksum.Value)
	field(metaChecksumType, string(m.Checksum.Type))
	field(metaStorageClass, m.Headers.StorageClass)
	field(metaLockMode, string(m.Lock.Mode))
	if !m.Lock.RetainUntil.IsZero() {
		field(metaLockUntil, strconv.FormatInt(m.Lock.RetainUntil.UnixNano(), 10))
	}
	switch {
	case m.Lock.LegalHold:
		field(metaLockLegalHold, "ON")
	case m.Lock.LegalHoldOff:
		field(metaLockLegalHold, "OFF")
	}
	encodeOriginFields(m.Origin, field)
	field(metaSSE, string(m.SSE))
	pairs := func(tag, valueTag byte, kv map[string]string) {
		names := make([]string, 0, len(kv))
		for k := range kv {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			b = append(b, tag)
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
			b = append(b, valueTag)
			b = binary.AppendUvarint(b, uint64(len(kv[k])))
			b = append(b, kv[k]...)
		}
	}
	pairs(metaUser, metaUserValue, m.UserMeta)
	pairs(metaTag, metaTagValue, m.Tags)
	return b
}

// eachMetaField calls fn with each field of an encoded objectMeta, in order; v aliases
// b. It stops at fn's first error.
func eachMetaField(b []byte, fn func(tag byte, v []byte) error) error {
	if len(b) == 0 {
		return nil
	}
	if b[0] != metaFormat1 {
		return fmt.Errorf("blob: corrupt record metadata: unknown format %d", b[0])
	}
	b = b[1:]
	for len(b) > 0 {
		tag := b[0]
		n, w := binary.Uvarint(b[1:])
		if w <= 0 || n > uint64(len(b)-1-w) {
			return fmt.Errorf("blob: corrupt record metadata")
		}
		v := b[1+w : 1+w+int(n)]
		b = b[1+w+int(n):]
		if err := fn(tag, v); err != nil {
			return err
		}
	}
	return nil
}

// decodeObjectMeta decodes what encodeObjectMeta wrote.
func decodeObjectMeta(b []byte) (objectMeta, error) {
	var m objectMeta
	var user, tagKey string
	err := eachMetaField(b, func(tag byte, raw []byte) error {
		if isLockField(tag) {
			return decodeLockField(&m.Lock, tag, raw)
		}
		if decodeOriginField(&m.Origin, tag, raw) {
			return nil
		}
		v := string(raw)
		switch tag {
		case metaContentType:
			m.Headers.ContentType = v
		case metaContentEncoding:
			m.Headers.ContentEncoding = v
		case metaContentDisposition:
			m.Headers.ContentDisposition = v
		case metaContentLanguage:
			m.Headers.ContentLanguage = v
		case metaCacheControl:
			m.Headers.CacheControl = v
		case metaExpires:
			m.Headers.Expires = v
		case metaChecksumAlgorithm:
			m.Checksum.Algorithm = checksum.Algorithm(v)
		case metaChecksumValue:
			m.Checksum.Value = v
		case metaChecksumType:
			m.Checksum.Type = checksum.Type(v)
		case metaStorageClass:
			m.Headers.StorageClass = v
		case metaSSE:
			m.SSE = []byte(v)
		case metaUser:
			user = v
		case metaUserValue:
			if m.UserMeta == nil {
				m.UserMeta = map[string]string{}
			}
			m.UserMeta[user] = v
		case metaTag:
			tagKey = v
		case metaTagValue:
			if m.Tags == nil {
				m.Tags = map[string]string{}
			}
			m.Tags[tagKey] = v
		}
		return nil
	})
	return m, err
}

// decodeLock decodes only the object lock of an encoded objectMeta: what a
// background job checks for every version it lists, without the cost of the rest.
func decodeLock(b []byte) (ObjectLock, error) {
	var l ObjectLock
	err := eachMetaField(b, func(tag byte, raw []byte) error {
		if isLockField(tag) {
			return decodeLockField(&l, tag, raw)
		}
		return nil
	})
	return l, err
}

func isLockField(tag byte) bool {
	return tag == metaLockMode || tag == metaLockUntil || tag == metaLockLegalHold
}

// decodeLockField sets the object lock field tag of l from its encoding raw.
func decodeLockField(l *ObjectLock, tag byte, raw []byte) error {
	switch tag {
	case metaLockMode:
		l.Mode = RetentionMode(raw)
	case metaLockUntil:
		ns, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return fmt.Errorf("blob: corrupt record metadata: retention date %q", raw)
		}
		l.RetainUntil = time.Unix(0, ns).UTC()
	case metaLockLegalHold:
		l.LegalHold, l.LegalHoldOff = string(raw) == "ON", string(raw) == "OFF"
	}
	return nil
}

// lifecycleMeta is the Meta of a tombstone or delete marker a lifecycle rule
// made (DeleteInput.Lifecycle, RemoveNull): site sync does not replicate it, as
// S3's replication replicates no lifecycle action.
func lifecycleMeta() []byte {
	return []byte{metaFormat1, metaLifecycle, 1, '1'}
}

// madeByLifecycle reports whether a tombstone's or delete marker's Meta says a
// lifecycle rule made it.
func madeByLifecycle(meta []byte) bool {
	found := false
	_ = eachMetaField(meta, func(tag byte, v []byte) error {
		found = found || tag == metaLifecycle && string(v) == "1"
		return nil
	})
	return found
}
