package integration

import (
	"strings"
	"testing"
)

func TestScenariosReachTheirVerdicts(t *testing.T) {
	l := startScenarios(t)
	for svc, want := range map[string]string{"checkout": "promote", "payments": "rollback", "cart": "inconclusive", "nobody": "inconclusive"} {
		got := verdictOf(t, l, svc)
		if !strings.HasPrefix(got, want+" ") {
			t.Errorf("%s: want %s, got %s", svc, want, got)
		}
	}
}
