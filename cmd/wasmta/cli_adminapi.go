package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/dsn"
	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/metrics"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/webhook"
)

// observability is what serve runs around the engine: the metrics, the
// webhook outbox and the DSN generator (all fed by the records), and the
// admin API.
type observability struct {
	log *slog.Logger
	met *metrics.Metrics
	out *webhook.Outbox
	gen *dsn.Generator
	adm *admin.Server
}

func newObservability(cfg *config.Config, st *spool.Store, log *slog.Logger) (*observability, error) {
	o := &observability{log: log, met: metrics.New()}
	var err error
	o.out, err = webhook.Open(st, cfg.Webhooks, webhook.Options{Logger: log, Observe: o.met.ObserveWebhook,
		UserAgent: userAgent()})
	if err != nil {
		return nil, err
	}
	o.gen = dsn.New(dsn.Options{Hostname: cfg.Hostname, Logger: log, Wanted: func(tenant string) bool {
		t := cfg.Tenant(tenant)
		return t != nil && t.DSN
	}})
	return o, nil
}

// records is the sink the engine passes every record to.
func (o *observability) records() events.Sink { return events.Tee(o.met, o.out, o.gen) }

// start starts the webhook senders, the DSN generator and the admin API
// (when admin.listen is set).
func (o *observability) start(cfg *config.Config, eng *engine.Engine, reg policy.Modules,
	reload func(context.Context) (any, error)) error {
	o.out.Start()
	o.gen.Start(eng)
	o.met.Watch(eng, eng.Spool(), o.out)
	o.met.Registry().MustRegister(eng.Reputation(), buildInfoGauge())
	if !cfg.Admin.Listen.IsValid() {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Admin.Listen.String())
	if err != nil {
		return fmt.Errorf("admin.listen %s: %w", cfg.Admin.Listen, err)
	}
	o.adm = admin.New(admin.Options{Engine: eng, Policies: reg, Token: cfg.Admin.Token, AllowedHosts: cfg.Admin.AllowedHosts,
		Metrics: o.met.Handler(), Webhooks: o.out, Logger: o.log, Version: version, Reload: reload})
	go func() {
		if err := o.adm.Serve(ln); err != nil {
			o.log.Error("admin API", "err", err)
		}
	}()
	return nil
}

// stop ends the admin API, the webhook senders and the DSN generator,
// before the engine closes: the records still to come are flushed into
// the outbox when the engine's records writer closes.
func (o *observability) stop() {
	if o.adm != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		o.adm.Shutdown(ctx)
	}
	o.out.Close()
	o.gen.Close()
}
