package scenario

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/suppress"
)

// Rows of the suppression scenario.
const (
	SysSuppressOff = "wasmta, empty suppression lists"
	SysSuppressOn  = "wasmta, 1,000,000 suppressed addresses"
)

// suppressEntries is the size of the list checked in the "on" rows: the
// issue's one million per tenant.
const suppressEntries = 1_000_000

// suppressLoads are the scenario's cases: the reference 4 KiB message to
// one recipient, and to ten (ten RCPT checks per message).
func (e *Env) suppressLoads() []Load {
	if e.Quick {
		return []Load{{Size: 4096, Rcpts: 1, Count: 500, Sessions: sessions}}
	}
	return []Load{{Size: 4096, Rcpts: 1, Count: 2000, Sessions: sessions},
		{Size: 4096, Rcpts: 10, Count: 2000, Sessions: sessions}}
}

// Suppress measures relay throughput with the suppression check at RCPT
// against empty lists and against a list of a million addresses (none of
// them the load's recipients, so every message is relayed): what the
// check costs when the Bloom filter is large and cold, where an empty one
// answers at once.
func (e *Env) Suppress(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("suppress", "Relay throughput with suppression checks: empty lists vs a million entries")
	loads := e.suppressLoads()
	for _, l := range loads {
		sc.Command = append(sc.Command, l.Command("MTA:PORT"))
	}
	sc.Notes = append(sc.Notes, suppressNotes...)
	tmpl, took, err := e.suppressTemplate()
	if err != nil {
		sc.Notes = append(sc.Notes, "no list: "+err.Error())
		return e.end(sc, t0)
	}
	sc.Notes = append(sc.Notes, fmt.Sprintf("Writing the %d entries into the spool took %s (before wasmta starts; not measured below).", suppressEntries, took.Round(100*time.Millisecond)))
	for rep := range e.Repeats {
		for _, l := range loads {
			if ctx.Err() != nil {
				return e.end(sc, t0)
			}
			e.Log.Info("suppress", "rep", rep+1, "case", l.Case())
			o, err := e.relayWasmta(ctx, l, wasmtaOpts{})
			e.note(sc, SysSuppressOff, l, o, err, true)
			dir, err := e.dir("wasmta-suppress-spool")
			if err == nil {
				err = exec.CommandContext(ctx, "cp", "-a", filepath.Join(tmpl, "spool"), dir).Run()
			}
			if err != nil {
				e.note(sc, SysSuppressOn, l, Outcome{}, fmt.Errorf("copy the list: %w", err), true)
				continue
			}
			o, err = e.relayWasmta(ctx, l, wasmtaOpts{Spool: dir})
			e.note(sc, SysSuppressOn, l, o, err, true)
			os.RemoveAll(dir)
		}
	}
	return e.end(sc, t0)
}

var suppressNotes = []string{
	"The same load as the relay scenario's, through the same wasmta; every RCPT TO is checked against the relaying tenant's and the global suppression lists (a Bloom filter test each, a Pebble read on a filter hit), since the check cannot be turned off: the off rows have empty lists.",
	"On: 1,000,000 addresses on the relaying tenant's list (u0000000@suppressed.bench.example ...), written into a copy of one spool before wasmta starts; none is a recipient of the load, so a check costs the filter tests and, for the filter's ~1% false positives, a read.",
}

// suppressTemplate writes a spool holding suppressEntries entries once per
// run; each "on" run gets a copy.
func (e *Env) suppressTemplate() (string, time.Duration, error) {
	dir, err := e.dir("suppress-template")
	if err != nil {
		return "", 0, err
	}
	t0 := time.Now()
	path := filepath.Join(dir, "spool")
	if err := fillSuppression(path); err != nil {
		return "", 0, err
	}
	return dir, time.Since(t0), nil
}

// fillSuppression writes the entries into the spool at path.
func fillSuppression(path string) error {
	sp, err := spool.Open(path, spool.Options{BallastBytes: -1, MinFreeBytes: -1})
	if err != nil {
		return err
	}
	defer sp.Close()
	if err := sp.Scan(context.Background(), func(*message.Message, []message.RcptState) error { return nil }); err != nil {
		return err
	}
	st, err := suppress.Open(sp)
	if err != nil {
		return err
	}
	now := time.Now()
	const batch = 10_000
	es := make([]suppress.Entry, 0, batch)
	for i := range suppressEntries {
		es = append(es, suppress.Entry{Recipient: fmt.Sprintf("u%07d@suppressed.bench.example", i),
			Reason: suppress.ReasonHardBounce, Cause: "bench"})
		if len(es) == batch {
			if _, err := st.AddMany(es, now); err != nil {
				return err
			}
			es = es[:0]
		}
	}
	// Flushed and compacted here, so that the measured run does not
	// start with a million entries in the log and the compactions due.
	return sp.Compact()
}
