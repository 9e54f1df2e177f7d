package egress

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/delivery"
	"github.com/wasmta/wasmta/mta/mx"
)

// A site whose only address did not answer is still dialled, before its
// time is over too: last is after the others, not never (a dial order
// without it would leave the path no address and its mail waiting).
func TestOnlyAddressThatDidNotAnswerIsStillDialled(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	hosts := []mx.Host{{Name: "mx1", Addrs: []netip.Addr{a}, Port: 25}}
	p := &Path{}
	now := time.Now()
	timeout := &delivery.Error{Stage: delivery.StageConnect, Err: errors.New("i/o timeout"), Temporary: true}
	for i := range 5 {
		p.hostFailed(netip.AddrPortFrom(a, 25), timeout, now)
		if got := p.dialOrder(hosts, now.Add(time.Second)); len(got) != 1 || got[0].addr != a {
			t.Fatalf("after %d failures in a row: dial order %v, want the only address", i+1, got)
		}
	}
}
