package engine

import (
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/spool"
)

// TestLoadLearnedForgetsOldRecords: a path's record is taken back only by
// a path made again; one for a site not dialled for a day has nothing left
// to give (decayed to the preset) and is deleted at the start, not kept in
// the spool and in memory for good.
func TestLoadLearnedForgetsOldRecords(t *testing.T) {
	t.Parallel()
	st, err := spool.Open(filepath.Join(t.TempDir(), "spool"), spool.Options{BallastBytes: -1, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	records := []struct {
		site string
		age  time.Duration
		keep bool
	}{
		{"recent.example", time.Hour, true},
		{"yesterday.example", learnedForget - time.Minute, true},
		{"lastweek.example", 7 * 24 * time.Hour, false},
		{"unreadable.example", 0, false},
	}
	for _, r := range records {
		v, _ := json.Marshal(savedPath{Saved: adaptive.Saved{Conns: 2, At: now.Add(-r.age)}})
		if r.site == "unreadable.example" {
			v = []byte("{")
		}
		if err := st.PutAux(learnedNamespace, learnedKey(egress.PathKey{Source: "s1", Site: r.site}), v, false); err != nil {
			t.Fatal(err)
		}
	}
	e := &Engine{spool: st, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := e.loadLearned(); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	if err := st.ScanAux(learnedNamespace, nil, func(k, _ []byte) error {
		stored[string(k)] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		k := egress.PathKey{Source: "s1", Site: r.site}
		_, loaded := e.ctl.learned.saved[k]
		if loaded != r.keep || stored[string(learnedKey(k))] != r.keep {
			t.Errorf("%s (saved %v ago): loaded %v, in the spool %v; want %v",
				r.site, r.age, loaded, stored[string(learnedKey(k))], r.keep)
		}
	}
}
