package engine

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/reception"
)

// listen starts one SMTP server per configured listener.
func (e *Engine) listen() error {
	c := e.cfg.SMTP
	var tlsCfg *tls.Config
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return fmt.Errorf("engine: smtp.tls_cert/smtp.tls_key: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	for _, addr := range c.Listen {
		srv, err := reception.New(reception.Options{
			Hostname:                 e.cfg.Hostname,
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
			Auth:                     e.auth,
			Intake:                   e.sub.intake,
			Sign:                     e.signFunc(),
			Records:                  e.rec,
			Logger:                   e.log,
		})
		if err != nil {
			return fmt.Errorf("engine: smtp listener %s: %w", addr, err)
		}
		ln, err := reception.Listen(addr.String())
		if err != nil {
			return fmt.Errorf("engine: smtp.listen: %w", err)
		}
		e.smtp = append(e.smtp, srv)
		e.listeners = append(e.listeners, ln)
		e.wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
				e.log.Error("smtp server", "addr", ln.Addr(), "err", err)
			}
		})
		e.log.Info("smtp listening", "addr", ln.Addr())
	}
	e.self.set(e.listeners)
	return e.listenHTTP()
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
	t := e.cfg.Tenant(tenant)
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
	cfg *config.Config
	mu  sync.Mutex
	ok  map[[32]byte]string
}

func newAuthCache(cfg *config.Config) *authCache {
	return &authCache{cfg: cfg, ok: make(map[[32]byte]string)}
}

var errBadLogin = errors.New("invalid username or password")

// Authenticate returns the tenant of a valid login.
func (a *authCache) Authenticate(_ context.Context, user, pass string) (string, error) {
	k := sha256.Sum256([]byte(user + "\x00" + pass))
	a.mu.Lock()
	t, ok := a.ok[k]
	a.mu.Unlock()
	if ok {
		return t, nil
	}
	tn := a.cfg.TenantByUser(user)
	if tn == nil || !tn.CheckPassword(user, pass) {
		return "", errBadLogin
	}
	a.mu.Lock()
	a.ok[k] = tn.Name
	a.mu.Unlock()
	return tn.Name, nil
}
