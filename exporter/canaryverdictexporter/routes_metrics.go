package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"bytes"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// verdictValue maps verdict words to the canary.verdict gauge's values
// (DESIGN.md: 1 pass/promote, 0 inconclusive, -1 fail/rollback).
func verdictValue(v string) float64 {
	switch v {
	case verdictPromote, checkPass:
		return 1
	case verdictRollback, checkFail:
		return -1
	}
	return 0
}

// prometheus serves the merged verdicts and scores in the Prometheus text
// exposition format (version 0.0.4), with the connector's metric names and
// labels rendered as Prometheus renders OTLP names (dots become '_').
func (e *verdictExporter) prometheus(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	reports := e.board.all()
	b.WriteString("# HELP canary_verdict Merged verdict: 1 pass/promote, 0 inconclusive, -1 fail/rollback.\n")
	b.WriteString("# TYPE canary_verdict gauge\n")
	for _, rep := range reports {
		if rep.Run == "" {
			continue
		}
		release := [][2]string{{"service_name", rep.Service}, {"service_version", rep.Version}, {"run", rep.Run}}
		writeSample(&b, "canary_verdict", append(release, [2]string{"check", "overall"}), verdictValue(rep.Verdict))
		for _, c := range rep.Checks {
			labels := append(append([][2]string{}, release...), [2]string{"check", c.Check})
			if c.Operation != "" {
				labels = append(labels, [2]string{"operation_service", c.Service}, [2]string{"span_name", c.Operation}, [2]string{"span_kind", c.Kind})
			}
			writeSample(&b, "canary_verdict", labels, verdictValue(c.Verdict))
		}
	}
	b.WriteString("# HELP canary_score Merged score: share (0-100) of evaluated checks that pass.\n")
	b.WriteString("# TYPE canary_score gauge\n")
	for _, rep := range reports {
		if rep.Run == "" || math.IsNaN(float64(rep.Score)) {
			continue
		}
		writeSample(&b, "canary_score", [][2]string{{"service_name", rep.Service}, {"service_version", rep.Version}, {"run", rep.Run}}, float64(rep.Score))
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func writeSample(b *bytes.Buffer, name string, labels [][2]string, v float64) {
	b.WriteString(name)
	b.WriteByte('{')
	for i, l := range labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l[0])
		b.WriteString(`="`)
		b.WriteString(escapeLabel(l[1]))
		b.WriteByte('"')
	}
	b.WriteString("} ")
	b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	b.WriteByte('\n')
}

// labelEscaper escapes a label value as the text format requires: span
// names are untrusted and may hold quotes, backslashes or newlines.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string {
	return labelEscaper.Replace(s)
}
