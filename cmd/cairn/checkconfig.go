package main

import (
	"fmt"
	"io"

	"github.com/cairnstore/cairn/cmd/node"
)

// checkConfig returns every problem with the resolved settings that can be found
// without starting the node.
func checkConfig(cfg node.Config, opts serverOptions) []error {
	var problems []error
	if _, err := newLogger(io.Discard, opts.logLevel, opts.logFormat); err != nil {
		problems = append(problems, err)
	}
	return append(problems, node.Check(cfg)...)
}

// errCheckFailed makes `cairn server --check-config` exit non-zero after it printed
// the problems.
type errCheckFailed int

func (e errCheckFailed) Error() string {
	return fmt.Sprintf("the configuration has %d problem(s)", int(e))
}

// reportCheck prints the result of --check-config: every problem, one a line.
func reportCheck(out io.Writer, file string, problems []error) error {
	what := "the settings"
	if file != "" {
		what = file + " and the other settings"
	}
	if len(problems) == 0 {
		fmt.Fprintf(out, "%s: OK\n", what)
		return nil
	}
	fmt.Fprintf(out, "%s: %d problem(s):\n", what, len(problems))
	for _, p := range problems {
		fmt.Fprintf(out, "  - %v\n", p)
	}
	return errCheckFailed(len(problems))
}
