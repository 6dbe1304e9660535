//go:build !linux

package main

import "io"

// isTerminal reports false where it cannot tell: the secret then goes to a file.
func isTerminal(io.Writer) bool { return false }
