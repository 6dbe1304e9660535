package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestExampleConfigKeysAreServerFlags keeps deploy/systemd/cairn.yaml in step with
// `cairn server`: every key must be one of its long flag names, with a value the flag
// accepts.
func TestExampleConfigKeysAreServerFlags(t *testing.T) {
	data, err := os.ReadFile("../../deploy/systemd/cairn.yaml")
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	require.NotEmpty(t, cfg)
	flags := serverCommand().Flags()
	for key, v := range cfg {
		f := flags.Lookup(key)
		if f == nil {
			t.Errorf("cairn.yaml: %q is not a flag of cairn server", key)
			continue
		}
		require.NoError(t, f.Value.Set(fmt.Sprint(v)), "cairn.yaml: %s", key)
	}
}
