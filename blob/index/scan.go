package index

import (
	"bytes"
	"context"
	"encoding/binary"
)

// InlineRef names one version record of the index.
type InlineRef struct {
	Partition int
	Bucket    string
	Key       string
	HLC       uint64
}

// ScanInline checks the inline bytes of every version record in the index (every
// version of every key) for the integrity scanner, calls bad for each record whose
// bytes fail their check (or that does not decode), and returns how many version
// records it looked at.
// It reads in short transactions, as WalkBlockRefs does.
func (x *Index) ScanInline(ctx context.Context, bad func(InlineRef)) (checked int, err error) {
	err = x.walk(ctx, versionsBucket, func(k, v []byte) error {
		checked++
		if recordInlineOK(v) {
			return nil
		}
		if len(k) < 3 {
			return nil
		}
		bp := bytes.IndexByte(k[2:], 0)
		if bp < 0 {
			return nil
		}
		key, hlc, ok := splitVersionKey(k, 2+bp+1)
		if !ok {
			return nil
		}
		bad(InlineRef{Partition: int(binary.BigEndian.Uint16(k)), Bucket: string(k[2 : 2+bp]), Key: string(key), HLC: hlc})
		return nil
	})
	return checked, err
}
