package result

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
)

// SchemaVersion is the version of the JSON layout; compare refuses files
// of another version.
const SchemaVersion = 1

// File is one benchmark run: everything docs/benchmarks.md is written from.
type File struct {
	Schema    int          `json:"schema"`
	Commit    string       `json:"commit"`     // git commit measured
	Dirty     bool         `json:"dirty"`      // the working tree had changes besides the commit
	Date      time.Time    `json:"date"`       // start of the run
	Duration  float64      `json:"duration_s"` // wall time of the whole run
	Quick     bool         `json:"quick"`      // the reduced form (make bench-quick)
	Repeats   int          `json:"repeats"`    // runs per figure
	Command   string       `json:"command"`    // how the suite was started
	Machine   proc.Machine `json:"machine"`    //
	Postfix   string       `json:"postfix"`    // mail_version of the Postfix measured
	Scenarios []*Scenario  `json:"scenarios"`  //
	Notes     []string     `json:"notes,omitempty"`
	// Added lists the later runs whose scenarios were appended to this
	// file (wasmta-bench run --base): when, which commit, how.
	Added []string `json:"added,omitempty"`
}

// Scenario is one scenario's figures.
type Scenario struct {
	Name    string     `json:"name"`  // stable key: relay, latency, policy, backlog, spool, providers
	Title   string     `json:"title"` //
	Command []string   `json:"command,omitempty"`
	LoadAvg [3]float64 `json:"load_avg"` // 1/5/15-minute load average when the scenario started
	Seconds float64    `json:"seconds"`  // wall time it took
	Rows    []*Row     `json:"rows"`
	Notes   []string   `json:"notes,omitempty"`
	Skipped string     `json:"skipped,omitempty"` // why it did not run
	// Commit and Date say when the scenario ran, when it was not with the
	// rest of the file (empty in files written before they existed).
	Commit string    `json:"commit,omitempty"`
	Date   time.Time `json:"date,omitzero"`
}

// Row is one system under one case: e.g. wasmta relaying 4 KiB messages
// with 1 recipient.
type Row struct {
	System  string    `json:"system"` // wasmta, postfix, limit (smtp-source → smtp-sink) ...
	Case    string    `json:"case"`
	Metrics []*Metric `json:"metrics"`
}

// Metric is one figure over the repeated runs.
type Metric struct {
	Name   string    `json:"name"` // stable key, e.g. delivered_per_s
	Unit   string    `json:"unit"`
	Better string    `json:"better,omitempty"` // "higher", "lower", or "" (informative)
	Runs   []float64 `json:"runs"`
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
}

// Better directions.
const (
	Higher = "higher"
	Lower  = "lower"
)

// Add appends a run's value to metric name of the row, creating it.
func (r *Row) Add(name, unit, better string, v float64) {
	m := r.Metric(name)
	if m == nil {
		m = &Metric{Name: name, Unit: unit, Better: better}
		r.Metrics = append(r.Metrics, m)
	}
	m.Runs = append(m.Runs, v)
	m.Median, m.Min, m.Max = Median(m.Runs), minOf(m.Runs), maxOf(m.Runs)
}

// Metric returns the row's metric called name, or nil.
func (r *Row) Metric(name string) *Metric {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Row returns the scenario's row for (system, case), creating it.
func (s *Scenario) Row(system, cas string) *Row {
	for _, r := range s.Rows {
		if r.System == system && r.Case == cas {
			return r
		}
	}
	r := &Row{System: system, Case: cas}
	s.Rows = append(s.Rows, r)
	return r
}

// Find returns the row for (system, case), or nil.
func (s *Scenario) Find(system, cas string) *Row {
	for _, r := range s.Rows {
		if r.System == system && r.Case == cas {
			return r
		}
	}
	return nil
}

// Scenario returns the file's scenario called name, or nil.
func (f *File) Scenario(name string) *Scenario {
	for _, s := range f.Scenarios {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Write stores f as indented JSON.
func (f *File) Write(path string) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("result: encode: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("result: write %s: %w", path, err)
	}
	return nil
}

// Read loads a file written by Write.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("result: read %s: %w", path, err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("result: decode %s: %w", path, err)
	}
	if f.Schema != SchemaVersion {
		return nil, fmt.Errorf("result: %s has schema %d, this program reads %d", path, f.Schema, SchemaVersion)
	}
	return &f, nil
}
