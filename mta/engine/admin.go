package engine

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
)

// This file and queueops.go are what the admin API, metrics and DSNs
// need from a running engine: read-only views of the queues and paths,
// inspection, and the queue operations (bounce, rebind). "Action" is
// reserved for the live suspensions and shaping overrides of mta/shaping.

// Config returns the configuration the engine runs with.
func (e *Engine) Config() *config.Config { return e.conf() }

// Emit writes a record made outside the engine (queue operations, policy
// changes, DSNs) to the engine's records, in order with its own.
func (e *Engine) Emit(r *events.Record) { e.record(r) }

// Ready reports why the engine cannot take mail now (shutting down, or
// Admission refuses: memory or disk short), or nil.
func (e *Engine) Ready() error {
	if e.ctx.Err() != nil {
		return errors.New("engine: shutting down")
	}
	return e.Admission()
}

// HasPool reports whether a pool of that name is configured.
func (e *Engine) HasPool(name string) bool { return e.pool(name) != nil }

// Summary dimensions.
const (
	ByTenant   = "tenant"
	ByCampaign = "campaign"
	ByDomain   = "domain"
	BySite     = "site"
	BySource   = "source"
	ByProvider = "provider"
)

// SummaryDimensions lists the values QueueSummary accepts for by.
var SummaryDimensions = []string{ByTenant, ByCampaign, ByDomain, BySite, BySource, ByProvider}

// QueueRow is one line of a queue summary.
type QueueRow struct {
	Key         string
	Queues      int // scheduled queues counted in the row
	Scheduled   int // items waiting in the scheduled queues
	Ready       int // transactions waiting in ready queues (by site and source: on the row's paths; otherwise routed from the row's queues)
	Connections int // open delivery connections (site and source rows)
	NextDue     *time.Time
	PausedUntil *time.Time // a scheduled queue of the row is paused
	Suspended   *time.Time // a path of the row is suspended
	*PathLimits            // of the row's paths together (site and source rows)
	// Paths are the row's paths one by one (site, source and provider
	// rows), each limit against the policy's bounds with its state.
	Paths []PathRow
}

// PathRow is one path of a queue summary row.
type PathRow struct {
	Source string
	Site   string
	PathStatus
}

// QueueSummary is the state of the queues, grouped by one dimension.
type QueueSummary struct {
	By          string
	Rows        []QueueRow
	Scheduled   int // matching items in the scheduled queues
	Ready       int // transactions in all ready queues
	InFlight    int // items routed but not final: in ready queues or on a connection
	Connections int // open delivery connections
}

// QueueSummary groups the scheduled queues that sel matches by tenant,
// campaign, domain, site or source. Site and source rows count the ready
// queues of their paths; tenant, campaign and domain rows count the
// transactions routed from their queues that wait in any ready queue.
// Scheduled items have no source yet: a source is picked when an item is
// routed, so they appear in the source row "". Sites of scheduled queues
// come from the route and MX answers, cached as for delivery.
func (e *Engine) QueueSummary(ctx context.Context, by string, sel message.Selector) (*QueueSummary, error) {
	if !slices.Contains(SummaryDimensions, by) {
		return nil, fmt.Errorf("engine: summary by %q: want one of %s", by, strings.Join(SummaryDimensions, ", "))
	}
	rows := map[string]*QueueRow{}
	row := func(k string) *QueueRow {
		if rows[k] == nil {
			rows[k] = &QueueRow{Key: k}
		}
		return rows[k]
	}
	out := &QueueSummary{By: by}
	for _, q := range e.sched.Summary() {
		if !sel.Match(q.Key) || q.Count == 0 && q.Paused.IsZero() {
			continue
		}
		r := row(e.rowKey(ctx, by, q.Key))
		r.Queues++
		r.Scheduled += q.Count
		out.Scheduled += q.Count
		r.NextDue = earlier(r.NextDue, q.NextDue, q.Count > 0)
		r.PausedUntil = later(r.PausedUntil, q.Paused)
	}
	if by == ByTenant || by == ByCampaign || by == ByDomain {
		for k, n := range e.readyByQueue() {
			if sel.Match(k) {
				row(e.rowKey(ctx, by, k)).Ready += n
			}
		}
	}
	for _, p := range e.PathsInfo() {
		out.Ready += p.Ready
		out.Connections += p.Connections
		if (by != BySite && by != BySource && by != ByProvider) || (p.Ready == 0 && p.Connections == 0 && p.Suspended.IsZero()) {
			continue
		}
		key := map[string]string{BySite: p.Site, BySource: p.Source, ByProvider: p.Provider}[by]
		r := row(key)
		r.Ready += p.Ready
		r.Connections += p.Connections
		r.Suspended = later(r.Suspended, p.Suspended)
		r.Paths = append(r.Paths, PathRow{Source: p.Source, Site: p.Site, PathStatus: p.Status})
		if r.PathLimits == nil {
			r.PathLimits = &PathLimits{}
			*r.PathLimits = p.PathLimits
		} else {
			*r.PathLimits = r.PathLimits.plus(p.PathLimits)
		}
	}
	out.InFlight = max(0, e.pendingTotal()-e.sched.Len())
	for _, r := range rows {
		out.Rows = append(out.Rows, *r)
	}
	slices.SortFunc(out.Rows, func(a, b QueueRow) int {
		return cmp.Or(cmp.Compare(b.Scheduled+b.Ready, a.Scheduled+a.Ready), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

func earlier(cur *time.Time, t time.Time, ok bool) *time.Time {
	if !ok || (cur != nil && !t.Before(*cur)) {
		return cur
	}
	return &t
}

func later(cur *time.Time, t time.Time) *time.Time {
	if t.IsZero() || t.Before(time.Now()) || (cur != nil && !t.After(*cur)) {
		return cur
	}
	return &t
}

func (e *Engine) rowKey(ctx context.Context, by string, k message.QueueKey) string {
	switch by {
	case ByTenant:
		return k.Tenant
	case ByCampaign:
		return k.Campaign
	case ByDomain:
		return k.Domain
	case BySite:
		return e.siteOf(ctx, k)
	case ByProvider:
		return mx.Provider([]string{e.siteOf(ctx, k)})
	}
	return "" // BySource: not routed yet
}

// siteOf resolves the site a scheduled queue's items will go to; failures
// are shown as the error, since they are why the items wait.
func (e *Engine) siteOf(ctx context.Context, k message.QueueKey) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	route, _ := e.guard.Route(ctx, &policy.RouteInput{Tenant: k.Tenant, Campaign: k.Campaign, Domain: k.Domain})
	site, _, err := e.resolve(ctx, route, k.Domain)
	if err != nil {
		return "(unresolved: " + k.Domain + ")"
	}
	return site
}

func (e *Engine) pendingTotal() int {
	e.pendMu.Lock()
	defer e.pendMu.Unlock()
	n := 0
	for _, c := range e.pend {
		n += c
	}
	return n
}

// PathInfo describes one egress path (ready queue).
type PathInfo struct {
	Source       string
	Site         string
	Provider     string
	Ready        int
	Connections  int
	Suspended    time.Time
	Shape        policy.Shape
	ShapeVersion string
	BackedOff    time.Time // no connection works: the path waits
	PathLimits
	// Status is each limit against the policy's bounds, with its state,
	// last cut and overriding action (limitview.go).
	Status PathStatus
}

// PathsInfo describes every egress path, sorted by source and site.
func (e *Engine) PathsInfo() []PathInfo {
	paths := e.ready.Paths()
	out := make([]PathInfo, 0, len(paths))
	for _, p := range paths {
		s, ver := p.Shape()
		out = append(out, PathInfo{Source: p.Key.Source, Site: p.Key.Site, Provider: mx.Provider([]string{p.Key.Site}),
			Ready: p.Len(), Connections: p.Conns(), Suspended: p.Suspended(), Shape: s, ShapeVersion: ver,
			BackedOff: p.BackedOff(), PathLimits: limitsOf(p), Status: e.pathStatus(p)})
	}
	slices.SortFunc(out, func(a, b PathInfo) int { return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Site, b.Site)) })
	return out
}

// ScheduledByTenant counts the items in the scheduled queues per tenant.
func (e *Engine) ScheduledByTenant() map[string]int {
	out := map[string]int{}
	for _, q := range e.sched.Summary() {
		out[q.Key.Tenant] += q.Count
	}
	return out
}

// ErrNoMessage is returned by Inspect for a message that is not in the
// spool (never accepted, or already final and deleted).
var ErrNoMessage = errors.New("engine: no such message in the spool")

// MessageInfo is what the spool knows of a queued message.
type MessageInfo struct {
	ID         string
	Tenant     string
	Campaign   string
	Sender     string
	ReceivedAt time.Time
	Size       int64
	Peer       string
	Helo       string
	AuthUser   string
	Protocol   string
	Pool       string // set by the envelope; rebinds are per recipient
	Meta       map[string]string
	Headers    []Header
	Recipients []RecipientInfo
}

// Header is one header field, unfolded, in message order.
type Header struct {
	Name  string
	Value string
}

// RecipientInfo is one recipient's delivery state.
type RecipientInfo struct {
	Address  string
	Queue    string
	Status   string
	Attempts int
	Due      *time.Time
	Last     *message.Response
	Pool     string
	// HeldBy is the suspension holding the recipient back (Status "held",
	// Due its end); "" when none does.
	HeldBy string
}

// Inspect returns the envelope, headers and per-recipient state of a
// queued message.
func (e *Engine) Inspect(id message.ID) (*MessageInfo, error) {
	m, err := e.spool.Message(id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s (%v)", ErrNoMessage, id, err)
	}
	states, err := e.spool.States(id, len(m.Recipients))
	if err != nil {
		return nil, fmt.Errorf("engine: inspect %s: %w", id, err)
	}
	body, err := e.spool.Body(id)
	if err != nil {
		return nil, fmt.Errorf("engine: inspect %s: %w", id, err)
	}
	info := &MessageInfo{ID: id.String(), Tenant: m.Tenant, Campaign: m.Campaign, Sender: m.Sender,
		ReceivedAt: m.ReceivedAt, Size: m.Size, Peer: m.Peer, Helo: m.Helo, AuthUser: m.AuthUser,
		Protocol: m.Protocol, Pool: m.Pool, Meta: m.Meta, Headers: parseHeaders(body)}
	for i, r := range m.Recipients {
		st := states[i]
		ri := RecipientInfo{Address: r.Addr, Status: st.Status.String(), Attempts: st.Attempts,
			Queue: message.QueueKey{Tenant: m.Tenant, Campaign: m.Campaign, Domain: r.Domain()}.String(),
			Pool:  e.poolOverride(id, r.Domain())}
		if !st.Status.Final() && !st.Due.IsZero() {
			ri.Due = &st.Due
		}
		if st.Last != (message.Response{}) {
			ri.Last = &st.Last
		}
		if a, ok := e.heldBy(m, i); ok && !st.Status.Final() {
			ri.Status, ri.HeldBy, ri.Due = "held", a.ID, &a.Expires
		}
		info.Recipients = append(info.Recipients, ri)
	}
	return info, nil
}

// parseHeaders returns the header fields of a message, unfolded. It reads
// at most the first 256 KiB: enough for any real header section.
func parseHeaders(body []byte) []Header {
	body = body[:min(len(body), 256<<10)]
	out := []Header{}
	for len(body) > 0 {
		i := bytes.IndexByte(body, '\n')
		line := body
		if i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		l := strings.TrimRight(string(line), "\r")
		switch {
		case l == "":
			return out
		case (l[0] == ' ' || l[0] == '\t') && len(out) > 0:
			out[len(out)-1].Value += " " + strings.TrimSpace(l)
		default:
			name, val, ok := strings.Cut(l, ":")
			if !ok {
				return out // not a header section any more
			}
			out = append(out, Header{Name: name, Value: strings.TrimSpace(val)})
		}
	}
	return out
}

// recordsOptions is the records file configuration of cfg.
func recordsOptions(cfg *config.Config, log *slog.Logger) events.FileOptions {
	r := cfg.Records
	return events.FileOptions{Path: r.Path, Disabled: !r.Enabled, RotateSize: r.RotateSize,
		RotateInterval: r.RotateInterval, Compress: r.Compress, KeepFiles: r.KeepFiles, KeepFor: r.KeepFor,
		Logger: log}
}
