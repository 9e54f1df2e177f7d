package engine

import (
	"context"
	"crypto/tls"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
	"github.com/wasmta/wasmta/mta/spool"
)

// rebuild fills the scheduled queues from the spool: every recipient that
// is not final is queued again, grouped by domain, due when its state says
// (a recipient never attempted is due now). Messages with nothing left are
// deleted (a crash between the last result and the delete).
func (e *Engine) rebuild(ctx context.Context, scan *spool.QueueScan) (int, error) {
	n := 0
	var items []domainItem // reused: one message's items, by domain
	err := scan.Run(ctx, func(m *spool.Queued) error {
		items = groupByDomain(items[:0], m, e.stickySource)
		if len(items) == 0 {
			return e.spool.Delete(m.ID)
		}
		n++
		e.pendMu.Lock()
		e.pend[m.ID] = len(items)
		e.pendMu.Unlock()
		for _, di := range items {
			e.sched.Add(message.QueueKey{Tenant: m.Tenant, Campaign: m.Campaign, Domain: di.domain}, di.item)
		}
		return nil
	})
	return n, err
}

// domainItem is the item of one domain of a message being rebuilt.
type domainItem struct {
	domain string
	item   *queue.Item
}

// groupByDomain appends to items one item per domain of m's recipients
// that are not final: the latest due time and the most attempts of its
// recipients, and the source a deferral asked to be retried from, as
// sticky (engine.stickySource) gives it. A message has few domains, so a
// linear search beats a map.
func groupByDomain(items []domainItem, m *spool.Queued, sticky func(pool, source string) uint8) []domainItem {
	for i, s := range m.States {
		if s.Status.Final() {
			continue
		}
		d := m.Domains[i]
		var it *queue.Item
		for _, di := range items {
			if di.domain == d {
				it = di.item
				break
			}
		}
		if it == nil {
			it = queue.NewItem(m.ID, make([]uint16, 0, 1), s.Attempts, s.Due)
			items = append(items, domainItem{d, it})
		}
		it.Rcpts = append(it.Rcpts, uint16(i))
		if s.Due.After(it.Due()) {
			it.SetDue(s.Due)
		}
		if s.Attempts > int(it.Attempts) {
			it.Attempts = uint16(min(s.Attempts, 65535))
		}
		if s.RetrySource != "" && it.Source == 0 {
			it.Source = sticky(s.RetryPool, s.RetrySource)
		}
	}
	return items
}

func tlsInfo(cs *tls.ConnectionState) *events.TLS {
	return &events.TLS{Version: tls.VersionName(cs.Version), Cipher: tls.CipherSuiteName(cs.CipherSuite)}
}
