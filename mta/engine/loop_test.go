package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
)

// Issue 12 item 4: a route that points back at wasmta's own listener
// looped one message 5,215 times in 23 s. Now the message is delivered
// nowhere and bounces once, with a record that says why.
func TestRouteToOwnListenerBounces(t *testing.T) {
	port := freePort(t)
	toml := fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n[smtp]\nlisten = [\"127.0.0.1:%d\"]\n"+
		"[[route]]\ndomain = \"*\"\nhosts = [\"127.0.0.1:%d\"]\n", t.TempDir(), port, port)
	cfg, err := config.Parse([]byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.MinFreeDisk = 0
	rec := testrec.New()
	e, err := New(cfg, Options{Records: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		e.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	send(t, e.SMTPAddrs()[0].String(), "a@sender.test", []string{"r@loop.example"}, testBody(1))
	rec.WaitFor(t, events.Bounce, 1, 10*time.Second)
	b := rec.All(events.Bounce)[0]
	if b.Response == nil || b.Response.Code != 554 || b.Response.Enhanced != "5.4.6" ||
		!strings.Contains(b.Response.Text, "loops back to myself") {
		t.Errorf("Bounce record response %+v, want 554 5.4.6 ...loops back to myself", b.Response)
	}
	time.Sleep(200 * time.Millisecond) // a loop would have taken the message in again by now
	if n := rec.Count(events.Reception); n != 1 {
		t.Errorf("%d Reception records, want 1: the message looped", n)
	}
}
