// Package policy is Cairn's access-policy language and its evaluator: AWS IAM policy
// JSON (identity policies attached to users and groups, and bucket policies) within one
// account, plus a short form for the common grants.
//
// The package is a pure leaf: no I/O, no clock (the time of a request comes in its
// condition context), no global state. A *Policy is validated and compiled once, by
// Parse, ParseIdentityPolicy, ParseBucketPolicy, ParseShort or New, and is then
// immutable and safe for concurrent use; Evaluate allocates nothing on its usual path.
//
// docs/policies.md describes the language, the supported condition keys and operators,
// the order of evaluation and the short form.
package policy
