package egress

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/policy"
)

// An address that did not answer is dialled after the others until its
// time is over; then one dial probes it first, the others still try it
// last; a host that answered, even with a refusal, keeps its place.
func TestDialOrderPutsSilentAddressesLast(t *testing.T) {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	hosts := []mx.Host{{Name: "mx1", Addrs: []netip.Addr{a}, Port: 25}, {Name: "mx2", Addrs: []netip.Addr{b}, Port: 25}}
	p := &Path{}
	order := func(now time.Time) string {
		s := ""
		for _, t := range p.dialOrder(hosts, now) {
			s += t.host.Name + " "
		}
		return s
	}
	now := time.Now()
	if got := order(now); got != "mx1 mx2 " {
		t.Fatalf("order %q before any failure", got)
	}
	timeout := &delivery.Error{Stage: delivery.StageConnect, Err: errors.New("i/o timeout"), Temporary: true}
	p.hostFailed(netip.AddrPortFrom(a, 25), timeout, now)
	if got := order(now.Add(time.Second)); got != "mx2 mx1 " {
		t.Fatalf("order %q after mx1 did not answer", got)
	}
	later := now.Add(downBase + time.Second)
	if got := order(later); got != "mx1 mx2 " {
		t.Fatalf("order %q for the dial that probes mx1", got)
	}
	if got := order(later); got != "mx2 mx1 " {
		t.Fatalf("order %q for a dial while the probe is under way", got)
	}
	p.hostFailed(netip.AddrPortFrom(a, 25), timeout, later)
	if d := p.down[netip.AddrPortFrom(a, 25)]; d.until.Sub(later) != 2*downBase {
		t.Fatalf("second failure in a row: tried last for %v, want %v", d.until.Sub(later), 2*downBase)
	}
	refused := &delivery.Error{Stage: delivery.StageBanner, Response: message.Response{Code: 421, Text: "too many connections"}}
	p.hostFailed(netip.AddrPortFrom(a, 25), refused, later)
	if got := order(later); got != "mx1 mx2 " {
		t.Fatalf("order %q after mx1 answered with a refusal", got)
	}
	noMail := &delivery.Error{Stage: delivery.StageBanner, Response: message.Response{Code: 521, Text: "does not accept mail"}}
	p.hostFailed(netip.AddrPortFrom(a, 25), noMail, later)
	if got := order(later.Add(time.Second)); got != "mx2 mx1 " {
		t.Fatalf("order %q after mx1 said it does not accept mail (RFC 7504)", got)
	}
}

// Unexplained refusals are a throttle only in a run among acceptances:
// another message's within the last unexplainedRun transactions, and an
// accepted one within twice as many; the recipients of one message
// refused together are one refusal.
func TestUnexplainedRefusalsInARun(t *testing.T) {
	s := newTestSet(t, newOutcomes(), Options{})
	p := testPath(s, mx.Host{Name: "mx.test", Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, Port: 25},
		policy.Shape{MaxConnections: 2, MessagesPerSecond: 10})
	id := func(b byte) message.ID { return message.ID{b} }
	send := func(n int) {
		for range n {
			p.sent(time.Now())
		}
	}
	send(1)
	if p.Unexplained(id(1), "") {
		t.Fatal("the first refusal is a throttle")
	}
	if p.Unexplained(id(1), "") {
		t.Fatal("a second recipient of the same message is a throttle")
	}
	send(unexplainedRun + 1)
	if p.Unexplained(id(2), "") {
		t.Fatalf("a refusal %d transactions after the last is a throttle", unexplainedRun+1)
	}
	send(unexplainedRun)
	if p.Unexplained(id(3), "") {
		t.Fatal("refusals of a path that had no transaction accepted are a throttle")
	}
	p.delivered(time.Now())
	send(unexplainedRun)
	if !p.Unexplained(id(4), "") {
		t.Fatalf("a refusal %d transactions after another message's is no throttle", unexplainedRun)
	}
	send(2*unexplainedRun - 1)
	p.Unexplained(id(5), "")
	send(1)
	if p.Unexplained(id(6), "") {
		t.Fatalf("refusals %d transactions after the last accepted are a throttle", 2*unexplainedRun+1)
	}
}

// Addresses remembered across a restart keep their time to be tried last;
// their count of failures halves per hour gone since they were saved, and
// one whose count falls to none is forgotten.
func TestRestoreDownHostsDecays(t *testing.T) {
	ap := netip.MustParseAddrPort("192.0.2.1:25")
	saved := time.Now()
	until := saved.Add(5 * time.Minute)
	tests := []struct {
		gone      time.Duration
		fails     int
		wantFails int // 0: forgotten
	}{
		{time.Minute, 1, 1},
		{time.Minute, 5, 5},
		{time.Hour + time.Minute, 5, 2},
		{time.Hour + time.Minute, 1, 0},
		{3 * time.Hour, 5, 0},
		{-time.Hour, 2, 2}, // a clock that went back: nothing gone
	}
	for _, tt := range tests {
		p := &Path{}
		p.RestoreDownHosts([]DownHost{{Addr: ap, Until: until, Fails: tt.fails}}, saved, saved.Add(tt.gone))
		d, ok := p.down[ap]
		switch {
		case tt.wantFails == 0 && ok:
			t.Errorf("%d failures %v ago: kept as %+v, want forgotten", tt.fails, tt.gone, d)
		case tt.wantFails > 0 && (!ok || d.fails != tt.wantFails || !d.until.Equal(until)):
			t.Errorf("%d failures %v ago: restored %+v (kept %v), want %d failures until %v",
				tt.fails, tt.gone, d, ok, tt.wantFails, until)
		}
	}
	p := &Path{}
	p.hostFailed(ap, &delivery.Error{Stage: delivery.StageConnect, Err: errors.New("i/o timeout")}, saved)
	p.RestoreDownHosts([]DownHost{{Addr: ap, Until: until, Fails: 7}}, saved, saved)
	if got := p.DownHosts(); len(got) != 1 || got[0].Fails != 1 {
		t.Errorf("restored over what the path saw since the start: %+v", got)
	}
}

// A dead path's failure is a verdict only when every host said it does
// not accept mail (RFC 7504's 521 and 556); any other failure of any host
// keeps it a deferral.
func TestRefusesMail(t *testing.T) {
	refused := func(code int) error {
		return &delivery.Error{Stage: delivery.StageBanner, Response: message.Response{Code: code, Text: "no"}}
	}
	timeout := &delivery.Error{Stage: delivery.StageConnect, Err: errors.New("i/o timeout")}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"one host 521", refused(521), true},
		{"every host 521 or 556", errors.Join(refused(521), refused(556)), true},
		{"one host 521, one 554", errors.Join(refused(521), refused(554)), false},
		{"one host 521, one silent", errors.Join(refused(521), timeout), false},
		{"554", refused(554), false},
		{"no host", errors.New("egress: no host to connect to"), false},
	} {
		if got := refusesMail(tc.err); got != tc.want {
			t.Errorf("%s: refusesMail = %v, want %v", tc.name, got, tc.want)
		}
	}
}
