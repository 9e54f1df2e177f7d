package sink

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is how the sink answers.
type Mode int32

const (
	Accept    Mode = iota // 250 to everything
	TempFail              // 451 4.3.2 to every RCPT
	Stall                 // accept the connection, never greet
	StallMail             // greet and answer EHLO, never answer MAIL
)

// BucketWidth is the width of one bucket of the arrival timeline.
const BucketWidth = 100 * time.Millisecond

// Sink is a running SMTP sink.
type Sink struct {
	ln       net.Listener
	mode     atomic.Int32
	chunking atomic.Bool // offer CHUNKING (SetChunking)
	start    time.Time

	messages, rcpts, conns, rejected atomic.Int64
	first, last                      atomic.Int64 // unix ns of the first and latest arrival

	mu      sync.Mutex
	buckets []int64 // arrivals per BucketWidth since start
	open    map[net.Conn]bool
	tracked []atomic.Int64 // unix ns of arrival of message N; 0 = not yet
	dupes   atomic.Int64

	delay      atomic.Int64 // ns every reply waits (SetDelay)
	signatures atomic.Int64 // DKIM-Signature fields seen
	wantSample atomic.Bool  // keep the next message whole
	sample     []byte       // under mu
	wg         sync.WaitGroup
	closed     chan struct{}
	closeErr   error
}

// Start listens on addr ("127.0.0.1:0" for a free port) and serves until
// Close.
func Start(addr string, mode Mode) (*Sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sink: listen %s: %w", addr, err)
	}
	s := &Sink{ln: ln, start: time.Now(), open: map[net.Conn]bool{}, closed: make(chan struct{})}
	s.mode.Store(int32(mode))
	s.wg.Go(s.acceptLoop)
	return s, nil
}

// Addr returns the address the sink listens on.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// SetMode changes how new commands are answered.
func (s *Sink) SetMode(m Mode) { s.mode.Store(int32(m)) }

// SetChunking makes EHLO replies from now on offer CHUNKING (RFC 3030), so
// that a client may send each message as "BDAT n LAST" and its bytes
// together with the envelope, as the large mailbox providers allow; off,
// the default, the sink speaks DATA only.
func (s *Sink) SetChunking(on bool) { s.chunking.Store(on) }

func (s *Sink) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.open[c] = true
		s.mu.Unlock()
		s.conns.Add(1)
		s.wg.Go(func() {
			defer s.forget(c)
			if Mode(s.mode.Load()) == Stall {
				<-s.closed
				return
			}
			serve(s, c)
		})
	}
}

func (s *Sink) forget(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
}

// Close stops listening, closes every connection and waits for them.
func (s *Sink) Close() error {
	select {
	case <-s.closed:
		return s.closeErr
	default:
	}
	close(s.closed)
	s.closeErr = s.ln.Close()
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return s.closeErr
}

// Track prepares the sink to record the arrival time of messages with
// X-Bench-ID 0 to n-1, forgetting earlier ones.
func (s *Sink) Track(n int) {
	t := make([]atomic.Int64, n)
	s.mu.Lock()
	s.tracked = t
	s.mu.Unlock()
	s.dupes.Store(0)
}

// Arrival returns when tracked message id arrived (zero: not yet).
func (s *Sink) Arrival(id int) time.Time {
	s.mu.Lock()
	t := s.tracked
	s.mu.Unlock()
	if id < 0 || id >= len(t) || t[id].Load() == 0 {
		return time.Time{}
	}
	return time.Unix(0, t[id].Load())
}

// arrived records one message with rcpts recipients and X-Bench-ID id (-1: none).
func (s *Sink) arrived(rcpts int, id int64) {
	now := time.Now()
	ns := now.UnixNano()
	s.messages.Add(1)
	s.rcpts.Add(int64(rcpts))
	s.first.CompareAndSwap(0, ns)
	s.last.Store(ns)
	s.mu.Lock()
	b := max(0, int(now.Sub(s.start)/BucketWidth))
	for len(s.buckets) <= b {
		s.buckets = append(s.buckets, 0)
	}
	s.buckets[b]++
	t := s.tracked
	s.mu.Unlock()
	if id >= 0 && id < int64(len(t)) && !t[id].CompareAndSwap(0, ns) {
		s.dupes.Add(1)
	}
}

// Counts is a snapshot of the sink's counters.
type Counts struct {
	Messages, Rcpts, Conns int64
	Rejected               int64 // RCPTs answered 451
	Duplicates             int64 // tracked messages that arrived more than once
	Signatures             int64 // DKIM-Signature header fields, all messages together
	First, Last            time.Time
}

// Counts returns the counters now.
func (s *Sink) Counts() Counts {
	c := Counts{Messages: s.messages.Load(), Rcpts: s.rcpts.Load(), Conns: s.conns.Load(),
		Rejected: s.rejected.Load(), Duplicates: s.dupes.Load(), Signatures: s.signatures.Load()}
	if f := s.first.Load(); f != 0 {
		c.First = time.Unix(0, f)
	}
	if l := s.last.Load(); l != 0 {
		c.Last = time.Unix(0, l)
	}
	return c
}

// Reset zeroes the counters and the timeline, and restarts its clock.
func (s *Sink) Reset() {
	s.mu.Lock()
	s.buckets = nil
	s.start = time.Now()
	s.mu.Unlock()
	for _, v := range []*atomic.Int64{&s.messages, &s.rcpts, &s.conns, &s.rejected, &s.first, &s.last, &s.dupes, &s.signatures} {
		v.Store(0)
	}
}

// Timeline returns the arrivals per BucketWidth since Start or Reset.
func (s *Sink) Timeline() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.buckets...)
}

// WaitRcpts waits until at least n recipients have arrived, up to ctx.
func (s *Sink) WaitRcpts(ctx context.Context, n int64) error {
	for s.rcpts.Load() < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("sink: %d of %d recipients arrived: %w", s.rcpts.Load(), n, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}
