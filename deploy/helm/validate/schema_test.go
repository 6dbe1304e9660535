package validate

import (
	"os"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

var (
	loadOnce sync.Once
	loaded   *Schemas
	loadErr  error
)

// schemas loads the vendored Kubernetes schemas once per test binary.
func schemas(t *testing.T) *Schemas {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = LoadSchemas(specDir) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loaded
}

func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, raw)
	}
	return obj
}

// TestManifestsMatchOpenAPISchema validates every rendered document against the
// Kubernetes OpenAPI v3 schema of KubernetesVersion. The ServiceMonitor has no
// Kubernetes schema (see checkServiceMonitor and docs/deployment.md).
func TestManifestsMatchOpenAPISchema(t *testing.T) {
	s := schemas(t)
	validated := map[string]int{}
	for _, d := range manifests(t) {
		if d.kind == "ServiceMonitor" {
			t.Logf("%s: ServiceMonitor not schema-checked (no Kubernetes schema; decoded strictly instead)", d.file)
			continue
		}
		if err := s.Validate(decode(t, d.raw)); err != nil {
			t.Errorf("%s: %v\n%s", d.file, err, d.raw)
			continue
		}
		validated[d.kind]++
	}
	for _, k := range []string{"StatefulSet", "Service", "Secret", "PodDisruptionBudget"} {
		if validated[k] == 0 {
			t.Errorf("no %s validated (validated: %v)", k, validated)
		}
	}
	t.Logf("validated against Kubernetes %s OpenAPI v3: %v", KubernetesVersion, validated)
}

// TestBrokenRenderIsRefused shows the check fails on the chart itself: `make
// test-helm` renders it with a value Kubernetes does not accept (an imagePullPolicy of
// "Sometimes") into CAIRN_BROKEN_MANIFESTS, and the StatefulSet must be refused for it.
func TestBrokenRenderIsRefused(t *testing.T) {
	file := os.Getenv("CAIRN_BROKEN_MANIFESTS")
	if file == "" {
		t.Skip("CAIRN_BROKEN_MANIFESTS not set: run `make test-helm`")
	}
	t.Setenv("CAIRN_MANIFESTS", file)
	s := schemas(t)
	refused := 0
	for _, d := range manifests(t) {
		if d.kind != "StatefulSet" {
			continue
		}
		err := s.Validate(decode(t, d.raw))
		if err == nil || !strings.Contains(err.Error(), "imagePullPolicy") {
			t.Errorf("%s: the StatefulSet with imagePullPolicy Sometimes: %v", file, err)
			continue
		}
		refused++
		t.Logf("refused: %v", err)
	}
	if refused == 0 {
		t.Errorf("%s: no StatefulSet rendered", file)
	}
}

// Minimal valid manifests of each kind the chart renders; the broken cases below
// each change one thing in one of them.
const (
	goodStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cairn
  labels: {app: cairn}
spec:
  replicas: 3
  serviceName: cairn-headless
  podManagementPolicy: Parallel
  selector:
    matchLabels: {app: cairn}
  template:
    metadata:
      labels: {app: cairn}
    spec:
      containers:
        - name: cairn
          image: cairn:1
          imagePullPolicy: IfNotPresent
          ports:
            - name: s3
              containerPort: 9000
          readinessProbe:
            httpGet: {path: /health/ready, port: s3}
          resources:
            requests: {cpu: 500m, memory: 1Gi}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests: {storage: 10Gi}
`
	goodService = `apiVersion: v1
kind: Service
metadata:
  name: cairn
spec:
  type: ClusterIP
  selector: {app: cairn}
  ports:
    - name: s3
      port: 9000
      targetPort: s3
`
	goodSecret = `apiVersion: v1
kind: Secret
metadata:
  name: cairn
type: Opaque
data:
  CAIRN_CLUSTER_SECRET: c2VjcmV0
`
	goodPDB = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: cairn
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: cairn}
`
)

// TestSchemaAcceptsGoodManifests is the control for the broken cases: the manifests
// they start from pass.
func TestSchemaAcceptsGoodManifests(t *testing.T) {
	s := schemas(t)
	for _, good := range []string{goodStatefulSet, goodService, goodSecret, goodPDB} {
		if err := s.Validate(decode(t, []byte(good))); err != nil {
			t.Errorf("refused: %v\n%s", err, good)
		}
	}
}

// TestSchemaRefusesBrokenManifests shows the schema check can fail: each case breaks
// one good manifest in one way, and the error must name what is wrong.
func TestSchemaRefusesBrokenManifests(t *testing.T) {
	s := schemas(t)
	cases := []struct {
		name, base, old, new, want string
	}{
		{"unknown top-level spec field", goodStatefulSet, "  replicas: 3\n", "  replica: 3\n", "replica"},
		{"unknown container field", goodStatefulSet, "          image: cairn:1\n", "          image: cairn:1\n          imagePolicy: Always\n", "imagePolicy"},
		{"unknown metadata field", goodService, "  name: cairn\n", "  name: cairn\n  label: {app: cairn}\n", "label"},
		{"string where an integer goes", goodService, "      port: 9000\n", "      port: nine-thousand\n", "port"},
		{"integer where a string goes", goodStatefulSet, "          image: cairn:1\n", "          image: 42\n", "image"},
		{"list where an object goes", goodStatefulSet, "    matchLabels: {app: cairn}\n  template:", "    matchLabels: [app, cairn]\n  template:", "matchLabels"},
		{"missing required container name", goodStatefulSet, "        - name: cairn\n          image: cairn:1\n", "        - image: cairn:1\n", "name"},
		{"missing required selector", goodStatefulSet, "  selector:\n    matchLabels: {app: cairn}\n  template:", "  template:", "selector"},
		{"missing required service port", goodService, "      port: 9000\n", "", "port"},
		{"bad imagePullPolicy", goodStatefulSet, "imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes", "imagePullPolicy"},
		{"bad podManagementPolicy", goodStatefulSet, "podManagementPolicy: Parallel", "podManagementPolicy: AllAtOnce", "podManagementPolicy"},
		{"bad Service type", goodService, "type: ClusterIP", "type: Headless", "type"},
		{"bad access mode", goodStatefulSet, "accessModes: [ReadWriteOnce]", "accessModes: [ReadWriteSome]", "accessModes"},
		{"Secret data not base64", goodSecret, "c2VjcmV0", "not base64!", "CAIRN_CLUSTER_SECRET"},
		{"PDB budget neither int nor string", goodPDB, "maxUnavailable: 1", "maxUnavailable: [1]", "maxUnavailable"},
		{"apiVersion with no such kind", goodPDB, "policy/v1", "policy/v2", "no schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if strings.Count(c.base, c.old) != 1 {
				t.Fatalf("%q is not once in the base manifest", c.old)
			}
			bad := strings.Replace(c.base, c.old, c.new, 1)
			err := s.Validate(decode(t, []byte(bad)))
			if err == nil {
				t.Fatalf("accepted:\n%s", bad)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("refused, but the error does not name %q: %v", c.want, err)
			}
			t.Logf("refused: %v", err)
		})
	}
}
