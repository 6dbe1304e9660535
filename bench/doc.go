// Package bench is Cairn's load generator: it measures any S3 endpoint the way an
// SDK user sees it, speaking S3 only through aws-sdk-go-v2 and never through
// Cairn's own packages.
//
// The library entry point is Run, configured by Options (start from
// DefaultOptions); NewCommand wraps it as the `cairn bench WORKLOAD` command.
// ResolveCredentials finds access keys in the documented order shared with the
// admin CLI.
//
// The figures follow minio/warp's definitions so the two tools agree on the same
// server: ops/s and MiB/s count payload over the measured window only (preparation,
// warm-up and the ramp at both ends excluded), latency runs from sending the request
// to reading the last byte of the body, and time to first byte is kept separately.
// docs/bench.md describes every figure.
package bench
