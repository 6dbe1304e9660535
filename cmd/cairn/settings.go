package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/cairnstore/cairn/cmd/node"
)

// secretSetting is a setting that is never a flag, since the process list shows flags
// to every user of the host: it comes from its environment variable or the config
// file only.
type secretSetting struct {
	key string  // config file key; the environment variable is envName(key)
	dst *string // where the value goes
}

// settings resolves every setting of `cairn server` from, in order of precedence, the
// command line, the environment (CAIRN_<FLAG>) and the config file. The flag set is
// the table of settings: a new flag is a new environment variable and file key with
// no further wiring.
type settings struct {
	flags   *pflag.FlagSet
	secrets []secretSetting
}

// newSettings returns the settings of flags and the secrets of cfg.
func newSettings(flags *pflag.FlagSet, cfg *node.Config) *settings {
	return &settings{flags: flags, secrets: []secretSetting{
		{"cluster-secret", &cfg.ClusterSecret},
		{"console-oidc-client-secret", &cfg.ConsoleOIDC.ClientSecret},
		{"root-access-key", &cfg.RootAccessKey},
		{"root-secret-key", &cfg.RootSecretKey},
	}}
}

// load applies the config file (if any) and then the environment to every setting not
// given on the command line, and returns every problem found, not only the first.
func (s *settings) load(file string) []error {
	var problems []error
	if f := s.flags.Lookup("config"); f != nil && !f.Changed {
		if v, ok := os.LookupEnv(envName("config")); ok {
			file = v // CAIRN_CONFIG
		}
	}
	if file != "" {
		problems = append(problems, s.applyFile(file)...)
	}
	if err := applyEnv(s.flags); err != nil {
		problems = append(problems, err)
	}
	for _, sec := range s.secrets {
		if v, ok := os.LookupEnv(envName(sec.key)); ok {
			*sec.dst = v
		}
	}
	return problems
}

// applyFile reads the YAML config file: a mapping of flat keys named as the long
// flags (or a secret setting) to scalars, or for list flags to a list of scalars.
// A key whose flag was given, or whose environment variable is set, is skipped: those
// win over the file.
func (s *settings) applyFile(file string) []error {
	data, err := os.ReadFile(file)
	if err != nil {
		return []error{fmt.Errorf("config file: %w", err)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file sets nothing
		}
		return []error{fmt.Errorf("config file %s: %w", file, err)}
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return []error{fmt.Errorf("config file %s: want a mapping of setting: value at the top level", file)}
	}
	var problems []error
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		where := fmt.Sprintf("config file %s line %d", file, k.Line)
		if seen[key] {
			problems = append(problems, fmt.Errorf("%s: %q is set twice", where, key))
			continue
		}
		seen[key] = true
		value, err := scalarValue(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %s: %w", where, key, err))
			continue
		}
		if f := s.flags.Lookup(key); v.Kind == yaml.SequenceNode && f != nil && !strings.HasSuffix(f.Value.Type(), "Slice") {
			problems = append(problems, fmt.Errorf("%s: %s takes one value, not a list", where, key))
			continue
		}
		if err := s.setFromFile(key, value); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", where, err))
		}
	}
	return problems
}

// scalarValue turns a YAML value into the string a flag parses: a scalar as written,
// a list of scalars joined with commas.
func scalarValue(v *yaml.Node) (string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return "", nil
		}
		return v.Value, nil
	case yaml.SequenceNode:
		items := make([]string, 0, len(v.Content))
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return "", errors.New("a list may hold only plain values")
			}
			items = append(items, it.Value)
		}
		return strings.Join(items, ","), nil
	}
	return "", errors.New("want a plain value or a list of plain values")
}

// fileOnlyFlags are flags that make no sense in the file itself.
var fileOnlyFlags = map[string]bool{"config": true, "check-config": true}

// setFromFile sets one key from the file unless the command line or the environment
// sets it.
func (s *settings) setFromFile(key, value string) error {
	for _, sec := range s.secrets {
		if sec.key == key {
			if _, ok := os.LookupEnv(envName(key)); !ok {
				*sec.dst = value
			}
			return nil
		}
	}
	f := s.flags.Lookup(key)
	if f == nil || fileOnlyFlags[key] {
		return fmt.Errorf("unknown setting %q%s", key, suggest(key, s.keys()))
	}
	if _, ok := os.LookupEnv(envName(key)); f.Changed || ok {
		return nil
	}
	if err := f.Value.Set(value); err != nil {
		return fmt.Errorf("%s: %q: %w", key, value, err)
	}
	return nil
}

// keys lists every key the file accepts, sorted.
func (s *settings) keys() []string {
	var keys []string
	s.flags.VisitAll(func(f *pflag.Flag) {
		if !fileOnlyFlags[f.Name] && f.Name != "help" {
			keys = append(keys, f.Name)
		}
	})
	for _, sec := range s.secrets {
		keys = append(keys, sec.key)
	}
	sort.Strings(keys)
	return keys
}

// suggest names the known key closest to key, if one is close.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(key, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
