package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
)

// reloadWith parses toml as the engine's next configuration (same spool).
func reloadWith(t *testing.T, e *Engine, toml string) (ReloadReport, error) {
	t.Helper()
	head := fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n[smtp]\nmin_free_disk = 0\nlisten = [%q]\n",
		e.conf().SpoolDir, e.conf().SMTP.Listen[0].String())
	cfg, err := config.Parse([]byte(head + toml))
	if err != nil {
		t.Fatal(err)
	}
	return e.Reload(cfg)
}

// TestReloadSwapsRouteAndLimits: after a reload new mail takes the new
// route, the new message size limit and the path's new connection limit;
// a session opened before the reload finishes its message on the old
// generation, and nothing is lost.
func TestReloadSwapsRouteAndLimits(t *testing.T) {
	t.Parallel()
	a, b := testsink.Start(t, testsink.Options{}), testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, routeTo(a)+"[delivery]\nmax_connections_per_path = 4\n", Options{})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)

	// A transaction begun before the reload.
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("early@sender.test", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("r@example.test", nil); err != nil {
		t.Fatal(err)
	}

	rep, err := reloadWith(t, e, "max_message_size = \"2KiB\"\n"+routeTo(b)+"[delivery]\nmax_connections_per_path = 2\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"route", "smtp", "delivery"} {
		if !slices.Contains(rep.Applied, want) {
			t.Errorf("applied %v, want %s in it", rep.Applied, want)
		}
	}
	if len(rep.NeedsRestart) != 0 {
		t.Errorf("needs restart %v, want none", rep.NeedsRestart)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(w, testBody(2))
	if err := w.Close(); err != nil {
		t.Fatalf("the session opened before the reload lost its message: %v", err)
	}
	c.Quit()

	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(3))
	rec.WaitFor(t, events.Delivery, 3, 10*time.Second)
	// The early session's message was accepted after the reload: it is
	// routed by the new configuration, like every message due from now on.
	if a.Count() != 1 || b.Count() != 2 {
		t.Fatalf("sink a got %d, sink b %d; want 1 (before the reload) and 2", a.Count(), b.Count())
	}
	err = trySend(addr, "s@sender.test", []string{"r@example.test"}, testBody(4)+strings.Repeat(strings.Repeat("x", 62)+"\r\n", 64))
	if err == nil || !strings.Contains(err.Error(), "552") {
		t.Fatalf("a 4 KiB message after max_message_size = 2KiB: %v, want 552", err)
	}
	// The path to b exists now: a second reload reshapes it.
	if _, err := reloadWith(t, e, routeTo(b)+"[delivery]\nmax_connections_per_path = 3\n"); err != nil {
		t.Fatal(err)
	}
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(5))
	rec.WaitFor(t, events.Delivery, 4, 10*time.Second)
	found := false
	for _, p := range e.ready.Paths() {
		if p.Key.Site == "route:"+b.Addr() {
			found = true
			if s, _ := p.Shape(); s.MaxConnections != 3 {
				bs, v := p.BaseShape()
				t.Errorf("path %v: max connections %d after the second reload, want 3 (base %d, %s, now %s)", p.Key, s.MaxConnections, bs.MaxConnections, v, e.guard.ShapeVersion())
			}
		}
	}
	if !found {
		t.Error("no path to sink b")
	}
}

// TestReloadRefusesAndKeeps: a key that needs a restart keeps its running
// value and is named; a file whose DKIM key does not load changes nothing.
func TestReloadRefusesAndKeeps(t *testing.T) {
	t.Parallel()
	a, b := testsink.Start(t, testsink.Options{}), testsink.Start(t, testsink.Options{})
	e, rec, addr := testEngine(t, routeTo(a), Options{})
	rep, err := reloadWith(t, e, routeTo(a)+"[admin]\nlisten = \"127.0.0.1:1\"\n[[source]]\nname = \"default\"\nehlo = \"other.test\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"admin", "source default: address/ehlo"}; !slices.Equal(rep.NeedsRestart, want) {
		t.Fatalf("needs restart %v, want %v", rep.NeedsRestart, want)
	}
	if got := e.conf().Admin.Listen.String(); got == "127.0.0.1:1" {
		t.Fatalf("admin.listen became %v without a restart", got)
	}
	_, err = reloadWith(t, e, routeTo(b)+"[[dkim.key]]\ndomain = \"sender.test\"\nselector = \"s1\"\nkey_file = \"/nonexistent/key.pem\"\n")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/key.pem") {
		t.Fatalf("a missing DKIM key file: %v, want an error naming the key", err)
	}
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	if a.Count() != 1 || b.Count() != 0 {
		t.Fatalf("after a refused reload sink a got %d, sink b %d; want the old route (1, 0)", a.Count(), b.Count())
	}
}
