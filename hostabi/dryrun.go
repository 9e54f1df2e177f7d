package hostabi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// Sample inputs of the load-time dry run (ABI.md section 4).
var (
	samplePeer = policy.Peer{Addr: "192.0.2.10:40000", Helo: "client.example.org", AuthUser: "dryrun", TLS: true}
	sampleMeta = map[string]string{"dryrun": "1"}
)

// dryRun calls every exported hook once on the sample inputs; a fault
// refuses the module. It also makes the first instance, so a module whose
// start or _initialize traps is refused here.
func (m *Module) dryRun(ctx context.Context) error {
	for h := range numHooks {
		if !m.has[h] {
			continue
		}
		if err := m.sampleCall(ctx, h); err != nil && !errors.Is(err, policy.ErrNotImplemented) {
			var f *FaultError
			if errors.As(err, &f) {
				err = f.Err
			}
			return fmt.Errorf("%w: dry run of %s: %v", ErrInvalidModule, h, err)
		}
	}
	return nil
}

func (m *Module) sampleCall(ctx context.Context, h hookID) error {
	var err error
	switch h {
	case hookMailFrom:
		_, err = m.OnMailFrom(ctx, &policy.MailFromInput{Peer: samplePeer, Tenant: "dryrun", Sender: "sender@example.org"})
	case hookRcpt:
		_, err = m.OnRcpt(ctx, &policy.RcptInput{Peer: samplePeer, Tenant: "dryrun", Campaign: "dryrun",
			Sender: "sender@example.org", Recipient: "rcpt@example.com"})
	case hookMessage:
		_, err = m.OnMessage(ctx, &policy.MessageInput{Peer: samplePeer, Tenant: "dryrun", Campaign: "dryrun",
			Sender: "sender@example.org", Recipients: []string{"rcpt@example.com"}, Size: 1024, Meta: sampleMeta,
			Header: []byte("From: sender@example.org\r\nTo: rcpt@example.com\r\nSubject: dry run")})
	case hookRoute:
		_, err = m.Route(ctx, &policy.RouteInput{Tenant: "dryrun", Campaign: "dryrun", Domain: "example.com"})
	case hookSelectPool:
		err = m.checkPools(ctx)
	case hookShape:
		_, err = m.Shape(ctx, &policy.ShapeInput{Source: "default", Pool: "default", Site: "mx.example.com",
			Domain: "example.com", MXHosts: []string{"mx.example.com"}})
	case hookClassify:
		_, err = m.Classify(ctx, &policy.ClassifyInput{Tenant: "dryrun", Site: "mx.example.com", Domain: "example.com",
			Source: "default", Stage: "rcpt", Code: 550, Enhanced: "5.1.1", Text: "5.1.1 user unknown"})
	}
	return err
}

// checkPools runs select_pool on the sample input, and for each tenant the
// module may decide for when the host knows the configured pools; a pool
// name that is not configured refuses the module (a pool read from a
// table at run time is the engine's to report).
func (m *Module) checkPools(ctx context.Context) error {
	tenants := []string{"dryrun"}
	names := m.host.configured()
	if names.pools != nil {
		if m.tenant != "" {
			tenants = append(tenants, m.tenant)
		} else {
			tenants = append(tenants, names.tenants...)
		}
	}
	for _, t := range tenants {
		log := &policy.ReadLog{}
		pool, err := m.SelectPool(policy.WithReadLog(ctx, log), &policy.PoolInput{Tenant: t, Campaign: "dryrun",
			Domain: "example.com", Site: "mx.example.com", Meta: sampleMeta, Reputation: sampleReputation(m.host.cfg.Pools)})
		if err != nil {
			return err
		}
		fromTable := len(log.Reads()) > 0
		if names.pools != nil && pool != "" && !fromTable && !slices.Contains(names.pools, pool) {
			return fmt.Errorf("select_pool for tenant %q names pool %q, which is not configured (pools: %s)",
				t, pool, strings.Join(names.pools, ", "))
		}
	}
	return nil
}

// sampleReputation is the dry run's select_pool reputation: zero counts,
// with the configured pools as the candidates (v1.7).
func sampleReputation(pools []string) *policy.Reputation {
	r := &policy.Reputation{Pools: make([]policy.PoolReputation, len(pools))}
	sorted := slices.Sorted(slices.Values(pools))
	for i, p := range sorted {
		r.Pools[i].Pool = p
	}
	return r
}
