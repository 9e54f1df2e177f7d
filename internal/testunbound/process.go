package testunbound

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// process is one running unbound.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	stderr *strings.Builder
}

func startProcess(t testing.TB, conf string) (*process, error) {
	if out, err := exec.Command("unbound-checkconf", conf).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("testunbound: unbound-checkconf %s: %w: %s", conf, err, out)
	}
	p := &process{cmd: exec.Command("unbound", "-d", "-c", conf), exited: make(chan struct{}), stderr: &strings.Builder{}}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("testunbound: start unbound: %w", err)
	}
	go func() {
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.stop)
	return p, nil
}

// stop kills the process and waits for it.
func (p *process) stop() {
	p.cmd.Process.Kill()
	<-p.exited
}

// ready asks addr for the SOA of apex until it answers NOERROR (with the
// AD bit when secure), for at most 15 s, or until the process exits (its
// port was taken, say).
func (p *process) ready(addr, apex string, secure bool) error {
	c := &dns.Client{Timeout: time.Second}
	m := new(dns.Msg)
	m.SetQuestion(apex, dns.TypeSOA)
	m.SetEdns0(1232, true)
	m.AuthenticatedData = true
	deadline := time.Now().Add(15 * time.Second)
	err := errors.New("no answer yet")
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("unbound exited: %s", p.stderr.String())
		default:
		}
		var resp *dns.Msg
		if resp, _, err = c.Exchange(m, addr); err == nil {
			if resp.Rcode == dns.RcodeSuccess && (!secure || resp.AuthenticatedData) {
				return nil
			}
			err = fmt.Errorf("answer %s, AD %v", dns.RcodeToString[resp.Rcode], resp.AuthenticatedData)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// freePort is a port free for both TCP and UDP on 127.0.0.1 a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("testunbound: no port free for TCP and UDP")
	return 0
}
