package sink

import (
	"bytes"
	"time"
)

// SampleNext makes the sink keep the next message it receives whole
// (dot-unstuffed, CRLF as sent), for a check of its content such as
// verifying its DKIM signatures.
func (s *Sink) SampleNext() {
	s.mu.Lock()
	s.sample = nil
	s.mu.Unlock()
	s.wantSample.Store(true)
}

// Sample returns the message kept after SampleNext, nil until it arrived.
func (s *Sink) Sample() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sample
}

func (s *Sink) keepSample(msg []byte) {
	s.mu.Lock()
	s.sample = msg
	s.mu.Unlock()
}

// appendUnstuffed appends one DATA line, removing the dot that SMTP's
// transparency (RFC 5321 section 4.5.2) added at the start of a line.
func appendUnstuffed(dst, line []byte, bol bool) []byte {
	if bol && bytes.HasPrefix(line, []byte("..")) {
		line = line[1:]
	}
	return append(dst, line...)
}

// SetDelay makes every reply (the greeting, each command's, the end of
// data's) wait d: a destination far away or slow to answer, for the
// latency curve. 0 answers at once.
func (s *Sink) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// wait sleeps the configured reply delay, if any.
func (s *Sink) wait() {
	if d := time.Duration(s.delay.Load()); d > 0 {
		time.Sleep(d)
	}
}
