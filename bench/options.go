package bench

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cairnstore/cairn/s3url"
)

// Workload names what a run does; each operation of a run is one S3 request (one
// whole multipart upload for WorkloadMultipart).
type Workload string

// The workloads.
const (
	// WorkloadPut uploads new objects with PutObject.
	WorkloadPut Workload = "put"
	// WorkloadGet downloads objects of the prepared set with GetObject.
	WorkloadGet Workload = "get"
	// WorkloadStat sends HeadObject for objects of the prepared set.
	WorkloadStat Workload = "stat"
	// WorkloadDelete deletes objects of the prepared set with DeleteObject.
	WorkloadDelete Workload = "delete"
	// WorkloadList lists one page (ListObjectsV2, up to ListMaxKeys keys) from a
	// random position in the prepared set.
	WorkloadList Workload = "list"
	// WorkloadMultipart uploads whole objects in parts: CreateMultipartUpload,
	// UploadPart (PartConcurrency at a time), CompleteMultipartUpload.
	WorkloadMultipart Workload = "multipart"
	// WorkloadMixed blends GET, STAT, PUT and DELETE by the weights in Mix.
	WorkloadMixed Workload = "mixed"
)

// Workloads lists every workload in the order the help text shows them.
var Workloads = []Workload{WorkloadPut, WorkloadGet, WorkloadStat, WorkloadDelete, WorkloadList, WorkloadMultipart, WorkloadMixed}

// ParseWorkload returns the workload named s.
func ParseWorkload(s string) (Workload, error) {
	for _, w := range Workloads {
		if string(w) == strings.ToLower(s) {
			return w, nil
		}
	}
	names := make([]string, len(Workloads))
	for i, w := range Workloads {
		names[i] = string(w)
	}
	return "", fmt.Errorf("unknown workload %q (want one of %s)", s, strings.Join(names, ", "))
}

// Mix holds the relative weights of the operations of the mixed workload. The
// weights need not add up to 100; each operation is drawn with probability
// weight/sum.
type Mix struct {
	Get    int `json:"get"`    // weight of GetObject
	Stat   int `json:"stat"`   // weight of HeadObject
	Put    int `json:"put"`    // weight of PutObject
	Delete int `json:"delete"` // weight of DeleteObject
}

// DefaultMix is minio/warp's mixed distribution: 45% GET, 30% STAT, 15% PUT and
// 10% DELETE, so results can be compared with warp's.
var DefaultMix = Mix{Get: 45, Stat: 30, Put: 15, Delete: 10}

// String formats the mix as ParseMix accepts it.
func (m Mix) String() string {
	return fmt.Sprintf("get=%d,stat=%d,put=%d,delete=%d", m.Get, m.Stat, m.Put, m.Delete)
}

func (m Mix) total() int { return m.Get + m.Stat + m.Put + m.Delete }

// ParseMix parses weights such as "get=45,stat=30,put=15,delete=10". Operations
// left out get weight 0.
func ParseMix(s string) (Mix, error) {
	var m Mix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return Mix{}, fmt.Errorf("mix %q: %q is not op=weight", s, part)
		}
		w, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || w < 0 {
			return Mix{}, fmt.Errorf("mix %q: weight %q is not a whole number ≥ 0", s, val)
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "get":
			m.Get = w
		case "stat", "head":
			m.Stat = w
		case "put":
			m.Put = w
		case "delete":
			m.Delete = w
		default:
			return Mix{}, fmt.Errorf("mix %q: unknown operation %q (want get, stat, put, delete)", s, name)
		}
	}
	if m.total() == 0 {
		return Mix{}, fmt.Errorf("mix %q: all weights are 0", s)
	}
	return m, nil
}

// Target is one S3 service to measure: its endpoints and how to sign requests to it.
type Target struct {
	// Endpoints are base URLs such as "http://10.0.0.1:9000"; requests are spread
	// over them round robin. Give one URL for a load balancer or every node of a
	// cluster. A URL may carry credentials as user info
	// (http://KEY:SECRET@host:9000); they are stripped before use.
	Endpoints []string
	// Region signs requests. Default "us-east-1".
	Region string
	// AccessKey, SecretKey and SessionToken are explicit credentials. When empty,
	// ResolveCredentials looks further (see CredentialOptions).
	AccessKey    string
	SecretKey    string
	SessionToken string
	// Profile selects a profile of the AWS shared config and credentials files.
	Profile string
	// Insecure skips TLS certificate verification, for self-signed certificates.
	Insecure bool
	// PathStyle addresses buckets as https://host/bucket/key (default true): Cairn
	// serves virtual-host-style requests only when started with --domain. Set it to
	// false for services that require virtual hosts, such as AWS S3 itself.
	PathStyle bool
}

// Options configures a run. Start from DefaultOptions.
type Options struct {
	// Workload is what to run. Required.
	Workload Workload
	// Target is the service to measure.
	Target Target
	// Compare, when set, runs the same workload against a second service in
	// alternating rounds and reports both with their ratio (Compare / Target).
	Compare *Target
	// Rounds is the number of rounds per service in compare mode. Default 3. More
	// rounds spread machine noise more evenly over both; each round trims its own
	// ramp, so very short rounds measure less.
	Rounds int

	// Bucket is the bucket to use. Empty: "cairn-bench-<run id>". A bucket the run
	// creates is removed afterwards unless Keep; a bucket that already existed is
	// kept, only the run's objects are removed.
	Bucket string
	// Keep leaves the bucket and every object of the run in place.
	Keep bool
	// Prefix is put in front of every key; the run adds "<run id>/" after it, so
	// runs never collide.
	Prefix string

	// Size is the object size, fixed or a range. Zero: 4 KiB, or 64 MiB for
	// WorkloadMultipart.
	Size SizeRange
	// Concurrency is the number of requests (objects, for multipart) in flight.
	// Default 16.
	Concurrency int
	// Duration ends the measured phase after this long. Exactly one of Duration
	// and Ops must be set. Default 30s.
	Duration time.Duration
	// Ops ends the measured phase after this many operations, counted over all
	// workers (per service and over all rounds in compare mode).
	Ops int64
	// Warmup runs the workload this long before measuring and discards what it
	// saw. Default 0: warp-style ramp trimming already drops the first and last
	// seconds of the measured phase (see docs/bench.md).
	Warmup time.Duration

	// Objects is the size of the prepared set that get, stat, delete, list and
	// mixed work on. Default 2500. The delete workload prepares at least Ops.
	Objects int
	// PrepareConcurrency is the number of uploads in flight while preparing.
	// Default max(Concurrency, 32).
	PrepareConcurrency int

	// PartSize is the multipart part size. Default 8 MiB; at least 5 MiB (the S3
	// minimum for all but the last part).
	PartSize int64
	// PartConcurrency is the number of parts of one object uploaded at a time.
	// Default 4.
	PartConcurrency int

	// VerifyRatio is the share of GETs whose whole body is hashed (SHA-256) and
	// checked against what was uploaded, between 0 and 1. Default 0.1. Every GET
	// and STAT also checks the object's size. Hashing happens after the clock
	// stops, so it never counts in latency.
	VerifyRatio float64
	// Mix weighs the operations of WorkloadMixed. Default DefaultMix.
	Mix Mix
	// ListMaxKeys is the page size of the list workload. Default 1000.
	ListMaxKeys int
	// Retries is the number of SDK retries per request. Default 0: every failure
	// counts, because a retry would hide it inside a longer latency.
	Retries int

	// Progress, when set, receives a live status line about once a second
	// (carriage return, no newline), cleared at the end. Meant for a terminal.
	Progress io.Writer
}

// DefaultOptions returns the defaults documented on Options, for the given
// workload and a single local endpoint.
func DefaultOptions(w Workload) Options {
	return Options{
		Workload:        w,
		Target:          Target{Endpoints: []string{"http://127.0.0.1:9000"}, Region: "us-east-1", PathStyle: true},
		Rounds:          3,
		Concurrency:     16,
		Duration:        30 * time.Second,
		Objects:         2500,
		PartSize:        8 * MiB,
		PartConcurrency: 4,
		VerifyRatio:     0.1,
		Mix:             DefaultMix,
		ListMaxKeys:     1000,
	}
}

// Size and count limits of S3 multipart uploads.
const (
	minPartSize = 5 * MiB
	maxPartSize = 5 * GiB
	maxParts    = 10000
)

// Validate reports every problem with the options at once, before any request is
// sent.
func (o Options) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, err := ParseWorkload(string(o.Workload)); err != nil {
		errs = append(errs, err)
	}
	if err := validateTarget("endpoint", o.Target); err != nil {
		errs = append(errs, err)
	}
	if o.Compare != nil {
		if err := validateTarget("compare endpoint", *o.Compare); err != nil {
			errs = append(errs, err)
		}
		if o.Rounds < 1 {
			add("rounds must be at least 1, got %d", o.Rounds)
		}
	}
	if o.Bucket != "" {
		if err := validateBucketName(o.Bucket); err != nil {
			errs = append(errs, err)
		}
	}
	if o.Size.Min < 0 || o.Size.Min > o.Size.Max {
		add("size %d-%d is not a valid range", o.Size.Min, o.Size.Max)
	}
	if o.Concurrency < 1 {
		add("concurrency must be at least 1, got %d", o.Concurrency)
	}
	switch {
	case o.Duration > 0 && o.Ops > 0:
		add("give a duration or a number of ops, not both")
	case o.Duration <= 0 && o.Ops <= 0:
		add("give a duration > 0 or a number of ops > 0")
	}
	if o.Warmup < 0 {
		add("warm-up must not be negative")
	}
	if o.Objects < 1 {
		add("objects must be at least 1, got %d", o.Objects)
	}
	if o.PrepareConcurrency < 0 {
		add("prepare concurrency must not be negative")
	}
	if o.Workload == WorkloadMultipart {
		if o.PartSize < minPartSize || o.PartSize > maxPartSize {
			add("part size %s is outside the S3 limits 5MiB..5GiB", FormatSize(o.PartSize))
		} else if size := o.objectSize(); (size.Max+o.PartSize-1)/o.PartSize > maxParts {
			add("size %s needs more than %d parts of %s", FormatSize(size.Max), maxParts, FormatSize(o.PartSize))
		}
		if o.PartConcurrency < 1 {
			add("part concurrency must be at least 1, got %d", o.PartConcurrency)
		}
	}
	if o.VerifyRatio < 0 || o.VerifyRatio > 1 {
		add("verify ratio must be between 0 and 1, got %g", o.VerifyRatio)
	}
	if o.Workload == WorkloadMixed && (o.Mix.Get < 0 || o.Mix.Stat < 0 || o.Mix.Put < 0 || o.Mix.Delete < 0 || o.Mix.total() == 0) {
		add("mix %s: weights must be ≥ 0 and not all 0", o.Mix)
	}
	if o.ListMaxKeys < 1 || o.ListMaxKeys > 1000 {
		add("list max keys must be 1..1000, got %d", o.ListMaxKeys)
	}
	if o.Retries < 0 {
		add("retries must not be negative")
	}
	return errors.Join(errs...)
}

// objectSize returns the configured size or the workload's default.
func (o Options) objectSize() SizeRange {
	if !o.Size.IsZero() {
		return o.Size
	}
	if o.Workload == WorkloadMultipart {
		return SizeRange{Min: 64 * MiB, Max: 64 * MiB}
	}
	return SizeRange{Min: 4 * KiB, Max: 4 * KiB}
}

func validateTarget(what string, t Target) error {
	if len(t.Endpoints) == 0 {
		return fmt.Errorf("no %s given", what)
	}
	var errs []error
	for _, e := range t.Endpoints {
		if _, _, _, err := SplitEndpointCredentials(e); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	if (t.AccessKey == "") != (t.SecretKey == "") {
		errs = append(errs, fmt.Errorf("%s: give both an access key and a secret key, or neither", what))
	}
	return errors.Join(errs...)
}

// validateBucketName applies the S3 bucket naming rules that matter for a
// benchmark: 3-63 characters of lower-case letters, digits, dots and hyphens,
// starting and ending with a letter or digit.
func validateBucketName(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", b)
	}
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '-' || c == '.') && i > 0 && i < len(b)-1
		if !ok {
			return fmt.Errorf("bucket name %q: only lower-case letters, digits, '.' and '-' are allowed, and it must start and end with a letter or digit", b)
		}
	}
	return nil
}

// SplitEndpointCredentials validates an endpoint URL and splits off credentials
// given as its user info (see s3url.Split).
func SplitEndpointCredentials(raw string) (endpoint, accessKey, secretKey string, err error) {
	return s3url.Split(raw)
}

// redactURL hides the secret of a URL's user info, for messages and reports.
func redactURL(raw string) string { return s3url.Redact(raw) }
