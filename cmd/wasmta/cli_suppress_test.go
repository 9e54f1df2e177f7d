package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
)

// TestSuppressCommands: add, list, export, import and remove through the
// admin API of an engine with a tenant "acme".
func TestSuppressCommands(t *testing.T) {
	cfg, err := config.Parse([]byte("spool_dir = \"" + t.TempDir() + "\"\n[smtp]\nlisten = [\"127.0.0.1:0\"]\nmin_free_disk = 0\n[[tenant]]\nname = \"acme\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(cfg, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	ts := httptest.NewServer(admin.New(admin.Options{Engine: e, Token: adminToken}))
	t.Cleanup(ts.Close)
	run := func(args ...string) string {
		t.Helper()
		out, err := stdout(t, func() error {
			return suppressCommand(append(args, "--tenant", "acme", "--admin", ts.URL, "--token", adminToken))
		})
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out
	}
	if out := run("add", "A@x.example", "b@x.example", "--reason", "complaint", "--cause", "ticket 7", "--expires", "30d"); !strings.Contains(out, "added 2 of 2") {
		t.Fatalf("add printed %q", out)
	}
	csvFile := filepath.Join(t.TempDir(), "in.csv")
	os.WriteFile(csvFile, []byte("recipient,reason\nc@x.example,hard-bounce\nb@x.example,manual\nd@x.example\n"), 0o644)
	if out := run("import", csvFile); !strings.Contains(out, "imported 3 entries, 2 new") {
		t.Fatalf("import printed %q", out)
	}
	out := run("export")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || lines[0] != "recipient,reason,cause,added,expires" ||
		!strings.HasPrefix(lines[1], "a@x.example,complaint,ticket 7,") || !strings.HasPrefix(lines[3], "c@x.example,hard-bounce,,") {
		t.Fatalf("export printed:\n%s", out)
	}
	if _, ok, _ := e.Suppressions().Lookup("acme", "d@x.example", time.Now()); !ok {
		t.Error("d@x.example not suppressed after the import")
	}
	if out := run("remove", "a@x.example", "zz@x.example"); !strings.Contains(out, "removed 1 of 2") {
		t.Fatalf("remove printed %q", out)
	}
	if out := run("list"); strings.Contains(out, "a@x.example") || !strings.Contains(out, "d@x.example  manual") {
		t.Fatalf("list printed:\n%s", out)
	}
	if _, err := stdout(t, func() error {
		return suppressCommand([]string{"list", "--tenant", "nobody", "--admin", ts.URL, "--token", adminToken})
	}); err == nil || !strings.Contains(err.Error(), `no [[tenant]] is named "nobody"`) {
		t.Errorf("unknown tenant: %v", err)
	}
}
