package engine

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/reception"
)

// listen starts one SMTP server per configured listener, each on a
// handoff so that a reload can replace the server and keep the socket.
func (e *Engine) listen() error {
	cfg := e.conf()
	tlsCfg, err := smtpTLS(cfg.SMTP)
	if err != nil {
		return err
	}
	for _, addr := range cfg.SMTP.Listen {
		srv, err := e.newSMTPServer(cfg, tlsCfg)
		if err != nil {
			return fmt.Errorf("engine: smtp listener %s: %w", addr, err)
		}
		ln, err := reception.Listen(addr.String())
		if err != nil {
			return fmt.Errorf("engine: smtp.listen: %w", err)
		}
		h := newHandoff(ln)
		e.handoffs = append(e.handoffs, h)
		e.listeners = append(e.listeners, ln)
		e.smtp = append(e.smtp, e.serveSMTP(srv, h))
		e.log.Info("smtp listening", "addr", ln.Addr())
	}
	e.self.set(e.listeners)
	return e.listenHTTP()
}

// smtpGen is one SMTP server and the generation of its socket it takes
// connections from.
type smtpGen struct {
	srv *reception.Server
	ln  net.Listener
}

// retire stops the server taking connections at once (whether or not its
// Serve has started), then lets its sessions finish until ctx ends.
func (g smtpGen) retire(ctx context.Context) error {
	g.ln.Close()
	return g.srv.Shutdown(ctx)
}

// serveSMTP runs srv on a new generation of h.
func (e *Engine) serveSMTP(srv *reception.Server, h *handoff) smtpGen {
	g := smtpGen{srv: srv, ln: h.next()}
	e.wg.Go(func() {
		err := srv.Serve(g.ln)
		if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, smtp.ErrServerClosed) {
			e.log.Error("smtp server", "addr", h.Addr(), "err", err)
		}
	})
	return g
}

// banner is what the greeting shows after the hostname: the version,
// unless smtp.show_version is off.
func (e *Engine) banner(cfg *config.Config) string {
	if !cfg.SMTP.ShowVersion || e.opts.Version == "" {
		return ""
	}
	return "wasmta/" + e.opts.Version
}

// smtpTLS loads smtp.tls_cert and smtp.tls_key; nil: self-signed.
func smtpTLS(c config.SMTP) (*tls.Config, error) {
	if c.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("engine: smtp.tls_cert/smtp.tls_key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// newSMTPServer makes a submission server from cfg's [smtp] section.
func (e *Engine) newSMTPServer(cfg *config.Config, tlsCfg *tls.Config) (*reception.Server, error) {
	c := cfg.SMTP
	return reception.New(reception.Options{
		Hostname:                 cfg.Hostname,
		Banner:                   e.banner(cfg),
		MinDataRate:              int(c.MinDataRate),
		MaxConnectionsPerIP:      offIfZero(c.MaxConnectionsPerIP),
		MaxConnectionsPerNetwork: offIfZero(c.MaxConnectionsPerNetwork),
		ConnectionRatePerIP:      offIfZero(c.ConnectionRatePerIP),
		ReservedConnections:      c.ReservedConnections, // 0: a tenth of max_connections
		StressThreshold:          c.StressThreshold,
		StressCommandTimeout:     c.StressCommandTimeout,
		StressDataTimeout:        c.StressDataTimeout,
		SoftErrorLimit:           offIfZero(c.SoftErrorLimit),
		HardErrorLimit:           offIfZero(c.HardErrorLimit),
		ErrorDelay:               c.ErrorDelay,
		AuthFailureLimit:         offIfZero(c.AuthFailureLimit),
		AuthFailureWindow:        c.AuthFailureWindow,
		RecordsPerSession:        c.RecordsPerSession,
		RecordsPerSecond:         c.RecordsPerSecond,
		MaxHops:                  offIfZero(c.MaxHops),
		HeaderFixNets:            c.AddHeadersNetworks,
		TLSConfig:                tlsCfg,
		MaxMessageBytes:          c.MaxMessageSize,
		MaxRecipients:            c.MaxRecipients,
		MaxConnections:           c.MaxConnections,
		MaxLineLength:            c.MaxLineLength,
		CommandTimeout:           c.CommandTimeout,
		DataTimeout:              c.DataTimeout,
		RelayNets:                c.RelayNetworks,
		TrustedNets:              c.RelayNetworks, // exempt from the per-client limits, as documented
		AuthRequireTLS:           c.AuthRequireTLS,
		Policy:                   e.guard,
		Submitter:                e,
		Transfer:                 e.acceptTransfer(),
		TransferHeader:           fleet.XferHeader,
		Auth:                     e.auth,
		Intake:                   e.sub.intake,
		Sign:                     e.signFunc(cfg),
		Records:                  e.rec,
		Logger:                   e.log,
	})
}

// offIfZero maps a configured 0 ("no limit") to reception's -1 (reception
// takes 0 for "the default").
func offIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func (e *Engine) tenantLimits(tenant string) intake.Limits {
	t := e.conf().Tenant(tenant)
	if t == nil {
		return intake.Limits{}
	}
	return intake.Limits{MaxMessageBytes: t.MaxMessageSize, MaxRecipients: t.MaxRecipients,
		MessagesPerMinute: t.MessagesPerMinute}
}

// authCache checks SMTP logins against the tenants' bcrypt hashes and
// remembers successes by a hash of the password, since bcrypt is slow by
// design and a sending application logs in on every connection.
type authCache struct {
	conf func() *config.Config // the configuration in force
	mu   sync.Mutex
	ok   map[[32]byte]string
	gen  uint64 // bumped by forget: a check begun before it is not kept
}

func newAuthCache(conf func() *config.Config) *authCache {
	return &authCache{conf: conf, ok: make(map[[32]byte]string)}
}

// forget drops the remembered logins: after a reload a removed login or a
// changed password must fail.
func (a *authCache) forget() {
	a.mu.Lock()
	a.ok = make(map[[32]byte]string)
	a.gen++
	a.mu.Unlock()
}

var errBadLogin = errors.New("invalid username or password")

// Authenticate returns the tenant of a valid login.
func (a *authCache) Authenticate(_ context.Context, user, pass string) (string, error) {
	k := sha256.Sum256([]byte(user + "\x00" + pass))
	a.mu.Lock()
	t, ok := a.ok[k]
	gen := a.gen
	a.mu.Unlock()
	if ok {
		return t, nil
	}
	tn := a.conf().TenantByUser(user)
	if tn == nil || !tn.CheckPassword(user, pass) {
		return "", errBadLogin
	}
	a.mu.Lock()
	if a.gen == gen { // else a reload came during bcrypt: the login may be gone
		a.ok[k] = tn.Name
	}
	a.mu.Unlock()
	return tn.Name, nil
}
