package providersim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestThrottleReplyPerPreset exhausts each preset's rate budget and checks
// that the next message gets that provider's throttling text, at the
// provider's stage, with the connection kept or closed as the provider
// does, and that the counters match what the client saw.
func TestThrottleReplyPerPreset(t *testing.T) {
	for i, name := range PresetNames() {
		t.Run(name, func(t *testing.T) {
			p := quiet(t, name, fmt.Sprintf("127.0.11.%d", i+1))
			p.RatePerIP, p.Burst = 0.001, 2 // two messages, then no refill within the test
			sim := startSim(t, p)
			addr := sim.Addr(name)
			rcpt := "someone@" + p.Domains[0]
			for n := range 2 {
				c := mustDial(t, "127.0.0.1", addr)
				if stage, err := send(c, rcpt); err != nil {
					t.Fatalf("message %d: %s: %v", n+1, stage, err)
				}
			}
			c := mustDial(t, "127.0.0.1", addr)
			stage, err := send(c, rcpt)
			se := smtpErr(err)
			if se == nil || stage != p.ThrottleAt {
				t.Fatalf("third message: stage %q err %v, want an SMTP error at %q", stage, err, p.ThrottleAt)
			}
			// The {id} token is random; everything before it is exact.
			head, _, _ := strings.Cut(p.ThrottleReply.Text, "{id}")
			want := Reply{Text: head}.text(replyVars{ip: "127.0.0.1", host: p.Hostname, rcpt: rcpt})
			if se.Code != p.ThrottleReply.Code || !strings.HasPrefix(se.Message, strings.TrimSpace(want)) {
				t.Fatalf("reply %d %q, want %d %q", se.Code, se.Message, p.ThrottleReply.Code, want)
			}
			noopErr := c.Noop()
			if p.ThrottleReply.Close != (noopErr != nil) {
				t.Fatalf("close=%v but NOOP after the reply gave %v", p.ThrottleReply.Close, noopErr)
			}
			got := sim.Stats()[name]
			for _, st := range []IPStats{got.Total, got.PerIP["127.0.0.1"]} {
				if st.Messages != 2 || st.Recipients != 2 || st.Throttled != 1 {
					t.Fatalf("counters %+v, want 2 messages, 2 recipients, 1 throttled", st.Counters)
				}
			}
		})
	}
}

// TestRateOverWindow checks the token bucket from both sides: a sender
// pacing itself below the rate is never throttled, and a sender pushing as
// fast as it can gets at most rate×time+burst through, with the counters
// and the per-second history agreeing with what it saw. (How close the
// greedy sender gets to the ceiling depends on how often the machine
// schedules it, so that is not asserted.)
func TestRateOverWindow(t *testing.T) {
	p := quiet(t, "generic", "127.0.11.10")
	p.RatePerIP, p.Burst = 50, 1
	sim := startSim(t, p)
	c := mustDial(t, "127.0.0.2", sim.Addr("generic"))
	for i := range 20 { // 40/s at most: pauses only get longer under load
		if _, err := send(c, "a@example.test"); err != nil {
			t.Fatalf("paced message %d: %v", i, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // refill
	start := time.Now()
	accepted, throttled := int64(20), int64(0)
	for i := 0; i < 20000 && time.Since(start) < 1500*time.Millisecond; i++ {
		stage, err := send(c, "a@example.test")
		switch se := smtpErr(err); {
		case err == nil:
			accepted++
		case se != nil && se.Code == 450 && stage == StageMail:
			throttled++
		default:
			t.Fatalf("stage %s: %v", stage, err)
		}
	}
	elapsed := time.Since(start).Seconds()
	if ceiling := 50*elapsed + 1; float64(accepted-20) > ceiling || throttled == 0 {
		t.Fatalf("greedy sender: %d accepted, %d throttled in %.2fs; want at most %.0f accepted and some throttled",
			accepted-20, throttled, elapsed, ceiling)
	}
	st := sim.Stats()["generic"].PerIP["127.0.0.2"]
	if st.Messages != accepted || st.Throttled != throttled {
		t.Fatalf("counters %+v, client saw %d accepted %d throttled", st.Counters, accepted, throttled)
	}
	var sum int64
	for _, s := range st.Accepted {
		sum += s.Messages
		if s.Messages > 51 {
			t.Fatalf("second %d accepted %d, more than rate+burst", s.Unix, s.Messages)
		}
	}
	if sum != accepted {
		t.Fatalf("per-second history sums to %d, want %d", sum, accepted)
	}
}

// TestConnLimitPerIP fills one IP's connection budget, checks the refusal
// text and the counters, and that another IP keeps its own budget.
func TestConnLimitPerIP(t *testing.T) {
	p := quiet(t, "gmail", "127.0.11.11")
	p.MaxConnsPerIP = 2
	sim := startSim(t, p)
	addr := sim.Addr("gmail")
	a1 := mustDial(t, "127.0.0.1", addr)
	mustDial(t, "127.0.0.1", addr)

	_, err := dialFrom(t, "127.0.0.1", addr)
	se := smtpErr(err)
	if se == nil || se.Code != 421 || se.EnhancedCode != [3]int{4, 7, 0} ||
		!strings.HasPrefix(se.Message, "Try again later, closing connection.") {
		t.Fatalf("third connection: %v, want 421 4.7.0 Try again later", err)
	}
	other := mustDial(t, "127.0.0.2", addr)
	if _, err := send(other, "x@gmail.test"); err != nil {
		t.Fatalf("second IP: %v", err)
	}
	stats := func() IPStats { return sim.Stats()["gmail"].PerIP["127.0.0.1"] }
	waitFor(t, "refused connection to close", func() bool { return stats().ConnsNow == 2 })
	st := stats()
	if st.ConnsOpened != 3 || st.ConnsRefused != 1 || st.ConnsPeak != 3 {
		t.Fatalf("127.0.0.1 counters %+v, want 3 opened, 1 refused, peak 3", st.Counters)
	}
	a1.Quit()
	waitFor(t, "slot to free", func() bool { return stats().ConnsNow == 1 })
	mustDial(t, "127.0.0.1", addr)
	if got := sim.Stats()["gmail"].Total; got.ConnsOpened != 5 || got.ConnsRefused != 1 {
		t.Fatalf("total %+v, want 5 opened, 1 refused", got.Counters)
	}
}

func TestMaxMsgsPerConn(t *testing.T) {
	p := quiet(t, "yahoo", "127.0.11.12")
	p.MaxMsgsPerConn = 2
	sim := startSim(t, p)
	c := mustDial(t, "127.0.0.1", sim.Addr("yahoo"))
	for range 2 {
		if _, err := send(c, "a@yahoo.test"); err != nil {
			t.Fatal(err)
		}
	}
	stage, err := send(c, "a@yahoo.test")
	se := smtpErr(err)
	if stage != StageMail || se == nil || se.Code != 421 ||
		se.Message != "Max message per connection reached, closing transmission channel" {
		t.Fatalf("third MAIL: %s %v", stage, err)
	}
	if c.Noop() == nil {
		t.Fatal("connection still open after the 421")
	}
	if st := sim.Stats()["yahoo"].Total; st.MsgsPerConn != 1 || st.Messages != 2 {
		t.Fatalf("counters %+v", st.Counters)
	}
}

func TestUnknownUsers(t *testing.T) {
	p := quiet(t, "yahoo", "127.0.11.13")
	p.UnknownUsers = []string{"nobody@yahoo.test", "Ghost"}
	sim := startSim(t, p)
	c := mustDial(t, "127.0.0.1", sim.Addr("yahoo"))
	tests := []struct {
		rcpt    string
		unknown bool
	}{
		{"nobody@yahoo.test", true},
		{"NOBODY@Yahoo.Test", true},
		{"ghost@aol.test", true},
		{"nobody@aol.test", false},
		{"someone@yahoo.test", false},
	}
	if err := c.Mail("b@sender.test", nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		err := c.Rcpt(tt.rcpt, nil)
		se := smtpErr(err)
		if !tt.unknown {
			if err != nil {
				t.Fatalf("%s: %v", tt.rcpt, err)
			}
			continue
		}
		want := "delivery error: dd This user doesn't have a " + tt.rcpt[strings.IndexByte(tt.rcpt, '@')+1:] +
			" account (" + tt.rcpt + ") [0] - mta5.am0.yahoodns.net"
		if se == nil || se.Code != 554 || se.Message != want {
			t.Fatalf("%s: %v, want 554 %s", tt.rcpt, err, want)
		}
	}
	if st := sim.Stats()["yahoo"].Total; st.UnknownUsers != 3 {
		t.Fatalf("unknown users counted %d, want 3", st.UnknownUsers)
	}
}
