package providersim

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// quiet returns preset name without latency, random failures or
// connection caps, listening on ip with a free port: each test then turns
// on only what it examines.
func quiet(t *testing.T, name, ip string) Provider {
	t.Helper()
	p, err := Preset(name)
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = net.JoinHostPort(ip, "0")
	p.Latency = Latency{}
	p.TempFailRate = 0
	p.MaxConnsPerIP = 0
	p.MaxMsgsPerConn = 0
	p.RatePerIP = 0
	p.TLS = false
	return p
}

func startSim(t *testing.T, ps ...Provider) *Sim {
	t.Helper()
	s, err := Start(t.Context(), ps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dialFrom connects to addr from local IP from, reads the greeting and
// says EHLO.
func dialFrom(t *testing.T, from, addr string) (*smtp.Client, error) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	c := smtp.NewClient(conn)
	if err := c.Hello("sender.test"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func mustDial(t *testing.T, from, addr string) *smtp.Client {
	t.Helper()
	c, err := dialFrom(t, from, addr)
	if err != nil {
		t.Fatalf("greeting from %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// send runs one transaction and returns the stage that failed, if any.
func send(c *smtp.Client, to ...string) (Stage, error) {
	if err := c.Mail("bounce@sender.test", nil); err != nil {
		return StageMail, err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return StageRcpt, err
		}
	}
	w, err := c.Data()
	if err != nil {
		return StageData, err
	}
	body := "From: a@sender.test\r\nTo: " + strings.Join(to, ", ") + "\r\nSubject: sim\r\n\r\nhello\r\n"
	if _, err := w.Write([]byte(body)); err != nil {
		return StageData, err
	}
	if err := w.Close(); err != nil {
		return StageData, err
	}
	return "", nil
}

func smtpErr(err error) *smtp.SMTPError {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// waitFor polls cond until it holds or a few seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
