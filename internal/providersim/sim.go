package providersim

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/selfsigned"
)

// Options are the settings shared by every provider of a Sim.
type Options struct {
	// Logger receives go-smtp's internal errors; nil discards them.
	Logger *slog.Logger
	// KeepSeconds is how much per-second history of accepted messages is
	// kept per client IP; 0 means one hour.
	KeepSeconds int
	// ReadTimeout ends idle sessions; 0 means two minutes.
	ReadTimeout time.Duration
	// MaxMessageBytes is advertised as SIZE and enforced; 0 means 50 MiB.
	MaxMessageBytes int64
	// LatencyScale multiplies every latency (0 means 1), so a quick
	// benchmark can shorten a run without changing the providers' mix.
	LatencyScale float64
}

// Sim is a set of running simulated providers.
type Sim struct {
	hosts  []*host
	byName map[string]*host
	done   chan struct{}
	serves sync.WaitGroup
	once   sync.Once
	stop   func() bool
}

// Start binds every provider and serves until Close or until ctx ends.
// Nothing is left listening if it fails.
func Start(ctx context.Context, ps []Provider, opts Options) (*Sim, error) {
	if len(ps) == 0 {
		return nil, errors.New("providersim: no provider")
	}
	if opts.KeepSeconds <= 0 {
		opts.KeepSeconds = 3600
	}
	s := &Sim{byName: map[string]*host{}, done: make(chan struct{})}
	for _, p := range ps {
		p = p.withDefaults()
		if opts.LatencyScale > 0 {
			p.Latency = p.Latency.scaled(opts.LatencyScale)
		}
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("providersim: %w", err)
		}
		if s.byName[p.Name] != nil {
			return nil, fmt.Errorf("providersim: provider %s listed twice", p.Name)
		}
		h := newHost(p, int64(opts.KeepSeconds))
		s.byName[p.Name] = h
		s.hosts = append(s.hosts, h)
	}
	for _, h := range s.hosts {
		if err := s.listen(ctx, h, opts); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.stop = context.AfterFunc(ctx, func() { s.Close() })
	return s, nil
}

// listen binds h and starts serving it.
func (s *Sim) listen(ctx context.Context, h *host, opts Options) error {
	var lc net.ListenConfig
	raw, err := lc.Listen(ctx, "tcp", h.p.Addr)
	if err != nil {
		return fmt.Errorf("providersim: %s: listen %s: %w", h.p.Name, h.p.Addr, err)
	}
	h.addr = raw.Addr().String()
	srv := smtp.NewServer(&backend{h: h, done: s.done})
	srv.Domain = h.p.Hostname
	srv.ReadTimeout = cmp.Or(opts.ReadTimeout, 2*time.Minute)
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = cmp.Or(opts.MaxMessageBytes, 50<<20)
	srv.ErrorLog = log.New(io.Discard, "", 0)
	if opts.Logger != nil {
		srv.ErrorLog = smtpLog{opts.Logger.With("provider", h.p.Name)}
	}
	if h.p.TLS {
		// A throwaway certificate: senders under test skip verification
		// or trust it through Sim.CertPool; it exists so STARTTLS is exercised.
		cert, err := selfsigned.Certificate(24*time.Hour, h.p.Hostname, raw.Addr().(*net.TCPAddr).IP.String())
		if err != nil {
			raw.Close()
			return fmt.Errorf("providersim: %s: %w", h.p.Name, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	h.srv, h.gate = srv, newGate(raw, h)
	s.serves.Add(1)
	go func() {
		defer s.serves.Done()
		_ = srv.Serve(h.gate)
	}()
	return nil
}

// Close stops every provider, drops their connections and waits for the
// goroutines it started. It is safe to call more than once.
func (s *Sim) Close() error {
	s.once.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		close(s.done)
		for _, h := range s.hosts {
			h.stopChanges()
			if h.srv != nil {
				_ = h.srv.Close()
				h.gate.shutdown()
			}
		}
		s.serves.Wait()
	})
	return nil
}

// Addr returns the bound address of the named provider, or "".
func (s *Sim) Addr(name string) string {
	if h := s.byName[name]; h != nil {
		return h.addr
	}
	return ""
}

// Providers returns the running providers' settings, with defaults filled
// in and Addr set to the bound address, in the order given to Start.
func (s *Sim) Providers() []Provider {
	out := make([]Provider, len(s.hosts))
	for i, h := range s.hosts {
		out[i] = h.p
		out[i].Addr = h.addr
	}
	return out
}

// Stats returns a snapshot of every provider's counters, by name.
func (s *Sim) Stats() map[string]ProviderStats {
	out := make(map[string]ProviderStats, len(s.hosts))
	for _, h := range s.hosts {
		out[h.p.Name] = h.stats()
	}
	return out
}

// ResetStats zeroes every cumulative counter and the per-second history.
// Open connections stay counted; rate budgets are left as they are.
func (s *Sim) ResetStats() {
	for _, h := range s.hosts {
		h.reset()
	}
}

// SetRate changes a provider's per-IP message rate and burst while it
// runs (0 removes the limit), and lifts any ThrottleHold in force.
func (s *Sim) SetRate(provider string, perIP float64, burst int) error {
	h := s.byName[provider]
	if h == nil {
		return fmt.Errorf("providersim: no provider %q", provider)
	}
	h.setRate(perIP, burst)
	return nil
}

// SetConnLimit changes a provider's per-IP connection limit while it runs
// (0 removes it). Open connections stay; new ones are counted against it.
func (s *Sim) SetConnLimit(provider string, perIP int) error {
	h := s.byName[provider]
	if h == nil {
		return fmt.Errorf("providersim: no provider %q", provider)
	}
	if perIP < 0 {
		return fmt.Errorf("providersim: %s: negative connection limit", provider)
	}
	if perIP > 0 && h.p.ConnLimitReply.Code == 0 {
		return fmt.Errorf("providersim: %s: no conn_limit_reply to refuse with", provider)
	}
	h.setConnLimit(perIP)
	return nil
}

// CertPool holds the self-signed certificates of the providers that offer
// STARTTLS, for a sender under test that verifies certificates.
func (s *Sim) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	for _, h := range s.hosts {
		if h.srv != nil && h.srv.TLSConfig != nil {
			pool.AddCert(h.srv.TLSConfig.Certificates[0].Leaf)
		}
	}
	return pool
}

// smtpLog adapts slog to go-smtp's Printf/Println logger. A client that
// resets or drops its connection is ordinary traffic for a simulator
// (smtp-source does it on every session), so per-connection errors are
// debug messages; the rest are warnings.
type smtpLog struct{ l *slog.Logger }

func (l smtpLog) Printf(format string, v ...any) { l.log(fmt.Sprintf(format, v...)) }
func (l smtpLog) Println(v ...any)               { l.log(fmt.Sprint(v...)) }

func (l smtpLog) log(msg string) {
	if strings.HasPrefix(msg, "error handling ") {
		l.l.Debug(msg)
		return
	}
	l.l.Warn(msg)
}
