package reception

import (
	"bytes"
	"errors"
	"io"
	"net"
	"slices"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/intake"
)

// Message data captured under go-smtp.
//
// go-smtp reads DATA one byte at a time through three layers (its line
// length counter, a bufio.Reader, its dot-unstuffing state machine): about
// a tenth of the CPU of relaying a 4 KiB message. When go-smtp has nothing
// buffered, trackedConn reads the data itself, with the same state machine
// driven by vectorised scans, and hands go-smtp an empty message (".\r\n")
// followed by whatever the client sent after the end of data. go-smtp then
// answers and goes on exactly as if it had read the message.
//
// go-smtp has nothing buffered when Data starts if the last read it got
// from the connection held one line only: go-smtp reads only when it has
// no complete line left, so the DATA line it is answering ends in that
// read, and with one line it ends where the read ends. Anything else
// (pipelined commands in the same read, TLS, bytes left over from an
// earlier capture) takes go-smtp's own path. This leans on how go-smtp
// v0.25.1 reads; TestCaptureMatchesGoSMTP sends every case both ways and
// fails if a later go-smtp reads otherwise.

// The states of go-smtp's dot-unstuffing (its dataReader); the capture
// must end the data where go-smtp would, byte for byte.
const (
	stBeginLine = iota // after CRLF, or at the start
	stDot              // a dot at the start of a line, dropped
	stDotCR            // then a CR, dropped
	stCR               // a CR in the middle of a line
	stData             // in a line
)

const minCaptureRead = 4096

// maxCaptureRead bounds one read of captured data. What followed the end
// of data in the last read is kept for go-smtp (trackedConn.pending), so
// this bounds what a client can park on its connection by pipelining
// after the data, where go-smtp's own path keeps 4 KiB.
const maxCaptureRead = 64 << 10

// errCaptureOutOfStep means go-smtp's reader gave bytes of its own while
// the data was captured; the proof above says it cannot happen, and the
// connection is closed if it does rather than guess which bytes are data.
var errCaptureOutOfStep = errors.New("reception: message data capture out of step with go-smtp")

// capture is the state of one captured DATA.
type capture struct {
	b       []byte // the data so far; raw input is read into b's spare capacity
	limit   int64  // keep at most limit+1 bytes: one more says "too big"
	lineMax int    // go-smtp's MaxLineLength (0: none)
	lineLen int    // counted as go-smtp's lineLimitReader does
	state   int
	over    bool // more than limit bytes: the rest is scanned, not kept
	done    bool // the end of data was read
	meter   *intake.Meter
	broke   bool // b could not grow within the data budget: scanned, not kept
}

// room returns the spare capacity of b to read into, at least
// minCaptureRead bytes. When the data budget cannot hold more, the data
// kept so far is dropped and the rest only scanned, in the same buffer.
func (c *capture) room() []byte {
	if cap(c.b)-len(c.b) < minCaptureRead {
		if c.broke || !c.meter.Hold(int64(2*cap(c.b)+minCaptureRead)) {
			c.broke, c.over, c.limit = true, true, 0
			c.b = c.b[:0]
			return c.b[:cap(c.b)]
		}
		c.b = slices.Grow(c.b, max(cap(c.b), minCaptureRead))
	}
	return c.b[len(c.b):cap(c.b)]
}

// checkLines counts raw input as go-smtp's lineLimitReader does (every
// byte since the last LF, the LF included) and returns where in raw the
// first line over lineMax starts (0 when it started in an earlier read),
// or -1 when there is none. The caller needs the offset: a long line
// after the end of data is a command, for go-smtp to judge, not data.
func (c *capture) checkLines(raw []byte) int {
	if c.lineMax <= 0 {
		return -1
	}
	for start := 0; ; {
		i := bytes.IndexByte(raw[start:], '\n')
		if i < 0 {
			if c.lineLen += len(raw) - start; c.lineLen > c.lineMax {
				return start
			}
			return -1
		}
		if c.lineLen+i > c.lineMax {
			return start
		}
		c.lineLen = 1
		start += i + 1
	}
}

// unstuff runs the state machine over the n raw bytes just read past
// len(c.b), appending the data to c.b in place (data never outruns its
// input). It returns how many raw bytes it used, and whether they ended
// with the end-of-data line.
func (c *capture) unstuff(n int) (int, bool) {
	buf := c.b[:cap(c.b)]
	start := len(c.b)
	w, r, end := start, start, start+n
	for r < end {
		if c.state == stData {
			j := bytes.IndexByte(buf[r:end], '\r')
			if j < 0 {
				j = end - r - 1
			} else {
				c.state = stCR
			}
			w += copy(buf[w:], buf[r:r+j+1])
			r += j + 1
			continue
		}
		ch := buf[r]
		r++
		if c.step(ch) {
			buf[w] = ch
			w++
		} else if c.done {
			break
		}
	}
	c.b = buf[:w]
	if int64(len(c.b)) > c.limit {
		c.b, c.over = c.b[:c.limit+1], true
	}
	return r - start, c.done
}

// step moves the state machine by one byte outside a line's middle and
// reports whether the byte is data.
func (c *capture) step(ch byte) bool {
	switch c.state {
	case stBeginLine:
		switch ch {
		case '.':
			c.state = stDot
			return false
		case '\r':
			c.state = stCR
		default:
			c.state = stData
		}
	case stDot:
		if ch == '\r' {
			c.state = stDotCR
			return false
		}
		c.state = stData
	case stDotCR:
		if ch == '\n' {
			c.done = true
			return false
		}
		c.state = stData
	case stCR:
		if ch == '\n' {
			c.state = stBeginLine
		} else {
			c.state = stData
		}
	}
	return true
}

// capturable reports whether the data of this DATA can be captured.
func (s *session) capturable(r io.Reader) bool {
	if _, bdat := r.(*io.PipeReader); bdat || s.tc == nil {
		return false
	}
	return s.conn.Conn() == net.Conn(s.tc) && s.tc.oneLine && len(s.tc.pending) == 0
}

// readCaptured reads the message data through the capture, into b. Like
// readData it returns errExceeded past limit, and go-smtp's errors
// (timeout, line too long, EOF) as go-smtp's reader would.
func (s *session) readCaptured(r io.Reader, b []byte, limit int64, m *intake.Meter) ([]byte, error) {
	s.srv.captured.Add(1)
	s.tc.capture = capture{b: b, limit: limit, lineMax: s.srv.opts.MaxLineLength, lineLen: 1, meter: m}
	s.tc.capturing = true
	var probe [1]byte
	n, err := r.Read(probe[:])
	s.tc.capturing = false
	c := s.tc.capture
	s.tc.capture = capture{}
	switch {
	case err == io.EOF && n == 0 && c.done && c.broke:
		return c.b, errBudget
	case err == io.EOF && n == 0 && c.done:
		// go-smtp's reader refuses a message of exactly its limit (the
		// server's); both paths must answer a client alike (doc.go).
		if c.over || (limit >= s.srv.opts.MaxMessageBytes && int64(len(c.b)) == limit) {
			return c.b, errExceeded
		}
		return c.b, nil
	case err == nil || err == io.EOF:
		s.tc.readErr = errCaptureOutOfStep
		s.srv.log.Error("reception: reading data", "peer", s.peerStr, "err", errCaptureOutOfStep)
		return c.b, errCaptureOutOfStep
	}
	return c.b, err
}

// readCaptured is trackedConn.Read while a DATA is captured: it reads the
// whole message data and returns the end of data for go-smtp, with what
// followed it.
func (c *trackedConn) readCaptured(p []byte) (int, error) {
	cp := &c.capture
	for {
		room := cp.room()
		room = room[:min(len(room), maxCaptureRead)]
		n, err := c.readConn(room)
		if n > 0 {
			// Lines are checked on the raw bytes, which unstuff then
			// overwrites with data: find the long line first, judge it
			// once the end of data is known.
			long := cp.checkLines(room[:n])
			used, end := cp.unstuff(n)
			if long >= 0 && (!end || long < used) {
				c.readErr = smtp.ErrTooLongLine
				return 0, c.readErr
			}
			if end {
				// The end of data goes to go-smtp in a read of its own:
				// its line-length check covers a whole read, and would
				// refuse the message for a long command after it.
				c.pending = append(append(make([]byte, 0, 3+n-used), ".\r\n"...), room[used:n]...)
				c.capturing = false
				return c.takePending(p[:min(len(p), 3)]), nil
			}
		}
		if err != nil {
			return 0, err
		}
	}
}

// takePending copies what is pending for go-smtp into p. The slice is
// dropped once taken, so a connection does not keep its capacity.
func (c *trackedConn) takePending(p []byte) int {
	n := copy(p, c.pending)
	if c.pending = c.pending[n:]; len(c.pending) == 0 {
		c.pending = nil
	}
	return n
}
