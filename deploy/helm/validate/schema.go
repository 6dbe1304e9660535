package validate

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	kvalidate "k8s.io/kube-openapi/pkg/validation/validate"
)

// refPrefix starts every $ref in a Kubernetes OpenAPI v3 document.
const refPrefix = "#/components/schemas/"

// maxDepth bounds schema expansion; the kinds the chart renders nest far less deeply.
const maxDepth = 64

// Schemas holds the component schemas of Kubernetes OpenAPI v3 documents, by model name
// (e.g. io.k8s.api.apps.v1.StatefulSet), and finds the one for an apiVersion and kind.
type Schemas struct {
	models   map[string]*spec.Schema
	byGVK    map[string]string // "group/version/Kind" to model name
	expanded map[string]*spec.Schema
}

// LoadSchemas reads the gzipped OpenAPI v3 documents (*_openapi.json.gz) in dir and
// applies the enum overlay enums.json there (model name to JSON path to values, see
// EnumOverlay).
func LoadSchemas(dir string) (*Schemas, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_openapi.json.gz"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *_openapi.json.gz in %s", dir)
	}
	s := &Schemas{models: map[string]*spec.Schema{}, byGVK: map[string]string{}, expanded: map[string]*spec.Schema{}}
	for _, f := range files {
		data, err := readGzip(f)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Components struct {
				Schemas map[string]*spec.Schema `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for name, sc := range doc.Components.Schemas {
			s.models[name] = sc
			for _, gvk := range gvks(sc) {
				s.byGVK[gvk] = name
			}
		}
	}
	overlay, err := os.ReadFile(filepath.Join(dir, "enums.json"))
	if err != nil {
		return nil, err
	}
	var enums EnumOverlay
	if err := json.Unmarshal(overlay, &enums); err != nil {
		return nil, fmt.Errorf("enums.json: %w", err)
	}
	if err := s.applyEnums(enums); err != nil {
		return nil, err
	}
	return s, nil
}

// EnumOverlay is the allowed values of enum-typed fields, by model name and then by a
// path inside that model's schema ("properties/imagePullPolicy",
// "properties/accessModes/items"). The published OpenAPI documents leave them out; the
// same release's generated OpenAPI definitions, which an API server serves, have them.
type EnumOverlay map[string]map[string][]string

func (s *Schemas) applyEnums(enums EnumOverlay) error {
	for model, paths := range enums {
		root, ok := s.models[model]
		if !ok {
			continue // a model of an API group not vendored here
		}
		for path, values := range paths {
			if err := setEnum(root, strings.Split(path, "/"), values); err != nil {
				return fmt.Errorf("enum overlay %s %s: %w", model, path, err)
			}
		}
	}
	return nil
}

// setEnum follows steps ("properties", NAME; "items"; "additionalProperties") from sc
// and sets the enum of the inline schema it reaches.
func setEnum(sc *spec.Schema, steps []string, values []string) error {
	if len(steps) == 0 {
		if sc.Ref.String() != "" || len(sc.AllOf) > 0 {
			return fmt.Errorf("a reference, not an inline schema")
		}
		sc.Enum = nil
		for _, v := range values {
			sc.Enum = append(sc.Enum, v)
		}
		return nil
	}
	switch steps[0] {
	case "properties":
		if len(steps) < 2 {
			return fmt.Errorf("no property name")
		}
		p, ok := sc.Properties[steps[1]]
		if !ok {
			return fmt.Errorf("no property %q", steps[1])
		}
		if err := setEnum(&p, steps[2:], values); err != nil {
			return err
		}
		sc.Properties[steps[1]] = p // Properties holds values
		return nil
	case "items":
		if sc.Items == nil || sc.Items.Schema == nil {
			return fmt.Errorf("no items schema")
		}
		return setEnum(sc.Items.Schema, steps[1:], values)
	case "additionalProperties":
		if sc.AdditionalProperties == nil || sc.AdditionalProperties.Schema == nil {
			return fmt.Errorf("no additionalProperties schema")
		}
		return setEnum(sc.AdditionalProperties.Schema, steps[1:], values)
	}
	return fmt.Errorf("unknown step %q", steps[0])
}

// gvks lists the "group/version/Kind" names a model is served as.
func gvks(sc *spec.Schema) []string {
	list, _ := sc.Extensions["x-kubernetes-group-version-kind"].([]any)
	var out []string
	for _, e := range list {
		m, _ := e.(map[string]any)
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		if v != "" && k != "" {
			out = append(out, g+"/"+v+"/"+k)
		}
	}
	return out
}

// Model returns the model name of an apiVersion ("apps/v1", "v1") and kind.
func (s *Schemas) Model(apiVersion, kind string) (string, bool) {
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok {
		group, version = "", apiVersion
	}
	name, ok := s.byGVK[group+"/"+version+"/"+kind]
	return name, ok
}

// Validate checks one decoded manifest against the schema of its apiVersion and kind:
// types, formats, required fields, enums, and no field the schema does not name
// (objects are closed unless the schema says x-kubernetes-preserve-unknown-fields).
func (s *Schemas) Validate(obj map[string]any) error {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	model, ok := s.Model(apiVersion, kind)
	if !ok {
		return fmt.Errorf("no schema for apiVersion %q kind %q", apiVersion, kind)
	}
	sc, err := s.expand(model, 0, map[string]bool{})
	if err != nil {
		return err
	}
	res := kvalidate.NewSchemaValidator(sc, nil, "", strfmt.Default).Validate(obj)
	if res.IsValid() {
		return nil
	}
	var msgs []string
	for _, e := range res.Errors {
		msgs = append(msgs, e.Error())
	}
	sort.Strings(msgs)
	return fmt.Errorf("%s %s: %s", apiVersion, kind, strings.Join(msgs, "; "))
}

// expand returns the model's schema with every $ref replaced by the schema it names
// (the validator does not follow references) and every object closed.
func (s *Schemas) expand(model string, depth int, inProgress map[string]bool) (*spec.Schema, error) {
	if sc, ok := s.expanded[model]; ok {
		return sc, nil
	}
	raw, ok := s.models[model]
	if !ok {
		return nil, fmt.Errorf("no schema %q", model)
	}
	if inProgress[model] {
		return nil, fmt.Errorf("schema %q refers to itself", model)
	}
	inProgress[model] = true
	defer delete(inProgress, model)
	sc, err := s.inline(*raw, depth, inProgress)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", model, err)
	}
	s.expanded[model] = &sc
	return &sc, nil
}

// inline returns a copy of sc with its references expanded, recursively.
func (s *Schemas) inline(sc spec.Schema, depth int, inProgress map[string]bool) (spec.Schema, error) {
	if depth > maxDepth {
		return sc, fmt.Errorf("schema nested deeper than %d", maxDepth)
	}
	if ref := sc.Ref.String(); ref != "" {
		if !strings.HasPrefix(ref, refPrefix) {
			return sc, fmt.Errorf("unsupported reference %q", ref)
		}
		target, err := s.expand(strings.TrimPrefix(ref, refPrefix), depth+1, inProgress)
		if err != nil {
			return sc, err
		}
		return *target, nil
	}
	var err error
	one := func(in spec.Schema) spec.Schema {
		if err != nil {
			return in
		}
		var out spec.Schema
		out, err = s.inline(in, depth+1, inProgress)
		return out
	}
	many := func(in []spec.Schema) []spec.Schema {
		if in == nil {
			return nil
		}
		out := make([]spec.Schema, len(in))
		for i, x := range in {
			out[i] = one(x)
		}
		return out
	}
	sc.AllOf, sc.AnyOf, sc.OneOf = many(sc.AllOf), many(sc.AnyOf), many(sc.OneOf)
	if sc.Not != nil {
		n := one(*sc.Not)
		sc.Not = &n
	}
	if sc.Properties != nil {
		props := make(map[string]spec.Schema, len(sc.Properties))
		for name, p := range sc.Properties {
			props[name] = one(p)
		}
		sc.Properties = props
	}
	if sc.Items != nil {
		items := &spec.SchemaOrArray{Schemas: many(sc.Items.Schemas)}
		if sc.Items.Schema != nil {
			x := one(*sc.Items.Schema)
			items.Schema = &x
		}
		sc.Items = items
	}
	if sc.AdditionalProperties != nil && sc.AdditionalProperties.Schema != nil {
		x := one(*sc.AdditionalProperties.Schema)
		sc.AdditionalProperties = &spec.SchemaOrBool{Allows: true, Schema: &x}
	}
	if sc.Format == "int-or-string" && len(sc.Type) == 0 && len(sc.OneOf) > 0 {
		// IntOrString: its oneOf (integer or string) says it all; the validator would
		// take the format for a type and refuse a number.
		sc.Format = ""
	}
	preserve, _ := sc.Extensions["x-kubernetes-preserve-unknown-fields"].(bool)
	if len(sc.Properties) > 0 && sc.AdditionalProperties == nil && !preserve {
		// Kubernetes drops (and kubectl --validate=strict refuses) fields its schema
		// does not name; the published schema leaves that implicit.
		sc.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	return sc, err
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(zr)
}
