package console

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/cairnstore/cairn/s3api/admin"
)

// quotaView is the quota part of a bucket's settings page (docs/quotas.md).
type quotaView struct {
	Set bool // the bucket has a quota
	// Size and Unit are the byte limit as the form shows it (Size "" for none);
	// Objects the objects limit ("" for none).
	Size, Unit, Objects string
	// Used and UsedObjects are the usage the quota counts; Known when the node
	// reports usage.
	Used        int64
	UsedObjects int64
	Known       bool
	Limit       int64 // the byte limit, for the meter
	Percent     int   // of the byte limit used, for the meter
	Err         string
	SaveErr     string
}

// quotaUnits are the byte units the form offers.
var quotaUnits = []struct {
	Name  string
	Bytes int64
}{{"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}}

// readQuota fills the quota part of v from the admin API's GET /buckets/NAME/quota
// as the user (admin:GetBucket).
func (c *Console) readQuota(r *http.Request, s *session, v *settingsView) {
	q, err := c.adminClient(r, s.accessKey, s.secret).BucketQuota(r.Context(), v.Bucket)
	if err != nil {
		v.Quota.Err = errText(err)
		return
	}
	v.Quota = quotaForm(q.Quota)
	if q.Usage != nil {
		v.Quota.Known, v.Quota.Used, v.Quota.UsedObjects = true, q.Usage.VersionBytes, q.Usage.Versions
		if q.Quota.Bytes > 0 {
			v.Quota.Percent = int(min(100, q.Usage.VersionBytes*100/q.Quota.Bytes))
		}
	}
}

// quotaForm is the form's view of a quota: the byte limit in the largest unit that
// divides it, else in MiB with decimals.
func quotaForm(q admin.BucketQuota) quotaView {
	v := quotaView{Set: q.Bytes > 0 || q.Objects > 0, Unit: "GiB", Limit: q.Bytes}
	if q.Bytes > 0 {
		v.Unit, v.Size = "MiB", strconv.FormatFloat(float64(q.Bytes)/float64(1<<20), 'f', -1, 64)
		for i := len(quotaUnits) - 1; i >= 0; i-- {
			if u := quotaUnits[i]; q.Bytes%u.Bytes == 0 {
				v.Unit, v.Size = u.Name, strconv.FormatInt(q.Bytes/u.Bytes, 10)
				break
			}
		}
	}
	if q.Objects > 0 {
		v.Objects = strconv.FormatInt(q.Objects, 10)
	}
	return v
}

// parseQuotaForm reads the form: a size in a unit and an objects count, each empty for
// no limit of that kind.
func parseQuotaForm(size, unit, objects string) (admin.BucketQuota, error) {
	var q admin.BucketQuota
	if size != "" {
		var mult int64
		for _, u := range quotaUnits {
			if u.Name == unit {
				mult = u.Bytes
			}
		}
		f, err := strconv.ParseFloat(size, 64)
		switch {
		case mult == 0:
			return q, badInput("Choose MiB, GiB or TiB for the size.")
		case err != nil || f <= 0 || math.IsInf(f, 0) || f*float64(mult) > math.MaxInt64/2:
			return q, badInput("The size %q is not a positive number.", size)
		}
		q.Bytes = int64(f * float64(mult))
	}
	if objects != "" {
		n, err := strconv.ParseInt(objects, 10, 64)
		if err != nil || n <= 0 {
			return q, badInput("The objects limit %q is not a positive whole number.", objects)
		}
		q.Objects = n
	}
	if q.Bytes == 0 && q.Objects == 0 {
		return q, badInput("Give a size, an objects limit or both; to remove the quota, use Remove.")
	}
	return q, nil
}

// putQuota sets the bucket's quota from the form (admin API PUT /buckets/NAME/quota as
// the user, admin:SetBucketQuota); clear removes it. A refusal is shown under the form
// with what was typed.
func (c *Console) putQuota(w http.ResponseWriter, r *http.Request, s *session, clear bool) {
	bucket := r.PathValue("bucket")
	ac := c.adminClient(r, s.accessKey, s.secret)
	form := quotaView{Size: strings.TrimSpace(r.PostFormValue("size")), Unit: r.PostFormValue("unit"), Objects: strings.TrimSpace(r.PostFormValue("objects"))}
	var err error
	if clear {
		err = ac.DeleteBucketQuota(r.Context(), bucket)
	} else {
		var q admin.BucketQuota
		if q, err = parseQuotaForm(form.Size, form.Unit, form.Objects); err == nil {
			_, err = ac.SetBucketQuota(r.Context(), bucket, q)
		}
	}
	if err != nil {
		status, _, _ := apiError(err)
		c.renderSettings(w, r, status, func(v *settingsView) {
			form.Set, form.Known, form.Used, form.UsedObjects, form.Limit, form.Percent = v.Quota.Set, v.Quota.Known, v.Quota.Used, v.Quota.UsedObjects, v.Quota.Limit, v.Quota.Percent
			form.SaveErr = errText(err)
			v.Quota = form
		})
		return
	}
	http.Redirect(w, r, settingsURL(bucket, "quota"), http.StatusSeeOther)
}
