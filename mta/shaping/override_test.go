package shaping

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

func TestOverrideApply(t *testing.T) {
	base := policy.Shape{MaxConnections: 10, MessagesPerSecond: 20, MessagesPerConn: 50, IdleTimeout: time.Minute}
	cases := []struct {
		name string
		o    Override
		want policy.Shape
	}{
		{"halve the rate", Override{RateFactor: 0.5, Lower: true},
			policy.Shape{MaxConnections: 10, MessagesPerSecond: 10, MessagesPerConn: 50, IdleTimeout: time.Minute}},
		{"cap connections lower", Override{MaxConnections: 2, Lower: true},
			policy.Shape{MaxConnections: 2, MessagesPerSecond: 20, MessagesPerConn: 50, IdleTimeout: time.Minute}},
		{"a cap above the limit keeps it", Override{MaxConnections: 50, Lower: true},
			policy.Shape{MaxConnections: 10, MessagesPerSecond: 20, MessagesPerConn: 50, IdleTimeout: time.Minute}},
		{"admin raises", Override{MaxConnections: 50, MessagesPerSecond: 100},
			policy.Shape{MaxConnections: 50, MessagesPerSecond: 100, MessagesPerConn: 50, IdleTimeout: time.Minute}},
		{"a cap on an unlimited value sets it", Override{MessagesPerHour: 1000, Lower: true},
			policy.Shape{MaxConnections: 10, MessagesPerSecond: 20, MessagesPerHour: 1000, MessagesPerConn: 50, IdleTimeout: time.Minute}},
		{"tls and idle", Override{TLS: "required", IdleTimeout: Duration(5 * time.Second)},
			policy.Shape{MaxConnections: 10, MessagesPerSecond: 20, MessagesPerConn: 50, IdleTimeout: 5 * time.Second, TLS: policy.TLSRequired}},
		{"tls_policy report_only", Override{TLSPolicy: "report_only"},
			policy.Shape{MaxConnections: 10, MessagesPerSecond: 20, MessagesPerConn: 50, IdleTimeout: time.Minute, TLSPolicy: policy.TLSPolicyReportOnly}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.o.Apply(base); got != c.want {
				t.Fatalf("Apply = %+v\nwant    %+v", got, c.want)
			}
		})
	}
}

func TestOverrideValidate(t *testing.T) {
	for _, o := range []Override{{RateFactor: -1}, {MaxConnections: -1}, {TLS: "sometimes"}, {TLSPolicy: "relax"}, {MessagesPerSecond: 2e6}} {
		if o.Validate() == nil {
			t.Errorf("%+v validated", o)
		}
	}
	if err := (Override{RateFactor: 0.5, MaxConnections: 3}).Validate(); err != nil {
		t.Fatal(err)
	}
}
