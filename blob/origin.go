package blob

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/hlc"
)

// Origin is where a version replicated by site sync was first written: the site (a
// Cairn cluster's id) and the original write's HLC. The zero Origin is a version
// written here by a client. It is kept in the version record's metadata, never in
// the user's x-amz-meta-* headers; site sync reads it to never send a version back
// to the site it came from (docs/site-sync.md).
type Origin struct {
	Site string
	HLC  hlc.Timestamp
	// VersionID is the version's id on the site it came from (x-cairn-origin-version-id),
	// "" when not sent. A replica stored at its origin time keeps it (replicaSlot):
	// its slot node embeds that id's node tag. It is not stored in the metadata.
	VersionID string
}

// writeTime is the HLC a write is stored at: the clock's now, or, for a write of
// site sync's that carries its original time, that time, which the clock then
// observes so that every later write here orders after it. Stored at its original
// time, a replicated version takes its place among the key's versions by when it
// was first written: the newest write, wherever made, is the key's current
// version on every site (last write wins), whatever order writes arrive in; an
// older one arriving late becomes a non-current version (versioned bucket) or is
// superseded and not stored (the null version of an unversioned one).
func (s *Store) writeTime(o Origin) hlc.Timestamp {
	if o.IsZero() || o.HLC == 0 {
		return s.cfg.Clock.Now()
	}
	s.cfg.Clock.Observe(o.HLC)
	return o.HLC
}

// writeNode is the node of the slot (HLC, Node) a write is stored in: this
// node's id, but for a write site sync brought with its original time (last
// write wins), stored at that HLC, replicaNode(origin site, etag), followed by
// replicaSep and the node tag of the origin's version id when it was sent
// (replicaSlot checks that the tag may be kept).
func (s *Store) writeNode(o Origin, etag string) string {
	if o.IsZero() || o.HLC == 0 {
		return s.cfg.NodeID
	}
	node := replicaNode(s.cfg.SiteID(), o.Site, etag)
	if tag, ok := o.tag(); ok {
		return node + replicaSep + hex.EncodeToString(tag[:])
	}
	return node
}

// tag returns the node tag of o's version id, when o names one of the version
// at its origin time (the only id a replica stored at that time can keep).
func (o Origin) tag() ([4]byte, bool) {
	if o.VersionID == "" || o.HLC == 0 {
		return [4]byte{}, false
	}
	ts, tag, err := parseVersionID(o.VersionID)
	return tag, err == nil && hlc.Timestamp(ts) == o.HLC
}

// replicaSlot is the slot node of a write of bucket/key with origin o and ETag
// etag (writeNode), checked against the key's other versions at the write's
// HLC: a replica keeps its origin's version id only when no other version of the
// key here has that id already (two sites' writes at the very same HLC, by nodes
// of the same name, would otherwise share one id here); it then takes the id of
// its untagged node, as before, and ids stay unique within a site. A null
// version (unversioned) has no id to keep.
func (s *Store) replicaSlot(ctx context.Context, pl placement, p int, bucket, key string, o Origin, etag string, versioned bool) (string, error) {
	node := s.writeNode(o, etag)
	tag, ok := o.tag()
	if !ok {
		return node, nil
	}
	// Observed first: a write here after the check orders after the replica.
	s.cfg.Clock.Observe(o.HLC)
	if !versioned {
		return s.writeNode(Origin{Site: o.Site, HLC: o.HLC}, etag), nil
	}
	vr, err := s.readVersions(ctx, pl, p, bucket, key, index.VersionsQuery{HLC: uint64(o.HLC)})
	if err != nil {
		return "", err
	}
	for i := range vr.merged {
		e := &vr.merged[i]
		if e.Versioned && e.HLC == uint64(o.HLC) && e.Node != node && string(nodeTag(e.Node)) == string(tag[:]) {
			return s.writeNode(Origin{Site: o.Site, HLC: o.HLC}, etag), nil
		}
	}
	return node, nil
}

// Slot nodes of replicated versions (replicaNode): below and above every node id,
// which is valid UTF-8 without control characters (ValidNodeID).
const (
	replicaBelow = "\x01"
	replicaAbove = "\xff"
	replicaSep   = "\x01"
)

// replicaNode is the slot node of a version that site sync brought from site,
// with its original HLC, to a site here, etag its ETag ("" for a delete). The
// slot (HLC, Node) orders a key's versions, Node breaking a tie of HLCs, and two
// sites must break an exact tie between their writes alike (last write wins, the
// same answer on both sites). This site's own writes have bare node ids. A
// replica's node sorts below all of them when its site's id is lower than this
// site's, above all of them when higher, and among replicas by site: so at an
// exact tie the write of the greater site id is the newer on every site, whichever
// site holds it as its own. (Two writes of one site at one HLC, on two of its
// nodes, are ordered by their node ids there and by ETag elsewhere.)
//
// The node depends on the write alone, not on the node that receives it, so the
// same write delivered twice, through any node of the site, lands in one slot
// (idempotent; no duplicate version). Records stored before this rule keep their
// slot (the receiving node's id): a slot never changes.
func replicaNode(here, site, etag string) string {
	if site <= here {
		return replicaBelow + site + replicaSep + etag
	}
	return replicaAbove + site + replicaSep + etag
}

// IsZero reports a version written here, not replicated.
func (o Origin) IsZero() bool { return o.Site == "" }

// encodeOriginFields appends the fields of o to an encoded objectMeta with field.
func encodeOriginFields(o Origin, field func(tag byte, v string)) {
	field(metaOriginSite, o.Site)
	if o.HLC != 0 {
		field(metaOriginHLC, strconv.FormatUint(uint64(o.HLC), 10))
	}
}

// decodeOriginField sets the origin field tag of o from raw; false if tag is not
// one. A malformed time is read as none: the site alone still prevents loops.
func decodeOriginField(o *Origin, tag byte, raw []byte) bool {
	switch tag {
	case metaOriginSite:
		o.Site = string(raw)
	case metaOriginHLC:
		n, err := strconv.ParseUint(string(raw), 10, 64)
		if err == nil {
			o.HLC = hlc.Timestamp(n)
		}
	default:
		return false
	}
	return true
}

// originOf decodes the origin of an encoded objectMeta (a delete marker's, whose
// other fields are empty).
func originOf(b []byte) Origin {
	var o Origin
	_ = eachMetaField(b, func(tag byte, raw []byte) error {
		decodeOriginField(&o, tag, raw)
		return nil
	})
	return o
}

// embeddedTag returns the node tag a replica's slot node embeds (writeNode);
// false for any other node.
func embeddedTag(node string) ([]byte, bool) {
	if node == "" || node[0] != replicaBelow[0] && node[0] != replicaAbove[0] {
		return nil, false
	}
	parts := strings.Split(node[1:], replicaSep)
	if len(parts) != 3 || len(parts[2]) != 8 {
		return nil, false
	}
	tag, err := hex.DecodeString(parts[2])
	return tag, err == nil
}
