package replication

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cairnstore/cairn/blob"
)

// Loop prevention by origin (docs/site-sync.md#loop-prevention). A Cairn site
// names itself in the x-cairn-site-id header of every answer, and tells a
// version's origin (its site and the original write's HLC) on GET and HEAD. Site
// sync never sends a version to the site it came from, and sends the origin with
// every write to a Cairn target, which stores it with the version.
const (
	hdrSiteID     = "x-cairn-site-id"
	hdrOriginSite = "x-cairn-origin-site"
	hdrOriginTime = "x-cairn-origin-time"
	// hdrOriginVersionID is the version's id where it was read from, sent with
	// its origin time: a Cairn target stores the version under the same id.
	hdrOriginVersionID = "x-cairn-origin-version-id"
	// hdrLifecycleDelete, on a 404 (or 405) of a key whose newest change is a
	// delete, says a lifecycle rule's expiration made it: it is not replicated,
	// as S3's replication replicates no lifecycle action.
	hdrLifecycleDelete = "x-cairn-lifecycle-delete"
	// hdrDeleteMarker is S3's: the answer met a delete marker.
	hdrDeleteMarker = "x-amz-delete-marker"
)

// origin is where a version was first written: a site id, and the HLC in decimal
// ("" when unknown); version is the version's id on the site it was read from
// ("" when unknown).
type origin struct {
	site    string
	time    string
	version string
}

// originOf reads the origin headers of an answer, and the version id it names.
func originOf(h http.Header) origin {
	return origin{site: h.Get(hdrOriginSite), time: h.Get(hdrOriginTime), version: h.Get("x-amz-version-id")}
}

// withOrigin adds o's headers to a request; nothing for an unknown origin. The
// version id goes with the time when the id is of that time: the target then
// stores the version under the same id (docs/site-sync.md#versions).
func withOrigin(o origin) func(*s3.Options) {
	return func(opts *s3.Options) {
		if o.site == "" {
			return
		}
		opts.APIOptions = append(opts.APIOptions, smithyhttp.AddHeaderValue(hdrOriginSite, o.site))
		if o.time == "" {
			return
		}
		opts.APIOptions = append(opts.APIOptions, smithyhttp.AddHeaderValue(hdrOriginTime, o.time))
		if at, ok := blob.VersionIDTime(o.version); ok && strconv.FormatUint(uint64(at), 10) == o.time {
			opts.APIOptions = append(opts.APIOptions, smithyhttp.AddHeaderValue(hdrOriginVersionID, o.version))
		}
	}
}

// errorHeader returns the headers of the answer behind an error; nil when there
// was no answer (a network failure, which the SDK reports as a response error of
// status 0).
func errorHeader(err error) http.Header {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.HTTPStatusCode() != 0 {
		return re.Response.Header
	}
	return nil
}

// outputHeader returns the headers of the answer behind an output's metadata.
func outputHeader(md middleware.Metadata) http.Header {
	if r, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		return r.Header
	}
	return http.Header{}
}

// targetSite returns the site id of the rule's target: "" for an S3 server that is
// not Cairn. It is learned from the target's answer to a HeadBucket, once per
// connection client.
func (d *delivery) targetSite(ctx context.Context) (string, error) {
	d.w.mu.Lock()
	t := d.w.targets[d.rule.Connection]
	d.w.mu.Unlock()
	if t.siteKnown {
		return t.site, nil
	}
	out, err := d.target.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(d.rule.TargetBucket)})
	h := errorHeader(err)
	switch {
	case err == nil:
		h = outputHeader(out.ResultMetadata)
	case h == nil:
		return "", err // no answer: a network failure, retried
	}
	site := h.Get(hdrSiteID)
	d.w.mu.Lock()
	if cur, ok := d.w.targets[d.rule.Connection]; ok && cur.client == d.target {
		cur.site, cur.siteKnown = site, true
		d.w.targets[d.rule.Connection] = cur
	}
	d.w.mu.Unlock()
	return site, nil
}
