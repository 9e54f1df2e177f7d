package config

import (
	"errors"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
)

// Load reads and parses the file at path, then checks that the files it
// names (TLS certificate and key, policy modules) can be read.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err == nil {
		err = c.CheckFiles()
	}
	if err != nil {
		return nil, fmt.Errorf("config: %s is invalid:\n%w", path, err)
	}
	return c, nil
}

// Parse reads a TOML document over the defaults. It reports every problem
// it finds, joined (errors.Join); each is an *Error naming its key.
func Parse(data []byte) (*Config, error) {
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, syntaxError(err)
	}
	p := &problems{}
	c := base()
	top := newTable("", doc, p)
	readTop(top, c)
	sections := []struct {
		name string
		read func(*table)
	}{
		{"smtp", func(t *table) { readSMTP(t, &c.SMTP) }},
		{"admin", func(t *table) { readAdmin(t, &c.Admin) }},
		{"http", func(t *table) { readHTTP(t, &c.HTTP) }},
		{"delivery", func(t *table) { readDelivery(t, &c.Delivery) }},
		{"queue", func(t *table) { readQueue(t, &c.Queue) }},
		{"policy", func(t *table) { readPolicy(t, &c.Policy) }},
		{"records", func(t *table) { readRecords(t, &c.Records) }},
		{"history", func(t *table) { readHistory(t, &c.History) }},
		{"dkim", func(t *table) { readDKIM(t, &c.DKIM) }},
		{"inbound", func(t *table) { readInbound(t, &c.Inbound) }},
		{"tables", func(t *table) {
			t.size("max_bytes", &c.Tables.MaxBytes, 1*KiB)
			t.size("cache_size", &c.Tables.CacheSize, 0)
		}},
		{"cluster", func(t *table) { readCluster(t, &c.Cluster) }},
	}
	for _, s := range sections {
		t := top.sub(s.name)
		s.read(t)
		t.done()
	}
	c.Routes = readRoutes(top.array("route"))
	c.Webhooks = readWebhooks(top.array("webhook"))
	c.Tenants = readTenants(top.array("tenant"))
	c.Sources = readSources(top.array("source"))
	c.Pools = readPools(top.array("pool"))
	top.done()
	c.complete()
	c.crossCheck(p)
	if len(p.list) > 0 {
		return nil, errors.Join(p.list...)
	}
	return c, nil
}

// syntaxError turns a TOML parse error into an Error naming the line.
func syntaxError(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{Problem: fmt.Sprintf("line %d: %s", pe.Position.Line, pe.Message)}
	}
	return &Error{Problem: err.Error()}
}
