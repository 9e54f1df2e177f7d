package hostabi

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

var echoPeer = policy.Peer{Addr: "[2001:db8::5]:4242", Helo: "mx.client.test", AuthUser: "alice", TLS: true}

// TestEchoInputsAndResults proves, per hook, that every input key reaches
// the guest with its value (the echo module logs what get* returned) and
// that every result key comes back decoded.
func TestEchoInputsAndResults(t *testing.T) {
	th := newTestHost(t, nil)
	m := th.load(t, "acme", "echo")
	ctx := context.Background()
	th.logs.take()
	for _, tc := range echoCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if lines := guestLines(th.logs.take()); !slices.Equal(lines, tc.lines) {
				t.Errorf("inputs seen by the guest:\n got %q\nwant %q", lines, tc.lines)
			}
			if !equalResult(got, tc.want) {
				t.Errorf("result:\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
	if f := th.faults.take(); len(f) != 0 {
		t.Errorf("faults: %v", f)
	}
}

type echoCase struct {
	name  string
	call  func(context.Context, *Module) (any, error)
	lines []string
	want  any
}

func peerLines(hook string) []string {
	return []string{"hook=" + hook, "peer.addr=[2001:db8::5]:4242", "peer.ip=2001:db8::5",
		"peer.helo=mx.client.test", "peer.auth_user=alice", "peer.tls=1"}
}

func echoCases() []echoCase {
	return []echoCase{
		{
			name: "on_mail_from",
			call: func(ctx context.Context, m *Module) (any, error) {
				return m.OnMailFrom(ctx, &policy.MailFromInput{Peer: echoPeer, Tenant: "acme", Sender: "s@a.test"})
			},
			lines: append(peerLines("on_mail_from"), "tenant=acme", "sender=s@a.test", "recipient!-3", "campaign!-3"),
			want: policy.MailFromResult{Reject: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "go away"},
				Tenant: "t-echo", Campaign: "c-echo", Meta: map[string]string{"k1": "v1", "k2": "v2"}},
		},
		{
			name: "on_rcpt",
			call: func(ctx context.Context, m *Module) (any, error) {
				return m.OnRcpt(ctx, &policy.RcptInput{Peer: echoPeer, Tenant: "acme", Campaign: "spring",
					Sender: "s@a.test", Recipient: "r@b.test"})
			},
			lines: append(peerLines("on_rcpt"), "tenant=acme", "campaign=spring", "sender=s@a.test", "recipient=r@b.test"),
			want:  policy.RcptResult{Reject: &policy.Reply{Code: 451, Enhanced: "4.7.1", Text: "try later"}},
		},
		{
			name: "on_message",
			call: func(ctx context.Context, m *Module) (any, error) {
				return m.OnMessage(ctx, &policy.MessageInput{Peer: echoPeer, Tenant: "acme", Campaign: "spring",
					Sender: "s@a.test", Recipients: []string{"r1@b.test", "r2@c.test"}, Size: 12345,
					Header: []byte("From: s@a.test\r\nSubject: hello\r\n  folded\r\nTo: r1@b.test"),
					Meta:   map[string]string{"k1": "one", "k0": "zero"}})
			},
			lines: append(peerLines("on_message"), "tenant=acme", "campaign=spring", "sender=s@a.test",
				"recipients#=2", "recipients.0=r1@b.test", "recipients.1=r2@c.test", "size=12345",
				"header=From: s@a.test\r\nSubject: hello\r\n  folded\r\nTo: r1@b.test",
				"header.subject=hello  folded", "header.x-missing!-1", "meta#=2", "meta.0=k0", "meta.1=k1",
				"meta.k1=one", "meta.nope!-1", "tenant=-4"),
			want: policy.MessageResult{Reject: &policy.Reply{Code: 554, Enhanced: "5.6.0", Text: "bad"},
				Tenant: "t-msg", Campaign: "c-msg", Meta: map[string]string{"x": "y"}, DKIM: "example.org:s1",
				AddHeaders: []policy.Header{{Name: "X-Echo", Value: "1"}, {Name: "X-Echo", Value: "2"},
					{Name: "X-Other", Value: "three"}}},
		},
		{
			name: "route",
			call: func(ctx context.Context, m *Module) (any, error) {
				return m.Route(ctx, &policy.RouteInput{Tenant: "acme", Campaign: "spring", Domain: "b.test"})
			},
			lines: []string{"hook=route", "tenant=acme", "campaign=spring", "domain=b.test", "nonexistent!-1", "site!-3"},
			want: policy.Route{Kind: policy.RouteHosts,
				Hosts: []string{"a.example:25", "[2001:db8::1]:587", "192.0.2.1"}},
		},
		{
			name: "select_pool",
			call: func(ctx context.Context, m *Module) (any, error) {
				return m.SelectPool(ctx, &policy.PoolInput{Tenant: "acme", Campaign: "spring", Domain: "b.test",
					Site: "mx.b.test", Meta: map[string]string{"k1": "one"}})
			},
			lines: []string{"hook=select_pool", "tenant=acme", "campaign=spring", "domain=b.test", "site=mx.b.test",
				"meta#=1", "meta.0=k1", "meta.k1=one"},
			want: "pool-echo",
		},
		{
			name: "shape",
			call: func(ctx context.Context, m *Module) (any, error) {
				return m.Shape(ctx, &policy.ShapeInput{Source: "ip1", Pool: "p1", Site: "gmail-smtp-in.l.google.com",
					Domain: "gmail.com", MXHosts: []string{"a.mx.test", "b.mx.test"}, Provider: "gmail"})
			},
			lines: []string{"hook=shape", "source=ip1", "pool=p1", "site=gmail-smtp-in.l.google.com", "domain=gmail.com",
				"mx_hosts#=2", "mx_hosts.0=a.mx.test", "mx_hosts.1=b.mx.test", "provider=gmail"},
			want: policy.Shape{MaxConnections: 10, MessagesPerSecond: 2.5, MessageBurst: 5, ConnectionsPerSec: 0.25,
				MessagesPerConn: 100, IdleTimeout: 5 * time.Second, TLS: policy.TLSRequiredVerify,
				RetryInitial: time.Minute, RetryMax: time.Hour, MaxAge: 72 * time.Hour, ConnectTimeout: 30 * time.Second,
				CommandTimeout: 5 * time.Minute, DataTimeout: 10 * time.Minute,
				Adapt: policy.Adaptation{MinConnections: 2, MaxConnections: 40, MinRate: 0.5, MaxRate: 90,
					ConnectionStep: 2, RateStep: 1.5, Factor: 0.6, Quiet: 10 * time.Second,
					Signals: policy.SignalRateLimited | policy.SignalTimeout, MinMessagesPerConn: 20, MaxMessagesPerConn: 300}},
		},
		{
			name: "classify",
			call: func(ctx context.Context, m *Module) (any, error) {
				return m.Classify(ctx, &policy.ClassifyInput{Tenant: "acme", Site: "mx.b.test", Domain: "b.test",
					Source: "ip1", Stage: "rcpt", Code: 421, Enhanced: "4.7.28", Text: "421 4.7.28 slow down"})
			},
			lines: []string{"hook=classify", "tenant=acme", "site=mx.b.test", "domain=b.test", "source=ip1", "stage=rcpt",
				"code=421", "enhanced=4.7.28", "text=421 4.7.28 slow down", "code#=-4"},
			want: policy.Classification{Category: policy.CategoryRateLimited, Action: policy.ActionRetry,
				Scope: policy.ScopeSite, Suspend: true, RateFactor: 0.5, MaxConns: 2, Duration: time.Minute,
				Threshold: 3, Window: 30 * time.Second},
		},
	}
}
