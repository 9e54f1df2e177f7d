package providersim

import (
	"crypto/tls"
	netsmtp "net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestLatencyApplied times each command against a provider with fixed
// latencies. Only lower bounds are asserted tightly: a loaded machine can
// only make replies later.
func TestLatencyApplied(t *testing.T) {
	p := quiet(t, "microsoft", "127.0.11.20")
	p.Latency = Latency{
		Banner: Delay{Fixed: 150 * ms}, EHLO: Delay{Fixed: 60 * ms}, Mail: Delay{Fixed: 70 * ms},
		Rcpt: Delay{Fixed: 80 * ms}, DataEnd: Delay{Fixed: 120 * ms},
	}
	sim := startSim(t, p)
	var c *smtp.Client
	steps := []struct {
		name string
		want time.Duration
		run  func() error
	}{
		{"banner and EHLO", 210 * ms, func() (err error) {
			c, err = dialFrom(t, "127.0.0.1", sim.Addr("microsoft"))
			return err
		}},
		{"MAIL", 70 * ms, func() error { return c.Mail("a@sender.test", nil) }},
		{"RCPT", 80 * ms, func() error { return c.Rcpt("b@outlook.test", nil) }},
		{"DATA end", 120 * ms, func() error {
			w, err := c.Data()
			if err != nil {
				return err
			}
			if _, err := w.Write([]byte("Subject: x\r\n\r\nbody\r\n")); err != nil {
				return err
			}
			return w.Close()
		}},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := time.Since(t0); got < s.want || got > s.want+2*time.Second {
			t.Fatalf("%s took %v, want %v", s.name, got, s.want)
		}
	}
	c.Close()
}

// TestTempFailRate sends a bounded sample and checks that about the
// configured share fails, that the counter agrees with the client, and
// that the same seed fails the same messages.
func TestTempFailRate(t *testing.T) {
	const n, rate = 400, 0.1
	run := func(ip string) []int {
		p := quiet(t, "gmail", ip)
		p.TempFailRate, p.Seed = rate, 42
		sim := startSim(t, p)
		c := mustDial(t, "127.0.0.1", sim.Addr("gmail"))
		var failed []int
		for i := range n {
			stage, err := send(c, "a@gmail.test")
			if err == nil {
				continue
			}
			if se := smtpErr(err); se == nil || se.Code != 451 || stage != StageData {
				t.Fatalf("message %d: %s %v, want 451 at data", i, stage, err)
			}
			failed = append(failed, i)
		}
		st := sim.Stats()["gmail"].Total
		if st.TempFailures != int64(len(failed)) || st.Messages != int64(n-len(failed)) {
			t.Fatalf("counters %+v, client saw %d failures of %d", st.Counters, len(failed), n)
		}
		return failed
	}
	first := run("127.0.11.21")
	// Binomial(400, 0.1): mean 40, sd 6; ±3.5 sd.
	if len(first) < 19 || len(first) > 61 {
		t.Fatalf("%d failures in %d, want about %d", len(first), n, int(n*rate))
	}
	if second := run("127.0.11.22"); !slices.Equal(first, second) {
		t.Fatalf("same seed, different failures:\n%v\n%v", first, second)
	}
}

// TestSTARTTLS upgrades a session that already carried a message (with
// net/smtp, whose client can upgrade mid-session) and checks that the
// per-connection count survives the upgrade.
func TestSTARTTLS(t *testing.T) {
	p := quiet(t, "apple", "127.0.11.23")
	p.TLS = true
	p.MaxMsgsPerConn = 2
	p.MsgsPerConnReply = Reply{Code: 421, Enhanced: "4.7.0", Text: "enough", Close: true}
	sim := startSim(t, p)
	c, err := netsmtp.Dial(sim.Addr("apple"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sendStd := func() error {
		if err := c.Mail("a@sender.test"); err != nil {
			return err
		}
		if err := c.Rcpt("b@icloud.test"); err != nil {
			return err
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte("Subject: x\r\n\r\nbody\r\n")); err != nil {
			return err
		}
		return w.Close()
	}
	if err := sendStd(); err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{ServerName: "mx01.mail.icloud.com", RootCAs: sim.CertPool()}
	if err := c.StartTLS(cfg); err != nil {
		t.Fatalf("STARTTLS with the simulator's certificate: %v", err)
	}
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("no TLS after STARTTLS")
	}
	if err := sendStd(); err != nil {
		t.Fatal(err)
	}
	if err := sendStd(); err == nil || !strings.Contains(err.Error(), "enough") {
		t.Fatalf("third message on the connection: %v, want the per-connection limit", err)
	}
	if st := sim.Stats()["apple"].Total; st.Messages != 2 || st.MsgsPerConn != 1 {
		t.Fatalf("counters %+v", st.Counters)
	}
}

// TestCloseInterruptsLatency closes the simulator while a reply is being
// delayed: Close returns promptly and the client sees the end.
func TestCloseInterruptsLatency(t *testing.T) {
	p := quiet(t, "generic", "127.0.11.24")
	p.Latency.Mail = Delay{Fixed: 30 * time.Second}
	sim, err := Start(t.Context(), []Provider{p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := mustDial(t, "127.0.0.1", sim.Addr("generic"))
	errc := make(chan error, 1)
	go func() { errc <- c.Mail("a@sender.test", nil) }()
	time.Sleep(100 * ms)
	t0 := time.Now()
	sim.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("MAIL succeeded after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("client still waiting 5s after Close")
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if _, err := dialFrom(t, "127.0.0.1", sim.Addr("generic")); err == nil {
		t.Fatal("still accepting after Close")
	}
}
