// Package teststs runs MTA-STS policy hosts for tests: one real HTTPS
// server on 127.0.0.1 answering https://mta-sts.<domain>/.well-known/
// mta-sts.txt for every domain a test sets, with a certificate the test
// chooses (one of a test CA for the valid case; self-signed, expired or
// for another name to see a sender refuse it). It owns only that server;
// the test publishes the "_mta-sts" TXT record and the policy host's
// address in its own DNS server (internal/testdns).
package teststs

import (
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Response is what the server answers for a domain.
type Response struct {
	Status      int    // 0 = 200
	ContentType string // "" = text/plain; charset=utf-8
	Body        string
	Redirect    string // when set, a 302 to this URL
}

// Server is a running policy host.
type Server struct {
	srv  *http.Server
	port int

	mu      sync.Mutex
	resp    map[string]Response // by domain
	fetches map[string]int
}

// Start serves with cert until the test ends.
func Start(t testing.TB, cert tls.Certificate) *Server {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatalf("teststs: %v", err)
	}
	s := &Server{port: ln.Addr().(*net.TCPAddr).Port, resp: map[string]Response{}, fetches: map[string]int{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: nil}
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Port is the server's port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// Set makes the server answer r for domain's policy.
func (s *Server) Set(domain string, r Response) {
	s.mu.Lock()
	s.resp[strings.ToLower(domain)] = r
	s.mu.Unlock()
}

// Fetches counts the requests for domain's policy.
func (s *Server) Fetches(domain string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches[strings.ToLower(domain)]
}

func (s *Server) serve(w http.ResponseWriter, req *http.Request) {
	host, _, err := net.SplitHostPort(req.Host)
	if err != nil {
		host = req.Host
	}
	domain, ok := strings.CutPrefix(strings.ToLower(host), "mta-sts.")
	s.mu.Lock()
	s.fetches[domain]++
	r, known := s.resp[domain]
	s.mu.Unlock()
	if !ok || !known || req.URL.Path != "/.well-known/mta-sts.txt" {
		http.NotFound(w, req)
		return
	}
	if r.Redirect != "" {
		http.Redirect(w, req, r.Redirect, http.StatusFound)
		return
	}
	ct := r.ContentType
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	if r.Status != 0 {
		w.WriteHeader(r.Status)
	}
	w.Write([]byte(r.Body))
}
