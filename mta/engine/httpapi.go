package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/wasmta/wasmta/mta/httpapi"
)

// listenHTTP starts the HTTP injection API when [http] listen is set. It
// takes mail exactly as SMTP reception does: same policy guard, tenant
// limits, DKIM signer, Submit and records.
func (e *Engine) listenHTTP() error {
	c := e.conf().HTTP
	if !c.Listen.IsValid() {
		return nil
	}
	tlsCfg, err := httpTLS(c.TLSCert, c.TLSKey)
	if err != nil {
		return err
	}
	srv, err := httpapi.New(httpapi.Options{
		Hostname:        e.conf().Hostname,
		Authenticate:    e.tenantByToken,
		Intake:          e.sub.intake,
		MaxMessageBytes: e.conf().SMTP.MaxMessageSize,
		MaxRecipients:   e.conf().SMTP.MaxRecipients,
		MaxConnections:  e.conf().SMTP.MaxConnections,
		MaxRequestBytes: c.MaxRequestSize,
		Policy:          e.guard,
		Submitter:       e,
		Sign:            e.dkimSign, // the HTTP server lives across reloads: keys may come later
		TLSConfig:       tlsCfg,
		Timeout:         e.conf().SMTP.DataTimeout,
		Records:         e.rec,
		Logger:          e.log,
	})
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	ln, err := net.Listen("tcp", c.Listen.String())
	if err != nil {
		return fmt.Errorf("engine: http.listen %s: %w", c.Listen, err)
	}
	e.sub.http, e.sub.httpLn = srv, ln
	e.wg.Go(func() {
		if err := srv.Serve(ln); err != nil {
			e.log.Error("http api", "addr", ln.Addr(), "err", err)
		}
	})
	e.log.Info("http api listening", "addr", ln.Addr(), "tls", tlsCfg != nil)
	return nil
}

// httpTLS loads [http] tls_cert and tls_key; nil: plain HTTP.
func httpTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("engine: http.tls_cert/http.tls_key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

func (e *Engine) tenantByToken(token string) (string, bool) {
	t := e.conf().TenantByToken(token)
	if t == nil {
		return "", false
	}
	return t.Name, true
}

// closeHTTP stops the HTTP API: requests in progress finish spooling and
// get their answer, until ctx ends.
func (e *Engine) closeHTTP(ctx context.Context) {
	if e.sub.http == nil {
		return
	}
	if err := e.sub.http.Shutdown(ctx); err != nil {
		e.log.Warn("http api shutdown", "err", err)
	}
}

// HTTPAddr returns the address the HTTP API listens on, nil when it is off.
func (e *Engine) HTTPAddr() net.Addr {
	if e.sub.httpLn == nil {
		return nil
	}
	return e.sub.httpLn.Addr()
}
