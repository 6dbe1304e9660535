package audit

// Filter selects audit records: each field not empty must equal the record's.
type Filter struct {
	User   string `json:"user,omitempty"`
	API    string `json:"api,omitempty"`
	Action string `json:"action,omitempty"`
	Result string `json:"result,omitempty"`
	Bucket string `json:"bucket,omitempty"`
}

// Match reports whether r passes the filter.
func (f Filter) Match(r Record) bool {
	eq := func(want, got string) bool { return want == "" || want == got }
	return eq(f.User, r.User) && eq(f.API, r.API) && eq(f.Action, r.Action) && eq(f.Result, r.Result) && eq(f.Bucket, r.Bucket)
}
