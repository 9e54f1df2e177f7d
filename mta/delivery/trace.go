package delivery

import (
	"io"
	"net"
)

// tap shows every chunk read from and written to a connection to the
// session's Options.Trace (wasmta trace smtp), after TLS.
type tap struct {
	net.Conn
	trace func(sent bool, data []byte)
}

func (t tap) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	if n > 0 {
		t.trace(false, p[:n])
	}
	return n, err
}

func (t tap) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	if n > 0 {
		t.trace(true, p[:n])
	}
	return n, err
}

// tapped is c as the session reads and writes it: traced when the options
// ask for it.
func (s *Session) tapped(c net.Conn) io.ReadWriter {
	if s.opts.Trace == nil {
		return c
	}
	return tap{Conn: c, trace: s.opts.Trace}
}
