package config

import "github.com/wasmta/wasmta/mta/policy"

// DefaultPolicy returns the built-in policy that this configuration
// describes: its static routes, each tenant's default pool, and the
// [delivery] and [queue] values as the shape of every path.
func (c *Config) DefaultPolicy() *policy.Default {
	routes := make(map[string][]string, len(c.Routes))
	for _, r := range c.Routes {
		routes[r.Domain] = append([]string(nil), r.Hosts...)
	}
	pools := make(map[string]string, len(c.Tenants))
	for _, t := range c.Tenants {
		if t.DefaultPool != "" {
			pools[t.Name] = t.DefaultPool
		}
	}
	return &policy.Default{
		Routes:      routes,
		TenantPools: pools,
		Pool:        DefaultName,
		PathShape: policy.Shape{
			MaxConnections: c.Delivery.MaxConnectionsPerPath,
			TLS:            c.Delivery.TLS,
			RetryInitial:   c.Queue.RetryInitial,
			RetryMax:       c.Queue.RetryMax,
			MaxAge:         c.Queue.MaxAge,
			ConnectTimeout: c.Delivery.ConnectTimeout,
			CommandTimeout: c.Delivery.CommandTimeout,
			DataTimeout:    c.Delivery.DataTimeout,
		},
	}
}
