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
	})
	g.Message(context.Background(), &MessageInput{Tenant: "acme", Campaign: "spring"})
	if asked != [2]string{"acme", "spring"} || p.in.Reputation == nil ||
		p.in.Reputation.Tenant1h.ComplaintRatePPM() != 2000 {
		t.Fatalf("asked %v, on_message saw %+v", asked, p.in.Reputation)
	}
}
