package blob

import (
	"encoding/binary"
	"fmt"
	"sort"

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
	names := make([]string, 0, len(m.UserMeta))
	for k := range m.UserMeta {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b = append(b, metaUser)
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = append(b, metaUserValue)
		b = binary.AppendUvarint(b, uint64(len(m.UserMeta[k])))
		b = append(b, m.UserMeta[k]...)
	}
	return b
}

// decodeObjectMeta decodes what encodeObjectMeta wrote.
func decodeObjectMeta(b []byte) (objectMeta, error) {
	var m objectMeta
	if len(b) == 0 {
		return m, nil
	}
	if b[0] != metaFormat1 {
		return m, fmt.Errorf("blob: corrupt record metadata: unknown format %d", b[0])
	}
	b = b[1:]
	var user string
	for len(b) > 0 {
		tag := b[0]
		n, w := binary.Uvarint(b[1:])
		if w <= 0 || n > uint64(len(b)-1-w) {
			return m, fmt.Errorf("blob: corrupt record metadata")
		}
		v := string(b[1+w : 1+w+int(n)])
		b = b[1+w+int(n):]
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
		case metaUser:
			user = v
		case metaUserValue:
			if m.UserMeta == nil {
				m.UserMeta = map[string]string{}
			}
			m.UserMeta[user] = v
		}
	}
	return m, nil
}
