package policy

import (
	"context"
	"testing"
)

// seenMessage is a policy that keeps the on_message input it was given.
type seenMessage struct {
	Default
	in *MessageInput
}

func (p *seenMessage) OnMessage(_ context.Context, in *MessageInput) (MessageResult, error) {
	p.in = in
	return MessageResult{}, nil
}

type onePolicy struct{ p Policy }

func (r onePolicy) For(string) Policy { return r.p }

// TestGuardMessageReputation: on_message gets the tenant's and campaign's
// counts from the source installed with SetReputation.
func TestGuardMessageReputation(t *testing.T) {
	p := &seenMessage{}
	g := NewGuard(onePolicy{p}, nil, nil)
	var asked [2]string
	g.SetReputation(func(tenant, campaign string) *Reputation {
		asked = [2]string{tenant, campaign}
		return &Reputation{Tenant1h: ReputationCounts{Deliveries: 1000, Complaints: 2}}
	}, nil)
	g.Message(context.Background(), &MessageInput{Tenant: "acme", Campaign: "spring"})
	if asked != [2]string{"acme", "spring"} || p.in.Reputation == nil ||
		p.in.Reputation.Tenant1h.ComplaintRatePPM() != 2000 {
		t.Fatalf("asked %v, on_message saw %+v", asked, p.in.Reputation)
	}
}

// seenPool is a policy that keeps the select_pool input it was given.
type seenPool struct {
	Default
	in *PoolInput
}

func (p *seenPool) SelectPool(_ context.Context, in *PoolInput) (string, error) {
	p.in = in
	return "default", nil
}

// TestGuardReputationOnlyForModules: select_pool gets the counts from the
// source like on_message does, and the built-in policy, which never reads
// them, does not make the Guard compute them.
func TestGuardReputationOnlyForModules(t *testing.T) {
	counts := &Reputation{Tenant24h: ReputationCounts{Deliveries: 50, Bounces: 5}}
	for _, tc := range []struct {
		name      string
		reg       Registry
		wantAsked int
	}{
		{"module", onePolicy{&seenPool{}}, 2},
		{"built-in", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGuard(tc.reg, nil, nil)
			asked := 0
			source := func(string, string) *Reputation { asked++; return counts }
			g.SetReputation(source, source)
			g.Message(context.Background(), &MessageInput{Tenant: "acme"})
			g.SelectPool(context.Background(), &PoolInput{Tenant: "acme", Domain: "example.com"})
			if asked != tc.wantAsked {
				t.Fatalf("reputation asked %d times, want %d", asked, tc.wantAsked)
			}
			if sp, ok := tc.reg.(onePolicy); ok {
				if got := sp.p.(*seenPool).in; got == nil || got.Reputation != counts {
					t.Fatalf("select_pool saw %+v, want the source's counts", got)
				}
			}
		})
	}
}

// declaring is seenPool that says it has select_pool only.
type declaring struct{ seenPool }

func (declaring) Declares(hook string) bool { return hook == HookSelectPool }

// TestGuardReputationOnlyForDeclaredHooks: a policy that lacks on_message
// (policy.Declarer) does not make the Guard compute the counts for it;
// its select_pool still gets them.
func TestGuardReputationOnlyForDeclaredHooks(t *testing.T) {
	p := &declaring{}
	g := NewGuard(onePolicy{p}, nil, nil)
	var asked []string
	g.SetReputation(func(string, string) *Reputation { asked = append(asked, HookMessage); return nil },
		func(string, string) *Reputation { asked = append(asked, HookSelectPool); return &Reputation{} })
	g.Message(context.Background(), &MessageInput{Tenant: "acme"})
	g.SelectPool(context.Background(), &PoolInput{Tenant: "acme"})
	if len(asked) != 1 || asked[0] != HookSelectPool || p.in == nil || p.in.Reputation == nil {
		t.Fatalf("asked for %v, select_pool saw %+v; want only select_pool's counts", asked, p.in)
	}
}
