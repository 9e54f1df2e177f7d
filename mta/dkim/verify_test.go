package dkim

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

// The two verifiers every signature of these tests must satisfy: go-msgauth,
// fed by a real DNS server on loopback, and Debian's python3-dkim.

// records maps selector._domainkey.domain to the TXT record of a key.
type records map[string]string

func recordsOf(s *Signer) records {
	r := records{}
	for _, k := range s.Keys() {
		r[k.RecordName] = k.Record
	}
	return r
}

// txtServer is an authoritative DNS server on 127.0.0.1 answering TXT
// queries from a records map that tests may change.
type txtServer struct {
	mu   sync.Mutex
	recs records
	addr string
}

func startTXTServer(t testing.TB) *txtServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dns listen: %v", err)
	}
	ts := &txtServer{recs: records{}, addr: pc.LocalAddr().String()}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(ts.handle)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return ts
}

func (ts *txtServer) set(r records) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for k, v := range r {
		ts.recs[strings.ToLower(k)] = v
	}
}

func (ts *txtServer) handle(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	q := req.Question[0]
	ts.mu.Lock()
	txt, ok := ts.recs[strings.TrimSuffix(strings.ToLower(q.Name), ".")]
	ts.mu.Unlock()
	switch {
	case !ok:
		m.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeTXT:
		m.Answer = append(m.Answer, &dns.TXT{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
			Txt: splitTXT(txt),
		})
	}
	w.WriteMsg(m)
}

// splitTXT cuts a record into the 255-byte strings DNS carries.
func splitTXT(s string) []string {
	var out []string
	for len(s) > 255 {
		out = append(out, s[:255])
		s = s[255:]
	}
	return append(out, s)
}

// lookupTXT resolves through the loopback server only.
func (ts *txtServer) lookupTXT(name string) ([]string, error) {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", ts.addr)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.LookupTXT(ctx, name+".")
}

// verifyGo returns go-msgauth's verdict on every signature of msg.
func (ts *txtServer) verifyGo(t testing.TB, msg []byte) []*msgauth.Verification {
	t.Helper()
	vs, err := msgauth.VerifyWithOptions(bytes.NewReader(msg), &msgauth.VerifyOptions{LookupTXT: ts.lookupTXT})
	if err != nil {
		t.Fatalf("go-msgauth verify: %v", err)
	}
	return vs
}

// requireGoPass fails the test unless msg has want signatures and all pass.
func (ts *txtServer) requireGoPass(t testing.TB, msg []byte, want int) {
	t.Helper()
	vs := ts.verifyGo(t, msg)
	if len(vs) != want {
		t.Fatalf("go-msgauth: %d signatures, want %d", len(vs), want)
	}
	for _, v := range vs {
		if v.Err != nil {
			t.Fatalf("go-msgauth: signature d=%s fails: %v\n%s", v.Domain, v.Err, msg)
		}
	}
}

// pythonDKIM is the interpreter with python3-dkim: Debian's, not whatever
// python3 comes first in PATH. DKIM_PYTHON overrides it.
func pythonDKIM() string {
	if p := os.Getenv("DKIM_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// verifyPython runs testdata/dkimverify.py; nil means every signature passed.
func verifyPython(t testing.TB, msg []byte, recs records) (string, error) {
	t.Helper()
	args := []string{"testdata/dkimverify.py"}
	for name, txt := range recs {
		args = append(args, name+"="+txt)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pythonDKIM(), args...)
	cmd.Stdin = bytes.NewReader(msg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		return stderr.String(), err
	}
	if err != nil {
		t.Fatalf("python3-dkim verifier did not run (apt-get install -y python3-dkim): %v\n%s", err, stderr.String())
	}
	return stderr.String(), nil
}

func requirePythonPass(t testing.TB, msg []byte, recs records) {
	t.Helper()
	if out, err := verifyPython(t, msg, recs); err != nil {
		t.Fatalf("python3-dkim rejects the message: %v\n%s\n%s", err, out, msg)
	}
}
