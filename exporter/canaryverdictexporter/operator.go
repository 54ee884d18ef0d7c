package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Override actions of POST /api/v1/releases/{service}/override.
const (
	overrideHold     = "hold"
	overrideRollback = "rollback"
	overrideClear    = "clear"

	// maxReasonLen bounds an operator's reason: it is persisted and shown.
	maxReasonLen = 1024
)

var (
	errOverrideAction = errors.New(`action must be "hold", "rollback" or "clear"`)
	errReasonTooLong  = fmt.Errorf("reason longer than %d bytes", maxReasonLen)
	errReasonEncoding = errors.New("reason is not valid UTF-8")
)

// overrideRequest is the body of POST /api/v1/releases/{service}/override.
type overrideRequest struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
}

// parseOverride decodes and checks an override body. Unknown fields are
// rejected so a typo ("acton") is an error, not a silent no-op.
func parseOverride(body []byte) (overrideRequest, error) {
	var req overrideRequest
	if err := decodeStrict(body, &req); err != nil {
		return req, err
	}
	req.Action = strings.TrimSpace(req.Action)
	switch req.Action {
	case overrideHold, overrideRollback, overrideClear:
	default:
		return req, fmt.Errorf("%w: %q", errOverrideAction, req.Action)
	}
	if len(req.Reason) > maxReasonLen {
		return req, errReasonTooLong
	}
	if !utf8.ValidString(req.Reason) {
		return req, errReasonEncoding
	}
	return req, nil
}

// override applies an operator's override to a service's current run (or,
// before its first run, to that run) and records it in the run's history.
// It returns the record to persist.
func (b *board) override(service string, req overrideRequest, by string, now time.Time) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.service(service)
	run := s.openRun(now)
	if req.Action == overrideClear {
		run.Override = nil
	} else {
		run.Override = &overrideState{Action: req.Action, Reason: req.Reason, By: by, Time: now}
	}
	b.logAction(run, operatorAction{Time: now, Route: "override", Action: req.Action, Reason: req.Reason, By: by})
	return s.persisted()
}

// openRun is the run operator actions apply to: the current one, or, before
// the first run, a placeholder that the first run adopts.
func (s *serviceBoard) openRun(now time.Time) *runRecord {
	if cur := s.current(); cur != nil && cur.End == nil {
		return cur
	}
	run := &runRecord{Start: now, Changes: []verdictChange{}, Actions: []operatorAction{}, Anomalies: []anomaly{}}
	s.rec.Runs = append(s.rec.Runs, run)
	return run
}

// setCriteria records the criteria in force for a service (already
// validated by the judge) and the action in the run's history.
func (b *board) setCriteria(service string, doc json.RawMessage, by string, now time.Time) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.service(service)
	s.rec.Criteria = append(json.RawMessage(nil), doc...)
	b.logAction(s.openRun(now), operatorAction{Time: now, Route: "criteria", Action: "set", By: by, Detail: s.rec.Criteria})
	return s.persisted()
}

// criteria returns the criteria document set for a service, nil if none.
func (b *board) criteria(service string) json.RawMessage {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if s, ok := b.services[service]; ok {
		return s.rec.Criteria
	}
	return nil
}

func (b *board) logAction(run *runRecord, a operatorAction) {
	run.Actions = append(run.Actions, a)
	if over := len(run.Actions) - maxActionsPerRun; over > 0 {
		run.Actions = append([]operatorAction(nil), run.Actions[over:]...)
		b.dropped("actions", over)
	}
}
