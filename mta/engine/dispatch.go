package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/queue"
	"github.com/wasmta/wasmta/mta/spool"
)

// dispatchReq is an item that fell due; msg and body are set on the express
// lane and loaded from the spool otherwise.
type dispatchReq struct {
	key  message.QueueKey
	item *queue.Item
	msg  *message.Message
	body []byte
}

// scheduledDue runs on the scheduler goroutine; blocking here holds the
// scheduled queues back while the dispatchers are saturated.
func (e *Engine) scheduledDue(key message.QueueKey, it *queue.Item) {
	select {
	case e.dispatchQ <- dispatchReq{key: key, item: it}:
	case <-e.ctx.Done():
	}
}

func (e *Engine) dispatchLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d := <-e.dispatchQ:
			e.dispatch(ctx, d)
		}
	}
}

// dispatch routes one due item onto its egress path.
func (e *Engine) dispatch(ctx context.Context, d dispatchReq) {
	m := d.msg
	if m == nil {
		e.loads.Add(1)
		var err error
		if m, err = e.spool.Message(d.item.ID); err != nil {
			if errors.Is(err, spool.ErrCorrupt) {
				e.quarantine(d.item.ID, nil, err)
			} else {
				e.log.Error("dispatch: load message", "id", d.item.ID, "err", err)
			}
			e.itemDone(d.item.ID, 1)
			return
		}
	}
	route, ver := e.guard.Route(ctx, &policy.RouteInput{Tenant: m.Tenant, Campaign: m.Campaign, Domain: d.key.Domain})
	site, hosts, err := e.resolve(ctx, route, d.key.Domain)
	if err != nil {
		e.routeFailed(ctx, d, m, err)
		return
	}
	pool := m.Pool
	if p := e.poolOverride(m.ID, d.key.Domain); p != "" {
		pool = p // an admin rebind
	}
	if pool == "" {
		pool = e.guard.SelectPool(ctx, &policy.PoolInput{Tenant: m.Tenant, Campaign: m.Campaign,
			Domain: d.key.Domain, Site: site, Meta: m.Meta}) // the Guard adds the reputation a module reads
		if e.pool(pool) == nil {
			// Admission refuses a module naming an unknown pool at push; a
			// name read from a table at run time is only caught here.
			e.policyFault(m.Tenant, policy.HookSelectPool, e.guard.Version(m.Tenant),
				fmt.Errorf("select_pool named pool %q, which is not configured; the default pool is used", pool))
			pool = "default"
		}
	}
	p := e.pathFor(ctx, pool, site, d.key.Domain, hosts, d.item.Source)
	shape, _ := p.Shape()
	if time.Since(m.ReceivedAt) > shape.MaxAge {
		e.expire(d.key, m, d.item, "", site, pool, p.Source.Name)
		return
	}
	if e.holdBack(d.key, d.item, m, p) {
		return
	}
	if err := e.ready.WaitRoom(ctx); err != nil {
		e.sched.Add(d.key, d.item) // shutting down: it stays in the spool anyway
		return
	}
	j := &egress.Job{Msg: m, Body: d.body, Items: []*queue.Item{d.item}, Queue: d.key, Pool: pool, PolicyVersion: ver}
	if !p.EnqueueIfRoom(j) {
		// Another dispatcher filled the path since holdBack looked.
		e.parkForRoom(p, d.key, d.item, m.ReceivedAt.Add(shape.MaxAge))
	}
}

// pathFor picks a source of the pool, or the one an item asks for again
// (sticky, 1 + its index in the pool; 0: any), and returns the path to site.
func (e *Engine) pathFor(ctx context.Context, pool, site, domain string, hosts []mx.Host, sticky uint8) *egress.Path {
	pl := e.pool(pool)
	if pl == nil {
		e.log.Warn("select_pool named an unknown pool; using default", "pool", pool)
		pl = e.pool("default")
	}
	src := pl.At(int(sticky) - 1)
	if src == nil {
		src = pl.Pick()
	}
	spec := egress.PathSpec{Source: src, Site: site, Provider: e.ctl.provider(site, hosts), Hosts: hosts}
	ask := func() (policy.Shape, string) { return e.askShape(ctx, spec, pool, domain) }
	p, created := e.ready.Path(spec, ask)
	if created {
		e.restoreLearned(p)
	}
	if _, ver := p.BaseShape(); !created && !e.shapeCurrent(ver) {
		p.SetShape(ask()) // the global policy or a table it read changed: ask its shape hook again
	}
	p.SetHosts(hosts)
	return p
}

// resolve turns a route into a site name and its hosts.
func (e *Engine) resolve(ctx context.Context, r policy.Route, domain string) (string, []mx.Host, error) {
	if r.Kind == policy.RouteHosts {
		hosts, err := e.mx.LookupHosts(ctx, r.Hosts)
		if err != nil {
			return "", nil, err
		}
		return "route:" + strings.Join(r.Hosts, ","), hosts, nil
	}
	if r.Domain != "" {
		domain = r.Domain
	}
	res, err := e.mx.Lookup(ctx, domain)
	if err != nil {
		return "", nil, err
	}
	if res.NullMX {
		return "", nil, errNullMX
	}
	return res.Site, res.Hosts, nil
}

var errNullMX = errors.New("domain does not accept mail (null MX, RFC 7505)")

// routeFailed turns a resolution failure into a bounce (permanent DNS
// answers, null MX) or a retry.
func (e *Engine) routeFailed(ctx context.Context, d dispatchReq, m *message.Message, err error) {
	resp := message.Response{Code: 451, Enhanced: "4.4.3", Text: "DNS: " + err.Error()}
	var merr *mx.Error
	switch {
	case errors.Is(err, errNullMX), errors.Is(err, mx.ErrNullMX):
		resp = message.Response{Code: 556, Enhanced: "5.1.10", Text: "Recipient address has null MX"}
	case errors.As(err, &merr) && !merr.Temporary:
		resp = message.Response{Code: 550, Enhanced: "5.1.2", Text: "DNS: " + err.Error()}
	}
	n := len(d.item.Rcpts)
	o := egress.Outcome{Rcpt: make([]message.Response, n), Stage: "route"}
	for i := range o.Rcpt {
		o.Rcpt[i] = resp
	}
	j := &egress.Job{Msg: m, Items: []*queue.Item{d.item}, Queue: d.key}
	(*handler)(e).finish(ctx, nil, j, o)
}
