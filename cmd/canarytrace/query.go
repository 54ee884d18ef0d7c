package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Exit statuses of `canarytrace query`, documented in the exporter's README:
// a CI step or Argo's job provider acts on them.
const (
	queryPromote      = 0 // release promote, or check/value pass
	queryRollback     = 1 // release rollback, or check/value fail
	queryInconclusive = 2 // inconclusive, or no data yet
	queryError        = 3 // bad flags, unreachable endpoint, non-200 answer
)

func init() {
	register(command{
		name:    "query",
		summary: "ask a canary_verdict exporter for a verdict or value (exit 0 promote/pass, 1 rollback/fail, 2 inconclusive/no data, 3 error)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			if code := query(ctx, args, stdout, stderr); code != queryPromote {
				return exitStatus(code)
			}
			return nil
		},
	})
}

type queryFlags struct {
	endpoint, service, version  string
	check, stage                string
	operation, operationService string
	window                      time.Duration
	max                         float64
	hasMax                      bool
	timeout                     time.Duration
	json                        bool
}

func parseQueryFlags(args []string, stderr io.Writer) (queryFlags, error) {
	var q queryFlags
	fs := flag.NewFlagSet("query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&q.endpoint, "endpoint", "http://localhost:8787", "base URL of the canary_verdict exporter")
	fs.StringVar(&q.service, "service", "", "the release's service.name (required)")
	fs.StringVar(&q.version, "version", "", "the canary's service.version (default: the current run)")
	fs.StringVar(&q.check, "check", "", "a check (error_rate, latency_p99…): its verdict, or with --max its value")
	fs.StringVar(&q.stage, "stage", "canary", "arm of the value: canary or stable")
	fs.StringVar(&q.operation, "operation", "", "an operation (span name) instead of the whole release")
	fs.StringVar(&q.operationService, "operation-service", "", "the operation's service (default: the release's)")
	fs.DurationVar(&q.window, "window", 0, "with --max: the value over this recent window instead of the run")
	maxFlag := fs.String("max", "", "value mode: pass when the value is <= max, fail when above")
	fs.DurationVar(&q.timeout, "timeout", 10*time.Second, "HTTP timeout")
	fs.BoolVar(&q.json, "json", false, "print the exporter's JSON answer instead of a line of text")
	if err := fs.Parse(args); err != nil {
		return q, err
	}
	if fs.NArg() > 0 {
		return q, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if q.service == "" {
		return q, errors.New("--service is required")
	}
	if q.stage != "canary" && q.stage != "stable" {
		return q, fmt.Errorf("--stage must be canary or stable, got %q", q.stage)
	}
	if *maxFlag != "" {
		v, err := strconv.ParseFloat(*maxFlag, 64)
		if err != nil || math.IsNaN(v) {
			return q, fmt.Errorf("--max must be a number, got %q", *maxFlag)
		}
		q.max, q.hasMax = v, true
		if q.check == "" {
			return q, errors.New("--max needs --check")
		}
	}
	if q.window != 0 && !q.hasMax {
		return q, errors.New("--window needs --max (a window has a value, not a verdict)")
	}
	return q, nil
}

// query runs `canarytrace query` and returns its exit status.
func query(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	q, err := parseQueryFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return queryPromote
	}
	if err != nil {
		fmt.Fprintf(stderr, "canarytrace query: %v\n", err)
		return queryError
	}
	ctx, cancel := context.WithTimeout(ctx, q.timeout)
	defer cancel()
	if q.hasMax {
		return queryValue(ctx, q, stdout, stderr)
	}
	return queryVerdict(ctx, q, stdout, stderr)
}

// verdictAnswer is the part of GET /api/v1/verdicts/{service} query reads.
type verdictAnswer struct {
	Service, Version, Run, Verdict, Reason string
	Score                                  *float64
	Checks                                 []struct {
		Service, Operation, Check, Verdict, Reason string
		Canary, Stable                             *float64
	}
}

func queryVerdict(ctx context.Context, q queryFlags, stdout, stderr io.Writer) int {
	path := "/api/v1/verdicts/" + url.PathEscape(q.service)
	if q.version != "" {
		path += "?version=" + url.QueryEscape(q.version)
	}
	var v verdictAnswer
	raw, err := getAnswer(ctx, q.endpoint+path, &v)
	if err != nil {
		fmt.Fprintf(stderr, "canarytrace query: %v\n", err)
		return queryError
	}
	if q.json {
		_, _ = stdout.Write(raw)
	}
	if q.check == "" {
		if !q.json {
			fmt.Fprintf(stdout, "%s %s@%s run=%s: %s\n", v.Verdict, v.Service, v.Version, orDash(v.Run), v.Reason)
		}
		return verdictStatus(v.Verdict)
	}
	opService := q.operationService
	if opService == "" {
		opService = q.service
	}
	for _, c := range v.Checks {
		if c.Check != q.check || c.Operation != q.operation || (q.operation != "" && c.Service != opService) {
			continue
		}
		if !q.json {
			fmt.Fprintf(stdout, "%s %s canary=%s stable=%s: %s\n", c.Verdict, q.check, number(c.Canary), number(c.Stable), c.Reason)
		}
		return verdictStatus(c.Verdict)
	}
	if !q.json {
		fmt.Fprintf(stdout, "inconclusive %s: no data\n", q.check)
	}
	return queryInconclusive
}

func queryValue(ctx context.Context, q queryFlags, stdout, stderr io.Writer) int {
	v := url.Values{"service": {q.service}, "check": {q.check}, "stage": {q.stage}}
	if q.version != "" {
		v.Set("version", q.version)
	}
	if q.operation != "" {
		v.Set("operation", q.operation)
		if q.operationService != "" {
			v.Set("operation.service", q.operationService)
		}
	}
	if q.window > 0 {
		v.Set("window", q.window.String())
	}
	var ans struct {
		Value *float64 `json:"value"`
	}
	raw, err := getAnswer(ctx, q.endpoint+"/api/v1/value?"+v.Encode(), &ans)
	if err != nil {
		fmt.Fprintf(stderr, "canarytrace query: %v\n", err)
		return queryError
	}
	if q.json {
		_, _ = stdout.Write(raw)
	} else {
		fmt.Fprintln(stdout, number(ans.Value))
	}
	switch {
	case ans.Value == nil:
		return queryInconclusive
	case *ans.Value <= q.max:
		return queryPromote
	default:
		return queryRollback
	}
}

// getAnswer GETs a JSON answer; anything but a 200 is an error (the
// exporter answers 200 whenever it can, "no data" included).
func getAnswer(ctx context.Context, u string, v any) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", u, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("%s: not a canary_verdict answer: %w", u, err)
	}
	return raw, nil
}

func verdictStatus(v string) int {
	switch v {
	case "promote", "pass":
		return queryPromote
	case "rollback", "fail":
		return queryRollback
	}
	return queryInconclusive
}

func number(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
