package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wasmta/wasmta/internal/providersim"
)

// lockedBuffer lets the test read what run prints while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// TestRunServesAndStops runs the command on a config, sends a message to
// the printed address, reads it back from the printed admin URL, and
// checks that cancelling (what SIGINT does) ends run.
func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-config", "testdata/two.toml", "-admin", "127.0.0.1:0"}, &out)
	}()
	adminRe := regexp.MustCompile(`admin +http://(\S+)/stats`)
	deadline := time.Now().Add(5 * time.Second)
	for !adminRe.MatchString(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no admin line printed; output so far:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	printed := out.String()
	gmail := regexp.MustCompile(`(?m)^gmail +smtp://(\S+) +mx=gmail-smtp-in\.l\.google\.com +domains=gmail\.test`).
		FindStringSubmatch(printed)
	if gmail == nil || !strings.Contains(printed, "yahoo") {
		t.Fatalf("printed:\n%s", printed)
	}
	c, err := smtp.Dial(gmail[1])
	if err != nil {
		t.Fatal(err)
	}
	err = c.SendMail("a@sender.test", []string{"b@gmail.test"}, strings.NewReader("Subject: x\r\n\r\nhi\r\n"))
	c.Close()
	if err != nil {
		t.Fatalf("send to %s: %v", gmail[1], err)
	}

	resp, err := http.Get("http://" + adminRe.FindStringSubmatch(printed)[1] + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	var stats map[string]providersim.ProviderStats
	err = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if err != nil || stats["gmail"].Total.Messages != 1 || stats["yahoo"].Total.Messages != 0 {
		t.Fatalf("stats %+v, %v", stats, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestRunRefuses(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-preset", "gmail,aol"}, `no preset "aol"`},
		{[]string{"-admin", "0.0.0.0:8099", "-preset", "generic"}, "not a loopback IP"},
		{[]string{"-config", "testdata/missing.toml"}, "no such file"},
		{[]string{"extra"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		err := run(t.Context(), tt.args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
}
