package management

import (
	"maps"
	"slices"
	"strings"

	"github.com/cairnstore/cairn/meta"
)

// presetAbortDays is how long every preset lets a multipart upload run before it is
// aborted: uploads left behind hold space no listing of objects shows.
const presetAbortDays = 7

// lifecyclePresets are the lifecycle configurations a bucket may be created with
// ("Lifecycle" in CreateBucketRequest), by name. Presets that would move objects to
// another storage class (the reference API's "deep-archive", "glacier", ...) have no
// meaning in Cairn, which stores every class the same way: they are refused.
var lifecyclePresets = map[string]meta.LifecycleConfig{
	"abort-incomplete-uploads": {Rules: []meta.LifecycleRule{abortRule()}},
	"expire-noncurrent-30d": {Rules: []meta.LifecycleRule{{
		ID: "preset-expire-noncurrent", Enabled: true, Filter: meta.LifecycleFilter{Form: meta.FilterSingle},
		NoncurrentDays: 30, AbortDays: presetAbortDays,
	}, {
		ID: "preset-expired-delete-markers", Enabled: true, Filter: meta.LifecycleFilter{Form: meta.FilterSingle},
		ExpiredObjectDeleteMarker: true,
	}}},
	"expire-30d":  expireAfter(30),
	"expire-90d":  expireAfter(90),
	"expire-365d": expireAfter(365),
}

func abortRule() meta.LifecycleRule {
	return meta.LifecycleRule{ID: "preset-abort-incomplete-uploads", Enabled: true,
		Filter: meta.LifecycleFilter{Form: meta.FilterSingle}, AbortDays: presetAbortDays}
}

func expireAfter(days int) meta.LifecycleConfig {
	r := abortRule()
	r.ID, r.ExpirationDays = "preset-expire", days
	return meta.LifecycleConfig{Rules: []meta.LifecycleRule{r}}
}

// lifecyclePreset returns the configuration of a preset name; "" is none (nil).
// An unknown name, or a storage-class transition preset, is 400 BadRequest naming
// the presets there are.
func lifecyclePreset(name string) (*meta.LifecycleConfig, error) {
	if name == "" {
		return nil, nil
	}
	cfg, ok := lifecyclePresets[name]
	if !ok {
		names := strings.Join(slices.Sorted(maps.Keys(lifecyclePresets)), ", ")
		return nil, errorf(BadRequest, "Unknown lifecycle preset %q. Cairn's presets are: %s. Presets that move objects to another storage class have no meaning in Cairn, which stores every class the same way.", name, names)
	}
	return cfg.Clone(), nil
}
