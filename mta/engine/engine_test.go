package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
)

// fastThrottleRetry is a [queue] key for the tests that wait for mail
// deferred for a path cause (a throttle, a broken connection) to come
// back: its first retry after fastThrottleRetryAfter, doubling, where the
// default retry_throttled is 5 s (which most of the package's slow tests
// spent waiting).
const (
	fastThrottleRetry      = "retry_throttled = \"500ms\"\n"
	fastThrottleRetryAfter = 500 * time.Millisecond
)

// testEngine starts an engine from a TOML configuration; %SPOOL% in it is
// replaced by a temporary directory. The engine listens on a free port.
func testEngine(t testing.TB, toml string, opts Options) (*Engine, *testrec.Recorder, string) {
	t.Helper()
	dir := t.TempDir()
	return startAt(t, dir, toml, opts)
}

func startAt(t testing.TB, dir, toml string, opts Options) (*Engine, *testrec.Recorder, string) {
	t.Helper()
	return startAtWith(t, dir, toml, opts, func(*int64) {})
}

// startAtWith is startAt with a hook to set the spool's free-space floor.
func startAtWith(t testing.TB, dir, toml string, opts Options, minFree func(*int64)) (*Engine, *testrec.Recorder, string) {
	t.Helper()
	e, rec := startNoWait(t, dir, toml, opts, minFree)
	<-e.Rebuilt() // the tests read the queues as the start left them
	return e, rec, e.SMTPAddrs()[0].String()
}

// startNoWait is startAtWith without waiting for the queue rebuild.
func startNoWait(t testing.TB, dir, toml string, opts Options, minFree func(*int64)) (*Engine, *testrec.Recorder) {
	t.Helper()
	e, rec := newAt(t, dir, toml, opts, minFree)
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	return e, rec
}

// newAt makes an engine on the spool in dir, listening on a free port of
// loopback once started; the test's cleanup closes it.
func newAt(t testing.TB, dir, toml string, opts Options, minFree func(*int64)) (*Engine, *testrec.Recorder) {
	t.Helper()
	head := fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n", dir)
	cfg, err := config.Parse([]byte(head + toml))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMTP.Listen = cfg.SMTP.Listen[:1]
	cfg.SMTP.Listen[0] = mustAddrPort("127.0.0.1:0")
	cfg.SMTP.MinFreeDisk = 0
	minFree(&cfg.SMTP.MinFreeDisk)
	rec := testrec.New()
	opts.Records = rec
	e, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, rec
}

// send submits one message over SMTP and fails the test unless it gets 250.
func send(t testing.TB, addr, from string, to []string, body string) {
	t.Helper()
	if err := trySend(addr, from, to, body); err != nil {
		t.Fatal(err)
	}
}

func trySend(addr, from string, to []string, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.SendMail(from, to, strings.NewReader(body)); err != nil {
		return err
	}
	return c.Quit()
}

func testBody(i int) string {
	return fmt.Sprintf("From: a@sender.test\r\nTo: b@example.test\r\nSubject: test %d\r\n\r\nhello %d\r\n", i, i)
}

// readRecordsFile parses the JSON-lines records file of an engine.
func readRecordsFile(t *testing.T, path string) []events.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []events.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r events.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("records file line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func recordsPath(dir string) string { return filepath.Join(dir, "records.jsonl") }

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
