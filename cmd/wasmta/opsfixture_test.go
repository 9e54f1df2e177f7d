package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const httpToken = "ops-http-token-0123456789"

// opsDaemon is a running wasmta for the operator-command tests: tenant
// acme with an HTTP API token, every route to a port that refuses (mail
// stays queued, retried in an hour), a webhook to a local receiver that
// keeps the User-Agents it saw. extra goes before the other tables: routes
// put there come first.
type opsDaemon struct {
	*daemon
	dir, conf, admin, http string
	agents                 *sync.Map // User-Agent -> true
}

func startOpsDaemon(t *testing.T, extra string) *opsDaemon {
	t.Helper()
	agents := &sync.Map{}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agents.Store(r.Header.Get("User-Agent"), true)
		io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(hook.Close)
	dir := t.TempDir()
	sum := sha256.Sum256([]byte(httpToken))
	httpAddr := freeAddr(t)
	cfg := fmt.Sprintf("token = %q\n%s\n[http]\nlisten = %q\n[[route]]\ndomain = \"*\"\nhosts = [\"127.0.0.1:1\"]\n"+
		"[queue]\nretry_initial = \"1h\"\n[[tenant]]\nname = \"acme\"\napi_tokens_sha256 = [%q]\n"+
		"[[webhook]]\nname = \"ops\"\nurl = %q\nbatch_wait = \"10ms\"\n",
		adminToken, extra, httpAddr, hex.EncodeToString(sum[:]), hook.URL)
	d := startDaemon(t, dir, freeAddr(t), cfg)
	t.Cleanup(func() { d.stop(t) })
	waitListening(t, httpAddr)
	return &opsDaemon{daemon: d, dir: dir, conf: filepath.Join(dir, "wasmta.toml"),
		admin: "http://" + adminAddr(t, dir), http: "http://" + httpAddr, agents: agents}
}

// cli runs the binary against the daemon (--config finds the API and its
// token) and returns its output; the exit status must be want.
func (o *opsDaemon) cli(t *testing.T, want int, args ...string) string {
	t.Helper()
	return cli(t, want, nil, append(args, "--config", o.conf)...)
}

// get calls the admin API and returns the status and body.
func (o *opsDaemon) get(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, o.admin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// inject posts a request to the HTTP injection API.
func (o *opsDaemon) inject(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", o.http+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+httpToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s", addr)
		}
	}
}

// eventually retries check until it returns "" or 15 s pass.
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if last = check(); last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, last)
		}
	}
}
