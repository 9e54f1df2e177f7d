package reception

import (
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/events"
)

// failed counts one error of the session, as Postfix's smtpd counts them:
// from SoftErrorLimit on the reply is delayed by ErrorDelay times the
// errors past the soft limit (so a client that keeps failing slows down
// more and more), and at HardErrorLimit the session gets e, then 421
// 4.7.0, and is closed. It returns e for the caller to give go-smtp.
//
// A policy's refusal of a recipient of an authenticated or trusted
// client is not an error: a sending application's suppressed recipients
// are decisions, not misbehaviour, and must not cut its session.
func (s *session) failed(e *smtp.SMTPError, reason string) *smtp.SMTPError {
	if reason == "policy" && (s.authed || s.trusted) {
		return e
	}
	s.errors++
	o := &s.srv.opts
	if o.HardErrorLimit > 0 && s.errors >= o.HardErrorLimit {
		s.hangUp(e, errTooManyErrors, "errors")
		return e
	}
	if o.SoftErrorLimit > 0 && s.errors >= o.SoftErrorLimit {
		d := time.Duration(s.errors-o.SoftErrorLimit+1) * o.ErrorDelay
		s.sleep(min(d, o.CommandTimeout/2))
	}
	return e
}

// sleep waits d, or less when the server shuts down.
func (s *session) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.srv.ctx.Done():
	}
}

// hangUp writes the reply to the failing command and then bye itself, and
// closes the connection: go-smtp has no way to end a session from a
// Session method, and would otherwise answer commands it has buffered.
// Its own write of the first reply then fails on the closed connection.
func (s *session) hangUp(first, bye *smtp.SMTPError, reason string) {
	if !s.hungUp.CompareAndSwap(false, true) {
		return
	}
	text := replyLine(bye)
	if first != nil {
		text = replyLine(first) + text
	}
	// Past the session's record cap too: a disconnect is always recorded.
	s.srv.rejections.record(&events.Record{
		Type: events.Rejection, Time: time.Now(), Peer: s.peerStr, Protocol: s.protocol(),
		TLS: s.tls, Reason: reason, Response: response(bye),
	})
	nc := s.conn.Conn()
	_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = nc.Write([]byte(text))
	_ = nc.Close()
}

func replyLine(e *smtp.SMTPError) string {
	return strconv.Itoa(e.Code) + " " + enhancedString(e.EnhancedCode) + " " + e.Message + "\r\n"
}

// authFailures counts failed logins per client address in a fixed window,
// so that a client cannot spend the server's bcrypt time from many
// connections either.
type authFailures struct {
	mu sync.Mutex
	m  map[netip.Addr]*connWindow
}

func (a *authFailures) init() { a.m = make(map[netip.Addr]*connWindow) }

// over reports whether addr has used up its failures.
func (a *authFailures) over(addr netip.Addr, limit int, window time.Duration, now time.Time) bool {
	if limit <= 0 {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.m[addr]
	return w != nil && now.Sub(w.start) < window && w.n >= limit
}

// add counts one failure of addr.
func (a *authFailures) add(addr netip.Addr, window time.Duration, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.m[addr]
	if w == nil || now.Sub(w.start) >= window {
		if len(a.m) >= sweepRateAfter {
			for k, v := range a.m {
				if now.Sub(v.start) >= window {
					delete(a.m, k)
				}
			}
		}
		w = &connWindow{start: now}
		a.m[addr] = w
	}
	w.n++
}
