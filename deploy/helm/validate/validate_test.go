// Package validate checks the Helm chart's rendered manifests against the Kubernetes
// OpenAPI v3 schemas of one release (schema.go, vendored under testdata) and the
// Kubernetes API types: every document must pass the schema and decode strictly (no
// unknown or duplicate field, the right types) into the Go type of its kind, and then
// pass a few checks of our own. The ServiceMonitor, which has no Kubernetes schema,
// is decoded strictly into the Prometheus Operator's Go type. It is a separate module
// so the main one does not depend on k8s.io. Run by `make test-helm`, which renders
// the chart with helm v4 first (CAIRN_MANIFESTS).
package validate

import (
	"bytes"
	"os"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// doc is one rendered manifest.
type doc struct {
	file, kind string
	raw        []byte
}

// manifests reads every file named by CAIRN_MANIFESTS (space-separated) and splits it
// into documents.
func manifests(t *testing.T) []doc {
	t.Helper()
	files := strings.Fields(os.Getenv("CAIRN_MANIFESTS"))
	if len(files) == 0 {
		t.Skip("CAIRN_MANIFESTS not set: run `make test-helm`")
	}
	var docs []doc
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range bytes.Split(data, []byte("\n---")) {
			if len(bytes.TrimSpace(stripComments(part))) == 0 {
				continue
			}
			var u unstructured.Unstructured
			if err := yaml.Unmarshal(part, &u.Object); err != nil {
				t.Fatalf("%s: not YAML: %v\n%s", f, err, part)
			}
			docs = append(docs, doc{file: f, kind: u.GetKind(), raw: part})
		}
	}
	return docs
}

func stripComments(b []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// typed is the Go type each kind the chart renders decodes into.
func typed(kind string) any {
	switch kind {
	case "StatefulSet":
		return &appsv1.StatefulSet{}
	case "Service":
		return &corev1.Service{}
	case "Secret":
		return &corev1.Secret{}
	case "PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}
	}
	return nil
}

func TestManifestsDecodeStrictly(t *testing.T) {
	kinds := map[string]int{}
	for _, d := range manifests(t) {
		kinds[d.kind]++
		v := typed(d.kind)
		if v == nil {
			t.Errorf("%s: kind %q has no check here; add it", d.file, d.kind)
			continue
		}
		if err := yaml.UnmarshalStrict(d.raw, v); err != nil {
			t.Errorf("%s: %s does not decode strictly: %v", d.file, d.kind, err)
			continue
		}
		switch o := v.(type) {
		case *appsv1.StatefulSet:
			checkStatefulSet(t, o)
		case *corev1.Service:
			checkService(t, o)
		case *monitoringv1.ServiceMonitor:
			checkServiceMonitor(t, o)
		}
	}
	for _, k := range []string{"StatefulSet", "Service", "PodDisruptionBudget"} {
		if kinds[k] == 0 {
			t.Errorf("no %s rendered (kinds: %v)", k, kinds)
		}
	}
	t.Logf("kinds checked: %v", kinds)
}

func checkStatefulSet(t *testing.T, s *appsv1.StatefulSet) {
	if s.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("StatefulSet must start pods in parallel to bootstrap")
	}
	if !labelsMatch(s.Spec.Selector.MatchLabels, s.Spec.Template.Labels) {
		t.Errorf("selector %v does not match the pod labels %v", s.Spec.Selector.MatchLabels, s.Spec.Template.Labels)
	}
	if len(s.Spec.VolumeClaimTemplates) != 1 {
		t.Errorf("want one volume claim template")
	}
	c := s.Spec.Template.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/health/ready" {
		t.Errorf("readiness probe must GET /health/ready")
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/health/live" {
		t.Errorf("liveness probe must GET /health/live")
	}
	ports := map[string]bool{}
	for _, p := range c.Ports {
		ports[p.Name] = true
	}
	for _, probe := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
		if name := probe.HTTPGet.Port.StrVal; name != "" && !ports[name] {
			t.Errorf("probe port %q is not a container port", name)
		}
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for _, name := range []string{"CAIRN_NODE_ID", "CAIRN_ADVERTISE_ADDR", "CAIRN_JOIN", "CAIRN_BOOTSTRAP_EXPECT", "CAIRN_ZONE"} {
		if _, ok := env[name]; !ok {
			t.Errorf("container has no %s", name)
		}
	}
	if _, ok := env["CAIRN_CLUSTER_SECRET"]; ok {
		t.Errorf("the cluster secret must come from the Secret, not a literal")
	}
	if len(c.EnvFrom) == 0 || c.EnvFrom[0].SecretRef == nil {
		t.Errorf("container must take the Secret with envFrom")
	}
	a := s.Spec.Template.Spec.Affinity
	if a == nil || a.PodAntiAffinity == nil {
		t.Errorf("no pod anti-affinity")
	}
}

func checkService(t *testing.T, s *corev1.Service) {
	if len(s.Spec.Selector) == 0 {
		t.Errorf("Service %s selects nothing", s.Name)
	}
	if s.Spec.ClusterIP == corev1.ClusterIPNone && !s.Spec.PublishNotReadyAddresses {
		t.Errorf("headless Service %s must publish not-ready pods: the cluster forms before any pod is ready", s.Name)
	}
}

// checkServiceMonitor checks what the Prometheus Operator needs to scrape Cairn.
func checkServiceMonitor(t *testing.T, m *monitoringv1.ServiceMonitor) {
	if m.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("ServiceMonitor apiVersion %q", m.APIVersion)
	}
	if len(m.Spec.Selector.MatchLabels) == 0 {
		t.Errorf("ServiceMonitor selects nothing")
	}
	if len(m.Spec.Endpoints) == 0 || m.Spec.Endpoints[0].Path != "/metrics" || m.Spec.Endpoints[0].Port == "" {
		t.Errorf("ServiceMonitor endpoints %+v: want a named port and /metrics", m.Spec.Endpoints)
	}
}

func labelsMatch(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

// TestStrictDecodingRejectsMistakes shows the check above can fail: a misspelt field
// and a wrongly typed one are both refused, for a Kubernetes kind and the
// ServiceMonitor.
func TestStrictDecodingRejectsMistakes(t *testing.T) {
	for name, bad := range map[string]string{
		"unknown field":                "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  replica: 3\n",
		"wrong type":                   "apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - port: \"nine thousand\"\n",
		"unknown ServiceMonitor field": "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nspec:\n  endpoint:\n    - port: admin\n",
		"wrong ServiceMonitor type":    "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nspec:\n  endpoints:\n    port: admin\n",
	} {
		var u unstructured.Unstructured
		if err := yaml.Unmarshal([]byte(bad), &u.Object); err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict([]byte(bad), typed(u.GetKind())); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
