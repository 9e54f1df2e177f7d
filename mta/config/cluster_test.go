package config

import (
	"slices"
	"testing"
	"time"
)

// TestCluster: without [cluster] the node is alone; with it the values are
// read and the node name defaults to the hostname.
func TestCluster(t *testing.T) {
	if Default().Cluster.Enabled() {
		t.Error("the default configuration belongs to a fleet")
	}
	tests := []struct {
		name, doc string
		check     func(*testing.T, Cluster)
	}{
		{"single", "hostname = \"mta1.example\"\n[cluster]\nredis = [\"127.0.0.1:6379\"]\n", func(t *testing.T, c Cluster) {
			if !c.Enabled() || c.Node != "mta1.example" || c.ClusterMode || c.Heartbeat != 2*time.Second {
				t.Errorf("%+v", c)
			}
		}},
		{"cluster", "[cluster]\nnode = \"a\"\nredis = [\"10.0.0.1:7000\", \"10.0.0.2:7000\"]\npassword = \"p\"\ntls = true\n" +
			"tls_server_name = \"redis.internal\"\nheartbeat = \"500ms\"\nnode_ttl = \"3s\"\nslot_ttl = \"4s\"\n", func(t *testing.T, c Cluster) {
			if c.Node != "a" || len(c.Redis) != 2 || c.Password != "p" || !c.TLS || c.TLSName != "redis.internal" ||
				c.Heartbeat != 500*time.Millisecond || c.NodeTTL != 3*time.Second || c.SlotTTL != 4*time.Second {
				t.Errorf("%+v", c)
			}
		}},
		{"limits", "[cluster]\nredis = [\"127.0.0.1:6379\"]\nlease = \"200ms\"\nshared_tenant_rates = false\nshared_paths = true\n" +
			"[[cluster.limit]]\nprovider = \"microsoft\"\nmax_connections = 60\nmessages_per_second = 2.5\n" +
			"[[cluster.limit]]\nname = \"smarthost\"\nsite = \"route:10.0.0.1:25\"\nmessages_per_second = 100\nburst = 10\n", func(t *testing.T, c Cluster) {
			want := []ClusterLimit{{Name: "microsoft", Provider: "microsoft", MaxConnections: 60, MessagesPerSecond: 2.5},
				{Name: "smarthost", Site: "route:10.0.0.1:25", MessagesPerSecond: 100, Burst: 10}}
			if c.Lease != 200*time.Millisecond || c.SharedTenantRates || !c.SharedPaths || !slices.Equal(c.Limits, want) {
				t.Errorf("%+v", c)
			}
			if !c.Limits[0].Matches("microsoft", "any") || c.Limits[0].Matches("google", "any") ||
				!c.Limits[1].Matches("", "route:10.0.0.1:25") || c.Limits[1].Matches("", "route:10.0.0.2:25") {
				t.Error("Matches")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c.Cluster)
		})
	}
}
