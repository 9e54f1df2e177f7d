package engine

import (
	"sync"

	"github.com/wasmta/wasmta/mta/history"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/rates"
)

// console is what the operator's console reads beside the queues: the
// message history ([history]) and the per-minute delivery outcomes of the
// last hour. Both are fed by the records writer.
type console struct {
	hist  *history.Index // nil when [history] enabled = false
	rates *rates.Counter

	mu    sync.Mutex
	sites map[message.QueueKey]siteAt // QueueView's sites (queueview.go)
}

// openConsole makes the history index and the outcome counter.
func (e *Engine) openConsole() {
	e.con.rates = rates.New(nil)
	if !e.conf().History.Enabled {
		return
	}
	e.con.hist = history.Open(e.spool, history.Options{Retention: e.conf().History.Retention,
		Recipients: e.recipientsOf, Logger: e.log})
}

// recipientsOf returns the recipient addresses of a message in the spool.
func (e *Engine) recipientsOf(id string) []string {
	mid, err := message.ParseID(id)
	if err != nil {
		return nil
	}
	m, err := e.spool.Message(mid)
	if err != nil {
		return nil
	}
	out := make([]string, len(m.Recipients))
	for i, r := range m.Recipients {
		out[i] = r.Addr
	}
	return out
}

// History returns the message history, or nil when it is off.
func (e *Engine) History() *history.Index { return e.con.hist }

// Rates returns the per-minute delivery outcomes of the last hour.
func (e *Engine) Rates() *rates.Counter { return e.con.rates }
