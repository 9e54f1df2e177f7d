package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
	"github.com/wasmta/wasmta/mta/reputation"
	"github.com/wasmta/wasmta/mta/smtptrace"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/tables"
)

// Options are the parts of an engine that do not come from the
// configuration file.
type Options struct {
	// Registry gives the policy in force per tenant; nil = built-in only.
	Registry policy.Registry
	// Records, when set, also receives every record (tests, webhooks).
	Records events.Sink
	Logger  *slog.Logger
	// DeliveryTLS is the base TLS configuration of outbound sessions (tests
	// set RootCAs to verify a sink's certificate).
	DeliveryTLS *tls.Config
	// Spool, when set, is used instead of opening cfg.SpoolDir (the caller
	// opened it to restore policy modules first); the engine closes it.
	Spool *spool.Store
	// MaxReadyJobs bounds the transactions waiting in all ready queues
	// together (0 = 20000); past it the dispatchers stop pulling from the
	// scheduled queues.
	MaxReadyJobs int
	// Tables are the policy data tables (ABI v1.4 lookup); nil = none.
	// The engine installs the built-in ones and checks cached decisions
	// against the versions they read.
	Tables *tables.Store
	// MaxHeapBytes is the live Go heap over which reception answers 452
	// 4.3.1 (0 = 90% of GOMEMLIMIT when set, else no check).
	MaxHeapBytes int64
	// Fleet, when set, joins the node to a fleet (mta/fleet, [cluster]):
	// the engine shares its live actions and suppression there, starts it
	// in Start and closes it in Close. With [cluster] set and Fleet nil,
	// New opens one.
	Fleet *fleet.Fleet
	// Version is the binary's version, as the fleet's status shows it.
	Version string
}

// OpenSpool opens the spool of a configuration.
func OpenSpool(cfg *config.Config, log *slog.Logger) (*spool.Store, error) {
	minFree := cfg.SMTP.MinFreeDisk
	if minFree == 0 {
		minFree = -1 // min_free_disk = 0 turns the check off
	}
	t0 := time.Now()
	st, err := spool.Open(filepath.Join(cfg.SpoolDir, "spool"), spool.Options{
		MinFreeBytes: minFree, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	log.Info("spool open", "took", time.Since(t0))
	return st, nil
}

// Engine is a running MTA.
type Engine struct {
	cfgp  atomic.Pointer[config.Config] // swapped whole by Reload (reload.go)
	opts  Options
	log   *slog.Logger
	spool *spool.Store
	sched *queue.Scheduler
	ready *egress.Set
	trace *smtptrace.Hub // live views of delivery sessions (trace.go)
	mx    *mx.Resolver
	guard *policy.Guard
	rec   events.Sink
	file  *events.FileWriter

	egr atomic.Pointer[egressConf] // pools and sources, swapped by Reload

	ctl control // traffic control: live actions, held items, admission (control.go)

	roomw roomWait     // items parked for room on a full path (roomwait.go)
	loads atomic.Int64 // envelopes the dispatchers read back from the spool

	pendMu sync.Mutex
	pend   map[message.ID]int // items not yet final, per message

	rebuilt     int           // messages queued again from the spool at start (once rebuildDone is closed)
	rebuildErr  error         // what ended the rebuild early (once rebuildDone is closed)
	rebuildDone chan struct{} // closed when the rebuild at start has ended
	rebuiltAll  atomic.Bool   // the rebuild queued every stored message: pend names them all

	dispatchQ chan dispatchReq
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	smtpMu    sync.Mutex // guards smtp: Reload replaces the servers
	smtp      []smtpGen  // the current generation, one per listener (listen.go)
	handoffs  []*handoff // the listeners' sockets (handoff.go)
	listeners []net.Listener
	reloadMu  sync.Mutex // one Reload at a time (reload.go)
	self      selfAddrs  // the listeners, for delivery's loop check (self.go)
	auth      *authCache

	rebinds rebinds // admin rebinds (queueops.go)

	sub submission // DKIM signer, HTTP API, smart-host credentials (dkim.go, httpapi.go)

	fb feedbackState // VERP return paths, suppression, inbound reports (feedback.go)

	con console // message history and outcome rates (history.go)

	tlsp tlsPolicies // MTA-STS and DANE (tlspolicy.go)
}

// New opens the spool and prepares an engine; Start runs it.
func New(cfg *config.Config, opts Options) (*Engine, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Fleet == nil && cfg.Cluster.Enabled() {
		f, err := fleet.Open(cfg.Cluster, opts.Logger)
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		opts.Fleet = f
	}
	e := &Engine{opts: opts, log: opts.Logger, pend: make(map[message.ID]int), rebuildDone: make(chan struct{})}
	e.cfgp.Store(cfg)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if err := e.initSubmission(); err != nil {
		e.cancel()
		return nil, err
	}
	if err := e.initFeedback(); err != nil {
		e.cancel()
		return nil, err
	}
	st := opts.Spool
	if st == nil {
		var err error
		if st, err = OpenSpool(cfg, opts.Logger); err != nil {
			return nil, err
		}
	}
	e.spool = st
	var err error
	var also []events.Sink
	if opts.Records != nil {
		also = append(also, opts.Records)
	}
	e.fb.rep = reputation.New()
	also = append(also, e.fb.rep)
	e.openConsole()
	also = append(also, e.con.rates)
	if e.con.hist != nil {
		also = append(also, e.con.hist)
	}
	if e.file, err = events.Open(recordsOptions(cfg, opts.Logger), also...); err != nil {
		st.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.rec = e.file
	e.guard = policy.NewGuard(opts.Registry, defaultPolicy(cfg), e.policyFault)
	e.guard.SetReputation(e.fb.rep.Input, func(tenant, campaign string) *policy.Reputation {
		return e.fb.rep.PoolInput(tenant, campaign, e.egr.Load().names)
	})
	if err := e.openSuppression(); err != nil {
		e.file.Close()
		st.Close()
		return nil, err
	}
	e.initTables()
	if err := e.buildEgress(); err != nil {
		e.file.Close()
		st.Close()
		return nil, err
	}
	e.mx = mx.New(mx.Options{Server: addrString(cfg.Delivery.DNSServer), Timeout: cfg.Delivery.DNSTimeout,
		Port: int(cfg.Delivery.Port)})
	if err := e.initTLSPolicy(); err != nil {
		e.file.Close()
		st.Close()
		return nil, err
	}
	e.sched = queue.New(e.scheduledDue)
	e.dispatchQ = make(chan dispatchReq, 4096)
	e.auth = newAuthCache(e.conf)
	return e, nil
}

func addrString(ap interface {
	IsValid() bool
	String() string
}) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.String()
}

func defaultPolicy(cfg *config.Config) *policy.Default {
	d := &policy.Default{Routes: map[string][]string{}, TenantPools: map[string]string{}}
	for _, r := range cfg.Routes {
		d.Routes[r.Domain] = r.Hosts
	}
	for _, t := range cfg.Tenants {
		if t.DefaultPool != "" {
			d.TenantPools[t.Name] = t.DefaultPool
		}
	}
	d.PathShape = policy.Shape{
		MaxConnections: cfg.Delivery.MaxConnectionsPerPath,
		TLS:            cfg.Delivery.TLS,
		RetryInitial:   cfg.Queue.RetryInitial,
		RetryMax:       cfg.Queue.RetryMax,
		MaxAge:         cfg.Queue.MaxAge,
		ConnectTimeout: cfg.Delivery.ConnectTimeout,
		CommandTimeout: cfg.Delivery.CommandTimeout,
		DataTimeout:    cfg.Delivery.DataTimeout,
		// The configured connection limit is a ceiling for the built-in
		// policy: a path may learn fewer connections from refusals, never
		// more than the operator set (a module's shape sets its own).
		Adapt: policy.Adaptation{MaxConnections: cfg.Delivery.MaxConnectionsPerPath},
	}
	return d
}

// egressConf is the configured egress: sources by name and the pools
// over them. Reload swaps it whole; paths already made keep their source.
type egressConf struct {
	pools   map[string]*egress.Pool
	sources map[string]*egress.Source
	// names are the pools' names, sorted: select_pool's candidates, whose
	// reputation counts are its input (ABI v1.7).
	names []string
}

// newEgressConf builds the sources and pools of cfg, keeping the *Source
// of a name in old whose address and EHLO are unchanged (paths hold it).
func newEgressConf(cfg *config.Config, old *egressConf) (*egressConf, error) {
	ec := &egressConf{pools: map[string]*egress.Pool{}, sources: map[string]*egress.Source{}}
	for _, s := range cfg.Sources {
		src := &egress.Source{Name: s.Name, Addr: s.Address, EHLO: s.EHLO}
		if o := old.source(s.Name); o != nil && *o == *src {
			src = o
		} else if err := src.CheckBind(); err != nil {
			return nil, fmt.Errorf("engine: [[source]] %w", err)
		}
		ec.sources[s.Name] = src
	}
	for _, p := range cfg.Pools {
		var ms []egress.Member
		for _, m := range p.Sources {
			ms = append(ms, egress.Member{Source: ec.sources[m.Name], Weight: m.Weight})
		}
		ec.pools[p.Name] = egress.NewPool(p.Name, ms)
		ec.names = append(ec.names, p.Name)
	}
	slices.Sort(ec.names)
	return ec, nil
}

func (ec *egressConf) source(name string) *egress.Source {
	if ec == nil {
		return nil
	}
	return ec.sources[name]
}

// conf is the configuration in force.
func (e *Engine) conf() *config.Config { return e.cfgp.Load() }

// pool returns the configured pool of that name, or nil.
func (e *Engine) pool(name string) *egress.Pool { return e.egr.Load().pools[name] }

func (e *Engine) buildEgress() error {
	ec, err := newEgressConf(e.conf(), nil)
	if err != nil {
		return err
	}
	e.egr.Store(ec)
	e.initControl()
	e.trace = smtptrace.NewHub()
	e.ready = egress.NewSet(egress.Options{
		Handler:    (*handler)(e),
		Session:    delivery.Options{EHLO: e.conf().Hostname, TLSConfig: e.opts.DeliveryTLS},
		MaxQueued:  e.opts.MaxReadyJobs,
		Adjust:     e.adjustShape,
		ReturnPath: e.returnPath,
		Self:       e.self.is,
		Trace:      e.trace.Tracer,
		Shared:     e.sharedLimits,
		Logger:     e.log,
	})
	return nil
}

// Guard returns the policy guard the engine decides with.
func (e *Engine) Guard() *policy.Guard { return e.guard }

// Spool returns the engine's spool (the admin API and policy store use it).
func (e *Engine) Spool() *spool.Store { return e.spool }

// Start starts the scheduler, the dispatchers and the SMTP listeners, and
// rebuilds the queues from the spool beside them: the rebuild reads a
// snapshot of the spool taken before the listeners accept anything, so a
// message received meanwhile is queued by its reception and never also by
// the rebuild, and every message of the snapshot is queued once, when the
// rebuild reaches it. Rebuilt() is closed when the rebuild has ended.
func (e *Engine) Start() error {
	if err := e.startControl(); err != nil {
		close(e.rebuildDone)
		return err
	}
	scan, err := e.spool.BeginQueueScan()
	if err != nil {
		close(e.rebuildDone)
		return fmt.Errorf("engine: rebuild queues: %w", err)
	}
	e.pendMu.Lock()
	if len(e.pend) == 0 { // sized for the rebuild: a million entries grow the map twenty times
		e.pend = make(map[message.ID]int, min(e.spool.Stored(), maxPendHint))
	}
	e.pendMu.Unlock()
	if e.con.hist != nil {
		e.con.hist.Start()
	}
	e.wg.Go(func() { e.rebuildFrom(scan) })
	for range dispatchers {
		e.wg.Go(func() { e.dispatchLoop(e.ctx) })
	}
	e.wg.Go(func() { e.sched.Run(e.ctx) })
	e.wg.Go(func() { e.every(roomCheck, e.refillPaths) })
	if e.tlsp.sts != nil {
		e.wg.Go(func() { e.tlsp.sts.Run(e.ctx, stsRefreshInterval) })
	}
	if e.tlsp.rpt != nil {
		e.wg.Go(func() { e.tlsp.rpt.Run(e.ctx, tlsReportInterval) })
	}
	if err := e.listen(); err != nil {
		return err
	}
	return e.startInbound()
}

// maxPendHint bounds the size the pending map is made with at start.
const maxPendHint = 1 << 24

// rebuildFrom queues again what scan finds and reports what the spool's
// first scan found lost or damaged.
func (e *Engine) rebuildFrom(scan *spool.QueueScan) {
	defer close(e.rebuildDone)
	t0 := time.Now()
	n, err := e.rebuild(e.ctx, scan)
	e.rebuilt = n
	if err != nil {
		if e.ctx.Err() == nil {
			e.rebuildErr = fmt.Errorf("engine: rebuild queues: %w", err)
			e.log.Error("rebuilding the queues failed; the messages not queued stay in the spool for the next start", "queued", n, "err", err)
		}
		return
	}
	e.rebuiltAll.Store(true)
	e.reportLoss()
	e.log.Info("queues rebuilt", "messages", n, "items", e.sched.Len(), "took", time.Since(t0))
}

// Rebuilt is closed once the rebuild that Start began has ended; then
// RebuildErr says whether it failed.
func (e *Engine) Rebuilt() <-chan struct{} { return e.rebuildDone }

// RebuildErr is the error the rebuild ended with, nil when it queued
// everything (or was stopped by Close). Valid once Rebuilt is closed.
func (e *Engine) RebuildErr() error { return e.rebuildErr }

const dispatchers = 8

// Close stops reception, then delivery, and closes the spool. Messages not
// yet delivered stay in the spool for the next start.
func (e *Engine) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, h := range e.handoffs {
		h.Close()
	}
	e.smtpMu.Lock()
	servers := e.smtp
	e.smtpMu.Unlock()
	for _, g := range servers {
		g.retire(ctx)
	}
	e.stopInbound(ctx)
	e.closeHTTP(ctx)
	e.cancel()
	e.ready.Close()
	e.wg.Wait()
	e.saveLearned()
	e.closeFleet()
	e.ctl.reg.Close()
	errs := []error{e.file.Close()}
	if e.con.hist != nil {
		errs = append(errs, e.con.hist.Close()) // after the records writer, before the spool
	}
	errs = append(errs, e.spool.Close())
	return errors.Join(errs...)
}

// SMTPAddrs returns the addresses the SMTP listeners are bound to.
func (e *Engine) SMTPAddrs() []net.Addr {
	var out []net.Addr
	for _, l := range e.listeners {
		out = append(out, l.Addr())
	}
	return out
}

func (e *Engine) record(r *events.Record) {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	e.rec.Record(r)
}

func (e *Engine) policyFault(tenant, hook, version string, err error) {
	e.log.Warn("policy fault", "tenant", tenant, "hook", hook, "version", version, "err", err)
	e.record(&events.Record{Type: events.PolicyFault, Tenant: tenant, Hook: hook,
		PolicyVersion: version, Reason: err.Error()})
}
