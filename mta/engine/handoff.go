package engine

import (
	"errors"
	"net"
	"sync"
	"time"
)

// handoff shares one listening socket between the generations of a
// server that a reload makes: one goroutine accepts, and whichever
// generation is current takes the connection. A retired generation's
// Accept ends (its server then finishes the sessions it has), while the
// socket stays open, so that no client is refused during a reload and no
// connection is dropped between two generations.
type handoff struct {
	ln     net.Listener
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newHandoff(ln net.Listener) *handoff {
	h := &handoff{ln: ln, conns: make(chan net.Conn), closed: make(chan struct{})}
	go h.run()
	return h
}

func (h *handoff) run() {
	var delay time.Duration
	for {
		c, err := h.ln.Accept()
		var ne net.Error
		switch {
		case err == nil:
			delay = 0
		case errors.As(err, &ne) && ne.Timeout():
			continue
		case errors.Is(err, net.ErrClosed):
			h.Close()
			return
		default:
			// EMFILE and the like: wait as net/http does rather than spin.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		select {
		case h.conns <- c:
		case <-h.closed:
			c.Close()
			return
		}
	}
}

// pass hands a connection a retired generation took to the current one.
func (h *handoff) pass(c net.Conn) {
	select {
	case h.conns <- c:
	case <-h.closed:
		c.Close()
	}
}

// Close closes the socket; every generation's Accept then ends.
func (h *handoff) Close() error {
	var err error
	h.once.Do(func() {
		close(h.closed)
		err = h.ln.Close()
	})
	return err
}

// Addr is the socket's address.
func (h *handoff) Addr() net.Addr { return h.ln.Addr() }

// next returns the listener of a new generation.
func (h *handoff) next() net.Listener {
	return &generation{h: h, done: make(chan struct{})}
}

// generation is one server's view of a handoff: closing it retires that
// server without closing the socket.
type generation struct {
	h    *handoff
	done chan struct{}
	once sync.Once
}

func (g *generation) Accept() (net.Conn, error) {
	select {
	case <-g.done:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-g.h.conns:
		select {
		case <-g.done: // retired meanwhile: the connection is the next generation's
			go g.h.pass(c)
			return nil, net.ErrClosed
		default:
			return c, nil
		}
	case <-g.done:
		return nil, net.ErrClosed
	case <-g.h.closed:
		return nil, net.ErrClosed
	}
}

func (g *generation) Close() error {
	g.once.Do(func() { close(g.done) })
	return nil
}

func (g *generation) Addr() net.Addr { return g.h.Addr() }
