package egress

import (
	"context"
	"time"
)

// maybeSpawn starts a connection worker when jobs wait, no worker is idle,
// the connection limit allows, the connection rate permits and the message
// rate has a token coming soon; otherwise it tries again when the rate
// allows.
func (p *Path) maybeSpawn() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.set.ctx.Err() != nil || len(p.fifo) <= p.idle {
		return
	}
	if p.conns >= max(1, p.shape.MaxConnections) {
		p.connsPressedLocked(now)
		return
	}
	if until, held := p.heldLocked(now); held {
		if !p.backoff.IsZero() && until.Equal(p.backoff) {
			p.spawnLater(until.Sub(now)) // probe when the back-off ends
		}
		return
	}
	if now.Before(p.cool) {
		p.spawnLater(p.cool.Sub(now))
		return
	}
	if now.Before(p.sharedHold) {
		p.spawnLater(p.sharedHold.Sub(now))
		return
	}
	// With no token for a while, a new session would only sit idle.
	if d := p.msgs.delay(now); d > maxTokenWait(p.shape.IdleTimeout) {
		p.spawnLater(d)
		return
	}
	if p.connRate != nil {
		r := p.connRate.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			p.spawnLater(d)
			return
		}
	}
	p.conns++
	p.peak = max(p.peak, p.conns)
	p.set.wg.Add(1)
	go p.set.worker(p)
	p.spawnMore(now)
}

// spawnMore asks for one more worker when the next connection token comes,
// if the jobs waiting outnumber the workers that could take them: every
// Enqueue tries a spawn, but jobs that all arrived while the connection
// rate said "not yet" would otherwise get a single worker from spawnLater
// and no more. Callers hold p.mu.
func (p *Path) spawnMore(now time.Time) {
	if len(p.fifo) <= p.idle+1 || p.conns >= max(1, p.shape.MaxConnections) {
		return
	}
	var d time.Duration
	if p.connRate != nil {
		r := p.connRate.ReserveN(now, 1)
		d = r.DelayFrom(now)
		r.CancelAt(now)
	}
	p.spawnLater(d)
}

// spawnLater calls maybeSpawn again after d; callers hold p.mu.
func (p *Path) spawnLater(d time.Duration) {
	if p.spawnWait {
		return
	}
	p.spawnWait = true
	time.AfterFunc(d, func() {
		p.mu.Lock()
		p.spawnWait = false
		p.mu.Unlock()
		p.maybeSpawn()
	})
}

// maxTokenWait is how long a connection may wait for a message token with
// its session open: longer than that, it closes the session while it waits.
func maxTokenWait(idle time.Duration) time.Duration {
	if idle <= 0 || idle > 5*time.Second {
		return 5 * time.Second
	}
	return idle
}

// shrink reports whether a worker must end because the path has more
// workers than its (lowered) connection limit; it counts the worker as
// leaving so that only the excess ends.
func (p *Path) shrink() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns-p.leaving > max(1, p.shape.MaxConnections) {
		p.leaving++
		return true
	}
	return false
}

// workerEnded accounts for a worker that returned.
func (p *Path) workerEnded(shrunk bool) {
	p.mu.Lock()
	p.conns--
	if shrunk {
		p.leaving--
	}
	p.mu.Unlock()
	p.maybeSpawn()
}

// waitJob waits up to idle for a job; nil means the connection should
// close.
func (p *Path) waitJob(ctx context.Context, idle time.Duration) *Job {
	if j := p.take(); j != nil {
		return j
	}
	p.mu.Lock()
	if _, held := p.heldLocked(time.Now()); held {
		p.mu.Unlock()
		return nil // a suspended or backed-off path keeps no idle session
	}
	p.idle++
	stop := p.stop
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.idle--
		p.mu.Unlock()
	}()
	t := time.NewTimer(idle)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-stop:
			return nil
		case <-t.C:
			return p.take()
		case <-p.avail:
			if j := p.take(); j != nil {
				return j
			}
		}
	}
}

// pushFront puts a job back at the head of the queue (a worker that took
// it cannot send it now).
func (p *Path) pushFront(j *Job) {
	p.mu.Lock()
	if w, ok := p.byMsg[j.Msg.ID]; ok {
		w.Items = append(j.Items, w.Items...)
		p.mu.Unlock()
		return
	}
	p.fifo = append([]*Job{j}, p.fifo...)
	p.byMsg[j.Msg.ID] = j
	p.mu.Unlock()
	p.set.queued.Add(1)
	p.signal()
}
