package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The Helm values files of deploy/helm are checked the way the upstream
// opentelemetry-collector chart (0.170) uses them: its hard requirements,
// then its `config:` deep-merged into the chart's default collector config
// as Helm does, and the result validated by the built distribution. Helm and
// the chart cannot be fetched here, so the chart's defaults are written out
// below; rendering with the chart itself is checked outside CI.

// chartDefaultConfig is the collector config the chart merges `config:`
// into (values.yaml `config:` of chart 0.170).
const chartDefaultConfig = `
exporters:
  debug: {}
extensions:
  health_check:
    endpoint: ${env:MY_POD_IP}:13133
processors:
  batch: {}
  memory_limiter:
    check_interval: 5s
    limit_percentage: 80
    spike_limit_percentage: 25
receivers:
  jaeger:
    protocols:
      grpc:
        endpoint: ${env:MY_POD_IP}:14250
      thrift_http:
        endpoint: ${env:MY_POD_IP}:14268
      thrift_compact:
        endpoint: ${env:MY_POD_IP}:6831
  otlp:
    protocols:
      grpc:
        endpoint: ${env:MY_POD_IP}:4317
      http:
        endpoint: ${env:MY_POD_IP}:4318
  prometheus:
    config:
      scrape_configs:
        - job_name: opentelemetry-collector
          scrape_interval: 10s
          static_configs:
            - targets:
                - ${env:MY_POD_IP}:8888
  zipkin:
    endpoint: ${env:MY_POD_IP}:9411
service:
  telemetry:
    resource:
      k8s.namespace.name: "${env:OTEL_K8S_NAMESPACE}"
      k8s.node.name: "${env:OTEL_K8S_NODE_NAME}"
      k8s.node.ip: "${env:OTEL_K8S_NODE_IP}"
      k8s.pod.name: "${env:OTEL_K8S_POD_NAME}"
      k8s.pod.ip: "${env:OTEL_K8S_POD_IP}"
      host.name: "${env:OTEL_K8S_NODE_NAME}"
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: ${env:MY_POD_IP}
                port: 8888
  extensions:
    - health_check
  pipelines:
    logs:
      exporters: [debug]
      processors: [memory_limiter, batch]
      receivers: [otlp]
    metrics:
      exporters: [debug]
      processors: [memory_limiter, batch]
      receivers: [otlp, prometheus]
    traces:
      exporters: [debug]
      processors: [memory_limiter, batch]
      receivers: [otlp, jaeger, zipkin]
`

// chartDefaultPorts are the chart's container/service ports (values.yaml
// `ports:`); only the fields these tests read.
const chartDefaultPorts = `
otlp: {enabled: true, containerPort: 4317}
otlp-http: {enabled: true, containerPort: 4318}
jaeger-compact: {enabled: true, containerPort: 6831}
jaeger-thrift: {enabled: true, containerPort: 14268}
jaeger-grpc: {enabled: true, containerPort: 14250}
zipkin: {enabled: true, containerPort: 9411}
metrics: {enabled: false, containerPort: 8888}
`

// chartEnv are the variables the chart sets in every collector pod, with
// stand-ins for this machine: the pod IP becomes loopback.
var chartEnv = map[string]string{
	"MY_POD_IP":          "127.0.0.1",
	"OTEL_K8S_POD_IP":    "127.0.0.1",
	"OTEL_K8S_NODE_IP":   "127.0.0.1",
	"OTEL_K8S_NAMESPACE": "observability",
	"OTEL_K8S_NODE_NAME": "node-1",
	"OTEL_K8S_POD_NAME":  "canarytrace-0",
}

// helmRole is one Helm release of the distribution: its values files, in
// `-f` order.
type helmRole struct {
	name  string
	files []string
}

var helmRoles = []helmRole{
	{"gateway", []string{"gateway.yaml"}},
	{"sampling-tier", []string{"sampling-tier.yaml"}},
	{"sampling-tier+prometheus", []string{"sampling-tier.yaml", "sampling-tier-prometheus.yaml"}},
	{"analysis-tier", []string{"analysis-tier.yaml"}},
}

func TestHelmValuesValidateWithTheDistribution(t *testing.T) {
	bin := binary(t, "otelcol-canary")
	for _, role := range helmRoles {
		t.Run(role.name, func(t *testing.T) {
			values := chartValues(t, loadValues(t, role.files...))
			require.NoError(t, chartRequirements(values, bin))
			out, err := validateRendered(t, bin, values)
			require.NoError(t, err, "otelcol-canary validate:\n%s", out)
		})
	}
}

// A values file that forgets to null one of the chart's defaults leaves a
// receiver the distribution does not hold in the merged config: validation
// must fail and say which.
func TestHelmValuesMissingNullFailsValidation(t *testing.T) {
	bin := binary(t, "otelcol-canary")
	user := loadValues(t, "sampling-tier.yaml")
	delete(dig(t, user, "config", "receivers"), "jaeger")
	values := chartValues(t, user)
	out, err := validateRendered(t, bin, values)
	require.Error(t, err)
	require.Contains(t, out, `'receivers' unknown type: "jaeger"`)
}

func TestHelmRequirementsBite(t *testing.T) {
	bin := binary(t, "otelcol-canary")
	cases := map[string]struct {
		edit func(v map[string]any)
		want string
	}{
		"no mode":      {func(v map[string]any) { delete(v, "mode") }, "mode"},
		"no image":     {func(v map[string]any) { delete(v["image"].(map[string]any), "repository") }, "image.repository"},
		"other binary": {func(v map[string]any) { v["command"] = map[string]any{"name": "otelcol-contrib"} }, `command.name "otelcol-contrib"`},
		"no health_check": {func(v map[string]any) {
			v["config"].(map[string]any)["service"].(map[string]any)["extensions"] = []any{"file_storage"}
		}, "health_check"},
		"port no listener": {func(v map[string]any) { v["ports"].(map[string]any)["zipkin"] = map[string]any{"enabled": true} }, "port zipkin (9411)"},
		"history not on the volume": {func(v map[string]any) {
			v["extraVolumeMounts"] = []any{}
		}, "file_storage directory /var/lib/canarytrace"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			user := loadValues(t, "analysis-tier.yaml")
			c.edit(user)
			err := chartRequirements(chartValues(t, user), bin)
			require.ErrorContains(t, err, c.want)
		})
	}
}

// loadValues reads deploy/helm values files and merges them as `helm -f a
// -f b` does: later files win, maps merge, a null is kept (it deletes the
// chart's default later).
func loadValues(t *testing.T, files ...string) map[string]any {
	t.Helper()
	merged := map[string]any{}
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy/helm", f))
		require.NoError(t, err)
		var v map[string]any
		require.NoError(t, yaml.Unmarshal(raw, &v), f)
		merged = overlay(merged, v)
	}
	return merged
}

func overlay(base, top map[string]any) map[string]any {
	for k, tv := range top {
		bm, bok := base[k].(map[string]any)
		tm, tok := tv.(map[string]any)
		if bok && tok {
			base[k] = overlay(bm, tm)
			continue
		}
		base[k] = tv
	}
	return base
}

// chartValues coalesces user values with the chart's defaults for the keys
// these tests read (config, ports), as Helm does.
func chartValues(t *testing.T, user map[string]any) map[string]any {
	t.Helper()
	for key, defaults := range map[string]string{"config": chartDefaultConfig, "ports": chartDefaultPorts} {
		var d map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(defaults), &d))
		u, _ := user[key].(map[string]any)
		user[key] = coalesce(u, d)
	}
	return user
}

// coalesce merges user values over chart defaults: maps merge recursively,
// lists and scalars from the user replace the default, and a user null
// deletes the key.
func coalesce(user, chart map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range chart {
		out[k] = v
	}
	for k, uv := range user {
		if uv == nil {
			delete(out, k)
			continue
		}
		um, uok := uv.(map[string]any)
		cm, cok := out[k].(map[string]any)
		if uok && cok {
			out[k] = coalesce(um, cm)
			continue
		}
		out[k] = uv
	}
	return out
}

// chartRequirements is what the chart fails on, plus what would leave a
// running pod broken although the chart renders it.
func chartRequirements(v map[string]any, bin string) error {
	switch v["mode"] {
	case "deployment", "statefulset", "daemonset":
	default:
		return fmt.Errorf("mode %v: the chart needs deployment, statefulset or daemonset", v["mode"])
	}
	image, _ := v["image"].(map[string]any)
	if repo, _ := image["repository"].(string); repo == "" {
		return fmt.Errorf("image.repository is not set: the chart refuses to render")
	}
	command, _ := v["command"].(map[string]any)
	if name, _ := command["name"].(string); name != filepath.Base(bin) {
		return fmt.Errorf("command.name %q: the chart runs /<command.name>, the image holds /%s", name, filepath.Base(bin))
	}
	config := v["config"].(map[string]any)
	service, _ := config["service"].(map[string]any)
	extensions, _ := service["extensions"].([]any)
	if !containsString(extensions, "health_check") {
		return fmt.Errorf("service.extensions %v: the chart's probes need health_check", extensions)
	}
	if err := portsHaveListeners(v["ports"].(map[string]any), config); err != nil {
		return err
	}
	return storageOnVolume(v, config)
}

// portsHaveListeners: every port the chart opens on the pod and Service is
// served by an endpoint of the config (a receiver, extension or the
// canary_verdict server).
func portsHaveListeners(ports, config map[string]any) error {
	listening := map[int]bool{}
	for _, section := range []string{"receivers", "extensions", "exporters"} {
		components, _ := config[section].(map[string]any)
		for id, c := range components {
			if section == "exporters" && componentType(id) != "canary_verdict" {
				continue // clients: their endpoint is someone else's port
			}
			for _, ep := range endpoints(c) {
				if i := strings.LastIndex(ep, ":"); i >= 0 {
					if p, err := strconv.Atoi(ep[i+1:]); err == nil {
						listening[p] = true
					}
				}
			}
		}
	}
	names := make([]string, 0, len(ports))
	for name := range ports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p, _ := ports[name].(map[string]any)
		if enabled, _ := p["enabled"].(bool); !enabled {
			continue
		}
		port, _ := p["containerPort"].(int)
		if !listening[port] {
			return fmt.Errorf("port %s (%d) is enabled but nothing in config listens on it", name, port)
		}
	}
	return nil
}

// storageOnVolume: a file_storage directory must be the mount of a
// persistent volume claim, or the run history dies with the pod.
func storageOnVolume(v, config map[string]any) error {
	claims := map[string]bool{}
	if sts, ok := v["statefulset"].(map[string]any); ok {
		templates, _ := sts["volumeClaimTemplates"].([]any)
		for _, tpl := range templates {
			meta, _ := tpl.(map[string]any)["metadata"].(map[string]any)
			if name, ok := meta["name"].(string); ok {
				claims[name] = true
			}
		}
	}
	persistent := map[string]bool{}
	mounts, _ := v["extraVolumeMounts"].([]any)
	for _, m := range mounts {
		mm, _ := m.(map[string]any)
		if name, _ := mm["name"].(string); claims[name] {
			persistent[fmt.Sprint(mm["mountPath"])] = true
		}
	}
	extensions, _ := config["extensions"].(map[string]any)
	for id, e := range extensions {
		if componentType(id) != "file_storage" {
			continue
		}
		dir, _ := e.(map[string]any)["directory"].(string)
		if !persistent[dir] {
			return fmt.Errorf("%s: file_storage directory %s is not the mountPath of a statefulset.volumeClaimTemplates volume", id, dir)
		}
	}
	return nil
}

var envRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}`)

// validateRendered writes the merged config as the chart's ConfigMap would
// hold it and runs `otelcol-canary validate` on it in the pod's environment:
// the chart's variables, the values' extraEnvs, and a temporary directory
// for each file_storage volume.
func validateRendered(t *testing.T, bin string, values map[string]any) (string, error) {
	t.Helper()
	config := values["config"].(map[string]any)
	if extensions, ok := config["extensions"].(map[string]any); ok {
		for id, e := range extensions {
			if componentType(id) == "file_storage" {
				e.(map[string]any)["directory"] = t.TempDir()
			}
		}
	}
	raw, err := yaml.Marshal(config)
	require.NoError(t, err)

	env := map[string]string{}
	for k, v := range chartEnv {
		env[k] = v
	}
	extra, _ := values["extraEnvs"].([]any)
	for _, e := range extra {
		em, _ := e.(map[string]any)
		env[fmt.Sprint(em["name"])] = fmt.Sprint(em["value"])
	}
	for _, m := range envRef.FindAllStringSubmatch(string(raw), -1) {
		_, ok := env[m[1]]
		require.True(t, ok, "config uses ${env:%s}, which neither the chart nor extraEnvs sets in the pod", m[1])
	}

	path := filepath.Join(t.TempDir(), "relay.yaml")
	require.NoError(t, os.WriteFile(path, raw, 0o600))
	cmd := exec.Command(bin, "validate", "--config", path)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// endpoints are the values of every "endpoint" key within a component.
func endpoints(c any) []string {
	var out []string
	switch c := c.(type) {
	case map[string]any:
		for k, v := range c {
			if s, ok := v.(string); ok && k == "endpoint" {
				out = append(out, s)
				continue
			}
			out = append(out, endpoints(v)...)
		}
	case []any:
		for _, v := range c {
			out = append(out, endpoints(v)...)
		}
	}
	return out
}

func componentType(id string) string {
	typ, _, _ := strings.Cut(id, "/")
	return typ
}

func containsString(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func dig(t *testing.T, m map[string]any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		require.True(t, ok, "no map at %s", k)
		m = next
	}
	return m
}

// The three releases find each other by name: the gateway's resolver, the
// sampling tier's evidence exporters and the rollout controllers' URLs all
// point at what the other values files create, and the evidence is judged
// with the criteria it was gathered with.
func TestHelmTiersConnect(t *testing.T) {
	gateway := chartValues(t, loadValues(t, "gateway.yaml"))
	sampling := chartValues(t, loadValues(t, "sampling-tier.yaml", "sampling-tier-prometheus.yaml"))
	analysis := chartValues(t, loadValues(t, "analysis-tier.yaml"))
	const ns = "${env:OTEL_K8S_NAMESPACE}"

	// gateway -> sampling tier: by trace ID, to each pod of a headless
	// Service, on its OTLP/gRPC port, with the RBAC the resolver needs.
	lb := dig(t, gateway, "config", "exporters", "load_balancing")
	require.Equal(t, "traceID", lb["routing_key"])
	k8s := dig(t, lb, "resolver", "k8s")
	require.Equal(t, sampling["fullnameOverride"].(string)+"."+ns, k8s["service"])
	require.Equal(t, []any{4317}, k8s["ports"])
	require.Equal(t, "${env:MY_POD_IP}:4317", dig(t, sampling, "config", "receivers", "otlp", "protocols", "grpc")["endpoint"])
	requireHeadlessStatefulSet(t, sampling)
	require.Equal(t, true, dig(t, gateway, "clusterRole")["create"])
	require.Contains(t, dig(t, gateway, "clusterRole")["rules"], map[string]any{
		"apiGroups": []any{"discovery.k8s.io"},
		"resources": []any{"endpointslices"},
		"verbs":     []any{"get", "list", "watch"},
	})

	// sampling tier -> every analysis-tier replica, by its stable DNS name,
	// on its OTLP/HTTP port.
	requireHeadlessStatefulSet(t, analysis)
	name := analysis["fullnameOverride"].(string)
	var want []string
	for i := 0; i < analysis["replicaCount"].(int); i++ {
		want = append(want, fmt.Sprintf("http://%s-%d.%s.%s.svc:4318", name, i, name, ns))
	}
	exporters := dig(t, sampling, "config", "exporters")
	var got []string
	for _, id := range dig(t, sampling, "config", "service", "pipelines", "metrics/evidence")["exporters"].([]any) {
		got = append(got, exporters[id.(string)].(map[string]any)["endpoint"].(string))
	}
	require.Equal(t, want, got)
	require.Equal(t, "${env:MY_POD_IP}:4318", dig(t, analysis, "config", "receivers", "otlp", "protocols", "http")["endpoint"])

	// The evidence is judged with the criteria and step it was gathered
	// with (both connectors alike, and the exporter's copy).
	connectors := dig(t, sampling, "config", "connectors")
	verdict := dig(t, analysis, "config", "exporters", "canary_verdict")
	for _, key := range []string{"confidence", "min_samples", "error_rate", "latency"} {
		require.Equal(t, connectors["canary_analysis"].(map[string]any)[key], verdict[key], key)
		require.Equal(t, connectors["canary_analysis"].(map[string]any)[key], connectors["canary_analysis/prometheus"].(map[string]any)[key], key)
	}
	require.Equal(t, connectors["canary_analysis"].(map[string]any)["interval"], connectors["canary_analysis/prometheus"].(map[string]any)["interval"])

	// rollout controllers -> the analysis tier's Service, on the port the
	// chart opens for canary_verdict.
	require.Equal(t, "0.0.0.0:8787", verdict["endpoint"])
	require.Equal(t, 8787, dig(t, analysis, "ports", "verdict")["servicePort"])
	for _, f := range []string{"deploy/argo/analysistemplate-verdict.yaml", "deploy/argo/analysistemplate-value.yaml", "deploy/flagger/canary.yaml"} {
		raw, err := os.ReadFile(filepath.Join(repoRoot(t), f))
		require.NoError(t, err)
		require.Contains(t, string(raw), "http://"+name+".observability.svc:8787", f)
	}
}

func requireHeadlessStatefulSet(t *testing.T, values map[string]any) {
	t.Helper()
	require.Equal(t, "statefulset", values["mode"])
	require.Equal(t, "None", dig(t, values, "service")["clusterIP"])
}
