package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
)

type queuePage struct {
	Items []struct {
		ID       string
		Queue    string
		Attempts int
	}
	Next string
}

func (o *opsDaemon) list(t *testing.T, args ...string) queuePage {
	t.Helper()
	var p queuePage
	out := o.cli(t, 0, append([]string{"queue", "list", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("queue list --json: %v\n%s", err, out)
	}
	return p
}

// TestOperatorCommands drives queue list, provider summary, flush and
// delete against a running wasmta whose mail a sink defers (451 to every
// RCPT: retried in an hour).
func TestOperatorCommands(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageRcpt {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "try later"}
		}
		return nil
	}})
	o := startOpsDaemon(t, fmt.Sprintf("[[route]]\ndomain = \"one.test\"\nhosts = [%q]\n[[route]]\ndomain = \"two.test\"\nhosts = [%q]\n",
		sink.Addr(), sink.Addr()))
	for i := range 2 {
		if err := sendPlain(o.addr, []string{"a@one.test", "b@one.test", "c@two.test"}, fmt.Sprintf("Subject: %d\r\n\r\nx\r\n", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Each message is one item per domain, attempted once (refused), then
	// due in an hour.
	eventually(t, "four items attempted once", func() string {
		p := o.list(t)
		n := 0
		for _, it := range p.Items {
			if it.Attempts == 1 {
				n++
			}
		}
		if n != 4 {
			return fmt.Sprintf("%+v", p)
		}
		return ""
	})
	t.Run("queue list pages", func(t *testing.T) {
		first := o.list(t, "--limit", "2")
		if len(first.Items) != 2 || first.Next == "" || first.Items[0].ID != first.Items[1].ID {
			t.Fatalf("first page of 2: %+v", first)
		}
		rest := o.list(t, "--limit", "2", "--after", first.Next)
		if len(rest.Items) != 2 || rest.Next != "" || rest.Items[0].ID == first.Next {
			t.Errorf("second page: %+v", rest)
		}
		out := o.cli(t, 0, "queue", "list", "--domain", "two.test")
		if n := strings.Count(out, "two.test"); n != 2 || !strings.Contains(out, "MESSAGE") {
			t.Errorf("queue list --domain two.test: %d rows\n%s", n, out)
		}
	})
	t.Run("provider summary", func(t *testing.T) {
		out := o.cli(t, 0, "provider", "summary")
		if !strings.Contains(out, "PROVIDER") || !regexp.MustCompile(`\(other\)\s+2\s+4\s`).MatchString(out) {
			t.Errorf("provider summary:\n%s", out)
		}
		if o.cli(t, 0, "queue", "summary", "--by", "provider") != out {
			t.Error("queue summary --by provider differs from provider summary")
		}
	})
	t.Run("flush", func(t *testing.T) {
		out := o.cli(t, 0, "flush", "--domain", "one.test")
		if !strings.Contains(out, "flushed 4 recipients of 2 messages") {
			t.Fatalf("flush: %s", out)
		}
		eventually(t, "flushed items attempted again", func() string {
			for _, it := range o.list(t, "--domain", "one.test").Items {
				if it.Attempts != 2 {
					return fmt.Sprintf("%+v", it)
				}
			}
			return ""
		})
		for _, it := range o.list(t, "--domain", "two.test").Items {
			if it.Attempts != 1 {
				t.Errorf("two.test was flushed too: %+v", it)
			}
		}
		o.cli(t, 1, "flush")
	})
	t.Run("delete", func(t *testing.T) {
		id := o.list(t).Items[0].ID
		if out := o.cli(t, 0, "delete", id, "--rcpt", "b@one.test", "--reason", "asked"); !strings.Contains(out, "deleted 1 recipients") {
			t.Fatalf("delete --rcpt: %s", out)
		}
		out := o.cli(t, 0, "queue", "inspect", id)
		if !regexp.MustCompile(`b@one\.test\s+bounced`).MatchString(out) || !regexp.MustCompile(`a@one\.test\s+deferred`).MatchString(out) {
			t.Errorf("after deleting b@one.test:\n%s", out)
		}
		o.cli(t, 1, "delete", id, "--rcpt", "b@one.test")
		if out := o.cli(t, 0, "delete", id); !strings.Contains(out, "deleted 2 recipients") {
			t.Errorf("delete: %s", out)
		}
		o.cli(t, 1, "queue", "inspect", id)
		eventually(t, "AdminBounce records of the deletions", func() string {
			recs, _ := os.ReadFile(filepath.Join(o.dir, "data", "records.jsonl"))
			if n := strings.Count(string(recs), `"deleted by the administrator`); n != 3 {
				return fmt.Sprintf("%d records say deleted, want 3", n)
			}
			return ""
		})
	})
}

// TestConfigCheck validates files without starting anything.
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := exec.Command("cp", "../../testdata/wat/routea.wasm", dir).Run(); err != nil {
		t.Fatal(err)
	}
	good := write("good.toml", "[[tenant]]\nname = \"acme\"\n[policy]\nglobal = \""+filepath.Join(dir, "routea.wasm")+"\"\n")
	if out := cli(t, 0, nil, "config", "check", good); !strings.Contains(out, "ok (1 tenants") {
		t.Errorf("config check of a good file: %s", out)
	}
	for name, c := range map[string]struct{ text, want string }{
		"unknown key": {"[smtp]\nlisten = [\"127.0.0.1:25\"]\nmax_mesage_size = 10\n", "smtp.max_mesage_size"},
		"bad value":   {"[queue]\nretry_initial = \"soon\"\n", "queue.retry_initial"},
		"bad policy":  {"[policy]\nglobal = \"" + write("bad.wasm", "not wasm") + "\"\n", "policy.global"},
		"no file":     {"[[tenant]]\nname = \"x\"\npolicy = \"/nonexistent.wasm\"\n", "policy"},
	} {
		out := cli(t, 1, nil, "config", "check", write("bad.toml", c.text))
		if !strings.Contains(out, c.want) {
			t.Errorf("%s: the error does not name %s:\n%s", name, c.want, out)
		}
	}
}

// TestTraceSMTP watches the sessions to a sink's site while mail goes
// there: the client's commands and the sink's replies show, live.
func TestTraceSMTP(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{})
	o := startOpsDaemon(t, fmt.Sprintf("[[route]]\ndomain = \"sink.test\"\nhosts = [%q]\n", sink.Addr()))
	cmd := exec.Command(binPath, "trace", "smtp", "--domain", "sink.test", "--for", "20s", "--config", o.conf)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// Only sessions that start after the watch show.
	eventually(t, "trace smtp never said it watches", func() string {
		if !strings.Contains(out.String(), "watching") {
			return "output so far: " + out.String()
		}
		return ""
	})
	time_ := regexp.MustCompile(`#\d+ default→`)
	for i := 0; ; i++ {
		if err := sendPlain(o.addr, []string{"x@sink.test"}, "Subject: traced\r\n\r\nx\r\n"); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "> MAIL FROM:") || i == 20 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	got := out.String()
	for _, want := range []string{"> EHLO mta.test", "< 220 ", "> MAIL FROM:<app@sender.test>", "> RCPT TO:<x@sink.test>", "< 250"} {
		if !strings.Contains(got, want) {
			t.Errorf("trace smtp lacks %q:\n%s", want, got)
		}
	}
	if !time_.MatchString(got) {
		t.Errorf("trace smtp lines do not name the session and source:\n%s", got)
	}
	if out := o.cli(t, 1, "trace", "smtp", "--domain", "bad domain!"); !strings.Contains(out, "not a domain name") {
		t.Errorf("a bad domain: %s", out)
	}
}

// lockedBuffer is an output a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
