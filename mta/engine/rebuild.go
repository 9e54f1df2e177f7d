package engine

import (
	"context"
	"crypto/tls"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
)

// rebuild fills the scheduled queues from the spool: every recipient that
// is not final is queued again, grouped by domain, due when its state says
// (a recipient never attempted is due now). Messages with nothing left are
// deleted (a crash between the last result and the delete).
func (e *Engine) rebuild(ctx context.Context) (int, error) {
	n := 0
	err := e.spool.Scan(ctx, func(m *message.Message, st []message.RcptState) error {
		byDomain := map[string]*queue.Item{}
		for i, s := range st {
			if s.Status.Final() {
				continue
			}
			d := m.Recipients[i].Domain()
			it := byDomain[d]
			if it == nil {
				it = queue.NewItem(m.ID, nil, s.Attempts, s.Due)
				byDomain[d] = it
			}
			it.Rcpts = append(it.Rcpts, uint16(i))
			if s.Due.After(it.Due()) {
				it.SetDue(s.Due)
			}
			if s.Attempts > int(it.Attempts) {
				it.Attempts = uint16(min(s.Attempts, 65535))
			}
		}
		if len(byDomain) == 0 {
			return e.spool.Delete(m.ID)
		}
		n++
		e.pendMu.Lock()
		e.pend[m.ID] = len(byDomain)
		e.pendMu.Unlock()
		for d, it := range byDomain {
			e.sched.Add(message.QueueKey{Tenant: m.Tenant, Campaign: m.Campaign, Domain: d}, it)
		}
		return nil
	})
	return n, err
}

func tlsInfo(cs *tls.ConnectionState) *events.TLS {
	return &events.TLS{Version: tls.VersionName(cs.Version), Cipher: tls.CipherSuiteName(cs.CipherSuite)}
}
