package providersim

import (
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/time/rate"
)

// host is one running simulated provider: its settings, its SMTP server and
// the state it keeps per client IP.
type host struct {
	p    Provider
	addr string // bound address
	keep int64  // seconds of per-second history kept
	dice *dice
	srv  *smtp.Server
	gate *gate

	changesOnce sync.Once

	mu       sync.Mutex
	rate     rate.Limit
	burst    int
	maxConns int // MaxConnsPerIP in force (LimitChange, SetConnLimit)
	timers   []*time.Timer
	applied  []AppliedChange
	closed   bool
	total    *tally
	clients  map[string]*client
	freed    chan struct{} // closed and replaced whenever an admitted connection closes
}

// client is what a host keeps for one client IP.
type client struct {
	tally     *tally
	admitted  int // open connections let through the connection limit
	limiter   *rate.Limiter
	heldUntil time.Time
}

func newHost(p Provider, keep int64) *host {
	return &host{
		p:        p,
		keep:     keep,
		dice:     newDice(p.Seed),
		rate:     rate.Limit(p.RatePerIP),
		burst:    p.Burst,
		maxConns: p.MaxConnsPerIP,
		total:    newTally(),
		clients:  map[string]*client{},
		freed:    make(chan struct{}),
	}
}

// clientLocked returns ip's state, creating it; h.mu must be held.
func (h *host) clientLocked(ip string) *client {
	c := h.clients[ip]
	if c == nil {
		c = &client{tally: newTally()}
		if h.rate > 0 {
			c.limiter = rate.NewLimiter(h.rate, h.burst)
		}
		h.clients[ip] = c
	}
	return c
}

// tryOpen counts a new connection from ip if it is within the connection
// limit (MaxConnsPerIP, or what a change set).
// If not, it counts nothing and returns a channel closed at the next
// connection close, when a slot may have freed.
func (h *host) tryOpen(ip string) (bool, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clientLocked(ip)
	if h.maxConns > 0 && c.admitted >= h.maxConns {
		return false, h.freed
	}
	c.admitted++
	c.tally.connOpen()
	h.total.connOpen()
	return true, nil
}

// openRefused counts a connection from ip that is being refused; it is
// open until connClose(ip, false).
func (h *host) openRefused(ip string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clientLocked(ip)
	c.tally.connOpen()
	h.total.connOpen()
	c.tally.c.ConnsRefused++
	h.total.c.ConnsRefused++
}

func (h *host) connClose(ip string, admitted bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clientLocked(ip)
	c.tally.c.ConnsNow--
	h.total.c.ConnsNow--
	if admitted {
		c.admitted--
		close(h.freed)
		h.freed = make(chan struct{})
	}
}

// count applies f to ip's counters and to the provider's.
func (h *host) count(ip string, f func(*Counters)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.clientLocked(ip).tally.c)
	f(&h.total.c)
}

func (h *host) accept(ip string, rcpts int) {
	sec := time.Now().Unix()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clientLocked(ip).tally.accept(rcpts, sec, h.keep)
	h.total.accept(rcpts, sec, h.keep)
}

// takeToken spends one message of ip's rate budget and reports whether it
// was there. Without a rate limit it always is.
func (h *host) takeToken(ip string) bool {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clientLocked(ip)
	if c.limiter == nil {
		return true
	}
	if now.Before(c.heldUntil) {
		return false
	}
	if c.limiter.AllowN(now, 1) {
		return true
	}
	if h.p.ThrottleHold > 0 {
		c.heldUntil = now.Add(h.p.ThrottleHold)
	}
	return false
}

// setRate changes the per-IP rate of every client, current and future.
// A rate of 0 removes the limit.
func (h *host) setRate(perIP float64, burst int) {
	if perIP > 0 && burst < 1 {
		burst = 1
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rate, h.burst = rate.Limit(perIP), burst
	for _, c := range h.clients {
		switch {
		case perIP <= 0:
			c.limiter = nil
		case c.limiter == nil:
			c.limiter = rate.NewLimiter(h.rate, burst)
		default:
			c.limiter.SetLimit(h.rate)
			c.limiter.SetBurst(burst)
		}
		c.heldUntil = time.Time{}
	}
}

func (h *host) stats() ProviderStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	ps := ProviderStats{
		Name:    h.p.Name,
		Addr:    h.addr,
		Total:   h.total.snapshot(),
		PerIP:   make(map[string]IPStats, len(h.clients)),
		Changes: append([]AppliedChange(nil), h.applied...),
	}
	for ip, c := range h.clients {
		ps.PerIP[ip] = c.tally.snapshot()
	}
	return ps
}

func (h *host) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total.reset()
	for _, c := range h.clients {
		c.tally.reset()
	}
}
