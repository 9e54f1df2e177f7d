package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/tables"
)

// TestTableCommands: push (CSV and JSON lines), list, get, rollback and
// delete through the admin API; a malformed file is refused naming the
// line.
func TestTableCommands(t *testing.T) {
	cfg, err := config.Parse([]byte("spool_dir = \"" + t.TempDir() + "\"\n[smtp]\nlisten = [\"127.0.0.1:0\"]\nmin_free_disk = 0\n[[tenant]]\nname = \"acme\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := engine.OpenSpool(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := tables.Open(st, tables.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Options{Spool: st, Tables: tabs})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	ts := httptest.NewServer(admin.New(admin.Options{Engine: e, Token: adminToken}))
	t.Cleanup(ts.Close)
	run := func(args ...string) (string, error) {
		t.Helper()
		return stdout(t, func() error {
			return tableCommand(append(args, "--tenant", "acme", "--admin", ts.URL, "--token", adminToken))
		})
	}
	dir := t.TempDir()
	v1 := filepath.Join(dir, "pools.csv")
	v2 := filepath.Join(dir, "pools.jsonl")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(v1, []byte("tenant,pool\nacme,warm\nbeta,cold\n"), 0o644)
	os.WriteFile(v2, []byte(`{"key":"acme","value":"hot"}`+"\n"), 0o644)
	os.WriteFile(bad, []byte("tenant,pool\nacme,warm\nacme,cold\n"), 0o644)
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"push", "pools", v1}, "acme/pools: version 1 in force (2 rows"},
		{[]string{"push", "pools", v2}, "version 2 in force (1 rows"},
		{[]string{"get", "pools", "acme"}, "hot"},
		{[]string{"list"}, "pools  2"},
		{[]string{"rollback", "pools"}, "rolled back to version 1's rows; version 3 in force"},
		{[]string{"get", "pools", "beta"}, "cold"},
		{[]string{"get", "pools"}, "previous"},
		{[]string{"delete", "pools"}, "acme/pools: deleted"},
		{[]string{"list"}, "(no tables)"},
	}
	for _, s := range steps {
		out, err := run(s.args...)
		if err != nil || !strings.Contains(out, s.want) {
			t.Fatalf("%v: %q, %v; want %q", s.args, out, err, s.want)
		}
	}
	if _, err := run("push", "pools", bad); err == nil || !strings.Contains(err.Error(), `line 3: duplicate key "acme"`) {
		t.Errorf("push of a duplicate key: %v", err)
	}
}
