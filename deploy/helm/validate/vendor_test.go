package validate

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// KubernetesVersion is the release whose OpenAPI v3 documents are vendored under
// testdata/kubernetes (from the Go module k8s.io/kubernetes, api/openapi-spec/v3).
const KubernetesVersion = "v1.37.2"

// specDir is where the vendored schemas live.
var specDir = filepath.Join("testdata", "kubernetes-"+KubernetesVersion)

// vendoredDocs are the OpenAPI v3 documents of the API groups the chart renders: core
// (Service, Secret), apps (StatefulSet) and policy (PodDisruptionBudget).
var vendoredDocs = []string{
	"api__v1_openapi.json",
	"apis__apps__v1_openapi.json",
	"apis__policy__v1_openapi.json",
}

// generatedDefs is the file of the release's generated OpenAPI definitions, the
// source of the enum overlay.
const generatedDefs = "pkg/generated/openapi/zz_generated.openapi.go"

var update = flag.Bool("update", false, "rewrite the vendored schemas under testdata from the k8s.io/kubernetes module")

// TestVendoredSchemas checks every vendored file against the SHA-256 recorded in
// SHA256SUMS (the gzipped files' own digests and, for the schemas, the digest of the
// JSON as the release ships it). With -update it first rebuilds them: `go test -run
// TestVendoredSchemas -update` after changing KubernetesVersion.
func TestVendoredSchemas(t *testing.T) {
	if *update {
		if err := vendorSchemas(); err != nil {
			t.Fatal(err)
		}
	}
	sums, err := os.ReadFile(filepath.Join(specDir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		want, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", line)
		}
		var data []byte
		if orig, isJSON := strings.CutSuffix(name, " (uncompressed)"); isJSON {
			data, err = readGzip(filepath.Join(specDir, orig+".gz"))
		} else {
			data, err = os.ReadFile(filepath.Join(specDir, name))
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256Hex(data); got != want {
			t.Errorf("%s: SHA-256 %s, recorded %s", name, got, want)
		}
		checked++
	}
	// Every vendored file is listed: each document twice, the overlay once.
	if want := 2*len(vendoredDocs) + 1; checked != want {
		t.Errorf("SHA256SUMS lists %d entries, want %d", checked, want)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// vendorSchemas copies the OpenAPI v3 documents of KubernetesVersion from the Go module
// cache (downloading k8s.io/kubernetes through the module proxy if needed), gzipped,
// writes the enum overlay and SHA256SUMS.
func vendorSchemas() error {
	out, err := exec.Command("go", "mod", "download", "-json", "k8s.io/kubernetes@"+KubernetesVersion).Output()
	if err != nil {
		return fmt.Errorf("go mod download k8s.io/kubernetes@%s: %w", KubernetesVersion, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return err
	}
	if mod.Error != "" {
		return fmt.Errorf("go mod download: %s", mod.Error)
	}
	if err := os.RemoveAll(specDir); err != nil {
		return err
	}
	if err := os.MkdirAll(specDir, 0o755); err != nil {
		return err
	}
	var sums []string
	for _, name := range vendoredDocs {
		data, err := os.ReadFile(filepath.Join(mod.Dir, "api", "openapi-spec", "v3", name))
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(data)
		if err := zw.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(specDir, name+".gz"), gz.Bytes(), 0o644); err != nil {
			return err
		}
		sums = append(sums, sha256Hex(gz.Bytes())+"  "+name+".gz", sha256Hex(data)+"  "+name+" (uncompressed)")
	}
	enums, err := enumOverlay(filepath.Join(mod.Dir, generatedDefs))
	if err != nil {
		return err
	}
	// Keep only the models of the vendored documents, and check each path exists.
	s, err := loadModels(specDir)
	if err != nil {
		return err
	}
	for model := range enums {
		if _, ok := s.models[model]; !ok {
			delete(enums, model)
		}
	}
	overlay, err := json.MarshalIndent(enums, "", " ")
	if err != nil {
		return err
	}
	overlay = append(overlay, '\n')
	if err := os.WriteFile(filepath.Join(specDir, "enums.json"), overlay, 0o644); err != nil {
		return err
	}
	if _, err := LoadSchemas(specDir); err != nil {
		return fmt.Errorf("the overlay does not fit the schemas: %w", err)
	}
	sums = append(sums, sha256Hex(overlay)+"  enums.json")
	return os.WriteFile(filepath.Join(specDir, "SHA256SUMS"), []byte(strings.Join(sums, "\n")+"\n"), 0o644)
}

// loadModels loads the documents in dir with an empty overlay.
func loadModels(dir string) (*Schemas, error) {
	tmp := filepath.Join(dir, "enums.json")
	if err := os.WriteFile(tmp, []byte("{}\n"), 0o644); err != nil {
		return nil, err
	}
	return LoadSchemas(dir)
}

// enumOverlay reads the release's generated OpenAPI definitions (Go source) and
// collects every Enum they set, by model name and path inside the model.
func enumOverlay(file string) (EnumOverlay, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	imports := map[string]string{} // alias to import path
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		alias := path.Base(p)
		if im.Name != nil {
			alias = im.Name.Name
		}
		imports[alias] = p
	}
	funcs := map[string]*ast.FuncDecl{}
	var defs *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			funcs[fd.Name.Name] = fd
			if fd.Name.Name == "GetOpenAPIDefinitions" {
				defs = fd
			}
		}
	}
	if defs == nil {
		return nil, fmt.Errorf("%s: no GetOpenAPIDefinitions", file)
	}
	out := EnumOverlay{}
	ast.Inspect(defs, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		model, ok := modelName(kv.Key, imports)
		call, isCall := kv.Value.(*ast.CallExpr)
		if !ok || !isCall {
			return true
		}
		fn, _ := call.Fun.(*ast.Ident)
		if fn == nil || funcs[fn.Name] == nil {
			return true
		}
		collectEnums(funcs[fn.Name].Body, nil, func(p []string, values []string) {
			if out[model] == nil {
				out[model] = map[string][]string{}
			}
			out[model][strings.Join(p, "/")] = values
		})
		return false
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no enums found", file)
	}
	return out, nil
}

// modelName turns `alias.Type{}.OpenAPIModelName()` into the model name Kubernetes
// gives it: the import path's domain reversed, then the path and type, dot-separated
// (k8s.io/api/core/v1 Container is io.k8s.api.core.v1.Container).
func modelName(key ast.Expr, imports map[string]string) (string, bool) {
	call, ok := key.(*ast.CallExpr)
	if !ok {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "OpenAPIModelName" {
		return "", false
	}
	lit, ok := sel.X.(*ast.CompositeLit)
	if !ok {
		return "", false
	}
	typ, ok := lit.Type.(*ast.SelectorExpr)
	if !ok {
		return "", false
	}
	pkg, ok := typ.X.(*ast.Ident)
	if !ok || imports[pkg.Name] == "" {
		return "", false
	}
	parts := strings.Split(imports[pkg.Name], "/")
	domain := strings.Split(parts[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	return strings.Join(append(append(domain, parts[1:]...), typ.Sel.Name), "."), true
}

// collectEnums walks a schema function's composite literals, keeping the path
// (properties/NAME, items, additionalProperties) and reporting each Enum.
func collectEnums(n ast.Node, at []string, found func([]string, []string)) {
	ast.Inspect(n, func(c ast.Node) bool {
		kv, ok := c.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		var step []string
		switch k := kv.Key.(type) {
		case *ast.BasicLit: // a property name in Properties: map[string]spec.Schema{...}
			name, err := strconv.Unquote(k.Value)
			if err != nil {
				return true
			}
			step = []string{"properties", name}
		case *ast.Ident:
			switch k.Name {
			case "Items":
				step = []string{"items"}
			case "AdditionalProperties":
				step = []string{"additionalProperties"}
			case "Enum":
				found(append([]string(nil), at...), enumValues(kv.Value))
				return false
			case "Properties", "SchemaProps", "Schema":
				return true
			default:
				return false
			}
		default:
			return true
		}
		collectEnums(kv.Value, append(append([]string(nil), at...), step...), found)
		return false
	})
}

func enumValues(e ast.Expr) []string {
	var vals []string
	if lit, ok := e.(*ast.CompositeLit); ok {
		for _, el := range lit.Elts {
			if b, ok := el.(*ast.BasicLit); ok && b.Kind == token.STRING {
				if v, err := strconv.Unquote(b.Value); err == nil {
					vals = append(vals, v)
				}
			}
		}
	}
	sort.Strings(vals)
	return vals
}
