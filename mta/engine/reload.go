package engine

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/reception"
)

// ReloadReport says what a reload changed.
type ReloadReport struct {
	// Applied names the parts of the configuration that changed and are
	// in force now (e.g. "route", "tenant", "smtp").
	Applied []string `json:"applied"`
	// NeedsRestart names each key that changed but is read only at start
	// (e.g. "smtp.listen"): the running value stays until a restart.
	NeedsRestart []string `json:"needs_restart"`
}

// Reload puts next, a configuration already validated by config.Load, in
// force without a restart: routes, tenants, pools and sources, the
// built-in shape and retry schedule, the SMTP listeners' limits and
// certificate, DKIM keys. What is read only at start keeps its running
// value and is named in NeedsRestart. An error (a source address that
// cannot be bound, a DKIM key or certificate that does not load) changes
// nothing. Mail in flight is never touched: queued items keep their paths,
// and SMTP sessions already open finish on the listener generation they
// began on while new connections get the new one.
func (e *Engine) Reload(next *config.Config) (ReloadReport, error) {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	cur := e.conf()
	merged := *next
	rep := ReloadReport{Applied: []string{}, NeedsRestart: keepRestartKeys(cur, &merged)}
	rep.NeedsRestart = append(rep.NeedsRestart, keepSources(cur, &merged)...)
	egr, err := newEgressConf(&merged, e.egr.Load())
	if err != nil {
		return rep, err
	}
	tlsCfg, err := smtpTLS(merged.SMTP)
	if err != nil {
		return rep, err
	}
	servers := make([]*reception.Server, len(e.handoffs))
	for i := range servers {
		if servers[i], err = e.newSMTPServer(&merged, tlsCfg); err != nil {
			return rep, fmt.Errorf("engine: smtp listener: %w", err)
		}
	}
	if err := e.sub.signer.Update(dkimSpecs(merged.DKIM), dkimOptions(merged.DKIM)); err != nil {
		return rep, fmt.Errorf("engine: [dkim]: %w", err) // the last step that can fail
	}
	e.cfgp.Store(&merged)
	e.egr.Store(egr)
	e.setEgressTables()
	e.sub.routeAuth.Store(routeAuths(&merged))
	e.sub.intake.SetCeilings(merged.SMTP.MaxMessageSize, merged.SMTP.MaxRecipients, merged.SMTP.MaxHops)
	e.auth.forget()
	e.guard.SetDefault(defaultPolicy(&merged))
	e.swapSMTP(servers, merged.SMTP)
	e.releaseAllParked() // routes and pools may have changed
	rep.Applied = changedSections(cur, &merged)
	e.log.Info("configuration reloaded", "applied", rep.Applied, "needs_restart", rep.NeedsRestart)
	return rep, nil
}

// swapSMTP starts the new SMTP servers on the listeners' sockets and
// retires the old ones: they take no new connection, close their idle
// sessions and finish the others (a message in DATA is answered).
func (e *Engine) swapSMTP(servers []*reception.Server, c config.SMTP) {
	gens := make([]smtpGen, len(servers))
	for i, srv := range servers {
		gens[i] = e.serveSMTP(srv, e.handoffs[i])
	}
	e.smtpMu.Lock()
	old := e.smtp
	e.smtp = gens
	e.smtpMu.Unlock()
	// A session lasts at most a command and a DATA; Close cuts shorter.
	grace := c.CommandTimeout + c.DataTimeout + time.Minute
	for _, g := range old {
		g.ln.Close() // from now on the new generation takes every connection
		e.wg.Go(func() {
			ctx, cancel := context.WithTimeout(e.ctx, grace)
			defer cancel()
			g.retire(ctx)
		})
	}
}

// restartKeys are the keys read only at start. A reload keeps their
// running value and reports a change.
var restartKeys = []struct {
	key   string
	field func(*config.Config) any // a pointer to the field
}{
	{"spool_dir", func(c *config.Config) any { return &c.SpoolDir }},
	{"hostname", func(c *config.Config) any { return &c.Hostname }},
	{"log_format", func(c *config.Config) any { return &c.LogFormat }},
	{"timer_slack", func(c *config.Config) any { return &c.TimerSlack }},
	{"smtp.listen", func(c *config.Config) any { return &c.SMTP.Listen }},
	{"smtp.max_data_in_flight", func(c *config.Config) any { return &c.SMTP.MaxDataInFlight }},
	{"smtp.min_free_disk", func(c *config.Config) any { return &c.SMTP.MinFreeDisk }},
	{"admin", func(c *config.Config) any { return &c.Admin }},
	{"http", func(c *config.Config) any { return &c.HTTP }},
	{"delivery.port", func(c *config.Config) any { return &c.Delivery.Port }},
	{"delivery.dns_server", func(c *config.Config) any { return &c.Delivery.DNSServer }},
	{"delivery.dns_timeout", func(c *config.Config) any { return &c.Delivery.DNSTimeout }},
	{"delivery.mta_sts", func(c *config.Config) any { return &c.Delivery.MTASTS }},
	{"delivery.mta_sts_port", func(c *config.Config) any { return &c.Delivery.MTASTSPort }},
	{"delivery.dane", func(c *config.Config) any { return &c.Delivery.DANE }},
	{"delivery.tls_roots", func(c *config.Config) any { return &c.Delivery.TLSRoots }},
	{"delivery.tls_reports", func(c *config.Config) any { return &c.Delivery.TLSReports }},
	{"policy.call_timeout", func(c *config.Config) any { return &c.Policy.CallTimeout }},
	{"policy.memory_limit", func(c *config.Config) any { return &c.Policy.MemoryLimit }},
	{"policy.instances", func(c *config.Config) any { return &c.Policy.Instances }},
	{"policy.max_module_size", func(c *config.Config) any { return &c.Policy.MaxModuleSize }},
	{"policy.compile_timeout", func(c *config.Config) any { return &c.Policy.CompileTimeout }},
	{"policy.max_function_blocks", func(c *config.Config) any { return &c.Policy.MaxFunctionBlocks }},
	{"records", func(c *config.Config) any { return &c.Records }},
	{"history", func(c *config.Config) any { return &c.History }},
	{"inbound", func(c *config.Config) any { return &c.Inbound }},
	{"tables", func(c *config.Config) any { return &c.Tables }},
	{"cluster", func(c *config.Config) any { return &c.Cluster }},
}

// keepRestartKeys copies the running value of every start-only key that
// changed into next, and names those keys.
func keepRestartKeys(cur, next *config.Config) []string {
	out := []string{}
	for _, k := range restartKeys {
		was, now := reflect.ValueOf(k.field(cur)).Elem(), reflect.ValueOf(k.field(next)).Elem()
		if !reflect.DeepEqual(was.Interface(), now.Interface()) {
			out = append(out, k.key)
			now.Set(was)
		}
	}
	return out
}

// keepSources keeps the address and EHLO name of a source that exists in
// both files: the paths already made hold it. A new source, a removed one
// and the pools are live.
func keepSources(cur, next *config.Config) []string {
	var out []string
	next.Sources = append([]config.Source(nil), next.Sources...)
	for i, s := range next.Sources {
		if was := cur.Source(s.Name); was != nil && *was != s {
			out = append(out, fmt.Sprintf("source %s: address/ehlo", s.Name))
			next.Sources[i] = *was
		}
	}
	return out
}

// liveSections are the parts a reload puts in force, named as in the file.
var liveSections = []struct {
	name  string
	field func(*config.Config) any
}{
	{"route", func(c *config.Config) any { return c.Routes }},
	{"tenant", func(c *config.Config) any { return c.Tenants }},
	{"source", func(c *config.Config) any { return c.Sources }},
	{"pool", func(c *config.Config) any { return c.Pools }},
	{"smtp", func(c *config.Config) any { return c.SMTP }},
	{"delivery", func(c *config.Config) any { return c.Delivery }},
	{"queue", func(c *config.Config) any { return c.Queue }},
	{"dkim", func(c *config.Config) any { return c.DKIM }},
	{"policy", func(c *config.Config) any { return c.Policy }},
	{"log_level", func(c *config.Config) any { return c.LogLevel }},
}

func changedSections(cur, next *config.Config) []string {
	out := []string{}
	for _, s := range liveSections {
		if !reflect.DeepEqual(s.field(cur), s.field(next)) {
			out = append(out, s.name)
		}
	}
	return out
}
