package canaryverdictexporter // import "github.com/canarytrace/canarytrace/exporter/canaryverdictexporter"

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Keys in the storage extension: one record per service, and an index of
// the services so they can be found again on start (storage.Client cannot
// list keys).
const (
	storageIndexKey      = "services"
	storageServicePrefix = "service/"
)

// historyStore persists service records through a storage.Client. With no
// storage configured it is given storage.NewNopClient() and history lives
// only in memory, in the board.
type historyStore struct {
	client storage.Client
	failed func()

	mu    sync.Mutex
	known map[string]bool
}

func newHistoryStore(c storage.Client, failed func()) *historyStore {
	return &historyStore{client: c, failed: failed, known: map[string]bool{}}
}

// load reads every persisted service record. A record that does not decode
// is skipped and counted, so one corrupt entry cannot stop the exporter.
func (s *historyStore) load(ctx context.Context) ([]serviceRecord, error) {
	raw, err := s.client.Get(ctx, storageIndexKey)
	if err != nil {
		s.failed()
		return nil, fmt.Errorf("reading the history index: %w", err)
	}
	if raw == nil {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		s.failed()
		return nil, fmt.Errorf("decoding the history index: %w", err)
	}
	var recs []serviceRecord
	for _, n := range names {
		b, err := s.client.Get(ctx, storageServicePrefix+n)
		if err != nil || b == nil {
			s.failed()
			continue
		}
		var r serviceRecord
		if err := json.Unmarshal(b, &r); err != nil || r.Service != n {
			s.failed()
			continue
		}
		s.mu.Lock()
		s.known[n] = true
		s.mu.Unlock()
		recs = append(recs, r)
	}
	return recs, nil
}

// save writes a service's record (nil does nothing), and the index when
// the service is new.
func (s *historyStore) save(ctx context.Context, service string, rec []byte) error {
	if rec == nil {
		return nil
	}
	ops := []*storage.Operation{storage.SetOperation(storageServicePrefix+service, rec)}
	// The index is written with the record, and the service marked known
	// only once both are stored, so a failed write is retried next time.
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.known[service] {
		names := []string{service}
		for n := range s.known {
			names = append(names, n)
		}
		sort.Strings(names)
		idx, _ := json.Marshal(names)
		ops = append(ops, storage.SetOperation(storageIndexKey, idx))
	}
	if err := s.client.Batch(ctx, ops...); err != nil {
		s.failed()
		return fmt.Errorf("persisting the history of %q: %w", service, err)
	}
	s.known[service] = true
	return nil
}

func (s *historyStore) close(ctx context.Context) error {
	return s.client.Close(ctx)
}
