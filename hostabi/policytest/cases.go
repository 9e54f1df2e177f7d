package policytest

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// Case is one call of one hook with its inputs and the decision expected.
type Case struct {
	Name string
	Hook string
	// Input holds ABI input keys ("tenant", "meta.NAME", ...) with string,
	// int64, bool or []string values.
	Input map[string]any
	// Expect holds the result keys to check (ABI result keys, plus
	// "decided_by", "fault" and, for reception hooks, "accept").
	Expect map[string]any
}

// file is the TOML document.
type file struct {
	Case []struct {
		Name   string         `toml:"name"`
		Hook   string         `toml:"hook"`
		Input  map[string]any `toml:"input"`
		Expect map[string]any `toml:"expect"`
	} `toml:"case"`
	Table []fileTable `toml:"table"`
}

// Suite is a parsed case file: its cases and the tables they read.
type Suite struct {
	Cases  []Case
	Tables []Table
}

// Parse reads a case file and checks every key against the hook it names,
// so a typo is an error rather than a case that checks nothing. Table
// files are read relative to the current directory (see ParseSuite).
func Parse(r io.Reader) ([]Case, error) {
	s, err := ParseSuite(r, ".")
	return s.Cases, err
}

// ParseSuite is Parse with the file's [[table]] entries, whose files are
// read relative to dir.
func ParseSuite(r io.Reader, dir string) (Suite, error) {
	var f file
	md, err := toml.NewDecoder(r).Decode(&f)
	if err != nil {
		return Suite{}, fmt.Errorf("policytest: %w", err)
	}
	tableKeys := []string{"name", "tenant", "rows", "file", "key", "format"}
	for _, k := range md.Undecoded() {
		// Keys inside input, expect and rows tables are decoded into maps
		// but still listed here; only the entries' own keys are checked.
		switch {
		case len(k) >= 2 && k[0] == "table" && !slices.Contains(tableKeys, k[1]):
			return Suite{}, fmt.Errorf("policytest: unknown key %q (a table has %s)", k.String(), strings.Join(tableKeys, ", "))
		case len(k) >= 2 && k[0] == "table":
		case len(k) < 2 || (k[0] == "case" && !slices.Contains([]string{"name", "hook", "input", "expect"}, k[1])):
			return Suite{}, fmt.Errorf("policytest: unknown key %q (a case has name, hook, input and expect)", k.String())
		}
	}
	var suite Suite
	for i, ft := range f.Table {
		t, err := ft.table(dir)
		if err != nil {
			return Suite{}, fmt.Errorf("policytest: table %d: %w", i+1, err)
		}
		suite.Tables = append(suite.Tables, t)
	}
	suite.Cases, err = parseCases(f)
	return suite, err
}

func parseCases(f file) ([]Case, error) {
	if len(f.Case) == 0 {
		return nil, fmt.Errorf("policytest: no [[case]] in the file")
	}
	cases := make([]Case, 0, len(f.Case))
	for i, fc := range f.Case {
		c := Case{Name: fc.Name, Hook: fc.Hook, Input: map[string]any{}, Expect: map[string]any{}}
		if c.Name == "" {
			c.Name = fmt.Sprintf("case %d", i+1)
		}
		flatten("", fc.Input, c.Input)
		flatten("", fc.Expect, c.Expect)
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("policytest: case %d (%s): %w", i+1, c.Name, err)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// flatten turns nested TOML tables into dotted keys: {meta = {a = "1"}}
// and meta.a = "1" both become "meta.a".
func flatten(prefix string, in, out map[string]any) {
	for k, v := range in {
		if sub, ok := v.(map[string]any); ok {
			flatten(prefix+k+".", sub, out)
			continue
		}
		out[prefix+k] = v
	}
}

// check validates hook, input keys and value types, and expect keys.
func (c *Case) check() error {
	spec, ok := hookSpecs[c.Hook]
	if !ok {
		return fmt.Errorf("hook %q: want one of %s", c.Hook, strings.Join(hookNames(), ", "))
	}
	for _, k := range sortedKeys(c.Input) {
		kind, ok := spec.inputKind(k)
		if !ok {
			return fmt.Errorf("%s has no input %q (inputs: %s)", c.Hook, k, strings.Join(spec.inputNames(), ", "))
		}
		v, err := convertInput(kind, c.Input[k])
		if err != nil {
			return fmt.Errorf("input %s: %w", k, err)
		}
		c.Input[k] = v
	}
	for _, k := range sortedKeys(c.Expect) {
		if !spec.resultKey(k) {
			return fmt.Errorf("%s has no result %q (results: %s)", c.Hook, k, strings.Join(spec.resultNames(), ", "))
		}
	}
	return nil
}

func convertInput(kind valueKind, v any) (any, error) {
	switch kind {
	case kindStr:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case kindInt:
		switch n := v.(type) {
		case int64:
			if n >= 0 {
				return n, nil
			}
		case bool:
			if n {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case kindList:
		if l, ok := v.([]any); ok {
			out := make([]string, 0, len(l))
			for _, e := range l {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("want a list of strings, got %v", v)
				}
				out = append(out, s)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("want %s, got %T %v", kind, v, v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hookNames() []string {
	names := make([]string, 0, len(hookSpecs))
	for h := range hookSpecs {
		names = append(names, h)
	}
	slices.Sort(names)
	return names
}
