package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/dkim"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/httpapi"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
)

// submission is what a sending application's mail needs besides the core
// path: DKIM signing at reception (this file), the HTTP injection API
// (httpapi.go) and credentials for smart hosts.
type submission struct {
	signer    *dkim.Signer // nil: no [[dkim.key]]
	http      *httpapi.Server
	httpLn    net.Listener
	routeAuth atomic.Pointer[map[string]*delivery.Auth] // by site name of a static route; swapped by Reload
	// intake is shared by every front door: one rate bucket per tenant
	// whether its mail comes by SMTP, on any listener, or by HTTP.
	intake *intake.Intake
}

// initSubmission loads the DKIM keys (every bad key is reported at once,
// each naming its key and file) and the smart-host credentials.
func (e *Engine) initSubmission() error {
	cfg := e.conf()
	e.sub.routeAuth.Store(routeAuths(cfg))
	e.sub.intake = intake.New(intake.Options{MaxMessageBytes: cfg.SMTP.MaxMessageSize,
		MaxRecipients: cfg.SMTP.MaxRecipients, TenantLimits: e.tenantLimits, MaxHops: cfg.SMTP.MaxHops,
		MaxDataInFlight: cfg.SMTP.MaxDataInFlight, Rates: e.sharedTenantRates()})
	// A signer with no key signs nothing; it is made anyway so that a
	// reload can give it keys.
	s, err := dkim.NewSigner(dkimSpecs(cfg.DKIM), dkimOptions(cfg.DKIM))
	if err != nil {
		return fmt.Errorf("engine: [dkim]: %w", err)
	}
	e.sub.signer = s
	for _, k := range s.Keys() {
		e.log.Info("dkim key loaded", "key", k.RecordName, "algorithm", k.Algorithm, "file", k.KeyFile,
			"rsa_backend", dkim.RSABackend)
	}
	return nil
}

func dkimOptions(c config.DKIM) dkim.Options {
	return dkim.Options{DefaultDomain: c.DefaultDomain, Headers: c.Headers}
}

func dkimSpecs(c config.DKIM) []dkim.KeySpec {
	specs := make([]dkim.KeySpec, len(c.Keys))
	for i, k := range c.Keys {
		specs[i] = dkim.KeySpec{Domain: k.Domain, Selector: k.Selector, Algorithm: k.Algorithm,
			KeyFile: k.KeyFile, Headers: k.Headers}
	}
	return specs
}

// signFunc is reception's Sign option: nil when no key is configured, so
// that unsigned setups pay nothing (a reload makes new SMTP servers, which
// ask again).
func (e *Engine) signFunc(cfg *config.Config) func(context.Context, *message.Message, string, []byte) ([]byte, error) {
	if len(cfg.DKIM.Keys) == 0 {
		return nil
	}
	return e.dkimSign
}

// dkimSign signs msg as on_message's DKIM choice says. A message without
// a From: field cannot be signed and goes unsigned (refusing it would
// only make its sender retry forever); a choice naming a key that does not
// exist is an error, which reception answers with 451.
func (e *Engine) dkimSign(ctx context.Context, m *message.Message, choice string, msg []byte) ([]byte, error) {
	c, err := dkim.ParseChoice(choice)
	if err != nil {
		return nil, fmt.Errorf("engine: on_message DKIM choice of tenant %q: %w", m.Tenant, err)
	}
	sig, err := e.sub.signer.Sign(ctx, msg, c)
	if errors.Is(err, dkim.ErrNoFrom) {
		e.log.Debug("dkim: message has no From field; not signed", "id", m.ID, "tenant", m.Tenant)
		return nil, nil
	}
	return sig, err
}

// ReloadDKIM reads every DKIM key file again (SIGHUP). On any error the
// keys in use stay and the error names the bad key.
func (e *Engine) ReloadDKIM() error {
	if err := e.sub.signer.Reload(); err != nil {
		return fmt.Errorf("engine: dkim reload: %w", err)
	}
	e.log.Info("dkim keys reloaded", "keys", len(e.sub.signer.Keys()))
	return nil
}

// DKIMKeys describes the signing keys in use, with the DNS record each
// needs published.
func (e *Engine) DKIMKeys() []dkim.KeyInfo {
	if ks := e.sub.signer.Keys(); len(ks) > 0 {
		return ks
	}
	return nil
}

// routeAuths maps the site name a static route's paths get (dispatch.go's
// resolve: "route:" and the hosts joined by commas) to the route's
// credentials. The credentials belong to the smart host, so a policy that
// routes to the same hosts uses them too.
func routeAuths(cfg *config.Config) *map[string]*delivery.Auth {
	out := map[string]*delivery.Auth{}
	for _, r := range cfg.Routes {
		if r.AuthUser != "" {
			out["route:"+strings.Join(r.Hosts, ",")] = &delivery.Auth{Username: r.AuthUser, Password: r.AuthPassword}
		}
	}
	return &out
}

// Auth gives the connections of a path to a smart host the route's
// credentials (egress.Credentials).
func (h *handler) Auth(p *egress.Path) *delivery.Auth { return (*h.sub.routeAuth.Load())[p.Key.Site] }
