package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"
)

// analysisTemplate is the part of an Argo Rollouts AnalysisTemplate the
// web provider reads.
type analysisTemplate struct {
	Kind string `json:"kind"`
	Spec struct {
		Args []struct {
			Name  string  `json:"name"`
			Value *string `json:"value"`
		} `json:"args"`
		Metrics []struct {
			Name             string `json:"name"`
			SuccessCondition string `json:"successCondition"`
			FailureCondition string `json:"failureCondition"`
			Provider         struct {
				Web *struct {
					URL      string `json:"url"`
					JSONPath string `json:"jsonPath"`
				} `json:"web"`
			} `json:"provider"`
		} `json:"metrics"`
	} `json:"spec"`
}

func loadTemplate(t *testing.T, name string) analysisTemplate {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "argo", name))
	require.NoError(t, err)
	var at analysisTemplate
	require.NoError(t, yaml.Unmarshal(raw, &at))
	require.Equal(t, "AnalysisTemplate", at.Kind)
	require.Len(t, at.Spec.Metrics, 1)
	require.NotNil(t, at.Spec.Metrics[0].Provider.Web)
	return at
}

// Argo Rollouts' rules for one web measurement, as its documentation and
// code state them: GET the URL; non-2xx is an Error; the body is parsed as
// JSON and the jsonPath evaluated with k8s.io/client-go/util/jsonpath; the
// first value found is `result`; each condition is compiled and run with
// github.com/expr-lang/expr, with Argo's helpers isNil(result) and
// default(result, x) (x when result is null); a failing condition wins, then
// a successful one, else the measurement is Inconclusive; an evaluation
// error is Error.
const (
	phaseSuccessful   = "Successful"
	phaseFailed       = "Failed"
	phaseInconclusive = "Inconclusive"
	phaseError        = "Error"
)

func measure(t *testing.T, l *live, at analysisTemplate, args map[string]string) string {
	t.Helper()
	m := at.Spec.Metrics[0]
	url := m.Provider.Web.URL
	for _, a := range at.Spec.Args {
		v, ok := args[a.Name]
		if !ok && a.Value != nil {
			v = *a.Value
		}
		url = strings.ReplaceAll(url, "{{args."+a.Name+"}}", v)
	}
	require.True(t, strings.HasPrefix(url, l.url), "url %s", url)
	code, body := l.get(t, strings.TrimPrefix(url, l.url))
	if code < 200 || code >= 300 {
		return phaseError
	}
	var data any
	require.NoError(t, json.Unmarshal(body, &data))
	jp := jsonpath.New("metrics")
	require.NoError(t, jp.Parse(m.Provider.Web.JSONPath))
	results, err := jp.FindResults(data)
	if err != nil {
		return phaseError
	}
	var result any
	found := false
	for _, rs := range results {
		if len(rs) > 0 {
			result, found = rs[0].Interface(), true
			break
		}
	}
	if !found {
		return phaseError
	}
	cond := func(c string) (bool, error) {
		if c == "" {
			return false, nil
		}
		env := map[string]any{
			"result":  result,
			"isNil":   func(any) bool { return result == nil },
			"default": func(_, x any) any { return orDefault(result, x) },
		}
		prog, err := expr.Compile(c, expr.Env(env))
		if err != nil {
			return false, err
		}
		out, err := expr.Run(prog, env)
		if err != nil {
			return false, err
		}
		b, ok := out.(bool)
		if !ok {
			return false, fmt.Errorf("condition %q gave %T", c, out)
		}
		return b, nil
	}
	ok, err := cond(m.SuccessCondition)
	if err != nil {
		return phaseError
	}
	bad, err := cond(m.FailureCondition)
	if err != nil {
		return phaseError
	}
	switch {
	case bad:
		return phaseFailed
	case ok:
		return phaseSuccessful
	}
	return phaseInconclusive
}

func orDefault(result, x any) any {
	if result == nil {
		return x
	}
	return result
}

func TestArgoVerdictTemplate(t *testing.T) {
	l := startScenarios(t)
	at := loadTemplate(t, "analysistemplate-verdict.yaml")
	for svc, want := range map[string]string{
		"checkout": phaseSuccessful,   // promote
		"payments": phaseFailed,       // rollback
		"cart":     phaseInconclusive, // inconclusive
		"nobody":   phaseInconclusive, // no data: still a 200, never an Error
	} {
		assert.Equal(t, want, measure(t, l, at, map[string]string{"service": svc, "endpoint": l.url}), "%s: %s", svc, verdictOf(t, l, svc))
	}
}

func TestArgoValueTemplate(t *testing.T) {
	l := startScenarios(t)
	at := loadTemplate(t, "analysistemplate-value.yaml")
	for svc, want := range map[string]string{
		"search":   phaseSuccessful,   // canary error rate ~0.1% < 0.005
		"checkout": phaseInconclusive, // ~0.9%: between the two bounds
		"payments": phaseFailed,       // ~10%
		"nobody":   phaseInconclusive, // {"value": null}: guarded, not an Error
	} {
		_, body := l.get(t, "/api/v1/value?service="+svc+"&check=error_rate&stage=canary&window=5m")
		assert.Equal(t, want, measure(t, l, at, map[string]string{"service": svc, "endpoint": l.url}), "%s: %s", svc, bytes.TrimSpace(body))
	}
}

// TestArgoValueWithoutGuardIsAnError shows why the template uses default():
// Argo counts an expression error on null as an Error.
func TestArgoValueWithoutGuardIsAnError(t *testing.T) {
	l := startScenarios(t)
	at := loadTemplate(t, "analysistemplate-value.yaml")
	at.Spec.Metrics[0].SuccessCondition = "result < 0.005"
	at.Spec.Metrics[0].FailureCondition = ""
	assert.Equal(t, phaseError, measure(t, l, at, map[string]string{"service": "nobody", "endpoint": l.url}))
}
