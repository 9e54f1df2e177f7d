package policytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tables/tablefile"
)

// Table is one [[table]] of a case file: a data table the policy's
// lookups read (ABI v1.4), given inline or as a file.
type Table struct {
	Name   string
	Tenant string // "" = global ("*" in the file)
	Rows   map[string][]byte
}

// fileTable is a [[table]] as written.
type fileTable struct {
	Name   string         `toml:"name"`
	Tenant string         `toml:"tenant"`
	Rows   map[string]any `toml:"rows"`
	File   string         `toml:"file"`
	Key    string         `toml:"key"`
	Format string         `toml:"format"`
}

// maxTableFile bounds a table file read for a case file.
const maxTableFile = 256 << 20

// table reads one [[table]]: rows inline (a string value is the value's
// text, any other TOML value its JSON), or a CSV or JSON lines file,
// relative to dir, read with the rules of `wasmta table push`.
func (ft fileTable) table(dir string) (Table, error) {
	t := Table{Name: ft.Name, Tenant: policy.TenantOf(ft.Tenant), Rows: map[string][]byte{}}
	if ft.Name == "" {
		return t, errors.New("a table needs a name")
	}
	if (ft.Rows == nil) == (ft.File == "") {
		return t, fmt.Errorf("table %s: give rows or file, one of them", ft.Name)
	}
	for k, v := range ft.Rows {
		if s, ok := v.(string); ok {
			t.Rows[k] = []byte(s)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return t, fmt.Errorf("table %s: row %q: %w", ft.Name, k, err)
		}
		t.Rows[k] = b
	}
	if ft.File == "" {
		return t, nil
	}
	return t, ft.readFile(dir, t)
}

func (ft fileTable) readFile(dir string, t Table) error {
	path := ft.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("table %s: %w", ft.Name, err)
	}
	defer f.Close()
	spec := tablefile.Spec{Format: ft.Format, KeyColumn: ft.Key}
	if spec.Format == "" {
		spec.Format = tablefile.FormatCSV
		if ext := strings.ToLower(filepath.Ext(path)); ext == ".jsonl" || ext == ".ndjson" {
			spec.Format = tablefile.FormatJSONL
		}
	}
	r, err := tablefile.NewReader(f, spec, maxTableFile)
	for err == nil {
		var key string
		var val []byte
		var line int
		key, val, line, err = r.Next()
		if _, dup := t.Rows[key]; err == nil && dup {
			err = &tablefile.RowError{Line: line, Problem: fmt.Sprintf("duplicate key %q", key)}
		}
		if err == nil {
			t.Rows[key] = val
		}
	}
	if err != io.EOF {
		return fmt.Errorf("table %s: %s: %w", ft.Name, ft.File, err)
	}
	return nil
}

// MemTables returns the suite's tables, for a host's lookups.
func (s Suite) MemTables() *policy.MemTables { return memTables(s.Tables) }

// memTables holds the tables of a case file for the host's lookups.
func memTables(ts []Table) *policy.MemTables {
	m := &policy.MemTables{}
	sort.Slice(ts, func(a, b int) bool { return ts[a].Name < ts[b].Name })
	for _, t := range ts {
		m.Put(t.Tenant, t.Name, t.Rows)
	}
	return m
}
