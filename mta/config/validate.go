package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
)

// crossCheck finds problems that involve more than one key: duplicate
// names, references to sources and pools, clashing listeners.
func (c *Config) crossCheck(p *problems) {
	c.checkListeners(p)
	checkUnique(p, "tenant", len(c.Tenants), func(i int) string { return c.Tenants[i].Name })
	checkUnique(p, "source", len(c.Sources), func(i int) string { return c.Sources[i].Name })
	checkUnique(p, "pool", len(c.Pools), func(i int) string { return c.Pools[i].Name })
	c.checkPools(p)
	c.checkTenants(p)
	c.checkWebhooks(p)
	c.checkInbound(p)
}

func (c *Config) checkWebhooks(p *problems) {
	seen := map[string]int{}
	for i, w := range c.Webhooks {
		if w.Tenant != "" && c.Tenant(w.Tenant) == nil {
			p.add(fmt.Sprintf("webhook[%d].tenant", i), "no [[tenant]] is named %q", w.Tenant)
		}
		if j, dup := seen[w.Name]; dup {
			p.add(fmt.Sprintf("webhook[%d].name", i), "%q is already the name of webhook[%d] (set name to tell them apart: it names the outbox)", w.Name, j)
			continue
		}
		seen[w.Name] = i
	}
}

func checkUnique(p *problems, section string, n int, name func(int) string) {
	seen := map[string]int{}
	for i := 0; i < n; i++ {
		nm := name(i)
		if j, dup := seen[nm]; dup && nm != "" {
			p.add(fmt.Sprintf("%s[%d].name", section, i), "%q is already the name of %s[%d]", nm, section, j)
			continue
		}
		seen[nm] = i
	}
}

func (c *Config) checkListeners(p *problems) {
	owner := map[netip.AddrPort]string{}
	claim := func(key string, ap netip.AddrPort) {
		if !ap.IsValid() || ap.Port() == 0 {
			return
		}
		if other, ok := owner[ap]; ok {
			p.add(key, "%v is already used by %s", ap, other)
			return
		}
		owner[ap] = key
	}
	for i, ap := range c.SMTP.Listen {
		claim(fmt.Sprintf("smtp.listen[%d]", i), ap)
	}
	claim("admin.listen", c.Admin.Listen)
	claim("http.listen", c.HTTP.Listen)
	claim("inbound.listen", c.Inbound.Listen)
}

func (c *Config) checkPools(p *problems) {
	for i, pool := range c.Pools {
		seen := map[string]bool{}
		for j, m := range pool.Sources {
			key := fmt.Sprintf("pool[%d].sources[%d].name", i, j)
			switch {
			case m.Name == "":
			case c.Source(m.Name) == nil:
				p.add(key, "no [[source]] is named %q", m.Name)
			case seen[m.Name]:
				p.add(key, "%q is already in pool %q", m.Name, pool.Name)
			}
			seen[m.Name] = true
		}
	}
	if c.Pool(DefaultName) == nil {
		p.add("pool", "no pool is named %q (messages whose tenant has no default_pool use it)", DefaultName)
	}
}

func (c *Config) checkTenants(p *problems) {
	users := map[string]string{}
	tokens := map[[32]byte]string{}
	for i, t := range c.Tenants {
		key := fmt.Sprintf("tenant[%d]", i)
		if t.DefaultPool != "" && c.Pool(t.DefaultPool) == nil {
			p.add(key+".default_pool", "no [[pool]] is named %q", t.DefaultPool)
		}
		if t.MaxMessageSize > c.SMTP.MaxMessageSize {
			p.add(key+".max_message_size", "%d is larger than smtp.max_message_size (%d)", t.MaxMessageSize, c.SMTP.MaxMessageSize)
		}
		if t.MaxRecipients > c.SMTP.MaxRecipients {
			p.add(key+".max_recipients", "%d is larger than smtp.max_recipients (%d)", t.MaxRecipients, c.SMTP.MaxRecipients)
		}
		for j, u := range t.SMTPUsers {
			if other, dup := users[u.Username]; dup && u.Username != "" {
				p.add(fmt.Sprintf("%s.smtp_users[%d].username", key, j), "%q is already a user of %s", u.Username, other)
			}
			users[u.Username] = key
		}
		for j, h := range t.APITokensSHA256 {
			if other, dup := tokens[h]; dup {
				p.add(fmt.Sprintf("%s.api_tokens_sha256[%d]", key, j), "this token is already one of %s", other)
			}
			tokens[h] = key
		}
	}
}

// CheckFiles reports the files the configuration names that cannot be
// read: smtp.tls_cert and tls_key, policy.global, tenant policies.
func (c *Config) CheckFiles() error {
	var errs []error
	check := func(key, path string) {
		if path == "" {
			return
		}
		f, err := os.Open(path)
		if err != nil {
			errs = append(errs, &Error{Key: key, Problem: err.Error()})
			return
		}
		f.Close()
	}
	check("smtp.tls_cert", c.SMTP.TLSCert)
	check("smtp.tls_key", c.SMTP.TLSKey)
	check("policy.global", c.Policy.Global)
	check("http.tls_cert", c.HTTP.TLSCert)
	check("http.tls_key", c.HTTP.TLSKey)
	check("cluster.tls_ca", c.Cluster.TLSCA)
	for i, k := range c.DKIM.Keys {
		check(fmt.Sprintf("dkim.key[%d].key_file", i), k.KeyFile)
	}
	for i, t := range c.Tenants {
		check(fmt.Sprintf("tenant[%d].policy", i), t.Policy)
	}
	return errors.Join(errs...)
}
