package s3api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cluster/hlc"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// Site sync's headers (docs/site-sync.md#loop-prevention).
const (
	// hdrSiteID is on every answer: this site's id (the cluster's), from which a
	// peer's site sync learns which versions came from it.
	hdrSiteID = "x-cairn-site-id"
	// hdrOriginSite and hdrOriginTime carry a version's origin: on a PutObject or
	// DeleteObject of site sync's (which then needs s3:ReplicateObject or
	// s3:ReplicateDelete), and on a GET or HEAD of any version.
	hdrOriginSite = "x-cairn-origin-site"
	hdrOriginTime = "x-cairn-origin-time"
	// hdrOriginVersionID, beside hdrOriginTime on a write of site sync's, is the
	// version's id on the site it came from: a replica stored at its origin time
	// keeps it, so that the version has one id on every site.
	hdrOriginVersionID = "x-cairn-origin-version-id"
	// hdrAttributesTime is on a GET or HEAD of a version whose tags or object lock
	// changed: the HLC of the last change, by which site sync orders such changes
	// between sites.
	hdrAttributesTime = "x-cairn-attributes-time"
	// hdrReplicationStatus is AWS's: REPLICA on a version site sync brought here.
	hdrReplicationStatus = "x-amz-replication-status"
	// hdrLifecycleDelete, on the answer to a read that met a delete marker or an
	// unversioned delete, says a lifecycle rule's expiration made it.
	hdrLifecycleDelete = "x-cairn-lifecycle-delete"
)

// maxSiteID is the longest site id accepted (a cluster id is 32 hex digits).
const maxSiteID = 64

// maxOriginAhead bounds how far past this node's clock an origin time may be. The
// clock observes an origin time, so one far in the future would push every later
// write's HLC (and version order) there for good; two sites' clocks differ by far less
// (SigV4 already refuses requests dated 15 minutes off).
const maxOriginAhead = 15 * time.Minute

// replicaOrigin returns the origin a write of site sync's carries, the zero
// Origin for any other write. A request that carries one needs action
// (s3:ReplicateObject or s3:ReplicateDelete) on the key, or is refused with
// AccessDenied: only a replication principal may say a version came from
// elsewhere.
func (s *Server) replicaOrigin(c echo.Context, r *request, action string) (blob.Origin, error) {
	h := c.Request().Header
	site, ts := h.Get(hdrOriginSite), h.Get(hdrOriginTime)
	if site == "" && ts == "" {
		return blob.Origin{}, nil
	}
	if err := s.allowItem(c, r, action, r.bucket, r.key); err != nil {
		return blob.Origin{}, err
	}
	if !validSiteID(site) {
		return blob.Origin{}, s3err.Newf(s3err.InvalidArgument, "%s must be 1 to %d letters, digits, '-', '_' or '.'", hdrOriginSite, maxSiteID).With("ArgumentName", hdrOriginSite)
	}
	o := blob.Origin{Site: site}
	if ts != "" {
		n, err := strconv.ParseUint(ts, 10, 64)
		if err != nil {
			return blob.Origin{}, s3err.Newf(s3err.InvalidArgument, "%s must be a decimal HLC", hdrOriginTime).With("ArgumentName", hdrOriginTime)
		}
		o.HLC = hlc.Timestamp(n)
		if o.HLC.Time().After(s.now().Add(maxOriginAhead)) {
			return blob.Origin{}, s3err.Newf(s3err.InvalidArgument, "%s is more than %s ahead of this site's clock", hdrOriginTime, maxOriginAhead).With("ArgumentName", hdrOriginTime)
		}
	}
	if id := h.Get(hdrOriginVersionID); id != "" {
		if at, ok := blob.VersionIDTime(id); !ok || o.HLC == 0 || at != o.HLC {
			return blob.Origin{}, s3err.Newf(s3err.InvalidArgument, "%s must be a version id of the time in %s", hdrOriginVersionID, hdrOriginTime).With("ArgumentName", hdrOriginVersionID)
		}
		o.VersionID = id
	}
	return o, nil
}

// replicaChangeTime returns the time a tag or object lock change of site sync's
// was made at on its origin (the x-cairn-origin-time of a request that carries an
// origin, with s3:ReplicateObject), zero for any other change.
func (s *Server) replicaChangeTime(c echo.Context, r *request) (hlc.Timestamp, error) {
	o, err := s.replicaOrigin(c, r, policy.ActionReplicateObject)
	return o.HLC, err
}

// setAttributesTime tells when a version's tags or object lock last changed.
func setAttributesTime(h http.Header, info blob.ObjectInfo) {
	if info.Changed != 0 {
		h.Set(hdrAttributesTime, strconv.FormatUint(uint64(info.Changed), 10))
	}
}

func validSiteID(id string) bool {
	if id == "" || len(id) > maxSiteID {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// setOriginHeaders tells where a version came from: for a replica, REPLICA and
// its origin; for a version written here, this site and the version's HLC (what
// site sync sends on as the origin).
func (s *Server) setOriginHeaders(h http.Header, o blob.Origin, own hlc.Timestamp) {
	if !o.IsZero() {
		setReplicaOrigin(h, o)
		return
	}
	if id := s.meta.ClusterID(); id != "" {
		h.Set(hdrOriginSite, id)
		h.Set(hdrOriginTime, strconv.FormatUint(uint64(own), 10))
	}
}

// setReplicaOrigin sets the headers of a version (or delete marker) site sync
// brought from o.
func setReplicaOrigin(h http.Header, o blob.Origin) {
	h.Set(hdrReplicationStatus, "REPLICA")
	h.Set(hdrOriginSite, o.Site)
	if o.HLC != 0 {
		h.Set(hdrOriginTime, strconv.FormatUint(uint64(o.HLC), 10))
	}
}

// setLifecycleDelete tells that a lifecycle rule's expiration made the delete a
// read met: site sync does not replicate it.
func setLifecycleDelete(h http.Header, lifecycle bool) {
	if lifecycle {
		h.Set(hdrLifecycleDelete, "true")
	}
}

// deleteOriginHeaders sets, on the answer to a read that met a delete marker or
// an unversioned DELETE, the marker's headers and the delete's origin: site sync
// sends a delete on with it.
func (s *Server) deleteOriginHeaders(h http.Header, err error) {
	var dm *blob.DeleteMarkerError
	var del *blob.DeletedError
	switch {
	case errors.As(err, &dm):
		deleteMarkerHeaders(h, err)
		s.setOriginHeaders(h, dm.Origin, dm.HLC)
		setLifecycleDelete(h, dm.Lifecycle)
	case errors.As(err, &del):
		s.setOriginHeaders(h, del.Origin, del.HLC)
		setLifecycleDelete(h, del.Lifecycle)
	}
}
