package delivery

import (
	"bufio"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a scripted SMTP server for what the sink cannot do: omit
// PIPELINING, break STARTTLS, check that a client waits for each reply.
type rawServer struct {
	ln    net.Listener
	conns atomic.Int32
}

func (rs *rawServer) addr() netip.AddrPort {
	return rs.ln.Addr().(*net.TCPAddr).AddrPort()
}

// startRaw serves each connection with handle(n, conn), n counting from 0.
func startRaw(t testing.TB, handle func(n int, c *rawConn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rs := &rawServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(rs.conns.Add(1)) - 1
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				handle(n, &rawConn{Conn: c, r: bufio.NewReader(c)})
			}()
		}
	}()
	return rs
}

type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *rawConn) line() (string, error) {
	l, err := c.r.ReadString('\n')
	return strings.TrimRight(l, "\r\n"), err
}

func (c *rawConn) send(s string) { io.WriteString(c, s) }

// smtpScript answers a plain SMTP dialogue with ehlo as the EHLO keywords.
// For each command line it calls check (may be nil) with the line and how
// many bytes were already buffered behind it, and replies "250 2.0.0 ok"
// unless reply returns something else.
type smtpScript struct {
	ehlo  []string
	reply func(cmd string) string
	check func(cmd string, buffered int)
	data  chan string // bodies received, unstuffed
}

func (sc *smtpScript) serve(c *rawConn) {
	c.send("220 raw.test ESMTP\r\n")
	for {
		cmd, err := c.line()
		if err != nil {
			return
		}
		if sc.check != nil {
			sc.check(cmd, c.r.Buffered())
		}
		verb := strings.ToUpper(strings.Fields(cmd + " x")[0])
		if out := sc.answer(c, verb, cmd); out != "" {
			c.send(out)
		}
		if verb == "QUIT" {
			return
		}
	}
}

func (sc *smtpScript) answer(c *rawConn, verb, cmd string) string {
	if sc.reply != nil {
		if r := sc.reply(cmd); r != "" {
			return r
		}
	}
	switch verb {
	case "EHLO":
		lines := append([]string{"raw.test"}, sc.ehlo...)
		var b strings.Builder
		for i, l := range lines {
			sep := "-"
			if i == len(lines)-1 {
				sep = " "
			}
			b.WriteString("250" + sep + l + "\r\n")
		}
		return b.String()
	case "DATA":
		c.send("354 go ahead\r\n")
		sc.readData(c)
	case "BDAT":
		n, _ := strconv.Atoi(strings.Fields(cmd)[1])
		buf := make([]byte, n)
		io.ReadFull(c.r, buf)
		sc.deliver(string(buf))
	case "QUIT":
		return "221 2.0.0 bye\r\n"
	}
	return "250 2.0.0 ok\r\n"
}

func (sc *smtpScript) readData(c *rawConn) {
	var b strings.Builder
	for {
		l, err := c.line()
		if err != nil || l == "." {
			break
		}
		b.WriteString(strings.TrimPrefix(l, "."))
		b.WriteString("\r\n")
	}
	sc.deliver(b.String())
}

func (sc *smtpScript) deliver(body string) {
	if sc.data != nil {
		sc.data <- body
	}
}
