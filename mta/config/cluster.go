package config

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/mx"
)

// Cluster is the [cluster] section: this node's place in a fleet of wasmta
// nodes that share live actions, policies, suppression, reputation and
// limits through Redis (mta/fleet). Without redis set the node is alone,
// exactly as without the section.
type Cluster struct {
	Node string // node: this node's name in the fleet; "" = hostname
	// Redis (redis): "host:port" of a single Redis server, or the seed
	// nodes of a Redis Cluster (with ClusterMode or several addresses).
	Redis       []string
	ClusterMode bool   // redis_cluster: talk Redis Cluster even with one seed
	Username    string // username: ACL user ("" = default user)
	Password    string // password
	DB          int    // db: database number (single server only)
	TLS         bool   // tls: connect with TLS
	TLSCA       string // tls_ca: PEM file of the CA that signed Redis's certificate; "" = system roots
	TLSName     string // tls_server_name: the name to verify; "" = the address's host
	TLSInsecure bool   // tls_insecure_skip_verify: tests only
	// Heartbeat (heartbeat) is how often a node says it is alive; NodeTTL
	// (node_ttl) how long after its last heartbeat it counts as gone.
	Heartbeat time.Duration
	NodeTTL   time.Duration
	// SlotTTL (slot_ttl): how long a leased connection slot outlives its
	// node's last renewal (a node killed with -9 gives its slots back then).
	SlotTTL time.Duration
	// Timeout (timeout): the deadline of one Redis command.
	Timeout time.Duration
	// Lease (lease): a node leases from a shared rate, in one round trip,
	// what the rate allows in this period divided by the live nodes;
	// tokens it has not used by then lapse.
	Lease time.Duration
	// SharedTenantRates (shared_tenant_rates, default true): a tenant's
	// messages_per_minute holds for the fleet, not per node.
	SharedTenantRates bool
	// SharedPaths (shared_paths): every egress path's connection limit and
	// message rate hold for the paths of that name (source, site) on all
	// nodes together.
	SharedPaths bool
	// Limits ([[cluster.limit]]): caps across the fleet on the traffic to a
	// provider or a site, over all sources.
	Limits []ClusterLimit
}

// ClusterLimit is one [[cluster.limit]]: fleet-wide caps on the paths to a
// provider (or a site), all sources together, like KumoMTA's
// provider_connection_limit.
type ClusterLimit struct {
	Name              string  // name: the limit's name in Redis; "" = provider or site
	Provider          string  // provider: "google", "yahoo", "microsoft", "apple"
	Site              string  // site: a destination site name
	MaxConnections    int     // max_connections: open connections, fleet-wide; 0 = none
	MessagesPerSecond float64 // messages_per_second: fleet-wide; 0 = none
	Burst             int     // burst: tokens at once; 0 = one second's worth
}

// Matches reports whether the limit covers a path to site of provider.
func (l ClusterLimit) Matches(provider, site string) bool {
	if l.Provider != "" {
		return l.Provider == provider
	}
	return l.Site == site
}

// Enabled reports whether the node belongs to a fleet.
func (c *Cluster) Enabled() bool { return len(c.Redis) > 0 }

func defaultCluster() Cluster {
	return Cluster{Heartbeat: 2 * time.Second, NodeTTL: 10 * time.Second, SlotTTL: 10 * time.Second,
		Timeout: 2 * time.Second, Lease: time.Second, SharedTenantRates: true}
}

func readCluster(t *table, c *Cluster) {
	if t.str("node", &c.Node) && !validNodeName(c.Node) {
		t.p.add(t.key("node"), "%q is not a node name (letters, digits, '.', '-', '_', up to 64)", c.Node)
	}
	if t.strings("redis", &c.Redis) {
		if len(c.Redis) == 0 {
			t.p.add(t.key("redis"), "is empty: give one Redis address, or the seeds of a Redis Cluster (or leave the section out)")
		}
		for i, a := range c.Redis {
			if err := checkRedisAddr(a); err != nil {
				t.p.add(t.key(fmt.Sprintf("redis[%d]", i)), "%q: %v", a, err)
			}
		}
	}
	t.boolean("redis_cluster", &c.ClusterMode)
	t.str("username", &c.Username)
	t.str("password", &c.Password)
	t.integer("db", &c.DB, 0, 15)
	t.boolean("tls", &c.TLS)
	t.str("tls_ca", &c.TLSCA)
	t.str("tls_server_name", &c.TLSName)
	t.boolean("tls_insecure_skip_verify", &c.TLSInsecure)
	t.duration("heartbeat", &c.Heartbeat, 100*time.Millisecond)
	t.duration("node_ttl", &c.NodeTTL, time.Second)
	t.duration("slot_ttl", &c.SlotTTL, time.Second)
	t.duration("timeout", &c.Timeout, 10*time.Millisecond)
	t.duration("lease", &c.Lease, 10*time.Millisecond)
	t.boolean("shared_tenant_rates", &c.SharedTenantRates)
	t.boolean("shared_paths", &c.SharedPaths)
	c.Limits = readClusterLimits(t.array("limit"))
	readClusterChecks(t, c)
}

func readClusterChecks(t *table, c *Cluster) {
	if c.NodeTTL < 2*c.Heartbeat {
		t.p.add(t.key("node_ttl"), "%v must be at least twice heartbeat (%v): one late heartbeat must not drop a node", c.NodeTTL, c.Heartbeat)
	}
	if c.DB != 0 && (c.ClusterMode || len(c.Redis) > 1) {
		t.p.add(t.key("db"), "Redis Cluster has database 0 only")
	}
	if (c.TLSCA != "" || c.TLSName != "" || c.TLSInsecure) && !c.TLS {
		t.p.add(t.key("tls"), "tls_ca, tls_server_name and tls_insecure_skip_verify need tls = true")
	}
	if !c.Enabled() && (c.Node != "" || c.Password != "" || c.TLS) {
		t.p.add(t.key("redis"), "is not set: a [cluster] section needs the Redis address(es)")
	}
}

// checkRedisAddr wants host:port: Redis has no port to guess in a fleet.
func checkRedisAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("want host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not 1 to 65535", port)
	}
	if host == "" {
		return fmt.Errorf("the host is empty")
	}
	return nil
}

func validNodeName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}

func readClusterLimits(ts []*table) []ClusterLimit {
	var out []ClusterLimit
	seen := map[string]bool{}
	for _, t := range ts {
		var l ClusterLimit
		t.str("provider", &l.Provider)
		t.str("site", &l.Site)
		t.integer("max_connections", &l.MaxConnections, 0, maxInt)
		t.positive("messages_per_second", &l.MessagesPerSecond)
		t.integer("burst", &l.Burst, 0, maxInt)
		switch {
		case (l.Provider == "") == (l.Site == ""):
			t.p.add(t.key("provider"), "give provider or site (one of them)")
		case l.Provider != "" && !slices.Contains(mx.ProviderNames(), l.Provider):
			t.p.add(t.key("provider"), "%q is not a provider wasmta recognises (%s)", l.Provider, strings.Join(mx.ProviderNames(), ", "))
		case l.MaxConnections == 0 && l.MessagesPerSecond == 0:
			t.p.add(t.key("max_connections"), "a limit needs max_connections, messages_per_second or both")
		}
		if t.str("name", &l.Name) && !validNodeName(l.Name) {
			t.p.add(t.key("name"), "%q is not a limit name (letters, digits, '.', '-', '_', up to 64)", l.Name)
		}
		if l.Name == "" {
			l.Name = l.Provider + l.Site
		}
		if seen[l.Name] {
			t.p.add(t.key("name"), "%q is the name of another limit (give each a name)", l.Name)
		}
		seen[l.Name] = true
		t.done()
		out = append(out, l)
	}
	return out
}

// positive reads a number of at least 0 (an integer or a float).
func (t *table) positive(k string, dst *float64) {
	if f, ok := t.number(k); ok {
		if !(f >= 0) || math.IsInf(f, 0) {
			t.p.add(t.key(k), "%v is out of range (at least 0)", f)
			return
		}
		*dst = f
	}
}
