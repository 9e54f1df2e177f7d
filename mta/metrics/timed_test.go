package metrics

import (
	"context"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// routeOnly has a route hook and nothing else.
type routeOnly struct{ policy.Default }

func (*routeOnly) Version() string { return "native/1" }
func (*routeOnly) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	return policy.Route{}, nil
}
func (*routeOnly) Classify(context.Context, *policy.ClassifyInput) (policy.Classification, error) {
	return policy.Classification{}, policy.ErrNotImplemented
}

type oneRegistry struct{ p policy.Policy }

func (r oneRegistry) For(string) policy.Policy { return r.p }

// TestWrapRegistryTimesCalls: calls are counted per tenant and hook, a
// hook the policy does not have is not a call, and the version passes
// through (the guard caches by it).
func TestWrapRegistryTimesCalls(t *testing.T) {
	m := New()
	reg := m.WrapRegistry(oneRegistry{&routeOnly{}})
	ctx := context.Background()
	for range 3 {
		p := reg.For("acme")
		if p.Version() != "native/1" {
			t.Fatalf("Version = %q", p.Version())
		}
		p.Route(ctx, &policy.RouteInput{})
		p.Classify(ctx, &policy.ClassifyInput{})
	}
	reg.For("beta").Route(ctx, &policy.RouteInput{})
	reg.For("acme").Route(ctx, &policy.RouteInput{}) // back from the last tenant asked for
	for _, tt := range []struct {
		tenant, hook string
		want         int
	}{{"acme", "route", 4}, {"acme", "classify", 0}, {"beta", "route", 1}} {
		if got := sampleCount(t, m, tt.tenant, tt.hook); got != tt.want {
			t.Errorf("calls{%s,%s} = %d, want %d", tt.tenant, tt.hook, got, tt.want)
		}
	}
	if (oneRegistry{nil}).For("x") != nil || m.WrapRegistry(oneRegistry{nil}).For("x") != nil {
		t.Fatal("a registry without a policy must give nil (the built-in default)")
	}
}

// poolOnly declares select_pool alone, as a wasm module does.
type poolOnly struct{ routeOnly }

func (*poolOnly) Declares(hook string) bool { return hook == policy.HookSelectPool }

// TestWrappedPolicyDeclares: the wrapper passes on which hooks the module
// has, so the Guard prepares no input for the others; a policy that does
// not say has them all.
func TestWrappedPolicyDeclares(t *testing.T) {
	m := New()
	for _, tt := range []struct {
		p             policy.Policy
		message, pool bool
	}{{&poolOnly{}, false, true}, {&routeOnly{}, true, true}} {
		d, ok := m.WrapRegistry(oneRegistry{tt.p}).For("acme").(policy.Declarer)
		if !ok {
			t.Fatalf("%T wrapped is not a policy.Declarer", tt.p)
		}
		if got := d.Declares(policy.HookMessage); got != tt.message {
			t.Errorf("%T: Declares(on_message) = %v, want %v", tt.p, got, tt.message)
		}
		if got := d.Declares(policy.HookSelectPool); got != tt.pool {
			t.Errorf("%T: Declares(select_pool) = %v, want %v", tt.p, got, tt.pool)
		}
	}
}

func sampleCount(t *testing.T, m *Metrics, tenant, hook string) int {
	t.Helper()
	fams, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "wasmta_policy_call_seconds" {
			continue
		}
		for _, mt := range f.Metric {
			l := map[string]string{}
			for _, p := range mt.Label {
				l[p.GetName()] = p.GetValue()
			}
			if l["tenant"] == tenant && l["hook"] == hook {
				return int(mt.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func BenchmarkWrappedFor(b *testing.B) {
	reg := New().WrapRegistry(oneRegistry{&routeOnly{}})
	ctx := context.Background()
	in := &policy.RouteInput{}
	for b.Loop() {
		reg.For("acme").Route(ctx, in)
	}
}
