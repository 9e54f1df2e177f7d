package dsn

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
)

// Injector takes a composed report into the queues: the engine.
type Injector interface {
	// Submit spools m; spooled, when not nil, runs once m is synced and
	// before it can be delivered.
	Submit(ctx context.Context, m *message.Message, body []byte, spooled func()) error
	Emit(r *events.Record)
}

// Options configures a Generator.
type Options struct {
	Hostname string // the reporting MTA
	// Wanted reports whether a tenant asked for reports (tenant.dsn).
	Wanted func(tenant string) bool
	// Window is how long the failures of one message are collected
	// before its report is sent; 0 = 1s.
	Window time.Duration
	Logger *slog.Logger
}

// Generator turns Bounce and Expiration records into reports.
type Generator struct {
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	pending map[string]*pendingReport
	inj     Injector
	stop    chan struct{}
	done    chan struct{}
}

type pendingReport struct {
	Report
	tenant     string
	first      time.Time
	requireTLS bool // the message was sent with REQUIRETLS: so is its report
}

// maxPending bounds the reports waiting for their window; past it they
// are sent at once.
const maxPending = 100_000

// New returns a Generator; records are collected from now on, reports
// are sent once Start gives it the engine.
func New(opts Options) *Generator {
	if opts.Window <= 0 {
		opts.Window = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Generator{opts: opts, log: opts.Logger, pending: map[string]*pendingReport{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

// Record implements events.Sink.
func (g *Generator) Record(r *events.Record) {
	if (r.Type != events.Bounce && r.Type != events.Expiration) || r.Sender == "" || !g.opts.Wanted(r.Tenant) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.pending[r.ID]
	if p == nil {
		if len(g.pending) >= maxPending {
			g.log.Warn("dsn: too many reports waiting; dropping one", "id", r.ID)
			return
		}
		p = &pendingReport{Report: Report{Reporter: g.opts.Hostname, MessageID: r.ID, Sender: r.Sender,
			ArrivedAt: arrival(r), Header: r.OriginalHeader}, tenant: r.Tenant, first: time.Now(), requireTLS: r.RequireTLS}
		g.pending[r.ID] = p
	}
	p.Recipients = append(p.Recipients, failureOf(r))
}

func arrival(r *events.Record) time.Time {
	if id, err := message.ParseID(r.ID); err == nil {
		return id.Time()
	}
	return r.Time.Add(-time.Duration(r.QueueTime * float64(time.Second)))
}

func failureOf(r *events.Record) Failure {
	f := Failure{Recipient: r.Recipient, RemoteMTA: r.PeerName, LastTry: r.Time, Expired: r.Type == events.Expiration}
	if resp := r.Response; resp != nil {
		f.Status = StatusOf(resp.Code, resp.Enhanced, f.Expired)
		if resp.Code > 0 {
			f.Diagnostic = strings.Join(strings.Fields(strconv.Itoa(resp.Code)+" "+resp.Enhanced+" "+resp.Text), " ")
		} else if !f.Expired {
			f.Diagnostic = resp.Text
		}
	} else {
		f.Status = StatusOf(0, "", f.Expired)
	}
	if f.Expired {
		f.LastTry = time.Time{} // an Expiration is not an attempt
	}
	return f
}

// Start sends reports through inj until Close.
func (g *Generator) Start(inj Injector) {
	g.mu.Lock()
	g.inj = inj
	g.mu.Unlock()
	go g.run()
}

func (g *Generator) run() {
	defer close(g.done)
	t := time.NewTicker(g.opts.Window / 4)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			g.send(true)
			return
		case <-t.C:
			g.send(false)
		}
	}
}

// send injects the reports whose window ended (all of them when all).
func (g *Generator) send(all bool) {
	g.mu.Lock()
	var due []*pendingReport
	for id, p := range g.pending {
		if all || time.Since(p.first) >= g.opts.Window {
			due = append(due, p)
			delete(g.pending, id)
		}
	}
	inj := g.inj
	g.mu.Unlock()
	for _, p := range due {
		g.inject(inj, p)
	}
}

func (g *Generator) inject(inj Injector, p *pendingReport) {
	now := time.Now()
	body := Compose(p.Report, now)
	m := &message.Message{ID: message.NewID(now), Tenant: p.tenant, Sender: "",
		Recipients: []message.Recipient{{Addr: p.Sender}}, ReceivedAt: now, Size: int64(len(body)),
		Peer: "local", Helo: g.opts.Hostname, Protocol: "DSN", Meta: map[string]string{"dsn_for": p.MessageID},
		RequireTLS: p.requireTLS}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spooled := func() {
		inj.Emit(&events.Record{Type: events.Reception, Time: now, ID: m.ID.String(), Tenant: m.Tenant,
			Recipients: 1, Size: m.Size, Peer: m.Peer, Protocol: m.Protocol, Meta: m.Meta})
	}
	if err := inj.Submit(ctx, m, body, spooled); err != nil {
		g.log.Error("dsn: report not queued", "for", p.MessageID, "to", p.Sender, "err", err)
	}
}

// Close sends the reports still collecting and stops.
func (g *Generator) Close() {
	g.mu.Lock()
	started := g.inj != nil
	g.mu.Unlock()
	if !started {
		return
	}
	close(g.stop)
	<-g.done
}
