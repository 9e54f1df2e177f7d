package config

import (
	"context"
	"os"
	"reflect"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

func mustParseFile(t *testing.T, path string) *Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDefaultPolicy: the built-in policy built from full.toml routes,
// pools and shapes as the file says.
func TestDefaultPolicy(t *testing.T) {
	d := mustParseFile(t, "testdata/full.toml").DefaultPolicy()
	ctx := context.Background()
	routes := []struct {
		domain string
		want   policy.Route
	}{
		{"EXAMPLE.com", policy.Route{Kind: policy.RouteHosts, Hosts: []string{"127.0.0.1:2526", "[::1]:2527", "smarthost.example.net"}}},
		{"other.org", policy.Route{Kind: policy.RouteHosts, Hosts: []string{"relay.example.net:587"}}},
	}
	for _, tt := range routes {
		got, _ := d.Route(ctx, &policy.RouteInput{Domain: tt.domain})
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Route(%s) = %+v, want %+v", tt.domain, got, tt.want)
		}
	}
	pools := map[string]string{"acme": "warm", "beta": "default", "": "default"}
	for tenant, want := range pools {
		if got, _ := d.SelectPool(ctx, &policy.PoolInput{Tenant: tenant}); got != want {
			t.Errorf("SelectPool(%q) = %q, want %q", tenant, got, want)
		}
	}
	s := d.Shape0()
	if s.MaxConnections != 8 || s.TLS != policy.TLSRequiredVerify || s.MaxAge.Hours() != 72 {
		t.Errorf("shape = %+v", s)
	}
}
