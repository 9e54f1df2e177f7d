package tables

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/tables/tablefile"
)

func openSpool(t *testing.T, dir string) *spool.Store {
	t.Helper()
	sp, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{MinFreeBytes: -1, BallastBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func openStore(t *testing.T, opts Options) (*Store, *spool.Store) {
	t.Helper()
	sp := openSpool(t, t.TempDir())
	t.Cleanup(func() { sp.Close() })
	s, err := Open(sp, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, sp
}

func push(t *testing.T, s *Store, tenant, name, format, body string) Version {
	t.Helper()
	v, err := s.Push(context.Background(), tenant, name, Spec{Format: format}, strings.NewReader(body))
	if err != nil {
		t.Fatalf("push %s: %v", name, err)
	}
	return v
}

func lookup(t *testing.T, s *Store, tenant, name, key string) string {
	t.Helper()
	val, found, _, err := s.Lookup(tenant, name, key)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		return "<none>"
	}
	return string(val)
}

func TestPushAndLookup(t *testing.T) {
	s, _ := openStore(t, Options{})
	push(t, s, "", "pools", "csv", "tenant,pool\nacme,warm\nbeta,\"cold, slow\"\n")
	push(t, s, "", "hosts", "csv", "domain,host,port\nexample.com,mx1,25\n")
	push(t, s, "acme", "pools", "jsonl", "{\"key\":\"acme\",\"value\":\"own\"}\n\n{\"key\":\"x\",\"value\":{\"a\":[1, 2]}}\n")
	tests := []struct{ tenant, table, key, want string }{
		{"", "pools", "acme", "warm"},
		{"", "pools", "beta", "cold, slow"},
		{"", "pools", "gamma", "<none>"},
		{"beta", "pools", "acme", "warm"}, // no table of its own: the global one
		{"acme", "pools", "acme", "own"},  // its own shadows the global one
		{"acme", "pools", "beta", "<none>"},
		{"acme", "pools", "x", `{"a":[1,2]}`},
		{"", "hosts", "example.com", `{"host":"mx1","port":"25"}`},
		{"", "nosuch", "k", "<none>"},
	}
	for _, tc := range tests {
		for range 2 { // the second answer comes from the cache
			if got := lookup(t, s, tc.tenant, tc.table, tc.key); got != tc.want {
				t.Errorf("lookup(%q, %s, %s) = %q, want %q", tc.tenant, tc.table, tc.key, got, tc.want)
			}
		}
	}
}

func TestPushRefused(t *testing.T) {
	tests := []struct {
		name, format, body, want string
	}{
		{"duplicate", "csv", "k,v\na,1\nb,2\na,3\n", `line 4: duplicate key "a"`},
		{"columns", "csv", "k,v\na,1\nb,2,3\n", "line 3: wrong number of columns: want 2"},
		{"one column", "csv", "k\na\n", "line 1: header has 1 column"},
		{"utf8", "csv", "k,v\na,\xff\xfe\n", "line 2: a field is not valid UTF-8"},
		{"nul", "csv", "k,v\na,b\x00c\n", "line 2: a field holds a NUL byte"},
		{"binary", "csv", "k,v\n" + strings.Repeat("\x01\x02", 600_000), "line 2: line longer than"},
		{"empty key", "csv", "k,v\n,1\n", "line 2: empty key"},
		{"empty", "csv", "", "empty table"},
		{"jsonl dup", "jsonl", `{"key":"a","value":1}` + "\n" + `{"key":"a","value":2}`, `line 2: duplicate key "a"`},
		{"jsonl field", "jsonl", `{"key":"a","val":1}`, `line 1: not a JSON object`},
		{"jsonl no key", "jsonl", `{"value":1}`, `line 1: want both "key"`},
		{"jsonl binary", "jsonl", "{\"key\":\"a\",\"value\":\"\xff\"}", "line 1: not valid UTF-8"},
		{"too large", "csv", "k,v\n" + manyRows(200), "larger than tables.max_bytes"},
		{"format", "xml", "<a/>", "unknown table format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			limit := int64(1000)
			if tc.name == "binary" {
				limit = 10 << 20
			}
			s, sp := openStore(t, Options{MaxBytes: limit})
			push(t, s, "", "t", "csv", "k,v\nkept,yes\n")
			_, err := s.Push(context.Background(), "", "t", Spec{Format: tc.format}, strings.NewReader(tc.body))
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("push: %v, want ErrInvalid with %q", err, tc.want)
			}
			if got := lookup(t, s, "", "t", "kept"); got != "yes" {
				t.Errorf("the version in force answers %q after a refused push", got)
			}
			if n := countData(t, sp); n != 1 {
				t.Errorf("%d rows stored after a refused push, want the one of the version in force", n)
			}
		})
	}
}

// countData counts the rows of every data set in the spool.
func countData(t *testing.T, sp *spool.Store) int {
	t.Helper()
	n := 0
	if err := sp.ScanAux(ns, []byte{prefixData}, func(_, _ []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVersionsRollbackDelete(t *testing.T) {
	s, sp := openStore(t, Options{})
	reads := func() []TableReadAlias {
		_, _, r, _ := s.Lookup("acme", "t", "k")
		return []TableReadAlias{r}
	}
	push(t, s, "", "t", "csv", "k,v\nk,global\n")
	v1 := push(t, s, "acme", "t", "csv", "k,v\nk,one\n")
	r1 := reads()
	v2 := push(t, s, "acme", "t", "csv", "k,v\nk,two\n")
	if v1.Number != 1 || v2.Number != 2 || lookup(t, s, "acme", "t", "k") != "two" {
		t.Fatalf("versions %d, %d, lookup %q", v1.Number, v2.Number, lookup(t, s, "acme", "t", "k"))
	}
	if s.Current(r1) {
		t.Error("a read of version 1 is current after version 2")
	}
	push(t, s, "acme", "t", "csv", "k,v\nk,three\n")
	if n := countData(t, sp); n != 3 {
		t.Errorf("%d rows stored, want 3: the global one, the current and the previous version", n)
	}
	rb, err := s.Rollback("acme", "t")
	if err != nil || rb.Number != 4 || rb.RolledBackFrom != 2 || lookup(t, s, "acme", "t", "k") != "two" {
		t.Fatalf("rollback: %+v, %v, lookup %q", rb, err, lookup(t, s, "acme", "t", "k"))
	}
	r4 := reads()
	if !s.Current(r4) {
		t.Error("a read of the version in force is not current")
	}
	if err := s.Delete("acme", "t"); err != nil {
		t.Fatal(err)
	}
	if s.Current(r4) || lookup(t, s, "acme", "t", "k") != "global" {
		t.Errorf("after delete: current %v, lookup %q (want the global table)", s.Current(r4), lookup(t, s, "acme", "t", "k"))
	}
	if _, err := s.Rollback("acme", "t"); !errors.Is(err, ErrNoTable) {
		t.Errorf("rollback of a deleted table: %v", err)
	}
	if v := push(t, s, "acme", "t", "csv", "k,v\nk,five\n"); v.Number != 5 {
		t.Errorf("a push after delete is version %d, want 5 (numbers are never reused)", v.Number)
	}
	if _, err := s.Rollback("acme", "t"); !errors.Is(err, ErrNoPrevious) {
		t.Errorf("rollback without a previous version: %v", err)
	}
	if n := countData(t, sp); n != 2 {
		t.Errorf("%d rows stored, want 2", n)
	}
}

// TableReadAlias keeps the test's helper signatures short.
type TableReadAlias = policy.TableRead

func TestRestartAndInterruptedPush(t *testing.T) {
	dir := t.TempDir()
	sp := openSpool(t, dir)
	s, err := Open(sp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	push(t, s, "acme", "t", "csv", "k,v\na,1\nb,2\n")
	push(t, s, "acme", "t", "csv", "k,v\na,3\n")
	// A push that dies half way: its rows are written, its head never.
	d, err := s.newData()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.fill(context.Background(), d, mustRows(t, "k,v\nx,1\ny,2\n")); err != nil {
		t.Fatal(err)
	}
	sp.Close()
	sp = openSpool(t, dir)
	defer sp.Close()
	s, err = Open(sp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, s, "acme", "t", "a"); got != "3" {
		t.Errorf("after restart: %q", got)
	}
	if n := countData(t, sp); n != 3 {
		t.Errorf("%d rows after restart, want 3 (the interrupted push's dropped)", n)
	}
	if v := push(t, s, "acme", "t", "csv", "k,v\na,4\n"); v.Number != 3 || v.Data <= d {
		t.Errorf("next push: %+v (data set must follow %d)", v, d)
	}
	if _, err := s.Rollback("acme", "t"); err != nil || lookup(t, s, "acme", "t", "a") != "3" {
		t.Errorf("rollback after restart: %v", err)
	}
}

func mustRows(t *testing.T, csv string) tablefile.Reader {
	r, err := tablefile.NewReader(strings.NewReader(csv), Spec{Format: FormatCSV}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestQueryableDuringPush: while a push streams its rows, lookups answer
// from the version in force; the switch happens when the push ends.
func TestQueryableDuringPush(t *testing.T) {
	s, _ := openStore(t, Options{})
	push(t, s, "", "t", "csv", "k,v\nk,old\n")
	pr, pw := io.Pipe()
	done := make(chan error)
	go func() {
		_, err := s.Push(context.Background(), "", "t", Spec{Format: FormatCSV}, pr)
		done <- err
	}()
	fmt.Fprintf(pw, "k,v\nk,new\n")
	for i := range 20000 {
		fmt.Fprintf(pw, "row%d,%d\n", i, i)
	}
	if got := lookup(t, s, "", "t", "k"); got != "old" {
		t.Errorf("during the push: %q, want old", got)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, s, "", "t", "k"); got != "new" {
		t.Errorf("after the push: %q, want new", got)
	}
	if got := lookup(t, s, "", "t", "row19999"); got != "19999" {
		t.Errorf("last row: %q", got)
	}
}

func TestListGetRows(t *testing.T) {
	s, _ := openStore(t, Options{})
	push(t, s, "acme", "b", "csv", "k,v\nx,1\ny,2\nz,3\n")
	push(t, s, "acme", "a", "csv", "k,v\nx,1\n")
	push(t, s, "", "c", "csv", "k,v\nx,1\n")
	list, err := s.List("acme")
	if err != nil || len(list) != 2 || list[0].Name != "a" || list[1].Rows() != 3 {
		t.Fatalf("list: %+v %v", list, err)
	}
	var got []string
	err = s.Rows("acme", "b", "y", func(k string, v []byte) error {
		got = append(got, k+"="+string(v))
		return nil
	})
	if err != nil || strings.Join(got, ",") != "y=2,z=3" {
		t.Errorf("rows from y: %v %v", got, err)
	}
	if _, err := s.Get("acme", "c"); !errors.Is(err, ErrNoTable) {
		t.Errorf("get of a global table under a tenant: %v", err)
	}
}

func manyRows(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "key%d,%d\n", i, i)
	}
	return b.String()
}
